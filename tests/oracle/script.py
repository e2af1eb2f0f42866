"""The scripted differential scenario (from tools/diff_oracle.py): ~1500 raw HTTP calls, section by
section, against a FRESH real server and a fresh simulator. Both worlds are built through the API
in the same order, so ids match. Sections depend on the ones before them (``SECTIONS`` order).
"""
from __future__ import annotations

import base64
import json
import time

from tests.oracle.differ import (IMAGE, MISSING, ROLE_COL_ADMIN, ROLE_ORG_ADMIN, ROLE_RESEARCHER,
                                 ROLE_VIEWER, STRONG_PW, Differ, b64, bearer, made_token, now_iso)

def misc_and_tokens(d: Differ) -> None:
    c = d.call
    c("version", "GET", "/version")
    c("health", "GET", "/health")
    c("unknown route", "GET", "/nope", known="unknown route: real answers Werkzeug's HTML 404")
    c("method not allowed", "DELETE", "/version")
    c("blobstream status without token", "GET", "/blobstream/status")
    d.login("root", "root", "root")
    c("blobstream status", "GET", "/blobstream/status", "root")
    c("login wrong password", "POST", "/token/user", json_={"username": "root", "password": "x"})
    c("login unknown user", "POST", "/token/user", json_={"username": "nobody", "password": "x"})
    c("login missing password", "POST", "/token/user", json_={"username": "root"})
    c("login empty body", "POST", "/token/user", json_={})
    c("login unknown field", "POST", "/token/user",
      json_={"username": "root", "password": "root", "extra": 1})
    c("login wrong type", "POST", "/token/user", json_={"username": 5, "password": ["root"]})
    c("login long mfa", "POST", "/token/user",
      json_={"username": "root", "password": "root", "mfa_code": "12345678901"})
    c("login body is a list", "POST", "/token/user", json_=["root"])
    c("login not json", "POST", "/token/user", data="username=root",
      headers={"Content-Type": "application/json"})
    c("login without content type", "POST", "/token/user",
      data=json.dumps({"username": "root", "password": "root"}))
    c("login no body", "POST", "/token/user")
    c("node login bad uuid", "POST", "/token/node", json_={"api_key": "nope"})
    c("node login unknown key", "POST", "/token/node",
      json_={"api_key": "123e4567-e89b-12d3-a456-426614174000"})
    c("node login missing key", "POST", "/token/node", json_={})
    c("node login unknown field", "POST", "/token/node",
      json_={"api_key": "123e4567-e89b-12d3-a456-426614174000", "x": 1})
    c("refresh with refresh token", "POST", "/token/refresh",
      auth=lambda w: bearer(w.ref["root"]))
    c("refresh with access token", "POST", "/token/refresh", "root")
    c("refresh without token", "POST", "/token/refresh")
    c("access endpoint with refresh token", "GET", "/organization/1",
      auth=lambda w: bearer(w.ref["root"]))
    c("no auth header", "GET", "/organization")
    c("malformed token", "GET", "/organization", auth="Bearer abc.def")
    c("garbage token", "GET", "/organization", auth="Bearer notatoken")
    c("bearer without token", "GET", "/organization", auth="Bearer")
    c("basic auth header", "GET", "/organization", auth="Basic cm9vdDpyb290")
    c("bearer with two parts", "GET", "/organization", auth="Bearer a b")
    c("expired token", "GET", "/organization",
      auth=bearer(made_token({"exp": int(time.time()) - 10, "iat": int(time.time()) - 100,
                              "nbf": int(time.time()) - 100})))
    c("foreign signature", "GET", "/organization", auth=bearer(made_token({}, secret="other")))
    c("token for missing user", "GET", "/organization", auth=bearer(made_token({"sub": 999})))
    c("token without sub", "GET", "/organization", auth=bearer(made_token({"sub": MISSING})))
    c("token with string sub", "GET", "/organization", auth=bearer(made_token({"sub": "1"})))
    c("token not yet valid", "GET", "/organization",
      auth=bearer(made_token({"nbf": int(time.time()) + 3600})))
    c("token without exp", "GET", "/organization/1", auth=bearer(made_token({"exp": MISSING})))
    c("token without client_type", "GET", "/organization/1",
      auth=bearer(made_token({"client_type": MISSING})))
    c("validate user token", "POST", "/token/user/validate", "root")
    c("validate node token as user", "POST", "/token/node/validate", "root")
    c("container token as user", "POST", "/token/container", "root",
      json_={"task_id": 1, "image": "x"})


def build_world(d: Differ) -> None:
    c = d.call
    for name, country in [("OrgA", "NL"), ("OrgB", "BE"), ("OrgC", "NL"), ("OrgD", "DE")]:
        c(f"create {name}", "POST", "/organization", "root",
          json_={"name": name, "country": country, "address1": f"{name} street 1",
                 "domain": f"{name.lower()}.org"})
    # ids: OrgA 2, OrgB 3, OrgC 4, OrgD 5
    c("create Col1", "POST", "/collaboration", "root",
      json_={"name": "Col1", "organization_ids": [2, 3, 4], "encrypted": False})
    c("create Col2", "POST", "/collaboration", "root",
      json_={"name": "Col2", "organization_ids": [2, 3], "encrypted": False})
    c("create Col3 (encrypted)", "POST", "/collaboration", "root",
      json_={"name": "Col3", "organization_ids": [3, 4], "encrypted": True})
    # nodes share the id sequence with users: root is 1
    for ident, org, col, name in [("nA1", 2, 1, "nodeA1"), ("nB1", 3, 1, "nodeB1"),
                                  ("nC1", 4, 1, None), ("nA2", 2, 2, "nodeA2"),
                                  ("nB3", 3, 3, "nodeB3")]:
        body = {"organization_id": org, "collaboration_id": col}
        if name:
            body["name"] = name
        pair = c(f"create node {ident}", "POST", "/node", "root", json_=body)
        for w, o in zip(d.worlds, pair):
            w.vals[f"key:{ident}"] = o.get("api_key")
            w.vals[f"id:{ident}"] = o.get("id")
    # users: ids follow the nodes (7..)
    for ident, org, roles in [("viewer", 2, [ROLE_VIEWER]), ("researcher", 2, [ROLE_RESEARCHER]),
                              ("orgadmin", 2, [ROLE_ORG_ADMIN]), ("coladmin", 2, [ROLE_COL_ADMIN]),
                              ("resb", 3, [ROLE_RESEARCHER]), ("viewd", 5, [ROLE_VIEWER]),
                              ("norole", 2, [])]:
        pair = c(f"create user {ident}", "POST", "/user", "root",
                 json_={"username": ident, "password": STRONG_PW, "email": f"{ident}@x.org",
                        "firstname": ident.title(), "lastname": "Test", "organization_id": org,
                        "roles": roles})
        for w, o in zip(d.worlds, pair):
            w.vals[f"id:{ident}"] = o.get("id")
    for ident in ("viewer", "researcher", "orgadmin", "coladmin", "resb", "viewd", "norole"):
        d.login(ident, ident, STRONG_PW)
    for ident in ("nA1", "nB1", "nC1", "nA2", "nB3"):
        d.node_login(ident)
    c("validate node token", "POST", "/token/node/validate", "nA1")
    c("validate user token as node", "POST", "/token/user/validate", "nA1")
    c("refresh node token", "POST", "/token/refresh", auth=lambda w: bearer(w.ref["nA1"]))
    c("create study S1", "POST", "/study", "root",
      json_={"name": "S1", "collaboration_id": 1, "organization_ids": [2, 3]})
    c("create study S2", "POST", "/study", "root",
      json_={"name": "S2", "collaboration_id": 2, "organization_ids": [3]})


def organizations(d: Differ) -> None:
    c = d.call
    c("org list root", "GET", "/organization", "root")
    c("org list page 2", "GET", "/organization", "root", params={"per_page": 2, "page": 2})
    c("org list page beyond", "GET", "/organization", "root", params={"per_page": 2, "page": 9})
    c("org list page 0", "GET", "/organization", "root", params={"page": 0})
    c("org list per_page 0", "GET", "/organization", "root", params={"per_page": 0})
    c("org list page x", "GET", "/organization", "root", params={"page": "x"})
    c("org list per_page -1", "GET", "/organization", "root", params={"per_page": -1})
    c("org list sort -name", "GET", "/organization", "root", params={"sort": "-name"})
    c("org list sort country,-id", "GET", "/organization", "root",
      params={"sort": "country,-id"})
    c("org list sort bogus", "GET", "/organization", "root", params={"sort": "bogus"})
    c("org list sort relation", "GET", "/organization", "root", params={"sort": "nodes"})
    c("org list name like", "GET", "/organization", "root", params={"name": "Org%"})
    c("org list name like _", "GET", "/organization", "root", params={"name": "org_"})
    c("org list country", "GET", "/organization", "root", params={"country": "NL"})
    c("org list collaboration", "GET", "/organization", "root", params={"collaboration_id": 1})
    c("org list collaboration x", "GET", "/organization", "root",
      params={"collaboration_id": "x"})
    c("org list collaboration missing", "GET", "/organization", "root",
      params={"collaboration_id": 99})
    c("org list study", "GET", "/organization", "root", params={"study_id": 1})
    c("org list study missing", "GET", "/organization", "root", params={"study_id": 99})
    c("org list ids", "GET", "/organization", "root", params=[("ids", 2), ("ids", 4)])
    c("org list viewer", "GET", "/organization", "viewer")
    c("org list viewer col 3", "GET", "/organization", "viewer", params={"collaboration_id": 3})
    c("org list viewer col 1", "GET", "/organization", "viewer", params={"collaboration_id": 1})
    c("org list coladmin", "GET", "/organization", "coladmin")
    c("org list norole", "GET", "/organization", "norole")
    c("org list node", "GET", "/organization", "nA1")
    c("org get", "GET", "/organization/2", "root")
    c("org get 404", "GET", "/organization/99", "root")
    c("org get viewer other col org", "GET", "/organization/3", "viewer")
    c("org get viewer outside", "GET", "/organization/5", "viewer")
    c("org get norole", "GET", "/organization/2", "norole")
    c("org get node", "GET", "/organization/3", "nA1")
    c("org create dup", "POST", "/organization", "root", json_={"name": "OrgA"})
    c("org create missing name", "POST", "/organization", "root", json_={"country": "NL"})
    c("org create numeric name", "POST", "/organization", "root", json_={"name": "123"})
    c("org create empty name", "POST", "/organization", "root", json_={"name": ""})
    c("org create unknown field", "POST", "/organization", "root",
      json_={"name": "OrgX", "bogus": 1})
    c("org create wrong type", "POST", "/organization", "root",
      json_={"name": "OrgX", "country": 5})
    c("org create long zipcode", "POST", "/organization", "root",
      json_={"name": "OrgX", "zipcode": "1" * 200})
    c("org create not json", "POST", "/organization", "root", data="{bad",
      headers={"Content-Type": "application/json"})
    c("org create no content type", "POST", "/organization", "root",
      data=json.dumps({"name": "OrgX"}))
    c("org create as orgadmin", "POST", "/organization", "orgadmin", json_={"name": "OrgX"})
    c("org create as node", "POST", "/organization", "nA1", json_={"name": "OrgX"})
    c("org create bad public key", "POST", "/organization", "root",
      json_={"name": "OrgKey", "public_key": "%%%"})
    c("org create with key", "POST", "/organization", "root",
      json_={"name": "OrgE", "public_key": base64.b64encode(b"PEM KEY").decode()})  # id 6
    c("org patch", "PATCH", "/organization/2", "root", json_={"zipcode": "1234AB"})
    c("org patch dup name", "PATCH", "/organization/2", "root", json_={"name": "OrgB"})
    c("org patch unknown field", "PATCH", "/organization/2", "root", json_={"x": 1})
    c("org patch 404", "PATCH", "/organization/99", "root", json_={"zipcode": "1"})
    c("org patch public key other org", "PATCH", "/organization/2", "root",
      json_={"public_key": "QUJD"})
    c("org patch orgadmin own", "PATCH", "/organization/2", "orgadmin",
      json_={"address2": "second"})
    c("org patch orgadmin own key", "PATCH", "/organization/2", "orgadmin",
      json_={"public_key": "QUJD"})
    c("org patch orgadmin other", "PATCH", "/organization/3", "orgadmin", json_={"address2": "x"})
    c("org patch coladmin col org", "PATCH", "/organization/3", "coladmin",
      json_={"address2": "by col admin"})
    c("org patch viewer", "PATCH", "/organization/2", "viewer", json_={"address2": "x"})
    c("org patch node own", "PATCH", "/organization/2", "nA1", json_={"address2": "by node"})
    c("org patch empty name", "PATCH", "/organization/2", "root", json_={"name": ""})
    c("org patch no body", "PATCH", "/organization/2", "root")
    c("org get after patches", "GET", "/organization/2", "root")


