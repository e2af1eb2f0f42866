"""Differential tests against the real vantage6 server 4.15.2 (marker ``oracle``).

They run in the default test run, as in CI: the session's first oracle test installs the oracle
venv if needed (tools/oracle/install.sh, printing its progress) and starts the real server on a
free loopback port; it is stopped at the end of the session. Without the oracle (no network to
install it) these tests ERROR, loudly; deselect them on purpose with ``-m "not oracle"``.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import pytest

from simulator.core.http import Request, Response
from simulator.network import Network
from simulator.transports.server import ServerMode
from tests.oracle.differ import JWT_SECRET
from tests.oracle.oracle import OracleServer
from tests.oracle.worlds import BaseWorlds

HERE = Path(__file__).parent
T = TypeVar("T")


def mark_oracle(items, folder: Path) -> None:
    """Every test below ``folder`` gets the ``oracle`` marker (a conftest's collection hook)."""
    for item in items:
        if folder in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.oracle)


def pytest_collection_modifyitems(config, items) -> None:
    mark_oracle(items, HERE)


def started(request, start: Callable[[], T]) -> T:
    """``start()`` with pytest's capture off, so that an oracle's install progress shows."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        return start()


@pytest.fixture(scope="session")
def oracle(request) -> Iterator[OracleServer]:
    server = started(request, OracleServer.start)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _quiet_expected_errors() -> Iterator[None]:
    # the real server's 500s are reproduced on purpose; the simulator logs each one's traceback
    logger = logging.getLogger("simulator")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*HMAC key.*")  # the oracle's short secret
        yield
    logger.setLevel(level)


class SwitchableServer:
    """One loopback server whose network can be swapped: a fresh simulator world per example
    without a new socket each time."""

    def __init__(self) -> None:
        self.network = Network(jwt_secret=JWT_SECRET)
        self._mode = ServerMode(self._handle, "127.0.0.1", 0).start()
        self.api = self._mode.url + "/api"

    def _handle(self, request: Request) -> Response:
        return self.network.handle(request)

    def reset(self) -> Network:
        self.network = Network(jwt_secret=JWT_SECRET)
        return self.network

    def stop(self) -> None:
        self._mode.stop()


@pytest.fixture(scope="session")
def base_worlds(oracle, simulator_server) -> BaseWorlds:
    """The base world of tests/oracle/worlds.py in both servers; call ``rewind()`` before use."""
    base = BaseWorlds(oracle, simulator_server)
    assert not base.differ.differing, [c.label for c in base.differ.differing]
    return base


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[SwitchableServer]:
    server = SwitchableServer()
    try:
        yield server
    finally:
        server.stop()
