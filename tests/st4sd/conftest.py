"""Fixtures for the ST4SD tests: the sum-numbers scenario and the REAL ExperimentRestAPI; the
real ST4SD runtime's virtualenv (built on first use, never skipped)."""
from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest

from simulator.network import Network

ROOT = Path(__file__).resolve().parents[2]
PVEP_PATH = ROOT / "scenarios" / "st4sd" / "sum-numbers.pvep.json"
TOKEN, API_KEY = "alice-oauth-token", "alice-api-key"

# the client logs every request at INFO and warns about http:// URLs; keep test output readable
logging.getLogger("ExperimentRestAPI").setLevel(logging.ERROR)
logging.getLogger("Session").setLevel(logging.ERROR)
logging.getLogger("MongoClient").setLevel(logging.ERROR)


def load_pvep() -> dict:
    return json.loads(PVEP_PATH.read_text())


def make_api(url: str, **kwargs):
    """The real client, failing fast (the default retries 10 x 5 s on connection errors)."""
    from experiment.service.db import ExperimentRestAPI

    kwargs.setdefault("cc_auth_token", TOKEN)
    return ExperimentRestAPI(url, max_retries=1, secs_between_retries=0, **kwargs)


@pytest.fixture(scope="session")
def st4sd_runtime_venv() -> Path:
    """The real st4sd-runtime-core's virtualenv (tools/st4sd_runtime/install.sh, at its default
    place, where the simulator looks); installing it fails the test loudly, never skips it."""
    out = subprocess.run(["bash", str(ROOT / "tools/st4sd_runtime/install.sh")],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr
    return Path(out.stdout.strip().splitlines()[-1]).parents[1]


@pytest.fixture
def st4sd_net():
    """The sum-numbers scenario run by the in-process interpreter (the fast mode); the real
    runtime's tests ask for it (tests/st4sd/test_elaunch_*.py)."""
    net = Network.from_scenario("st4sd-sum-numbers", st4sd_runtime="interpreter")
    yield net
    net.close()


@pytest.fixture
def api(st4sd_net):
    with st4sd_net.intercept():
        yield make_api(st4sd_net.st4sd_url)


@pytest.fixture
def pushed(api):
    """The example PVEP, pushed with the real client."""
    return api.api_experiment_push(load_pvep())