def collaborations(d: Differ) -> None:
    c = d.call
    c("col list root", "GET", "/collaboration", "root")
    c("col list include orgs", "GET", "/collaboration", "root",
      params={"include": "organizations", "per_page": 1})
    c("col list encrypted 1", "GET", "/collaboration", "root", params={"encrypted": 1})
    c("col list encrypted true", "GET", "/collaboration", "root", params={"encrypted": "true"})
    c("col list name", "GET", "/collaboration", "root", params={"name": "%1"})
    c("col list org 4", "GET", "/collaboration", "root", params={"organization_id": 4})
    c("col list viewer", "GET", "/collaboration", "viewer")
    c("col list viewer own org", "GET", "/collaboration", "viewer", params={"organization_id": 2})
    c("col list viewer other org", "GET", "/collaboration", "viewer",
      params={"organization_id": 3})
    c("col list store", "GET", "/collaboration", "root", params={"algorithm_store_id": 1})
    c("col list node", "GET", "/collaboration", "nA1")
    c("col list norole", "GET", "/collaboration", "norole")
    c("col list sort", "GET", "/collaboration", "root", params={"sort": "-encrypted,name"})
    c("col get", "GET", "/collaboration/1", "root")
    c("col get include", "GET", "/collaboration/1", "root", params={"include": "organizations"})
    c("col get 404", "GET", "/collaboration/99", "root")
    c("col get viewer non-member", "GET", "/collaboration/3", "viewer")
    c("col get viewd", "GET", "/collaboration/1", "viewd")
    c("col get node", "GET", "/collaboration/1", "nA1")
    c("col create dup", "POST", "/collaboration", "root",
      json_={"name": "Col1", "organization_ids": [2], "encrypted": False})
    c("col create missing", "POST", "/collaboration", "root", json_={"name": "ColX"})
    c("col create empty orgs", "POST", "/collaboration", "root",
      json_={"name": "ColX", "organization_ids": [], "encrypted": False})
    c("col create dup orgs", "POST", "/collaboration", "root",
      json_={"name": "ColX", "organization_ids": [2, 2], "encrypted": False})
    c("col create zero org", "POST", "/collaboration", "root",
      json_={"name": "ColX", "organization_ids": [0], "encrypted": False})
    c("col create bad encrypted", "POST", "/collaboration", "root",
      json_={"name": "ColX", "organization_ids": [2], "encrypted": "maybe"})
    c("col create unknown org", "POST", "/collaboration", "root",
      json_={"name": "ColX", "organization_ids": [2, 99], "encrypted": False})  # id 4
    c("col create as coladmin", "POST", "/collaboration", "coladmin",
      json_={"name": "ColY", "organization_ids": [2], "encrypted": False})
    c("col create encrypted string", "POST", "/collaboration", "root",
      json_={"name": "ColZ", "organization_ids": [5], "encrypted": "true"})  # id 5
    # so that deleting 5 does not free the last row (SQLite would hand out 5 again)
    c("col create keep", "POST", "/collaboration", "root",
      json_={"name": "ColKeep", "organization_ids": [5], "encrypted": False})  # id 6
    c("col patch name", "PATCH", "/collaboration/4", "root", json_={"name": "ColX2"})
    c("col patch dup name", "PATCH", "/collaboration/4", "root", json_={"name": "Col1"})
    c("col patch orgs", "PATCH", "/collaboration/4", "root", json_={"organization_ids": [2, 5]})
    c("col patch encrypted", "PATCH", "/collaboration/4", "root", json_={"encrypted": True})
    # the real resource saves the raw JSON value: strings marshmallow accepts fail in SQLAlchemy
    c("col patch encrypted string", "PATCH", "/collaboration/4", "root",
      json_={"encrypted": "no", "name": "ColNo"})
    c("col patch encrypted 0.0", "PATCH", "/collaboration/4", "root", json_={"encrypted": 0.0})
    c("col after encrypted patches", "GET", "/collaboration/4", "root")
    c("col patch unknown", "PATCH", "/collaboration/4", "root", json_={"bogus": True})
    c("col patch 404", "PATCH", "/collaboration/99", "root", json_={"name": "q"})
    c("col patch coladmin name", "PATCH", "/collaboration/1", "coladmin", json_={"name": "Col1"})
    c("col patch coladmin orgs", "PATCH", "/collaboration/1", "coladmin",
      json_={"organization_ids": [2]})
    c("col patch viewer", "PATCH", "/collaboration/1", "viewer", json_={"name": "Q"})
    c("col add org", "POST", "/collaboration/4/organization", "root", json_={"id": 3})
    c("col add org missing", "POST", "/collaboration/4/organization", "root", json_={"id": 99})
    c("col add org bad body", "POST", "/collaboration/4/organization", "root", json_={"x": 3})
    c("col add org viewer", "POST", "/collaboration/1/organization", "viewer", json_={"id": 5})
    c("col remove org", "DELETE", "/collaboration/4/organization", "root", json_={"id": 3})
    c("col remove org non-member", "DELETE", "/collaboration/4/organization", "root",
      json_={"id": 4})
    c("col remove org missing", "DELETE", "/collaboration/4/organization", "root",
      json_={"id": 99})
    c("col add node (nA2 to col4)", "POST", "/collaboration/4/node", "root",
      json_=lambda w: {"id": w.vals["id:nA2"]})
    c("col add node again", "POST", "/collaboration/4/node", "root",
      json_=lambda w: {"id": w.vals["id:nA2"]})
    c("col add node other org", "POST", "/collaboration/4/node", "root",
      json_=lambda w: {"id": w.vals["id:nB1"]})
    c("col add node missing", "POST", "/collaboration/4/node", "root", json_={"id": 999})
    c("col remove node", "DELETE", "/collaboration/4/node", "root",
      json_=lambda w: {"id": w.vals["id:nA2"]})
    c("col remove node not member", "DELETE", "/collaboration/4/node", "root",
      json_=lambda w: {"id": w.vals["id:nA1"]})
    c("col remove node no id", "DELETE", "/collaboration/4/node", "root", json_={})
    c("col re-add node nA2 to col2", "POST", "/collaboration/2/node", "root",
      json_=lambda w: {"id": w.vals["id:nA2"]})
    c("col delete 404", "DELETE", "/collaboration/99", "root")
    c("col delete viewer", "DELETE", "/collaboration/5", "viewer")
    c("col delete empty", "DELETE", "/collaboration/5", "root")
    c("col get deleted", "GET", "/collaboration/5", "root")


