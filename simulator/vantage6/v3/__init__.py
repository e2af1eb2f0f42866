"""The vantage6 3.x profile (vantage6-server/-client 3.11.1): the 3.x REST shapes over the same
records as 4.x, and the 3.x algorithm conventions (``runtime``) for the simulated nodes.

    Network.from_scenario("demo", profile="3.x")
"""
from simulator.vantage6.resources import token
from simulator.vantage6.v3 import resources, tasks

ROUTE_TABLES = [token.routes, resources.routes, tasks.routes]
