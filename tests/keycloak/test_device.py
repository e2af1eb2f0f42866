"""The device authorization grant: the endpoint's answer, approval (at once as the realm's
device_user, by code, the next login, over the control plane, in the HTML form), denial,
expiry and slow_down on the simulated clock, and Keycloak's errors."""
from __future__ import annotations

import re

import pytest
import requests

VERIFY = "urn:ietf:params:oauth:grant-type:device_code"


def _start(kc) -> dict:
    r = kc.device()
    assert r.status_code == 200, r.text
    return r.json()


def test_device_authorization_answer(kc, realm):
    data = _start(kc)
    assert list(data) == ["device_code", "user_code", "verification_uri",
                          "verification_uri_complete", "expires_in", "interval"]
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", data["user_code"])
    assert data["verification_uri"] == f"{kc.base}/realms/vantage6/device"
    assert data["verification_uri_complete"] == \
        f"{data['verification_uri']}?user_code={data['user_code']}"
    assert (data["expires_in"], data["interval"]) == (600, 5)  # Keycloak's defaults
    r = kc.poll(data["device_code"])
    assert (r.status_code, r.json()) == (400, {
        "error": "authorization_pending",
        "error_description": "The authorization request is still pending"})


def test_device_user_approves_every_new_code_at_once(kc, realm):
    realm.add_user("john-doe", password="pw")
    realm.device_user = "john-doe"
    for _ in range(2):
        r = kc.poll(_start(kc)["device_code"])  # the first poll already has the token
        assert r.status_code == 200
        body = r.json()
        assert body["refresh_token"] and body["id_token"]
        claims = realm.decode(body["access_token"])
        assert claims["preferred_username"] == "john-doe"
        assert claims["vantage6_client_type"] == "user"


def test_approve_by_user_code_then_the_code_is_used_up(kc, realm, clock):
    data = _start(kc)
    assert kc.poll(data["device_code"]).status_code == 400
    realm.approve_device(data["user_code"].lower().replace("-", ""), "admin")  # any spelling
    clock.advance(5)
    r = kc.poll(data["device_code"])
    assert r.status_code == 200 and realm.decode(r.json()["access_token"])["sub"] == \
        realm.user("admin").id
    r = kc.poll(data["device_code"])
    assert (r.status_code, r.json()["error"], r.json()["error_description"]) == \
        (400, "invalid_grant", "Device code not valid")


def test_approve_next_device_before_or_after_it_starts(kc, realm):
    assert realm.approve_next_device("admin") is None       # queued for the next login
    assert kc.poll(_start(kc)["device_code"]).status_code == 200
    data = _start(kc)                                       # nothing queued any more
    assert kc.poll(data["device_code"]).status_code == 400
    assert realm.approve_next_device("admin").user_code == data["user_code"]


def test_polling_faster_than_the_interval_is_told_to_slow_down(kc, realm, clock):
    data = _start(kc)
    kc.poll(data["device_code"])
    clock.advance(2)
    r = kc.poll(data["device_code"])
    assert (r.status_code, r.json()) == (400, {"error": "slow_down",
                                               "error_description": "Slow down"})
    clock.advance(5)
    assert kc.poll(data["device_code"]).json()["error"] == "authorization_pending"


def test_denied_and_expired_codes(kc, realm, clock):
    denied = _start(kc)
    realm.deny_device(denied["user_code"])
    r = kc.poll(denied["device_code"])
    assert (r.status_code, r.json()) == (400, {
        "error": "access_denied",
        "error_description": "The end user denied the authorization request"})
    late = _start(kc)
    clock.advance(600)
    r = kc.poll(late["device_code"])
    assert (r.status_code, r.json()) == (400, {"error": "expired_token",
                                               "error_description": "Device code is expired"})
    with pytest.raises(ValueError, match="expired"):
        realm.approve_device(late["user_code"], "admin")
    clock.advance(15)  # the store keeps a code expires_in + interval + 10 s
    assert kc.poll(late["device_code"]).json()["error_description"] == "Device code not valid"
    with pytest.raises(KeyError, match="no device login"):
        realm.approve_device("NOPE-NOPE", "admin")


def test_device_endpoint_and_grant_errors(kc, realm):
    realm.add_client("plain", public=True)
    r = kc.device("plain")
    assert (r.status_code, r.json()) == (400, {
        "error": "invalid_grant",
        "error_description": "Client not allowed for OAuth 2.0 Device Authorization Grant"})
    r = kc.device("nobody")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
    r = kc.token(grant_type=VERIFY, client_id="public_client")
    assert r.json() == {"error": "invalid_request",
                        "error_description": "Missing parameter: device_code"}
    r = kc.poll("unknown")
    assert r.json()["error_description"] == "Device code not valid"
    r = kc.poll("x", client_id="plain")
    assert r.json() == {"error": "invalid_grant", "error_description":
                        "Client not allowed OAuth 2.0 Device Authorization Grant"}


def test_device_logins_over_the_control_plane(kc, net, realm):
    control = f"{net.url}/_simulator/keycloak/vantage6"
    data = _start(kc)
    listed = requests.get(f"{control}/device").json()
    assert listed["device_user"] is None
    assert [c["user_code"] for c in listed["codes"]] == [data["user_code"]]
    r = requests.post(f"{control}/device", json={"username": "admin"})  # the oldest pending
    assert r.status_code == 200 and r.json()["approved"]["status"] == "approved"
    assert kc.poll(data["device_code"]).status_code == 200
    other = _start(kc)
    r = requests.post(f"{control}/device", json={"user_code": other["user_code"],
                                                 "deny": True})
    assert r.json()["denied"]["status"] == "denied"
    assert requests.post(f"{control}/device", json={"username": "admin"}).json() == {
        "msg": "the next device login is approved as admin"}
    assert kc.poll(_start(kc)["device_code"]).status_code == 200
    assert requests.put(f"{control}/device_user", json={"username": "admin"}).json() == \
        {"device_user": "admin"}
    assert realm.device_user == "admin"
    r = requests.put(f"{control}/device_user", json={"username": "ghost"})
    assert r.status_code == 400 and "no user 'ghost'" in r.json()["msg"]
    r = requests.post(f"{net.url}/_simulator/keycloak/nope/device", json={"username": "a"})
    assert r.status_code == 400 and "no realm 'nope'" in r.json()["msg"]


# ---------------------------------------------------------------------- the HTML form
def test_the_verification_form_approves_as_the_user_who_signs_in(kc, realm, clock):
    data = _start(kc)
    page = requests.get(data["verification_uri_complete"])
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f'value="{data["user_code"]}"' in page.text and 'name="device_user_code"' in page.text
    form = {"device_user_code": data["user_code"], "username": "admin"}
    r = requests.post(data["verification_uri"], data={**form, "password": "wrong"})
    assert "Invalid username or password." in r.text
    assert kc.poll(data["device_code"]).status_code == 400
    r = requests.post(data["verification_uri"], data={**form, "password": "admin"})
    assert "Device Login Successful" in r.text
    clock.advance(5)  # the interval since the last poll
    assert realm.decode(kc.poll(data["device_code"]).json()["access_token"])[
        "preferred_username"] == "admin"
    r = requests.post(data["verification_uri"], data={**form, "password": "admin"})
    assert "Invalid code, please try again." in r.text   # already used


def test_the_verification_form_denies(kc):
    data = _start(kc)
    r = requests.post(data["verification_uri"],
                      data={"device_user_code": data["user_code"], "cancel": "on"})
    assert "Consent denied for connecting the device." in r.text
    assert kc.poll(data["device_code"]).json()["error"] == "access_denied"
