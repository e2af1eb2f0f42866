"""Shared fixtures: a fresh demo network per test and the real UserClient wired to it in process."""
from __future__ import annotations

import socket

import pytest

from simulator.network import Network
from tests.helpers import JOHN, make_client


@pytest.fixture(scope="session")
def v5_python() -> str:
    """The Python 3.13 interpreter with the real vantage6 5.0.3 clients beside the simulator
    (tools/v5/install.sh); installing it fails the test loudly, never skips it."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(["bash", str(root / "tools/v5/install.sh")], capture_output=True,
                         text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def net() -> Network:
    return Network.from_scenario("demo", nodes="manual")  # the tests play the nodes


@pytest.fixture
def fresh() -> Network:
    """Like a freshly started real server: only root org 1 and root/root."""
    return Network()


@pytest.fixture
def intercepted(net):
    with net.intercept():
        yield net


@pytest.fixture
def client(intercepted):
    """The real vantage6 UserClient, logged in as john-doe (Researcher, example_org1)."""
    return make_client(*JOHN)


@pytest.fixture
def no_sockets(monkeypatch):
    """Fail the test if anything tries to open a network connection."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a socket connection was attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
