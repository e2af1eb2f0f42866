"""In-memory simulator and test harness for research-compute platforms (vantage6 first).

    from simulator import Network
    net = Network.from_scenario("demo")          # the bundled demo world
    with net.intercept():                        # requests/httpx to net.url answered in process
        client = UserClient("http://vantage6.test", 7601, "/api")
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.core.clock import Clock
    from simulator.network import Network
    from simulator.scenario import Scenario, ScenarioError

# eager (and cheap: it imports the network when used): the name would otherwise be the submodule
from simulator.simulate import simulate  # noqa: E402

__all__ = ["Clock", "Network", "Scenario", "ScenarioError", "simulate"]
__version__ = "0.1.0"

# imported on first use, so that a process importing one part (an isolated run's entrypoint, the
# 5.x clients' own virtualenv) does not import every platform with the package
_EXPORTS = {"Clock": "simulator.core.clock", "Network": "simulator.network",
            "Scenario": "simulator.scenario", "ScenarioError": "simulator.scenario"}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
