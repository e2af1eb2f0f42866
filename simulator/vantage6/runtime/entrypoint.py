"""The command of an isolated run: what an algorithm image runs (``wrap_algorithm()``), with the
node's on-disk cache of parsed databases in front of ``load_data``.

    python -m simulator.vantage6.runtime.entrypoint     (environment set by the simulated node)
"""
from __future__ import annotations


def main() -> None:
    import os

    from simulator.vantage6.v3 import runtime as v3_runtime

    if os.environ.get(v3_runtime.API_VARIABLE) == "3":  # a 3.x image: docker_wrapper(PKG_NAME)
        v3_runtime.wrap_algorithm(os.environ["PKG_NAME"])
        return
    from vantage6.algorithm.tools.util import get_env_var

    from simulator.vantage6.runtime import data_cache
    from simulator.vantage6.runtime.executors import CACHE_VARIABLE

    folder = get_env_var(CACHE_VARIABLE)
    if folder:
        data_cache.install()
        data_cache._current.set(data_cache.DiskCache(folder))

    from vantage6.algorithm.tools.wrap import wrap_algorithm

    wrap_algorithm()


if __name__ == "__main__":
    main()
