"""Helpers for tests: the real UserClient, node-API drivers, small encoders."""
from __future__ import annotations

import base64
import contextlib
import io
import json

from simulator.network import Network
from simulator.vantage6.scripted_node import ScriptedNode

JOHN = ("john-doe", "super-secret-password!")
IMAGE = "harbor2.vantage6.ai/demo/average"


def b64json(obj) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def make_client(username: str, password: str, url: str = "http://vantage6.test",
                port: int = 7601):
    """The real vantage6 UserClient, authenticated, with encryption set up (DummyCryptor)."""
    from vantage6.client import UserClient

    with contextlib.redirect_stdout(io.StringIO()):  # the client prints a banner
        client = UserClient(url, port, "/api", log_level="critical")
        client.authenticate(username, password)
    client.setup_encryption(None)
    return client


def node_keys(network: Network) -> dict[int, str]:
    """organization id -> api key of the scenario's nodes."""
    state = network.vantage6.state
    return {state.nodes[s.node_id].organization.id: s.api_key
            for s in network.vantage6.node_setups.values()}


def nodes_answer(network: Network, answer=None, organizations=None) -> list[dict]:
    """Let the scenario's nodes (or some of them) answer their open runs via the node API."""
    return answer_as_nodes(network.api_url, node_keys(network), answer, organizations)


def answer_as_nodes(api_url: str, keys: dict[int, str], answer=None, organizations=None):
    runs = []
    for org_id, api_key in keys.items():
        if organizations is None or org_id in organizations:
            runs += ScriptedNode(api_url, api_key, answer).process()
    return runs


def quiet(fn, *args, **kwargs):
    """Call a UserClient method that prints progress (wait_for_results) without the noise."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)
