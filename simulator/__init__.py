"""In-memory simulator and test harness for research-compute platforms (vantage6 first).

    from simulator import Network
    net = Network.from_scenario("demo")          # the bundled demo world
    with net.intercept():                        # requests/httpx to net.url answered in process
        client = UserClient("http://vantage6.test", 7601, "/api")
"""
from simulator.core.clock import Clock
from simulator.network import Network
from simulator.scenario import Scenario, ScenarioError
from simulator.simulate import simulate

__all__ = ["Clock", "Network", "Scenario", "ScenarioError", "simulate"]
__version__ = "0.1.0"
