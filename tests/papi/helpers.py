"""A thin PAPI caller over plain ``requests`` (what user code does), and shared constants."""
from __future__ import annotations

from typing import Any, Optional

import requests

from simulator import Network

VO = "vo.ai4eosc.eu"


class Papi:
    def __init__(self, net: Network) -> None:
        self.net = net
        self.base = net.papi_url

    def headers(self, user: Optional[str], token: Optional[str] = None) -> dict:
        token = token or (self.net.papi.token_for(user) if user else None)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, user: Optional[str] = None, *,
             token: Optional[str] = None, headers: Optional[dict] = None,
             **kwargs: Any) -> requests.Response:
        return requests.request(method, self.base + path,
                                headers={**self.headers(user, token), **(headers or {})},
                                **kwargs)

    def get(self, path: str, user: Optional[str] = None, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, user, **kwargs)

    # ------------------------------------------------------------------ deployments
    def create(self, user: str = "alice", conf: Optional[dict] = None, vo: str = VO,
               tool: Optional[str] = None) -> requests.Response:
        if tool:
            return self.call("POST", "/v1/deployments/tools", user,
                             params={"vo": vo, "tool_name": tool}, json=conf)
        return self.call("POST", "/v1/deployments/modules", user, params={"vo": vo}, json=conf)

    def created(self, user: str = "alice", conf: Optional[dict] = None, vo: str = VO,
                tool: Optional[str] = None) -> str:
        response = self.create(user, conf, vo, tool)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "success", body
        return body["job_ID"]

    def deployment(self, uuid: str, user: str = "alice", vo: str = VO, kind: str = "modules",
                   **params: Any) -> dict:
        response = self.get(f"/v1/deployments/{kind}/{uuid}", user, params={"vo": vo, **params})
        assert response.status_code == 200, response.text
        return response.json()

    def listing(self, user: str = "alice", vos=(VO,), kind: str = "modules", **params: Any
                ) -> list:
        response = self.get(f"/v1/deployments/{kind}", user,
                            params={"vos": list(vos), **params})
        assert response.status_code == 200, response.text
        return response.json()

    def delete(self, uuid: str, user: str = "alice", vo: str = VO,
               kind: str = "modules") -> requests.Response:
        return self.call("DELETE", f"/v1/deployments/{kind}/{uuid}", user, params={"vo": vo})
