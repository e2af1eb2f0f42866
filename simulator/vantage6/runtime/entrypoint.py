"""The command of an isolated run: what an algorithm image runs, entered the way the node's
profile enters its images (4.x: ``wrap_algorithm()`` with the node's on-disk cache of parsed
databases in front of ``load_data``; 3.x: the 3.x wrapper; 5.x: the 5.x ``wrap_algorithm()``).

    python -m simulator.vantage6.runtime.entrypoint     (environment set by the simulated node)
"""
from __future__ import annotations


def main() -> None:
    import os
    import sys

    from simulator.core.confinement import Confinement, confine_process
    from simulator.vantage6.profiles import profile_of_environment

    spec = sys.stdin.read()  # the node's confinement of this run; then stdin is closed, as Docker's
    if spec:
        confine_process(Confinement.from_json(spec))

    profile_of_environment(dict(os.environ)).run_container(os.environ["PKG_NAME"])


if __name__ == "__main__":
    main()
