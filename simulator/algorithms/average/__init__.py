"""The demo algorithm behind image ``harbor2.vantage6.ai/demo/average``: a federated mean.

Why one import path for two builds: a scenario maps the image ``harbor2.vantage6.ai/demo/average``
to the module ``simulator.algorithms.average``, and that image stands for the build of the
algorithm for whichever vantage6 the network speaks, as the real registry would hold a 4.x and a
5.x build of it. The two builds cannot share code: 4.x imports its decorators from
``vantage6.algorithm.tools.decorators`` (gone in 5.x) and 5.x from ``vantage6.algorithm.decorator``
(absent in 4.x), and vantage6-algorithm-tools 4.x and 5.x cannot be installed side by side. So the
build is chosen here, once, by the installed vantage6-algorithm-tools (its distribution metadata,
not a trial import, so that a broken 5.x install fails loudly instead of falling back to 4.x):

* 4.x (also serves the 3.x profile, which runs on the 4.x tools): ``_v4`` --
  ``partial_average``, ``central_average`` (4.x decorators) and the 3.x ``master`` and
  ``RPC_average_partial``.
* 5.x: ``_v5`` -- ``read_csv`` (data extraction), ``partial_average`` (@federated, @dataframe(1))
  and ``central_average`` (@central, @algorithm_client).

Both builds answer ``partial_average(column_name) -> {"sum": float, "count": int}`` (count = rows)
and ``central_average(column_name) -> {"average": float}``.
"""
from __future__ import annotations

import importlib.metadata as _metadata

try:
    _TOOLS_VERSION = _metadata.version("vantage6-algorithm-tools")
except _metadata.PackageNotFoundError as e:  # the algorithm needs the tools whichever build it is
    raise ImportError("simulator.algorithms.average needs vantage6-algorithm-tools "
                      "(4.x or 5.x) installed") from e

# private names: a node looks methods up by name on this module (getattr(module, method))
_TOOLS_MAJOR = int(_TOOLS_VERSION.split(".", 1)[0])

if _TOOLS_MAJOR >= 5:
    from ._v5 import central_average, partial_average, read_csv

    __all__ = ["read_csv", "partial_average", "central_average"]
else:
    from ._v4 import RPC_average_partial, central_average, master, partial_average

    __all__ = ["partial_average", "central_average", "master", "RPC_average_partial"]
