"""Fixtures for the PAPI tests: the bundled papi scenario on a simulated clock, intercepted."""
from __future__ import annotations

import datetime as dt

import pytest

from simulator import Clock, Network, Scenario
from tests.papi.helpers import Papi

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def clock() -> Clock:
    return Clock(start=START)


@pytest.fixture(scope="session")
def papi_scenario() -> Scenario:
    return Scenario.load("papi")  # parsing YAML costs more than building the network


@pytest.fixture
def net(clock, papi_scenario) -> Network:
    return Network(papi_scenario, clock=clock)


@pytest.fixture
def papi(net):
    """A requests-based caller, with interception active for the whole test."""
    with net.intercept():
        yield Papi(net)
