"""Fixtures for the Keycloak tests: a fresh network on a simulated clock, intercepted, and a
small ``requests`` caller for its ``vantage6`` realm."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import pytest
import requests

from simulator import Clock, Network

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
ADMIN = {"client_id": "backend-admin-client", "client_secret": "myadminclientsecret"}


class Kc:
    """Raw HTTP against one realm of the network's Keycloak (what python-keycloak sends)."""

    def __init__(self, base: str, realm: str = "vantage6") -> None:
        self.base = base
        self.realm = realm
        self.oidc = f"{base}/realms/{realm}/protocol/openid-connect"
        self.admin_base = f"{base}/admin/realms/{realm}"

    def token(self, **form: Any) -> requests.Response:
        return requests.post(f"{self.oidc}/token", data=form)

    def device(self, client_id: str = "public_client") -> requests.Response:
        return requests.post(f"{self.oidc}/auth/device",
                             data={"client_id": client_id, "scope": "openid"})

    def poll(self, device_code: str, client_id: str = "public_client") -> requests.Response:
        return self.token(grant_type=DEVICE, device_code=device_code, client_id=client_id)

    def admin_token(self) -> str:
        r = self.token(grant_type="client_credentials", **ADMIN)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def admin(self, method: str, path: str, token: Optional[str] = None,
              **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.admin_token()}",
                   "Content-Type": "application/json"}
        return requests.request(method, self.admin_base + path, headers=headers, **kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock(start=START)


@pytest.fixture
def net(clock) -> Network:
    return Network(clock=clock, seed=3)


@pytest.fixture
def realm(net):
    return net.keycloak.realm("vantage6")


@pytest.fixture
def kc(net):
    with net.intercept():
        yield Kc(net.url)