def nodes(d: Differ) -> None:
    c = d.call
    c("node list root", "GET", "/node", "root")
    c("node list org", "GET", "/node", "root", params={"organization_id": 2})
    c("node list col", "GET", "/node", "root", params={"collaboration_id": 1})
    c("node list study", "GET", "/node", "root", params={"study_id": 1})
    c("node list study missing", "GET", "/node", "root", params={"study_id": 99})
    c("node list status", "GET", "/node", "root", params={"status": "offline"})
    c("node list name", "GET", "/node", "root", params={"name": "node%"})
    c("node list ip", "GET", "/node", "root", params={"ip": "1.2.3.4"})
    c("node list last_seen_from", "GET", "/node", "root",
      params={"last_seen_from": "2000-01-01"})
    c("node list sort", "GET", "/node", "root", params={"sort": "-name"})
    c("node list viewer", "GET", "/node", "viewer")
    c("node list viewer other org", "GET", "/node", "viewer", params={"organization_id": 4})
    c("node list viewer other col", "GET", "/node", "viewer", params={"collaboration_id": 3})
    c("node list viewd", "GET", "/node", "viewd")
    c("node list norole", "GET", "/node", "norole")
    c("node list coladmin", "GET", "/node", "coladmin")
    c("node list as node", "GET", "/node", "nA1")
    c("node get", "GET", "/node/2", "root")
    c("node get 404", "GET", "/node/99", "root")
    c("node get user id", "GET", "/node/1", "root")
    c("node get viewer", "GET", "/node/3", "viewer")
    c("node get viewd", "GET", "/node/3", "viewd")
    c("node get as node self", "GET", "/node/2", "nA1")
    c("node get as node other", "GET", "/node/3", "nA1")
    c("node create dup org/col", "POST", "/node", "root",
      json_={"organization_id": 2, "collaboration_id": 1})
    c("node create org not in col", "POST", "/node", "root",
      json_={"organization_id": 5, "collaboration_id": 1})
    c("node create col missing", "POST", "/node", "root", json_={"collaboration_id": 99})
    c("node create org missing", "POST", "/node", "root",
      json_={"organization_id": 99, "collaboration_id": 1})
    c("node create no col", "POST", "/node", "root", json_={"organization_id": 2})
    c("node create dup name", "POST", "/node", "root",
      json_={"organization_id": 4, "collaboration_id": 3, "name": "nodeA1"})
    c("node create bad ip", "POST", "/node", "root",
      json_={"organization_id": 4, "collaboration_id": 3, "ip": "x"})
    c("node create unknown field", "POST", "/node", "root",
      json_={"organization_id": 4, "collaboration_id": 3, "bogus": 1})
    c("node create numeric name", "POST", "/node", "root",
      json_={"organization_id": 4, "collaboration_id": 3, "name": "42"})
    c("node create as viewer", "POST", "/node", "viewer",
      json_={"organization_id": 2, "collaboration_id": 4})
    c("node create as orgadmin other org", "POST", "/node", "orgadmin",
      json_={"organization_id": 4, "collaboration_id": 3})
    c("node create as orgadmin default org", "POST", "/node", "orgadmin",
      json_={"collaboration_id": 4})  # id 14 (after 7 users: 7..13)
    c("node create as node", "POST", "/node", "nA1", json_={"collaboration_id": 4})
    c("node patch name", "PATCH", "/node/14", "root", json_={"name": "nodeA4"})
    c("node patch dup name", "PATCH", "/node/14", "root", json_={"name": "nodeA1"})
    c("node patch same name", "PATCH", "/node/14", "root", json_={"name": "nodeA4"})
    c("node patch ip", "PATCH", "/node/14", "root", json_={"ip": "10.0.0.1"})
    c("node patch bad ip", "PATCH", "/node/14", "root", json_={"ip": "999.1.1.1"})
    c("node patch clear ip", "PATCH", "/node/14", "root", json_={"clear_ip": True})
    c("node patch org", "PATCH", "/node/14", "root", json_={"organization_id": 3})
    c("node patch col", "PATCH", "/node/14", "root", json_={"collaboration_id": 1})
    c("node patch 404", "PATCH", "/node/99", "root", json_={"name": "z"})
    c("node patch viewer", "PATCH", "/node/14", "viewer", json_={"name": "z"})
    c("node patch as node self", "PATCH", "/node/2", "nA1", json_={"ip": "10.0.0.2"})
    c("node patch as node other", "PATCH", "/node/3", "nA1", json_={"ip": "10.0.0.3"})
    c("node list ip after", "GET", "/node", "root", params={"ip": "10.0.0.2"})


