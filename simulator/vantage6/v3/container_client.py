"""The ``ContainerClient`` a 3.x master method receives (vantage6-client 3.11.1,
``vantage6.client.ContainerClient``), talking to the node proxy with ``requests``.

The real class cannot be imported beside vantage6-client 4.x (both are ``vantage6.client``), so
its behaviour is reproduced here call for call: the same endpoints, the same (legacy, pickled)
subtask input and result decoding, the same failure on any answer above 210 (a container cannot
refresh its token).
"""
from __future__ import annotations

import base64
import logging
import pickle
from typing import Any, Optional

import jwt
import requests

log = logging.getLogger(__name__)


class ContainerClient:
    def __init__(self, token: str, host: str, port: Any, path: str = "/api") -> None:
        self._host, self._port, self._path = host, port, path
        identity = jwt.decode(token, options={"verify_signature": False})["sub"]
        self.image = identity.get("image")
        self.database = identity.get("database")
        self.host_node_id = identity.get("node_id")
        self.collaboration_id = identity.get("collaboration_id")
        self._access_token = token
        self.log = log

    # ------------------------------------------------------------------ transport
    @property
    def base_path(self) -> str:
        return f"{self._host}:{self._port}{self._path}" if self._port else \
            f"{self._host}{self._path}"

    def generate_path_to(self, endpoint: str) -> str:
        return self.base_path + (endpoint if endpoint.startswith("/") else "/" + endpoint)

    @property
    def headers(self) -> dict:
        return {"Authorization": "Bearer " + self._access_token}

    @property
    def token(self) -> str:
        return self._access_token

    def request(self, endpoint: str, json: Optional[dict] = None, method: str = "get",
                params: Optional[dict] = None) -> Any:
        response = requests.request(method.upper(), self.generate_path_to(endpoint), json=json,
                                    headers=self.headers, params=params)
        if response.status_code > 210:
            self.log.error(f"Server responded with error code: {response.status_code}")
            self.refresh_token()  # as ClientBase.request on a first failure
        return response.json()

    def authenticate(self) -> None:
        self.log.warning("Containers do not authenticate?!")

    def refresh_token(self) -> None:
        raise Exception("Containers cannot refresh!")

    # ------------------------------------------------------------------ what algorithms call
    def get_results(self, task_id: int) -> list:
        """The unpickled results of a (sub)task that has them."""
        results = self.request(f"task/{task_id}/result")
        try:
            return [pickle.loads(base64.b64decode(r.get("result")))
                    for r in results if r.get("result")]
        except Exception as e:
            self.log.error("Unable to unpickle result")
            self.log.debug(e)
            return []

    def get_algorithm_addresses(self, task_id: int) -> list:
        results = self.request(f"task/{task_id}/result")
        return [{"ip": r["node"]["ip"], "port": p["port"], "label": p["label"]}
                for r in results for p in r["ports"]]

    def get_algorithm_address_by_label(self, task_id: int, label: str) -> Optional[str]:
        for address in self.get_algorithm_addresses(task_id=task_id):
            if address["label"] == label:
                return f"{address['ip']}:{address['port']}"
        return None

    def get_task(self, task_id: int) -> dict:
        return self.request(f"task/{task_id}")

    def create_new_task(self, input_: Any, organization_ids: Optional[list] = None) -> dict:
        return self.post_task(
            name="subtask", description=f"task from container on node_id={self.host_node_id}",
            collaboration_id=self.collaboration_id, organization_ids=organization_ids or [],
            input_=input_, image=self.image, database=self.database)

    def get_organizations_in_my_collaboration(self) -> list:
        return self.request(f"collaboration/{self.collaboration_id}/organization")

    def post_task(self, name: str, image: str, collaboration_id: int, input_: Any = "",
                  description: str = "", organization_ids: Optional[list] = None,
                  database: Optional[str] = "default") -> dict:
        """Without encryption (the proxy encrypts): the input pickled, base64-encoded."""
        serialized = base64.b64encode(pickle.dumps(input_)).decode()
        return self.request("task", method="post", json={
            "name": name, "image": image, "collaboration_id": collaboration_id,
            "description": description,
            "organizations": [{"id": i, "input": serialized} for i in organization_ids or []],
            "database": database})
