"""A node that follows a script: it logs in with its api key and answers its open runs through the
node API exactly as vantage6-node 4.15.2 does (PATCH started_at, container token, PATCH active,
PATCH result/log/status/finished_at), with results produced by a Python function.

Useful in tests that need to control what nodes report (statuses, failures, timing) and as the
stand-in for algorithm execution until simulated nodes run algorithms themselves.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Callable, Optional

import jwt
import requests

Answer = Callable[[dict, dict], Any]  # (run with nested task, decoded input) -> result object


@dataclass
class RunOutcome:
    """What to report for a run: a JSON-serialisable result, or a failure status."""

    result: Any = None
    status: str = "completed"
    log: str = ""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()


class ScriptedNode:
    def __init__(self, api_url: str, api_key: str, answer: Optional[Answer] = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.api_key = api_key
        self.answer = answer or (lambda run, input_: None)
        self.token: Optional[str] = None
        self.node: dict = {}

    # ------------------------------------------------------------------ HTTP
    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return requests.request(method, f"{self.api_url}{path}", headers=headers, **kwargs)

    def login(self) -> "ScriptedNode":
        response = self._call("POST", "/token/node", json={"api_key": self.api_key})
        response.raise_for_status()
        self.token = response.json()["access_token"]
        node_id = jwt.decode(self.token, options={"verify_signature": False})["sub"]
        self.node = self._call("GET", f"/node/{node_id}").json()
        return self

    def open_runs(self) -> list[dict]:
        """``GET /run?state=open&node_id=..&include=task``, following ``links.next``."""
        runs, page = [], 1
        while True:
            body = self._call("GET", "/run", params={"state": "open", "node_id": self.node["id"],
                                                     "include": "task", "page": page}).json()
            runs += body["data"]
            if "next" not in body["links"]:
                return runs
            page += 1

    # ------------------------------------------------------------------ running
    def process(self) -> list[dict]:
        """Answer every open run that has not started; returns the final run documents."""
        if self.token is None:
            self.login()
        done = []
        for run in self.open_runs():
            if run["started_at"] is None:
                done.append(self.run_one(run))
        return done

    def run_one(self, run: dict) -> dict:
        task = run["task"]
        self._patch(run["id"], {"started_at": _now()})
        token = self._call("POST", "/token/container",
                           json={"task_id": task["id"], "image": task["image"]})
        if token.status_code != 200:
            return self._patch(run["id"], {"status": "failed",
                                           "log": "Could not obtain algorithm container token"})
        self._patch(run["id"], {"status": "active"})
        input_ = json.loads(base64.b64decode(run["input"])) if run["input"] else {}
        try:
            outcome = self.answer(run, input_)
            if not isinstance(outcome, RunOutcome):
                outcome = RunOutcome(result=outcome)
        except Exception as exc:  # an algorithm's failure is data, never a crash
            outcome = RunOutcome(status="crashed", log=f"error > {exc!r}")
        output = b"" if outcome.status != "completed" else json.dumps(outcome.result).encode()
        return self._patch(run["id"], {
            "result": base64.b64encode(output).decode(), "log": outcome.log,
            "status": outcome.status, "finished_at": _now()})

    def _patch(self, run_id: int, body: dict) -> dict:
        response = self._call("PATCH", f"/run/{run_id}", json=body)
        response.raise_for_status()
        return response.json()
