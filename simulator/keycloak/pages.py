"""The device verification page (``verification_uri``), so that a person in a browser can sign a
device in against a network in server mode.

Real Keycloak asks for the code, then shows its login page, then a consent page; this is one
form: the code (filled in from ``verification_uri_complete``), username and password. Sign in
approves the code as that user; Deny denies it. The field name ``device_user_code`` and the
messages are Keycloak's (``DeviceEndpoint``, the login theme's ``messages_en.properties``).
"""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Optional
from urllib.parse import parse_qsl

from simulator.core.http import Request, Response

if TYPE_CHECKING:
    from simulator.keycloak.realm import Realm

INVALID_CODE = "Invalid code, please try again."
EXPIRED_CODE = "The code has expired. Please go back to your device and try connecting again."
INVALID_USER = "Invalid username or password."
DONE = ("Device Login Successful",
        "You may now close this browser window and go back to your device.")
DENIED = ("Device Login Failed", "Consent denied for connecting the device.")

_STYLE = ("body{font-family:sans-serif;max-width:26em;margin:3em auto}"
          "label{display:block;margin-top:.8em}input{width:100%;padding:.3em}"
          ".error{color:#a00}button{margin-top:1em;margin-right:.5em}")


def _page(realm: str, title: str, body: str) -> Response:
    html = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{escape(title)}"
            f"</title><style>{_STYLE}</style></head><body><h1>{escape(realm)}</h1>"
            f"<h2>{escape(title)}</h2>{body}</body></html>")
    return Response(200, html.encode("utf-8"), [("Content-Type", "text/html;charset=utf-8"),
                                                ("Cache-Control", "no-store")])


def form(realm: str, action: str, user_code: str = "", error: Optional[str] = None) -> Response:
    shown = f'<p class="error">{escape(error)}</p>' if error else ""
    return _page(realm, "Device Login", (
        f'{shown}<p>Enter the code provided by your device and sign in.</p>'
        f'<form method="post" action="{escape(action)}">'
        f'<label>Code <input name="device_user_code" value="{escape(user_code)}" '
        'autocomplete="off"></label>'
        '<label>Username or email <input name="username" autocomplete="username"></label>'
        '<label>Password <input name="password" type="password" '
        'autocomplete="current-password"></label>'
        '<button type="submit">Sign In</button>'
        '<button type="submit" name="cancel" value="on">Deny</button></form>'))


def outcome(realm: str, header: str, message: str) -> Response:
    return _page(realm, header, f"<p>{escape(message)}</p>")


def handle(realm: "Realm", request: Request, action: str) -> Response:
    if request.method == "GET":
        return form(realm.name, action, request.args.get("user_code", ""))
    fields = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    user_code = fields.get("device_user_code", "")
    code = realm.device_by_user_code(user_code)
    if code is None or code.status != "pending":
        return form(realm.name, action, user_code, INVALID_CODE)
    if code.expires_at <= realm.now():
        return form(realm.name, action, user_code, EXPIRED_CODE)
    if "cancel" in fields:
        realm.deny_device(code.user_code)
        return outcome(realm.name, *DENIED)
    user = realm.check_login(fields.get("username", ""), fields.get("password"))
    if user is None:
        return form(realm.name, action, user_code, INVALID_USER)
    realm.approve_device(code.user_code, user.username)
    return outcome(realm.name, *DONE)