def users(d: Differ) -> None:
    c = d.call
    c("user list root", "GET", "/user", "root")
    c("user list per_page 3", "GET", "/user", "root", params={"per_page": 3, "page": 2})
    c("user list username", "GET", "/user", "root", params={"username": "%er"})
    c("user list org", "GET", "/user", "root", params={"organization_id": 2})
    c("user list role", "GET", "/user", "root", params={"role_id": ROLE_RESEARCHER})
    c("user list role missing", "GET", "/user", "root", params={"role_id": 99})
    c("user list rule", "GET", "/user", "root", params={"rule_id": 1})
    c("user list rule missing", "GET", "/user", "root", params={"rule_id": 999})
    c("user list collaboration", "GET", "/user", "root", params={"collaboration_id": 1})
    c("user list last_seen_till", "GET", "/user", "root",
      params={"last_seen_till": "2999-01-01"})
    c("user list sort", "GET", "/user", "root", params={"sort": "-username"})
    c("user list sort password", "GET", "/user", "root", params={"sort": "organization_id,id"})
    c("user list viewer", "GET", "/user", "viewer")
    c("user list viewer other org", "GET", "/user", "viewer", params={"organization_id": 3})
    c("user list coladmin", "GET", "/user", "coladmin")
    c("user list coladmin col 3", "GET", "/user", "coladmin", params={"collaboration_id": 3})
    c("user list norole", "GET", "/user", "norole")
    c("user list norole own name", "GET", "/user", "norole", params={"username": "norole"})
    c("user list as node", "GET", "/user", "nA1")
    c("user get", "GET", "/user/7", "root")
    c("user get permissions", "GET", "/user/8", "root", params={"include_permissions": 1})
    c("user get 404", "GET", "/user/99", "root")
    c("user get node id", "GET", "/user/2", "root")
    c("user get norole self", "GET", "/user/13", "norole")
    c("user get norole other", "GET", "/user/7", "norole")
    c("user get viewer other org", "GET", "/user/11", "viewer")
    c("user create dup username", "POST", "/user", "root",
      json_={"username": "viewer", "password": STRONG_PW, "email": "n@x.org",
             "firstname": "a", "lastname": "b"})
    c("user create dup email", "POST", "/user", "root",
      json_={"username": "newu", "password": STRONG_PW, "email": "viewer@x.org",
             "firstname": "a", "lastname": "b"})
    for label, pw in [("short", "Ab1!"), ("no digit", "Password!!"), ("no upper", "password1!"),
                      ("no lower", "PASSWORD1!"), ("no special", "Password12")]:
        c(f"user create weak pw {label}", "POST", "/user", "root",
          json_={"username": "newu", "password": pw, "email": "n@x.org", "firstname": "a",
                 "lastname": "b"})
    c("user create bad username", "POST", "/user", "root",
      json_={"username": "1abc", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b"})
    c("user create short username", "POST", "/user", "root",
      json_={"username": "ab", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b"})
    c("user create bad email", "POST", "/user", "root",
      json_={"username": "newu", "password": STRONG_PW, "email": "nope", "firstname": "a",
             "lastname": "b"})
    c("user create missing all", "POST", "/user", "root", json_={})
    c("user create unknown field", "POST", "/user", "root",
      json_={"username": "newu", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b", "age": 3})
    c("user create no firstname", "POST", "/user", "root",
      json_={"username": "newu", "password": STRONG_PW, "email": "n@x.org", "lastname": "b"})
    c("user create org missing", "POST", "/user", "root",
      json_={"username": "newu", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b", "organization_id": 99})
    c("user create role missing", "POST", "/user", "root",
      json_={"username": "newu", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b", "organization_id": 2, "roles": [99]})
    c("user create viewer", "POST", "/user", "viewer",
      json_={"username": "newu", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b"})
    c("user create orgadmin other org", "POST", "/user", "orgadmin",
      json_={"username": "newu", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b", "organization_id": 3})
    c("user create orgadmin root role", "POST", "/user", "orgadmin",
      json_={"username": "newu", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b", "roles": [1]})
    c("user create orgadmin rule", "POST", "/user", "orgadmin",
      json_={"username": "newu", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b", "rules": [1]})
    c("user create orgadmin ok", "POST", "/user", "orgadmin",
      json_={"username": "newu", "password": STRONG_PW, "email": "n@x.org", "firstname": "a",
             "lastname": "b", "roles": [ROLE_VIEWER]})  # id 15
    c("user create coladmin col org", "POST", "/user", "coladmin",
      json_={"username": "newc", "password": STRONG_PW, "email": "c@x.org", "firstname": "a",
             "lastname": "b", "organization_id": 4})  # id 16
    c("user create coladmin non-col org", "POST", "/user", "coladmin",
      json_={"username": "newd", "password": STRONG_PW, "email": "d@x.org", "firstname": "a",
             "lastname": "b", "organization_id": 5})
    c("user create as node", "POST", "/user", "nA1", json_={"username": "q"})
    c("user patch names", "PATCH", "/user/15", "root", json_={"firstname": "F", "lastname": "L"})
    c("user patch password", "PATCH", "/user/15", "root", json_={"password": STRONG_PW + "x"})
    c("user patch other username", "PATCH", "/user/15", "root", json_={"username": "newu2"})
    c("user patch own username", "PATCH", "/user/13", "norole", json_={"username": "norole2"})
    c("user patch own username back", "PATCH", "/user/13", "norole", json_={"username": "norole"})
    c("user patch dup username", "PATCH", "/user/13", "norole", json_={"username": "viewer"})
    c("user patch dup email", "PATCH", "/user/15", "root", json_={"email": "viewer@x.org"})
    c("user patch bad email", "PATCH", "/user/15", "root", json_={"email": "bad"})
    c("user patch roles", "PATCH", "/user/15", "root", json_={"roles": [ROLE_RESEARCHER]})
    c("user patch roles missing", "PATCH", "/user/15", "root", json_={"roles": [99]})
    c("user patch own roles", "PATCH", "/user/1", "root", json_={"roles": [1]})
    c("user patch rules", "PATCH", "/user/15", "root", json_={"rules": [1, 2]})
    c("user patch rules missing", "PATCH", "/user/15", "root", json_={"rules": [999]})
    c("user patch unknown", "PATCH", "/user/15", "root", json_={"shoe": 1})
    c("user patch 404", "PATCH", "/user/99", "root", json_={"firstname": "x"})
    c("user patch viewer other", "PATCH", "/user/15", "viewer", json_={"firstname": "x"})
    c("user patch viewer own", "PATCH", "/user/7", "viewer", json_={"firstname": "Vee"})
    c("user patch orgadmin rules not held", "PATCH", "/user/15", "orgadmin",
      json_={"rules": [3]})
    c("user patch orgadmin role", "PATCH", "/user/15", "orgadmin",
      json_={"roles": [ROLE_VIEWER]})
    c("user list rule after", "GET", "/user", "root", params={"rule_id": 1})
    c("user get after", "GET", "/user/15", "root", params={"include_permissions": "true"})
    # not the last row: SQLite would hand a deleted last row's id out again
    c("node delete viewer", "DELETE", "/node/14", "viewer")
    c("node delete as node", "DELETE", "/node/14", "nA1")
    c("node delete", "DELETE", "/node/14", "root")
    c("node delete again", "DELETE", "/node/14", "root")
    c("user delete viewer other", "DELETE", "/user/16", "viewer")
    c("user delete orgadmin other org", "DELETE", "/user/16", "orgadmin")
    c("user delete", "DELETE", "/user/16", "root")
    c("user delete again", "DELETE", "/user/16", "root")


def roles_and_rules(d: Differ) -> None:
    c = d.call
    c("rule list", "GET", "/rule", "root")
    c("rule list no pagination", "GET", "/rule", "root", params={"no_pagination": 1})
    c("rule list name", "GET", "/rule", "root", params={"name": "task"})
    c("rule list op value", "GET", "/rule", "root", params={"operation": "v", "per_page": 50})
    c("rule list op name", "GET", "/rule", "root", params={"operation": "VIEW"})
    c("rule list scope", "GET", "/rule", "root", params={"scope": "glo", "name": "user"})
    c("rule list bad op", "GET", "/rule", "root", params={"operation": "zz"})
    c("rule list role", "GET", "/rule", "root", params={"role_id": ROLE_VIEWER, "per_page": 20})
    c("rule list role missing", "GET", "/rule", "root", params={"role_id": 99})
    c("rule list user", "GET", "/rule", "root", params={"user_id": 15, "per_page": 30})
    c("rule list user missing", "GET", "/rule", "root", params={"user_id": 99})
    c("rule list sort", "GET", "/rule", "root", params={"sort": "-id"})
    c("rule list as viewer", "GET", "/rule", "viewer", params={"page": 3})
    c("rule list as node", "GET", "/rule", "nA1")
    c("rule get", "GET", "/rule/5", "norole")
    c("rule get 404", "GET", "/rule/999", "root")
    c("role list", "GET", "/role", "root")
    c("role list include_root", "GET", "/role", "root",
      params={"organization_id": 2, "include_root": 1})
    c("role list org", "GET", "/role", "root", params={"organization_id": 2})
    c("role list name", "GET", "/role", "root", params={"name": "%admin%"})
    c("role list rule", "GET", "/role", "root", params={"rule_id": 1})
    c("role list rule missing", "GET", "/role", "root", params={"rule_id": 999})
    c("role list user", "GET", "/role", "root", params={"user_id": 8})
    c("role list user missing", "GET", "/role", "root", params={"user_id": 99})
    c("role list collaboration", "GET", "/role", "root", params={"collaboration_id": 1})
    c("role list viewer", "GET", "/role", "viewer")
    c("role list viewer other org", "GET", "/role", "viewer", params={"organization_id": 3})
    c("role list norole", "GET", "/role", "norole")
    c("role list as node", "GET", "/role", "nA1")
    c("role create", "POST", "/role", "root",
      json_={"name": "custom", "description": "mine", "rules": [1, 2], "organization_id": 2})
    c("role create default name", "POST", "/role", "root",
      json_={"name": "Viewer", "rules": [1], "organization_id": 2})
    c("role create no rules", "POST", "/role", "root", json_={"name": "norules"})
    c("role create rule missing", "POST", "/role", "root",
      json_={"name": "r2", "rules": [999], "organization_id": 2})
    c("role create org missing", "POST", "/role", "root",
      json_={"name": "r2", "rules": [1], "organization_id": 99})
    c("role create unknown field", "POST", "/role", "root",
      json_={"name": "r2", "rules": [1], "hat": 1})
    c("role create orgadmin own", "POST", "/role", "orgadmin",
      json_={"name": "orgrole", "rules": [ 22 ]})
    c("role create orgadmin other org", "POST", "/role", "orgadmin",
      json_={"name": "orgrole2", "rules": [], "organization_id": 3})
    c("role create orgadmin rule not held", "POST", "/role", "orgadmin",
      json_={"name": "orgrole3", "rules": [1]})
    c("role create viewer", "POST", "/role", "viewer", json_={"name": "vr", "rules": []})
    c("role get", "GET", "/role/8", "root")
    c("role get default as viewer", "GET", "/role/1", "viewer")
    c("role get 404", "GET", "/role/99", "root")
    c("role get norole", "GET", "/role/8", "norole")
    c("role get viewd custom", "GET", "/role/8", "viewd")
    c("role patch", "PATCH", "/role/8", "root", json_={"description": "changed", "rules": [3]})
    c("role patch default", "PATCH", "/role/4", "root", json_={"description": "x"})
    c("role patch org", "PATCH", "/role/8", "root", json_={"organization_id": 3})
    c("role patch bad rule", "PATCH", "/role/8", "root", json_={"rules": [999]})
    c("role patch 404", "PATCH", "/role/99", "root", json_={"name": "x"})
    c("role patch viewer", "PATCH", "/role/8", "viewer", json_={"name": "x"})
    c("role rule add", "POST", "/role/8/rule/4", "root")
    c("role rule add again", "POST", "/role/8/rule/4", "root")
    c("role rule add missing rule", "POST", "/role/8/rule/999", "root")
    c("role rule add missing role", "POST", "/role/99/rule/4", "root")
    c("role rule add viewer", "POST", "/role/8/rule/5", "viewer")
    c("role rule add orgadmin not held", "POST", "/role/8/rule/5", "orgadmin")
    c("role rule remove", "DELETE", "/role/8/rule/4", "root")
    c("role rule remove not member", "DELETE", "/role/8/rule/4", "root")
    c("role rule add to default", "POST", "/role/4/rule/1", "orgadmin")
    c("assign custom role", "PATCH", "/user/15", "root", json_={"roles": [8]})
    c("role delete with users", "DELETE", "/role/8", "root")
    c("role delete default", "DELETE", "/role/4", "root")
    c("role delete viewer", "DELETE", "/role/8", "viewer")
    c("role delete dependents", "DELETE", "/role/8", "root", params={"delete_dependents": 1})
    c("role delete 404", "DELETE", "/role/8", "root")
    c("user roles after role deletion", "GET", "/role", "root", params={"user_id": 15})


def studies(d: Differ) -> None:
    c = d.call
    c("study list", "GET", "/study", "root")
    c("study list include", "GET", "/study", "root", params={"include": "organizations"})
    c("study list name", "GET", "/study", "root", params={"name": "S%"})
    c("study list org", "GET", "/study", "root", params={"organization_id": 3})
    c("study list col", "GET", "/study", "root", params={"collaboration_id": 2})
    c("study list viewer", "GET", "/study", "viewer")
    c("study list viewer other org", "GET", "/study", "viewer", params={"organization_id": 3})
    c("study list viewer col", "GET", "/study", "viewer", params={"collaboration_id": 3})
    c("study list coladmin", "GET", "/study", "coladmin")
    c("study list norole", "GET", "/study", "norole")
    c("study list node", "GET", "/study", "nA1")
    c("study get", "GET", "/study/1", "root")
    c("study get include", "GET", "/study/1", "root", params={"include": "organizations"})
    c("study get 404", "GET", "/study/99", "root")
    c("study get viewer non-member", "GET", "/study/2", "viewer")
    c("study get node", "GET", "/study/1", "nA1")
    c("study create dup", "POST", "/study", "root",
      json_={"name": "S1", "collaboration_id": 1, "organization_ids": [2]})
    c("study create org outside", "POST", "/study", "root",
      json_={"name": "S3", "collaboration_id": 1, "organization_ids": [5]})
    c("study create col missing", "POST", "/study", "root",
      json_={"name": "S3", "collaboration_id": 99, "organization_ids": [2]})
    c("study create missing", "POST", "/study", "root", json_={"name": "S3"})
    c("study create viewer", "POST", "/study", "viewer",
      json_={"name": "S3", "collaboration_id": 1, "organization_ids": [2]})
    c("study create coladmin", "POST", "/study", "coladmin",
      json_={"name": "S3", "collaboration_id": 1, "organization_ids": [2, 4]})  # id 3
    c("study create keep", "POST", "/study", "root",
      json_={"name": "SKeep", "collaboration_id": 1, "organization_ids": [4]})  # id 4
    c("study create coladmin other col", "POST", "/study", "coladmin",
      json_={"name": "S4", "collaboration_id": 3, "organization_ids": [3]})
    c("study patch", "PATCH", "/study/3", "coladmin", json_={"name": "S3b"})
    c("study patch orgs", "PATCH", "/study/3", "root", json_={"organization_ids": [3]})
    c("study patch orgs outside", "PATCH", "/study/3", "root", json_={"organization_ids": [5]})
    c("study patch dup", "PATCH", "/study/3", "root", json_={"name": "S1"})
    c("study patch 404", "PATCH", "/study/99", "root", json_={"name": "x"})
    c("study patch viewer", "PATCH", "/study/3", "viewer", json_={"name": "x"})
    c("study add org", "POST", "/study/3/organization", "root", json_={"id": 4})
    c("study add org outside", "POST", "/study/3/organization", "root", json_={"id": 5})
    c("study add org missing", "POST", "/study/3/organization", "root", json_={"id": 99})
    c("study remove org", "DELETE", "/study/3/organization", "root", json_={"id": 4})
    c("study remove org non-member", "DELETE", "/study/3/organization", "root", json_={"id": 2})
    c("study remove viewer", "DELETE", "/study/3/organization", "viewer", json_={"id": 3})
    c("study delete viewer", "DELETE", "/study/3", "viewer")
    c("study delete", "DELETE", "/study/3", "coladmin")
    c("study delete 404", "DELETE", "/study/3", "root")


def _task_body(orgs, col=1, **extra) -> dict:
    body = {"name": "t", "image": IMAGE, "description": "d", "collaboration_id": col,
            "organizations": [{"id": o, "input": b64({"method": "x"})} for o in orgs],
            "databases": [{"label": "default"}]}
    body.update(extra)
    return body


def tasks_and_runs(d: Differ) -> None:
    c = d.call
    c("task list empty", "GET", "/task", "researcher")
    # task 1: researcher in Col1 to OrgA + OrgB
    c("task create", "POST", "/task", "researcher", json_=_task_body([2, 3]))
    c("task create viewer", "POST", "/task", "viewer", json_=_task_body([2]))
    c("task create root (not member)", "POST", "/task", "root", json_=_task_body([2]))
    c("task create node token", "POST", "/task", "nA1", json_=_task_body([2]))
    c("task create org outside col", "POST", "/task", "researcher", json_=_task_body([5]))
    c("task create org without node", "POST", "/task", "researcher",
      json_=_task_body([2, 3], col=4))
    c("task create col missing", "POST", "/task", "researcher", json_=_task_body([2], col=99))
    c("task create no col", "POST", "/task", "researcher",
      json_={k: v for k, v in _task_body([2]).items() if k != "collaboration_id"})
    c("task create no image", "POST", "/task", "researcher",
      json_={k: v for k, v in _task_body([2]).items() if k != "image"})
    c("task create empty orgs", "POST", "/task", "researcher", json_=_task_body([]))
    c("task create org without id", "POST", "/task", "researcher",
      json_=_task_body([2]) | {"organizations": [{"input": "x"}]})
    c("task create numeric name", "POST", "/task", "researcher", json_=_task_body([2], name="7"))
    c("task create db type key", "POST", "/task", "researcher",
      json_=_task_body([2], databases=[{"label": "x", "type": "csv"}]))
    c("task create db no label", "POST", "/task", "researcher",
      json_=_task_body([2], databases=[{"query": "x"}]))
    c("task create bad preprocessing", "POST", "/task", "researcher",
      json_=_task_body([2], databases=[{"label": "x", "preprocessing": "no"}]))
    c("task create unknown field", "POST", "/task", "researcher", json_=_task_body([2], foo=1))
    c("task create bad input", "POST", "/task", "researcher",
      json_=_task_body([2]) | {"organizations": [{"id": 2, "input": "%%%"}]})
    c("task create binary input", "POST", "/task", "researcher",
      json_=_task_body([2]) | {"organizations": [
          {"id": 2, "input": base64.b64encode(b"\xff\xfe").decode()}]})
    c("task create dict input", "POST", "/task", "researcher",
      json_=_task_body([2]) | {"organizations": [{"id": 2, "input": {"a": 1}}]})
    c("task create plain input encrypted col", "POST", "/task", "resb",
      json_=_task_body([3], col=3))
    c("task create study", "POST", "/task", "researcher",
      json_=_task_body([2], col=None, study_id=1) | {"collaboration_id": 1})  # task 2
    c("task create study wrong col", "POST", "/task", "researcher",
      json_=_task_body([2], col=2, study_id=1))
    c("task create study org outside", "POST", "/task", "researcher",
      json_=_task_body([4], study_id=1))
    c("task create store", "POST", "/task", "researcher", json_=_task_body([2], store_id=1))
    c("task create not json", "POST", "/task", "researcher", data="nope",
      headers={"Content-Type": "application/json"})
    c("task create no content type", "POST", "/task", "researcher",
      data=json.dumps(_task_body([2])))
    c("task create no name", "POST", "/task", "researcher",
      json_={k: v for k, v in _task_body([2, 4]).items() if k not in ("name", "description")})
    # task 3 (no name); task 4 by coladmin for kill tests
    c("task create coladmin", "POST", "/task", "coladmin", json_=_task_body([2, 3, 4]))
    c("task list", "GET", "/task", "researcher")
    c("task list include results", "GET", "/task", "researcher", params={"include": "results"})
    c("task list include runs", "GET", "/task", "root", params={"include": "runs", "per_page": 1})
    c("task list col", "GET", "/task", "researcher", params={"collaboration_id": 1})
    c("task list col other", "GET", "/task", "viewd", params={"collaboration_id": 1})
    c("task list init_org", "GET", "/task", "root", params={"init_org_id": 2})
    c("task list init_user", "GET", "/task", "root", params={"init_user_id": 8})
    c("task list init_user missing", "GET", "/task", "root", params={"init_user_id": 99})
    c("task list study", "GET", "/task", "root", params={"study_id": 1})
    c("task list study missing", "GET", "/task", "root", params={"study_id": 99})
    c("task list parent", "GET", "/task", "root", params={"parent_id": 1})
    c("task list job", "GET", "/task", "root", params={"job_id": 1})
    c("task list job missing", "GET", "/task", "root", params={"job_id": 99})
    c("task list name", "GET", "/task", "root", params={"name": "t"})
    c("task list image", "GET", "/task", "root", params={"image": "%average"})
    c("task list status", "GET", "/task", "root", params={"status": "pending"})
    c("task list run", "GET", "/task", "root", params={"run_id": 1})
    c("task list store", "GET", "/task", "root", params={"store_id": 1})
    c("task list database", "GET", "/task", "root", params={"database": "default"})
    c("task list user created", "GET", "/task", "root", params={"is_user_created": 1})
    c("task list user created bad", "GET", "/task", "root", params={"is_user_created": "x"})
    c("task list sort", "GET", "/task", "root", params={"sort": "name"})
    c("task list sort bogus", "GET", "/task", "root", params={"sort": "bogus"})
    c("task list viewd", "GET", "/task", "viewd")
    c("task list norole", "GET", "/task", "norole")
    c("task list node", "GET", "/task", "nA1")
    c("task get", "GET", "/task/1", "researcher")
    c("task get include", "GET", "/task/1", "researcher", params={"include": "results,runs"})
    c("task get 404", "GET", "/task/99", "researcher")
    c("task get viewd", "GET", "/task/1", "viewd")
    c("task get node", "GET", "/task/1", "nA1")
    c("task status", "GET", "/task/1/status", "researcher")
    c("task status 404", "GET", "/task/99/status", "researcher")
    c("task status node", "GET", "/task/1/status", "nA1")
    c("task status viewd", "GET", "/task/1/status", "viewd")
    # runs: task 1 -> runs 1 (OrgA), 2 (OrgB); task 2 -> run 3; task 3 -> 4, 5; task 4 -> 6,7,8
    c("run list root", "GET", "/run", "root")
    c("run list nA1 open", "GET", "/run", "nA1",
      params={"state": "open", "node_id": 2, "include": "task"})
    c("run list nA1 page 2", "GET", "/run", "nA1",
      params={"state": "open", "node_id": 2, "include": "task", "page": 2, "per_page": 1})
    c("run list node other", "GET", "/run", "nA1", params={"node_id": 6})
    c("run list node missing", "GET", "/run", "nA1", params={"node_id": 99})
    c("run list task", "GET", "/run", "researcher", params={"task_id": 1})
    c("run list task missing", "GET", "/run", "researcher", params={"task_id": 99})
    c("run list org", "GET", "/run", "root", params={"organization_id": 3})
    c("run list org viewer other", "GET", "/run", "viewd", params={"organization_id": 3})
    c("run list collaboration", "GET", "/run", "root", params={"collaboration_id": 1})
    c("run list col other", "GET", "/run", "viewd", params={"collaboration_id": 1})
    c("run list assigned_from", "GET", "/run", "root", params={"assigned_from": "2000-01-01"})
    c("run list started_till", "GET", "/run", "root", params={"started_till": "2999-01-01"})
    c("run list sort", "GET", "/run", "root", params={"sort": "-status"})
    c("run list viewd", "GET", "/run", "viewd")
    c("run list norole", "GET", "/run", "norole")
    c("run get", "GET", "/run/1", "researcher")
    c("run get include", "GET", "/run/1", "nA1", params={"include": "task"})
    c("run get 404", "GET", "/run/99", "researcher")
    c("run get viewd", "GET", "/run/1", "viewd")
    c("result list", "GET", "/result", "researcher", params={"task_id": 1})
    c("result list all", "GET", "/result", "root", params={"per_page": 3})
    c("result get", "GET", "/result/1", "researcher")
    c("result get 404", "GET", "/result/99", "researcher")
    # container token
    c("container token", "POST", "/token/container", "nA1", json_={"task_id": 1, "image": IMAGE})
    pair = c("container token for task 4", "POST", "/token/container", "nA1",
             json_={"task_id": 4, "image": IMAGE})
    for w, o in zip(d.worlds, pair):
        w.tok["cont"] = o.get("container_token")
    c("container token wrong image", "POST", "/token/container", "nA1",
      json_={"task_id": 1, "image": "other"})
    c("container token missing task", "POST", "/token/container", "nA1",
      json_={"task_id": 99, "image": IMAGE})
    c("container token other collab", "POST", "/token/container", "nA2",
      json_={"task_id": 1, "image": IMAGE})
    c("container token bad body", "POST", "/token/container", "nA1", json_={"task_id": 0})
    c("container token as user", "POST", "/token/container", "researcher",
      json_={"task_id": 1, "image": IMAGE})
    # container calls
    c("container get task", "GET", "/task/4", "cont")
    c("container task status", "GET", "/task/4/status", "cont")
    c("container list orgs", "GET", "/organization", "cont", params={"collaboration_id": 1})
    c("container get collaboration", "GET", "/collaboration/1", "cont")
    c("container list collaborations", "GET", "/collaboration", "cont")
    c("container list nodes", "GET", "/node", "cont")
    c("container list studies", "GET", "/study", "cont")
    c("container get study", "GET", "/study/1", "cont")
    c("container list runs", "GET", "/run", "cont", params={"task_id": 4})
    c("container list results", "GET", "/result", "cont", params={"task_id": 4})
    c("container get run", "GET", "/run/6", "cont")
    c("container blobstream", "GET", "/blobstream/status", "cont")
    c("container refresh", "POST", "/token/refresh", "cont")
    c("container patch run", "PATCH", "/run/6", "cont", json_={"status": "active"})
    c("container subtask", "POST", "/task", "cont",
      json_={"name": "sub", "image": IMAGE, "collaboration_id": 1,
             "organizations": [{"id": 3, "input": b64({"method": "y"})}],
             "databases": [{"label": "default"}]})  # task 5, run 9
    c("container subtask wrong image", "POST", "/task", "cont",
      json_={"image": "other", "collaboration_id": 1,
             "organizations": [{"id": 3, "input": b64({"method": "y"})}]})
    c("container subtask other col", "POST", "/task", "cont",
      json_={"image": IMAGE, "collaboration_id": 2,
             "organizations": [{"id": 3, "input": b64({"method": "y"})}]})
    # so that deleting task 4 and its subtask later does not free the last task rows
    c("keeper task", "POST", "/task", "researcher", json_=_task_body([3]))
    c("task list parent 4", "GET", "/task", "root", params={"parent_id": 4})
    c("task list not user created", "GET", "/task", "root", params={"is_user_created": 0})
    c("task list job 4", "GET", "/task", "coladmin", params={"job_id": 4})
    # PATCH /run
    c("patch run as user", "PATCH", "/run/1", "researcher", json_={"status": "active"})
    c("patch run 404", "PATCH", "/run/99", "nA1", json_={"status": "active"})
    c("patch run wrong org", "PATCH", "/run/2", "nA1", json_={"status": "active"})
    c("patch run bad status", "PATCH", "/run/1", "nA1", json_={"status": "dancing"})
    c("patch run unknown field", "PATCH", "/run/1", "nA1", json_={"colour": "red"})
    c("patch run bad datetime", "PATCH", "/run/1", "nA1",
      json_={"started_at": "2024-01-01T10:00:00"})
    c("patch run garbage datetime", "PATCH", "/run/1", "nA1", json_={"started_at": "yesterday"})
    c("run unchanged after bad patch", "GET", "/run/1", "nA1")
    c("patch run started", "PATCH", "/run/1", "nA1", json_={"started_at": now_iso()})
    c("patch run naive started", "PATCH", "/run/1", "nA1",
      json_={"started_at": "2024-01-01T10:00:00.123456", "status": "active", "log": "hi"})
    c("patch run result", "PATCH", "/run/1", "nA1", json_={"result": b64({"r": 1})})
    c("run after partial patch", "GET", "/run/1", "nA1")
    c("task status mid", "GET", "/task/1/status", "researcher")
    c("patch run finished", "PATCH", "/run/1", "nA1",
      json_={"result": b64({"r": 1}), "log": "done", "status": "completed",
             "finished_at": now_iso()})
    c("patch run already finished", "PATCH", "/run/1", "nA1", json_={"status": "active"})
    c("patch run 2 crashed", "PATCH", "/run/2", "nB1",
      json_={"status": "crashed", "finished_at": now_iso(), "result": "", "log": "boom"})
    c("task status failed", "GET", "/task/1/status", "researcher")
    c("task get finished", "GET", "/task/1", "researcher", params={"include": "results"})
    # sibling fail fast on task 4 (runs 6,7,8): run 7 (OrgB) started, run 6 crashes
    c("patch run 7 started", "PATCH", "/run/7", "nB1", json_={"started_at": now_iso()})
    c("patch run 6 failed", "PATCH", "/run/6", "nA1",
      json_={"status": "failed", "finished_at": now_iso()})
    c("task 4 runs after fail fast", "GET", "/run", "root", params={"task_id": 4})
    c("task 4 status", "GET", "/task/4/status", "coladmin")
    c("container token finished task", "POST", "/token/container", "nA1",
      json_={"task_id": 1, "image": IMAGE})
    c("result list after", "GET", "/result", "researcher", params={"task_id": 1})
    c("run list state open after", "GET", "/run", "nA1", params={"state": "open"})
    c("run list finished_till", "GET", "/run", "root", params={"finished_till": "2999-01-01"})
    # kill
    c("kill finished task", "POST", "/kill/task", "coladmin", json_={"id": 1})
    c("kill researcher", "POST", "/kill/task", "researcher", json_={"id": 3})
    c("kill orgadmin", "POST", "/kill/task", "orgadmin", json_={"id": 3})
    c("kill 404", "POST", "/kill/task", "coladmin", json_={"id": 99})
    c("kill bad body", "POST", "/kill/task", "coladmin", json_={"task": 3})
    c("kill coladmin", "POST", "/kill/task", "coladmin", json_={"id": 3})
    c("task 3 after kill", "GET", "/task/3", "root", params={"include": "runs"})
    c("kill node offline", "POST", "/kill/node/tasks", "root", json_={"id": 2})
    c("kill node missing", "POST", "/kill/node/tasks", "root", json_={"id": 99})
    c("kill as node", "POST", "/kill/task", "nA1", json_={"id": 2})
    # delete tasks
    c("task delete viewer", "DELETE", "/task/2", "viewer")
    c("task delete viewd", "DELETE", "/task/2", "viewd")
    c("task delete 404", "DELETE", "/task/99", "researcher")
    c("task delete node", "DELETE", "/task/2", "nA1")
    c("task delete researcher", "DELETE", "/task/2", "researcher")
    c("task delete parent", "DELETE", "/task/4", "root")
    c("task get child after parent delete", "GET", "/task/5", "root")
    c("run list after deletes", "GET", "/run", "root")
    c("task list after deletes", "GET", "/task", "root")


def lifecycle(d: Differ) -> None:
    """PATCH /run semantics in depth, containers, kills and deletes on a fresh task."""
    c = d.call
    t = lambda name: (lambda w: f"/task/{w.vals[name]}")  # noqa: E731
    run_of = lambda name, i: (lambda w: f"/run/{w.vals[name] + i}")  # noqa: E731
    pair = c("lc task", "POST", "/task", "researcher", json_=_task_body([2, 3, 4]))
    d.keep("lt", pair)
    s_, r_ = c("lc runs", "GET", "/run", "nA1", params={"state": "open", "include": "task"})
    for w, o in zip(d.worlds, (s_, r_)):
        ids = sorted(x["id"] for x in o.body.get("data", []) if x["task"]["id"] == w.vals["lt"])
        w.vals["lr"] = ids[0] if ids else 0  # runs: OrgA, OrgB, OrgC in that order
    c("lc patch status only", "PATCH", run_of("lr", 0), "nA1", json_={"status": "active"})
    c("lc patch log only", "PATCH", run_of("lr", 0), "nA1", json_={"log": "line"})
    c("lc run after log", "GET", run_of("lr", 0), "nA1")
    c("lc patch started +00:00", "PATCH", run_of("lr", 0), "nA1",
      json_={"started_at": "2024-05-01T10:00:00.000001+00:00"})
    c("lc patch started Z", "PATCH", run_of("lr", 0), "nA1",
      json_={"started_at": "2024-05-01T10:00:00.000001Z"})
    c("lc patch started +01:00", "PATCH", run_of("lr", 0), "nA1",
      json_={"started_at": "2024-05-01T10:00:00.000001+01:00"})
    c("lc patch result int", "PATCH", run_of("lr", 0), "nA1", json_={"result": 5})
    c("lc patch log list", "PATCH", run_of("lr", 0), "nA1", json_={"log": ["a"]})
    c("lc patch status null", "PATCH", run_of("lr", 0), "nA1", json_={"status": None})
    c("lc patch empty", "PATCH", run_of("lr", 0), "nA1", json_={})
    c("lc run after empty", "GET", run_of("lr", 0), "nA1")
    c("lc patch finished only", "PATCH", run_of("lr", 0), "nA1",
      json_={"finished_at": now_iso()})
    c("lc task status after finished-only", "GET", lambda w: f"/task/{w.vals['lt']}/status",
      "researcher")
    c("lc patch after finished", "PATCH", run_of("lr", 0), "nA1", json_={"log": "x"})
    c("lc patch completed no finished", "PATCH", run_of("lr", 1), "nB1",
      json_={"status": "completed", "result": b64({"a": 1})})
    c("lc patch again", "PATCH", run_of("lr", 1), "nB1", json_={"status": "crashed"})
    c("lc task after crash", "GET", t("lt"), "researcher", params={"include": "runs"})
    c("lc status", "GET", lambda w: f"/task/{w.vals['lt']}/status", "researcher")
    c("lc result items", "GET", lambda w: f"/result/{w.vals['lr'] + 1}", "researcher")
    c("lc patch unknown status", "PATCH", run_of("lr", 2), "nC1", json_={"status": "Completed"})
    c("lc kill", "POST", "/kill/task", "coladmin", json_=lambda w: {"id": w.vals["lt"]})
    c("lc task after kill", "GET", t("lt"), "coladmin", params={"include": "runs"})
    c("lc kill again", "POST", "/kill/task", "coladmin", json_=lambda w: {"id": w.vals["lt"]})
    c("lc container token killed", "POST", "/token/container", "nA1",
      json_=lambda w: {"task_id": w.vals["lt"], "image": IMAGE})
    # a parent with a subtask created by its container
    pair = c("lc parent", "POST", "/task", "coladmin", json_=_task_body([2, 3]))
    d.keep("pt", pair)
    c("lc delete", "DELETE", t("lt"), "researcher")
    c("lc get deleted", "GET", t("lt"), "researcher")
    c("lc run of deleted", "GET", run_of("lr", 0), "researcher")
    pair = c("lc parent token", "POST", "/token/container", "nA1",
             json_=lambda w: {"task_id": w.vals["pt"], "image": IMAGE})
    for w, o in zip(d.worlds, pair):
        w.tok["cont2"] = o.get("container_token")
    pair = c("lc child", "POST", "/task", "cont2",
             json_={"image": "x/" + IMAGE, "collaboration_id": 1, "description": "sub",
                    "organizations": [{"id": 2, "input": b64({"method": "c"})},
                                      {"id": 3, "input": b64({"method": "c"})}],
                    "databases": [{"label": "default", "query": "q"}]})
    d.keep("ct", pair)
    c("lc child image suffix", "POST", "/task", "cont2",
      json_={"image": "average", "collaboration_id": 1,
             "organizations": [{"id": 2, "input": b64({"method": "c"})}]})
    c("lc child study", "POST", "/task", "cont2",
      json_={"image": IMAGE, "study_id": 1,
             "organizations": [{"id": 2, "input": b64({"method": "c"})}]})
    c("lc child of other org", "POST", "/task", "cont2",
      json_={"image": IMAGE, "collaboration_id": 1,
             "organizations": [{"id": 4, "input": b64({"method": "c"})}]})
    c("lc container sees child", "GET", t("ct"), "cont2")
    c("lc results of parent as container", "GET", lambda w: f"/result?task_id={w.vals['pt']}",
      "cont2", known=None)
    c("lc container task list", "GET", "/task", "cont2", params={"parent_id": 1})
    c("lc container other collab task", "GET", "/task/1", "cont2")
    c("lc kill parent", "POST", "/kill/task", "coladmin", json_=lambda w: {"id": w.vals["pt"]})
    c("lc child after parent kill", "GET", t("ct"), "coladmin", params={"include": "runs"})
    c("lc children of parent", "GET", lambda w: f"/task?parent_id={w.vals['pt']}", "coladmin")
    c("lc container token after kill", "POST", "/token/container", "nA1",
      json_=lambda w: {"task_id": w.vals["ct"], "image": IMAGE})
    c("lc subtask after kill", "POST", "/task", "cont2",
      json_={"image": IMAGE, "collaboration_id": 1,
             "organizations": [{"id": 2, "input": b64({"method": "c"})}]})
    pair = c("lc child runs", "GET", lambda w: f"/run?task_id={w.vals['ct']}", "coladmin")
    for w, o in zip(d.worlds, pair):
        w.vals["orphan"] = min((x["id"] for x in o.body.get("data", [])), default=0)
    # so that deleting the parent and its child does not free the last task rows
    c("lc keeper task", "POST", "/task", "researcher", json_=_task_body([2]))
    c("lc delete parent as researcher", "DELETE", t("pt"), "researcher")
    c("lc delete parent", "DELETE", t("pt"), "coladmin")
    c("lc child gone", "GET", t("ct"), "coladmin")
    orphan = lambda w: f"/run/{w.vals['orphan']}"  # noqa: E731
    c("lc orphan run", "GET", orphan, "coladmin")
    c("lc orphan result", "GET", lambda w: f"/result/{w.vals['orphan']}", "coladmin")
    c("lc orphan patch", "PATCH", orphan, "nA1", json_={"log": "x"})
    c("lc orphan in list", "GET", "/run", "root", params={"organization_id": 2})
    c("lc org 2 dependents", "DELETE", "/organization/2", "root")


_SORTABLE = {
    "/organization": ["nodes", "-nodes", "collaborations", "-collaborations", "users", "tasks",
                      "runs", "roles", "studies", "public_key", "get", "__class__", "country,-id",
                      "-collaborations,name", "_public_key", "nodes,nodes"],
    "/collaboration": ["organizations", "-organizations", "nodes", "tasks", "studies",
                       "algorithm_stores", "find_by_name", "-name"],
    "/node": ["organization", "-organization", "collaboration", "config", "api_key", "type",
              "-collaboration_id,name", "check_key"],
    "/user": ["organization", "roles", "-roles", "rules", "created_tasks", "password",
              "-failed_login_attempts", "organization_id,-id", "can"],
    "/role": ["rules", "-rules", "organization", "users", "-is_default_role,name", "get_by_name"],
    "/rule": ["roles", "users", "-users", "scope,-id", "operation"],
    "/study": ["collaboration", "organizations", "-organizations", "tasks"],
    "/task": ["status", "finished_at", "collaboration", "parent", "-parent", "runs", "results",
              "init_org", "init_user", "databases", "study", "algorithm_store", "children",
              "next_job_id", "name"],
    "/run": ["task", "-task", "organization", "ports", "node", "status", "-assigned_at"],
    "/result": ["task", "organization"],
}


_SORT_KNOWN = {
    "api_key": "sorting by a secret's hash: the real server stores bcrypt hashes",
    "password": "sorting by a secret's hash: the real server stores bcrypt hashes",
}


def sorting(d: Differ) -> None:
    for path, sorts in _SORTABLE.items():
        for sort in sorts:
            known = _SORT_KNOWN.get(sort)
            d.call(f"sort {sort}", "GET", path, "root", params={"sort": sort}, known=known)
        d.call(f"sort {sorts[0]} paged", "GET", path, "root",
               params={"sort": sorts[0], "per_page": 3, "page": 2})
    d.call("sort as viewer", "GET", "/organization", "viewer", params={"sort": "-nodes"})
    d.call("sort collab as viewer", "GET", "/collaboration", "viewer",
           params={"sort": "organizations"})
    d.call("sort with filter", "GET", "/node", "root",
           params={"sort": "organization", "collaboration_id": 1},
           known="tie order of a relationship sort with a filter follows SQLite's nested loops")
    d.call("sort users by roles with role", "GET", "/user", "root",
           params={"sort": "roles", "role_id": 5})


_SWEEP_GET = ["/organization", "/organization/2", "/organization/5", "/collaboration",
              "/collaboration/1", "/collaboration/3", "/node", "/node/2", "/node/6", "/user",
              "/user/7", "/user/11", "/role", "/role/6", "/role/9", "/rule?per_page=5", "/rule/1",
              "/study", "/study/1", "/study/2", "/task", "/task/1", "/task/5", "/task/1/status",
              "/task/5/status", "/run", "/run/1", "/run/9", "/result", "/result/1",
              "/blobstream/status", "/run?include=task&per_page=2", "/task?include=results",
              "/task/1?include=results", "/user/7?include_permissions=1",
              "/collaboration?include=organizations", "/organization?collaboration_id=1",
              "/node?collaboration_id=1", "/user?organization_id=2", "/task?collaboration_id=1",
              "/run?task_id=1", "/study?collaboration_id=1", "/role?organization_id=2"]
_SWEEP_POST = ["/token/user/validate", "/token/node/validate"]
_SWEEP_WHO = ["root", "viewer", "researcher", "orgadmin", "coladmin", "resb", "viewd", "norole",
              "nA1", "nB3", "cont"]


def sweep(d: Differ) -> None:
    """Every read endpoint as every kind of caller."""
    for who in _SWEEP_WHO:
        for url in _SWEEP_GET:
            path, _, query = url.partition("?")
            params = [tuple(kv.split("=", 1)) for kv in query.split("&")] if query else None
            d.call(f"sweep {who}", "GET", path, who, params=params)
        for path in _SWEEP_POST:
            d.call(f"sweep {who}", "POST", path, who)


def edges(d: Differ) -> None:
    c = d.call
    c("options", "OPTIONS", "/organization")
    c("options with token", "OPTIONS", "/task/1", "root")
    c("options unknown", "OPTIONS", "/nope",
      known="unknown route: real answers Werkzeug's HTML 404")
    c("head version", "HEAD", "/version")
    c("trailing slash", "GET", "/organization/", "root",
      known="unknown route: real answers Werkzeug's HTML 404")
    c("api root", "GET", "", "root", known="unknown route: real answers Werkzeug's HTML 404")
    c("double slash", "GET", "//organization", "root")
    c("id not int route", "GET", "/organization/abc", "root",
      known="unknown route: real answers Werkzeug's HTML 404")
    c("negative id route", "GET", "/organization/-1", "root",
      known="unknown route: real answers Werkzeug's HTML 404")
    c("big id", "GET", "/organization/99999999999", "root")
    c("link encoding", "GET", "/organization", "root",
      params=[("name", "%rg%"), ("per_page", "2"), ("name", "O&r g")])
    c("per_page huge", "GET", "/rule", "root", params={"per_page": 1000, "page": 1})
    c("page float", "GET", "/rule", "root", params={"page": "1.0"})
    c("per_page blank", "GET", "/rule", "root", params={"per_page": ""})
    c("page blank", "GET", "/organization", "root", params={"page": ""})
    c("sort blank", "GET", "/organization", "root", params={"sort": ""})
    c("sort spaces", "GET", "/organization", "root", params={"sort": " name , -id "})
    c("sort plus", "GET", "/organization", "root", params={"sort": "+name"})
    c("sort trailing comma", "GET", "/organization", "root", params={"sort": "name,"})
    c("rule list bad page", "GET", "/rule", "root", params={"page": 0})
    c("role list bad page", "GET", "/role", "root", params={"page": 0})
    c("role list bad per_page", "GET", "/role", "root", params={"per_page": "x"})
    c("role list bad sort", "GET", "/role", "root", params={"sort": "x"})
    c("role list sort method", "GET", "/role", "root", params={"sort": "save"})
    c("role list sort classmethod", "GET", "/role", "root", params={"sort": "get"})
    c("task list bad page", "GET", "/task", "root", params={"page": -1})
    c("run list bad per_page", "GET", "/run", "root", params={"per_page": "q"})
    c("result list bad sort", "GET", "/result", "root", params={"sort": "zz"})
    c("user list bad page", "GET", "/user", "root", params={"page": "z"})
    c("study list bad page", "GET", "/study", "root", params={"page": 0})
    c("node list bad page", "GET", "/node", "root", params={"page": 0})
    c("col list bad page", "GET", "/collaboration", "root", params={"page": 0})
    c("rule no_pagination 0", "GET", "/rule", "root", params={"no_pagination": 0})
    c("rule no_pagination true", "GET", "/rule", "root", params={"no_pagination": "true"})
    for body_label, body in [("null", None), ("list", [1]), ("string", "x"), ("number", 3)]:
        for path in ["/organization", "/collaboration", "/node", "/user", "/role", "/study",
                     "/task", "/token/user", "/token/node"]:
            c(f"body {body_label}", "POST", path, "root", json_=body)
        for path in ["/organization/2", "/collaboration/2", "/node/2", "/user/7", "/role/9",
                     "/study/1"]:
            c(f"body {body_label}", "PATCH", path, "root", json_=body)
        c(f"body {body_label}", "PATCH", "/run/3", "nA1", json_=body)
        c(f"body {body_label}", "POST", "/token/container", "nA1", json_=body)
        c(f"body {body_label}", "POST", "/kill/task", "root", json_=body)
        c(f"body {body_label}", "PATCH", "/password/change", "root", json_=body)
        c(f"body {body_label}", "POST", "/collaboration/2/organization", "root", json_=body)
    for path, method in [("/organization", "POST"), ("/collaboration", "POST"),
                         ("/node", "POST"), ("/user", "POST"), ("/role", "POST"),
                         ("/study", "POST"), ("/organization/2", "PATCH"),
                         ("/user/7", "PATCH"), ("/role/9", "PATCH"), ("/study/1", "PATCH"),
                         ("/collaboration/2", "PATCH"), ("/node/2", "PATCH"),
                         ("/kill/task", "POST"), ("/recover/node", "POST"),
                         ("/collaboration/2/organization", "POST"),
                         ("/study/1/organization", "POST"), ("/password/change", "PATCH")]:
        c("no content type", method, path, "root", data="{}")
        c("empty json", method, path, "root", json_={})
    c("patch run no content type", "PATCH", "/run/3", "nA1", data="{}")
    c("container token no content type", "POST", "/token/container", "nA1", data="{}")
    c("ids as strings", "POST", "/collaboration", "root",
      json_={"name": "ColS", "organization_ids": ["2", "3"], "encrypted": 0})
    c("ids as floats", "POST", "/study", "root",
      json_={"name": "SF", "collaboration_id": 7.0, "organization_ids": [2.0]})
    c("study org dup", "POST", "/study", "root",
      json_={"name": "SD", "collaboration_id": 2, "organization_ids": [2, 2]})
    c("add member twice", "POST", "/collaboration/7/organization", "root", json_={"id": 2})
    c("list after twice", "GET", "/organization", "root", params={"collaboration_id": 7})
    c("remove member once", "DELETE", "/collaboration/7/organization", "root", json_={"id": 2})
    c("list after remove", "GET", "/organization", "root", params={"collaboration_id": 7})
    c("collab orgs reorder", "PATCH", "/collaboration/7", "root",
      json_={"organization_ids": [5, 3, 2]})
    c("collab orgs include", "GET", "/collaboration/7", "root",
      params={"include": "organizations"})
    c("org list in collab order", "GET", "/organization", "root", params={"collaboration_id": 7})
    c("study orgs reorder", "PATCH", "/study/2", "root", json_={"organization_ids": [3, 2]})
    c("study get after reorder", "GET", "/study/2", "root", params={"include": "organizations"})
    c("user roles reorder", "PATCH", "/user/15", "root", json_={"roles": [6, 4, 5]})
    c("roles of user order", "GET", "/role", "root", params={"user_id": 15})
    c("rules of user order", "GET", "/rule", "root", params={"user_id": 15, "per_page": 40})
    c("user perms order", "GET", "/user/15", "root", params={"include_permissions": 1})
    c("rule list role+user", "GET", "/rule", "root", params={"role_id": 4, "user_id": 15})
    c("rule list user+name", "GET", "/rule", "root", params={"user_id": 15, "name": "user"})
    c("users of role 4", "GET", "/user", "root", params={"role_id": 4})
    c("users of rule 1", "GET", "/user", "root", params={"rule_id": 1})
    c("collabs of org 2", "GET", "/collaboration", "root", params={"organization_id": 2})
    c("collabs as viewer", "GET", "/collaboration", "viewer")
    c("studies of org 3", "GET", "/study", "root", params={"organization_id": 3})
    c("studies as viewer", "GET", "/study", "viewer")
    c("delete dependents false", "DELETE", "/collaboration/7", "root",
      params={"delete_dependents": "false"})
    c("node name null", "PATCH", "/node/2", "root", json_={"name": None})
    c("node clear ip false", "PATCH", "/node/2", "root", json_={"clear_ip": False})
    c("org name null", "PATCH", "/organization/3", "root", json_={"name": None})
    c("user firstname null", "PATCH", "/user/15", "root", json_={"firstname": None})
    c("user roles null", "PATCH", "/user/15", "root", json_={"roles": None})
    c("task input null", "POST", "/task", "researcher",
      json_=_task_body([2]) | {"organizations": [{"id": 2, "input": None}]})
    c("task databases null", "POST", "/task", "researcher", json_=_task_body([2], databases=None))
    c("task org id string", "POST", "/task", "researcher",
      json_=_task_body([2]) | {"organizations": [{"id": "2", "input": b64({"m": 1})}]})
    # labels are stored in a String column: SQLite hands numbers back as text
    c("task label number", "POST", "/task", "researcher",
      json_=_task_body([2], databases=[{"label": 5}, {"label": 2.5}, {"label": True}]))
    c("task list label number", "GET", "/task", "researcher", params={"database": "5"})
    c("task preprocessing", "POST", "/task", "researcher",
      json_=_task_body([2], databases=[{"label": "a", "query": "q", "preprocessing": [
          {"function": "f", "parameters": {"x": 1}}], "arguments": {"y": 2}},
          {"label": "b", "sheet_name": "s"}]))
    c("task encrypted binary", "POST", "/task", "resb",
      json_=_task_body([3], col=3) | {"organizations": [
          {"id": 3, "input": base64.b64encode(b"\xff\x00\xfe").decode()}]})
    c("recover lost", "POST", "/recover/lost", json_={"username": "viewer"},
      known="not served by the simulator (501, see COVERAGE.md)")
    c("algorithm stores", "GET", "/algorithmstore", "root",
      known="not served by the simulator (501, see COVERAGE.md)")
    c("vpn as node", "GET", "/vpn", "nA1",
      known="not served by the simulator (501, see COVERAGE.md)")


def more(d: Differ) -> None:
    """Filter combinations (list order), permissions of the admin roles, odd logins."""
    c = d.call
    for who, path, params in [
        ("root", "/user", {"role_id": 4, "rule_id": 1}),
        ("root", "/user", {"role_id": 4, "username": "%e%"}),
        ("root", "/user", {"rule_id": 2, "organization_id": 2}),
        ("root", "/user", {"email": "%x.org", "last_seen_till": "2999-01-01"}),
        ("root", "/user", {"firstname": "%"}),
        ("coladmin", "/user", {"role_id": 4}),
        ("coladmin", "/user", {"username": "%"}),
        ("orgadmin", "/user", {"email": "%"}),
        ("root", "/role", {"rule_id": 3, "user_id": 9}),
        ("root", "/role", {"rule_id": 3, "user_id": 9, "organization_id": 2}),
        ("root", "/role", {"rule_id": 3, "user_id": 9, "organization_id": 2,
                           "include_root": 1}),
        ("root", "/role", {"name": "%", "rule_id": 51}),
        # the default roles' rule links are interleaved at start-up (found by the state machine)
        ("root", "/role", {"rule_id": 21}),
        ("viewer", "/role", {"rule_id": 14, "per_page": 2, "page": 2}),
        ("viewer", "/role", {"rule_id": 51}),
        ("norole", "/role", {"rule_id": 51}),
        ("root", "/node", {"study_id": 1, "name": "%"}),
        ("root", "/node", {"status": "offline", "ip": "10.0.0.2"}),
        ("viewer", "/node", {"status": "offline"}),
        ("viewd", "/node", {"ip": "x"}),
        ("root", "/node", {"last_seen_till": "2999-01-01"}),
        ("root", "/organization", {"collaboration_id": 1, "ids": 3}),
        ("root", "/organization", {"collaboration_id": 1, "study_id": 1}),
        ("coladmin", "/organization", {"collaboration_id": 1}),
        ("root", "/organization", {"name": "%", "country": "NL"}),
        ("coladmin", "/study", {"organization_id": 2}),
        ("viewer", "/study", {"organization_id": 2}),
        ("root", "/study", {"organization_id": 2, "collaboration_id": 1}),
        ("orgadmin", "/collaboration", {"name": "%"}),
        ("root", "/collaboration", {"organization_id": 3, "encrypted": 0}),
        ("root", "/rule", {"role_id": 6, "name": "user"}),
        ("root", "/rule", {"user_id": 9, "scope": "org", "per_page": 50}),
        ("root", "/rule", {"user_id": 9, "per_page": 50}),
        ("root", "/run", {"organization_id": 2, "state": "open"}),
        ("root", "/task", {"init_org_id": 2, "collaboration_id": 1}),
    ]:
        c(f"combo {who}", "GET", path, who, params=params)
    c("login case", "POST", "/token/user", json_={"username": "Root", "password": "root"})
    c("login with mfa code", "POST", "/token/user",
      json_={"username": "root", "password": "root", "mfa_code": "123456"})
    d.login("root", "root", "root")
    c("user create upper username", "POST", "/user", "root",
      json_={"username": "Upper", "password": STRONG_PW, "email": "UP@x.org", "firstname": "U",
             "lastname": "P", "organization_id": 3, "roles": [ROLE_VIEWER]})
    c("user create email case", "POST", "/user", "root",
      json_={"username": "upper2", "password": STRONG_PW, "email": "up@x.org", "firstname": "U",
             "lastname": "P", "organization_id": 3})
    c("coladmin role other org", "POST", "/role", "coladmin",
      json_={"name": "colrole", "rules": [51], "organization_id": 3})
    c("orgadmin edit user rules", "PATCH", "/user/7", "orgadmin", json_={"rules": [51]})
    c("orgadmin edit user roles", "PATCH", "/user/7", "orgadmin",
      json_={"roles": [ROLE_VIEWER, ROLE_RESEARCHER]})
    c("coladmin edit user other org", "PATCH", "/user/11", "coladmin", json_={"lastname": "C"})
    c("coladmin delete user other org", "DELETE", "/user/11", "coladmin")
    c("orgadmin delete user other org", "DELETE", "/user/11", "orgadmin")
    c("node patch sibling", "PATCH", lambda w: f"/node/{w.vals['id:nA2']}", "nA1",
      json_={"ip": "10.1.1.1"})
    c("node patch own org key", "PATCH", "/organization/2", "nA1",
      json_={"public_key": base64.b64encode(b"node key").decode()})
    c("node patch org name", "PATCH", "/organization/2", "nA1", json_={"name": "OrgA"})
    c("node get own org", "GET", "/organization/2", "nA1")
    c("role patch to default name", "PATCH", "/role/9", "root", json_={"name": "Viewer"})
    c("role patch empty name", "PATCH", "/role/9", "root", json_={"name": ""})
    c("study patch orgadmin", "PATCH", "/study/1", "orgadmin", json_={"name": "S1x"})
    c("study get researcher", "GET", "/study/1", "researcher")
    c("remove node with tasks", "DELETE", "/collaboration/1/node", "root",
      json_=lambda w: {"id": w.vals["id:nC1"]})
    c("task to org without node now", "POST", "/task", "researcher", json_=_task_body([4]))
    c("viewer task include runs", "GET", "/task", "viewer", params={"include": "runs"})
    c("viewd run include task", "GET", "/run", "viewd", params={"include": "task"})
    c("user delete own", "DELETE", "/user/12", "viewd")
    c("user after own delete", "GET", "/user/12", "root")
    c("token of deleted user", "GET", "/organization", "viewd")


def passwords_and_recovery(d: Differ) -> None:
    c = d.call
    c("pw change wrong current", "PATCH", "/password/change", "viewer",
      json_={"current_password": "nope", "new_password": "Newpass123!"})
    c("pw change same", "PATCH", "/password/change", "viewer",
      json_={"current_password": STRONG_PW, "new_password": STRONG_PW})
    c("pw change weak", "PATCH", "/password/change", "viewer",
      json_={"current_password": STRONG_PW, "new_password": "weak"})
    c("pw change missing", "PATCH", "/password/change", "viewer",
      json_={"new_password": "Newpass123!"})
    c("pw change unknown field", "PATCH", "/password/change", "viewer",
      json_={"current_password": STRONG_PW, "new_password": "Newpass123!", "x": 1})
    c("pw change as node", "PATCH", "/password/change", "nA1",
      json_={"current_password": STRONG_PW, "new_password": "Newpass123!"})
    c("pw change ok", "PATCH", "/password/change", "viewer",
      json_={"current_password": STRONG_PW, "new_password": "Newpass123!"})
    c("login old pw", "POST", "/token/user", json_={"username": "viewer", "password": STRONG_PW})
    d.login("viewer", "viewer", "Newpass123!")
    c("recover node", "POST", "/recover/node", "root", json_={"id": 4})
    c("recover node missing", "POST", "/recover/node", "root", json_={"id": 99})
    c("recover node user id", "POST", "/recover/node", "root", json_={"id": 7})
    c("recover node viewer", "POST", "/recover/node", "viewer", json_={"id": 2})
    c("recover node orgadmin", "POST", "/recover/node", "orgadmin", json_={"id": 2})
    c("recover node bad body", "POST", "/recover/node", "root", json_={})
    c("recover node as node", "POST", "/recover/node", "nA1", json_={"id": 2})
    c("old node key rejected", "POST", "/token/node",
      json_=lambda w: {"api_key": w.vals["key:nA1"]})
    # lockout after failed logins
    for i in range(6):
        c(f"failed login {i + 1}", "POST", "/token/user",
          json_={"username": "resb", "password": "wrong"})
    c("login while blocked", "POST", "/token/user",
      json_={"username": "resb", "password": STRONG_PW})


def deletions(d: Differ) -> None:
    c = d.call
    c("org delete own", "DELETE", "/organization/1", "root")
    c("org delete as orgadmin", "DELETE", "/organization/6", "orgadmin")
    c("org delete 404", "DELETE", "/organization/99", "root")
    c("org delete with dependents", "DELETE", "/organization/4", "root")
    c("org delete no dependents", "DELETE", "/organization/6", "root")
    c("col delete with dependents", "DELETE", "/collaboration/1", "root")
    c("col delete coladmin", "DELETE", "/collaboration/3", "coladmin")
    c("user delete with tasks", "DELETE", "/user/8", "root")
    c("user delete own", "DELETE", "/user/13", "norole")
    c("user delete own again", "GET", "/user/13", "norole")
    c("col delete dependents", "DELETE", "/collaboration/1", "root",
      params={"delete_dependents": "False"})
    c("task list after col delete", "GET", "/task", "root")
    c("node list after col delete", "GET", "/node", "root")
    c("study list after col delete", "GET", "/study", "root")
    c("org delete dependents", "DELETE", "/organization/4", "root",
      params={"delete_dependents": 1})
    c("org list at end", "GET", "/organization", "root", params={"per_page": 50})
    c("user list at end", "GET", "/user", "root", params={"per_page": 50})
    c("node list at end", "GET", "/node", "root", params={"per_page": 50})
    c("user delete with tasks dependents", "DELETE", "/user/8", "root",
      params={"delete_dependents": 1})
    c("task list at end", "GET", "/task", "root")
    c("run list at end", "GET", "/run", "root")



SECTIONS = [misc_and_tokens, build_world, organizations, collaborations, nodes, users,
            roles_and_rules, studies, tasks_and_runs, lifecycle, sorting, sweep, edges, more,
            passwords_and_recovery, deletions]

