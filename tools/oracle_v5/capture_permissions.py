"""Capture the rules, default roles and role-rule rows of the real vantage6-hq 5.0.3 into
simulator/vantage6/v5/data/permissions.json. Runs the real HQ in process (Flask app over an
in-memory SQLite database, Keycloak's admin API and public key faked: start-up only needs the
admin user to exist), so no server or Keycloak has to run.

    $(bash tools/oracle_v5/install.sh) tools/oracle_v5/capture_permissions.py
"""
from __future__ import annotations

import json
import os
import sys
import types
import uuid
from pathlib import Path
from unittest.mock import patch

for name, value in {"KEYCLOAK_URL": "http://keycloak.invalid", "KEYCLOAK_REALM": "vantage6",
                    "KEYCLOAK_ADMIN_USERNAME": "admin", "KEYCLOAK_ADMIN_PASSWORD": "admin",
                    "KEYCLOAK_ADMIN_CLIENT": "backend-admin-client",
                    "KEYCLOAK_ADMIN_CLIENT_SECRET": "secret"}.items():
    os.environ.setdefault(name, value)

OUT = Path(__file__).resolve().parents[2] / "simulator" / "vantage6" / "v5" / "data" / "permissions.json"
ADMIN_ID = str(uuid.uuid4())


class _Admin:
    """The two calls start-up makes: find the admin user, and store its organization."""

    def __init__(self, *_, **__) -> None:
        pass

    def get_user_id(self, username: str):
        return ADMIN_ID if username == "admin" else None

    def get_user(self, user_id: str) -> dict:
        return {"id": user_id, "username": "admin", "attributes": {}}

    def update_user(self, user_id: str, payload: dict) -> None:
        return None


def main() -> None:
    import vantage6.backend.common as backend
    import vantage6.backend.common.auth as auth
    from flask_socketio import SocketIO
    from sqlalchemy import text

    auth.KeycloakAdmin = _Admin
    auth._get_admin_token = lambda: {"access_token": "x", "expires_in": 300}
    backend.Vantage6App._get_keycloak_public_key = lambda self: "unused"
    from vantage6.hq import HQApp
    from vantage6.hq.model.base import Database, DatabaseSessionManager

    Database().connect("sqlite://", allow_drop_all=True)
    with patch.object(SocketIO, "start_background_task"):
        app = HQApp(types.SimpleNamespace(config={"api_path": "/api", "jwt_secret_key": "x"}))
    app.ensure_db_initialized()
    with app.app.app_context():
        DatabaseSessionManager.new_session()
        session = DatabaseSessionManager.get_session()
        rows = session.execute(text("select id, name, operation, scope, description from rule "
                                    "order by id")).all()
        rules = [dict(id=r[0], name=r[1], operation=r[2], scope=r[3], description=r[4])
                 for r in rows]
        links = [list(r) for r in session.execute(text(
            "select role_id, rule_id from role_rule_association order by rowid")).all()]
        roles = [dict(id=r[0], name=r[1], description=r[2],
                      rules=[rule for role, rule in links if role == r[0]])
                 for r in session.execute(text("select id, name, description from role "
                                               "order by id")).all()]
    OUT.write_text(json.dumps({
        "source": "vantage6-hq 5.0.3, captured in process (SQLite, Keycloak faked) by "
                  "tools/oracle_v5/capture_permissions.py; role_rule_links = rows of "
                  "role_rule_association in rowid order, duplicates included",
        "rules": rules, "default_roles": roles, "role_rule_links": links}, indent=1) + "\n")
    print(f"{len(rules)} rules, {len(roles)} roles, {len(links)} links -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
