"""Keeps the two worlds level while the simulator's 5.x admin writes answer 501 ("not yet").

When the real HQ accepted a write that the simulator answered 501, the call is compared (and
counted as a "not yet" difference); then the same effect is applied to the simulator's records
through its state API (and its realm, as HQ would have changed Keycloak), so that the calls
after it compare like with like. The real answer says what happened (the ids, the node's name);
the request says the rest. The stand-in answer returned for the simulator carries its own ids
and secrets. Once the simulator serves a write, it never answers 501 and the bridge is idle.

Only what the script does is bridged; anything else fails loudly (extend it here).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional

from tests.oracle.differ import Outcome

Handler = Callable[..., Any]
_ROUTES: list[tuple[str, "re.Pattern[str]", Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _ROUTES.append((method, re.compile(f"^{pattern}$"), fn))
        return fn
    return register


class Bridge:
    def __init__(self) -> None:
        self.applied: list[str] = []

    def apply(self, world, method: str, path: str, body: Any, params: Any,
              real: Outcome) -> Any:
        path = path.split("?")[0]
        server = world.network.vantage6
        for m, pattern, fn in _ROUTES:
            match = pattern.match(path)
            if m == method and match:
                with server.lock:
                    out = fn(Ctx(server), *(int(g) for g in match.groups()),
                             body=body if isinstance(body, dict) else {}, params=params or {},
                             real=real.body)
                self.applied.append(f"{method} {path}")
                return out
        raise AssertionError(f"the bridge cannot apply {method} {path}: add it to bridge.py")


class Ctx:
    def __init__(self, server) -> None:
        self.server, self.state, self.accounts = server, server.state, server.keycloak
        self.ser = server.client_serializer

    def org(self, id_: Optional[int]):
        return self.state.organizations.get(id_) if id_ is not None else None


# ---------------------------------------------------------------------------------- creations
ORG_FIELDS = ("domain", "address1", "address2", "zipcode", "country")


@route("POST", "/organization")
def post_organization(c: Ctx, body, params, real) -> dict:
    fields = {k: body.get(k, "") for k in ORG_FIELDS}
    if body.get("public_key"):
        fields["public_key"] = body["public_key"]
    return c.ser.organization(c.state.add_organization(name=body["name"], **fields))


@route("POST", "/collaboration")
def post_collaboration(c: Ctx, body, params, real) -> dict:
    orgs = [c.org(i) for i in body["organization_ids"] if c.org(i) is not None]
    col = c.state.add_collaboration(body["name"], orgs, body["encrypted"])
    col.session_restrict_to_same_image = bool(body.get("session_restrict_to_same_image"))
    return c.ser.collaboration(col)


@route("POST", "/node")
def post_node(c: Ctx, body, params, real) -> dict:
    col = c.state.collaborations[body["collaboration_id"]]
    org = c.org(body.get("organization_id")) or c.org(real["organization"]["id"])
    name = real["name"]
    account = c.accounts.create_service_account(f"{name}-node-client", "node")
    node = c.state.add_node(name, org, col, keycloak_id=account.user_id,
                            keycloak_client_id=account.client_uuid)
    return dict(c.ser.node(node), api_key=account.secret)


@route("POST", "/user")
def post_user(c: Ctx, body, params, real) -> dict:
    org = c.org(real["organization"]["id"])
    roles = [c.state.roles[i] for i in body.get("roles", []) if i in c.state.roles]
    rules = [c.state.rules[i] for i in body.get("rules", []) if i in c.state.rules]
    username = body["username"]
    if body.get("is_service_account"):
        account = c.accounts.create_service_account(f"{username}-user-client", "user")
        user = c.state.add_user(username, "", org, roles=roles, rules=rules,
                                keycloak_id=account.user_id,
                                keycloak_client_id=account.client_uuid, is_service_account=True)
        return dict(c.ser.user(user), client_secret=account.secret)
    keycloak_id = c.accounts.create_user(username, body["password"], org.id)
    user = c.state.add_user(username, "", org, roles=roles, rules=rules, keycloak_id=keycloak_id)
    return c.ser.user(user)


@route("POST", "/role")
def post_role(c: Ctx, body, params, real) -> dict:
    org = c.org(real["organization"]["id"]) if real.get("organization") else None
    rules = [c.state.rules[i] for i in body.get("rules", [])]
    return c.ser.role(c.state.add_role(body["name"], body.get("description"), rules, org))


@route("POST", "/study")
def post_study(c: Ctx, body, params, real) -> dict:
    col = c.state.collaborations[body["collaboration_id"]]
    orgs = [c.org(i) for i in body["organization_ids"]]
    return c.ser.study(c.state.add_study(body["name"], col, orgs), with_organizations=True)


@route("POST", r"/collaboration/(\d+)/organization")
def add_collaboration_org(c: Ctx, col_id, body, params, real) -> list:
    col = c.state.collaborations[col_id]
    c.state.add_member(col, c.org(body["id"]))
    return [c.ser.organization(o) for o in col.organizations]


@route("DELETE", r"/collaboration/(\d+)/organization")
def remove_collaboration_org(c: Ctx, col_id, body, params, real) -> list:
    col = c.state.collaborations[col_id]
    c.state.remove_member(col, c.org(body["id"]))
    return [c.ser.organization(o) for o in col.organizations]


@route("POST", r"/study/(\d+)/organization")
def add_study_org(c: Ctx, study_id, body, params, real) -> list:
    study = c.state.studies[study_id]
    c.state.set_study_organizations(study, study.organizations + [c.org(body["id"])])
    return [c.ser.organization(o) for o in study.organizations]


@route("DELETE", r"/study/(\d+)/organization")
def remove_study_org(c: Ctx, study_id, body, params, real) -> list:
    study = c.state.studies[study_id]
    c.state.set_study_organizations(study, [o for o in study.organizations
                                            if o.id != body["id"]])
    return [c.ser.organization(o) for o in study.organizations]


# ---------------------------------------------------------------------------------- edits
def _copy(record: Any, body: dict, keys: tuple[str, ...]) -> None:
    """The body's non-null values of ``keys`` onto the record (a PATCH's plain fields)."""
    for key in keys:
        if body.get(key) is not None:
            setattr(record, key, body[key])


@route("PATCH", r"/organization/(\d+)")
def patch_organization(c: Ctx, org_id, body, params, real) -> dict:
    org = c.state.organizations[org_id]
    _copy(org, body, ("name", "public_key") + ORG_FIELDS)
    return c.ser.organization(org)


@route("PATCH", r"/collaboration/(\d+)")
def patch_collaboration(c: Ctx, col_id, body, params, real) -> dict:
    col = c.state.collaborations[col_id]
    _copy(col, body, ("name", "encrypted"))
    if body.get("organization_ids") is not None:
        c.state.set_collaboration_organizations(
            col, [c.org(i) for i in body["organization_ids"] if c.org(i) is not None])
    return c.ser.collaboration(col)


@route("PATCH", r"/node/(\d+)")
def patch_node(c: Ctx, node_id, body, params, real) -> dict:
    node = c.state.nodes[node_id]
    _copy(node, body, ("name",))
    return c.ser.node(node)


@route("PATCH", r"/user/(\d+)")
def patch_user(c: Ctx, user_id, body, params, real) -> dict:
    user = c.state.users[user_id]
    if "roles" in body:
        c.state.set_user_roles(user, [c.state.roles[i] for i in body["roles"]])
    if "rules" in body:
        c.state.set_user_rules(user, [c.state.rules[i] for i in body["rules"]])
    return c.ser.user(user)


@route("PATCH", r"/role/(\d+)")
def patch_role(c: Ctx, role_id, body, params, real) -> dict:
    role = c.state.roles[role_id]
    _copy(role, body, ("name",))
    if "description" in body:
        role.description = body["description"]
    if body.get("rules") is not None:
        c.state.set_role_rules(role, [c.state.rules[i] for i in body["rules"]])
    return c.ser.role(role)


@route("PATCH", r"/study/(\d+)")
def patch_study(c: Ctx, study_id, body, params, real) -> dict:
    study = c.state.studies[study_id]
    _copy(study, body, ("name",))
    if body.get("organization_ids") is not None:
        c.state.set_study_organizations(study, [c.org(i) for i in body["organization_ids"]])
    return c.ser.study(study)


@route("POST", "/recover/node")
def recover_node(c: Ctx, body, params, real) -> dict:
    node = c.state.nodes[body["id"]]
    return {"api_key": c.accounts.regenerate_secret(node.keycloak_client_id)}


# ---------------------------------------------------------------------------------- deletions
def _plain_deletion(table: str, delete: str) -> Handler:
    """``DELETE /<x>/<id>`` that only removes records (Keycloak keeps the accounts of an
    organization's or a collaboration's users and nodes, as in HQ)."""
    def handler(c: Ctx, id_, body, params, real) -> dict:
        getattr(c.state, delete)(getattr(c.state, table)[id_])
        return real
    return handler


for _path, _table, _delete in [("organization", "organizations", "delete_organization"),
                               ("collaboration", "collaborations", "delete_collaboration"),
                               ("role", "roles", "delete_role"),
                               ("study", "studies", "delete_study")]:
    route("DELETE", rf"/{_path}/(\d+)")(_plain_deletion(_table, _delete))


@route("DELETE", r"/node/(\d+)")
def delete_node(c: Ctx, node_id, body, params, real) -> dict:
    node = c.state.nodes[node_id]
    c.accounts.delete_client(node.keycloak_client_id)
    c.state.delete_node(node)
    return real


@route("DELETE", r"/user/(\d+)")
def delete_user(c: Ctx, user_id, body, params, real) -> dict:
    user = c.state.users[user_id]
    if user.is_service_account:
        c.accounts.delete_client(user.keycloak_client_id)
    else:
        c.accounts.delete_user(user.keycloak_id)
    c.state.delete_user(user)
    return real
