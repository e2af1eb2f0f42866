"""Seed 001: the real vantage6-client 3.11.1, in a virtualenv of its own (tools/v3client), runs
the seed document's code against a 3.x-profile network served on loopback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator import Network
from tests.helpers import JOHN
from tests.vantage6.test_v3_profile import FRAMES, POOLED, ROOT


@pytest.fixture(scope="session")
def v3_client_python() -> str:
    """The 3.11.1 client's interpreter; installing it fails the test loudly, never skips it."""
    out = subprocess.run(["bash", str(ROOT / "tools/v3client/install.sh")], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_seed_001_vantage6_client_3(v3_client_python):
    with Network.from_scenario("demo", profile="3.x") as net:
        server = net.serve()
        try:
            out = subprocess.run([v3_client_python, str(ROOT / "tests/seeds/seed_001_client_v3.py"),
                                  "http://127.0.0.1", str(server.port), *JOHN],
                                 capture_output=True, text=True, timeout=300)
        finally:
            server.stop()
        assert out.returncode == 0, out.stderr[-3000:]
        summary = json.loads(out.stdout.strip().splitlines()[-1])
        assert summary["version"] == {"version": "3.11.1"}
        assert summary["whoami"] == "John"
        assert (summary["master_status"], summary["master_results_included"]) == ("completed", 2)
        assert summary["averages"] == {"2": pytest.approx(POOLED["age"].mean()),
                                       "3": pytest.approx(POOLED["age"].mean())}
        assert summary["partials"] == {str(org): {"sum": FRAMES[org]["age"].sum(),
                                                  "count": len(FRAMES[org])} for org in (2, 3)}
        # each master run sent its subtask to every organization of the collaboration
        children = [t for t in net.tasks() if t["parent_id"] is not None]
        assert len(children) == 2
