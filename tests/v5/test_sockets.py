"""HQ 5.0.3's Socket.IO namespace /tasks in server mode (hq/websockets.py), heard by a
python-socketio client: a user joins the rooms its event rules allow and hears
``new_task_update``; an expired token is told ``expired_token``, a badly signed one
``invalid_token``, anything else connects and hears nothing."""
from __future__ import annotations

import base64
import json
import time

import pytest

socketio = pytest.importorskip("socketio")

from simulator import Network  # noqa: E402
from tests.v5.helpers import IMAGE  # noqa: E402


class Listener:
    def __init__(self, url: str, token: str) -> None:
        self.events: list[tuple[str, tuple]] = []
        self.sio = socketio.Client()
        self.sio.on("*", lambda event, *data: self.events.append((event, data)),
                    namespace="/tasks")
        self.sio.connect(url, headers={"Authorization": f"Bearer {token}"},
                         namespaces=["/tasks"], transports=["polling"])

    def wait_for(self, name: str, timeout: float = 10) -> list:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [d for e, d in self.events if e == name]
            if found:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{name} not received; got {self.events}")


@pytest.fixture
def served():
    with Network.from_scenario("demo", profile="5.x") as net:
        server = net.serve()
        try:
            yield net, server
        finally:
            server.stop()


def test_a_user_hears_new_tasks_of_its_collaboration(served):
    net, server = served
    realm = net.keycloak.realm("vantage6")
    listener = Listener(server.url, realm.mint("john-doe"))
    try:
        listener.wait_for("message")
        token = realm.mint("john-doe")
        session = net.request("POST", "/api/session", token=token,
                              json={"collaboration_id": 1, "scope": "own"}).get_json()
        arguments = base64.b64encode(json.dumps({}).encode()).decode()
        df = net.request("POST", f"/api/session/{session['id']}/dataframe", token=token, json={
            "label": "default", "task": {"image": IMAGE, "method": "read_csv", "organizations": [
                {"id": o, "arguments": arguments} for o in (2, 3, 4)]}}).get_json()
        task_id = df["last_session_task"]["id"]
        assert listener.wait_for("new_task_update") == [({"id": task_id, "parent_id": None},)]
    finally:
        listener.sio.disconnect()


@pytest.mark.parametrize("which,expected", [("expired", ["expired_token"]),
                                            ("forged", ["invalid_token"]),
                                            ("garbage", [])])
def test_bad_tokens(served, which, expected):
    net, server = served
    realm = net.keycloak.realm("vantage6")
    token = {"expired": realm.mint("john-doe", expires_in=-60),
             "forged": realm.mint("john-doe")[:-8] + "AAAAAAAA",
             "garbage": "not-a-token"}[which]
    listener = Listener(server.url, token)
    try:
        time.sleep(0.3)
        assert [e for e, _ in listener.events] == expected
    finally:
        listener.sio.disconnect()
