"""Fixtures for the ST4SD tests: the sum-numbers scenario and the REAL ExperimentRestAPI."""
from __future__ import annotations

import json
import logging
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


@pytest.fixture
def st4sd_net():
    net = Network.from_scenario("st4sd-sum-numbers")
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
