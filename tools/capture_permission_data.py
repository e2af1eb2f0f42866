"""Capture the real server's rules and default roles into simulator/vantage6/data/permissions.json.

usage: python tools/capture_permission_data.py http://127.0.0.1:7601/api SNAPSHOT.sqlite
       (a fresh oracle, root/root, started by tools/oracle/serve.py; SNAPSHOT.sqlite is its
       /tmp/v6-oracle-*/snapshot-fresh.sqlite, for the row order of role_rule_association)

The simulator ships the result, so rule ids, descriptions and the default roles' rule sets are the
real server's, not a transcription. Re-run after a server upgrade.
"""
import json
import sqlite3
import sys
from pathlib import Path

import requests

OUT = Path(__file__).resolve().parents[1] / "simulator" / "vantage6" / "data" / "permissions.json"


def main(base: str, snapshot: str) -> None:
    tok = requests.post(f"{base}/token/user", json={"username": "root", "password": "root"}).json()
    hdr = {"Authorization": f"Bearer {tok['access_token']}"}

    def get(path: str, **params):
        r = requests.get(f"{base}{path}", headers=hdr, params=params)
        r.raise_for_status()
        return r.json()

    op_value = {"VIEW": "v", "EDIT": "e", "CREATE": "c", "DELETE": "d", "SEND": "s", "RECEIVE": "r"}
    scope_value = {"GLOBAL": "glo", "COLLABORATION": "col", "ORGANIZATION": "org", "OWN": "own"}
    rules = [
        {"id": r["id"], "name": r["name"], "operation": op_value[r["operation"]],
         "scope": scope_value[r["scope"]], "description": r["description"]}
        for r in get("/rule", no_pagination=1)["data"]
    ]
    roles = []
    for role in get("/role", per_page=100)["data"]:
        if not role["is_default_role"]:
            continue
        # association (insertion) order, which the real lists and permission sets follow
        rule_ids = [r["id"] for r in get("/rule", role_id=role["id"], no_pagination=1)["data"]]
        roles.append({"id": role["id"], "name": role["name"], "description": role["description"],
                      "rules": rule_ids})
    # the association rows in rowid order (duplicates included): start-up links rules to Root,
    # container and node interleaved, which /role?rule_id= shows; the API cannot tell it
    with sqlite3.connect(snapshot) as con:
        links = [list(row) for row in con.execute(
            "SELECT role_id, rule_id FROM role_rule_association ORDER BY rowid")]
    doc = {"source": "vantage6-server 4.15.2, captured by tools/capture_permission_data.py "
                     "(role_rule_links: the rows of role_rule_association in rowid order, "
                     "duplicates included)",
           "rules": rules, "default_roles": roles, "role_rule_links": links}
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(rules)} rules, {len(roles)} default roles -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
