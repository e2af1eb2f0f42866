"""/user and /user/me of HQ 5.0.3 (hq/resource/user.py).

A 5.x user has no password, names or e-mail at HQ: POST creates the Keycloak account (a user
with a temporary password and the ``organization_id`` attribute, or for a service account the
client ``<username>-user-client``, whose secret is answered once) and DELETE removes it. PATCH
changes only roles and rules. Messages and their order are HQ's, its 500s included.
"""
from __future__ import annotations

from marshmallow import ValidationError

from simulator.vantage6.errors import NO_PERMISSION, BadRequest, NotFound, Unauthorized
from simulator.vantage6.filters import by_id, last_seen_filters, like
from simulator.vantage6.permissions import COL, CREATE, DELETE, EDIT, GLO, ORG, OWN, VIEW
from simulator.vantage6.resources import user as user4
from simulator.vantage6.resources.user import check_caller_has_rules
from simulator.vantage6.routing import USER, RouteTable
from simulator.vantage6.v5 import ordering as ordering5
from simulator.vantage6.v5.accounts import AccountError
from simulator.vantage6.v5.context import V5Ctx
from simulator.vantage6.v5.errors import handle_exceptions
from simulator.vantage6.v5.resources.node import delete_dependents

routes = RouteTable()
routes.route("/user/<int:id>", "GET", who=USER)(user4.get_user)


@routes.route("/user/me", "GET", who=USER)
def current_user(ctx: V5Ctx):
    """Always allowed; any non-empty ``include_permissions`` ("False" too) adds them."""
    return ctx.ser.user(ctx.user, with_permissions=bool(ctx.args.get("include_permissions"))), 200


@routes.route("/user", "GET", who=USER)
def list_users(ctx: V5Ctx):
    """4.x's filters without ``firstname``/``lastname``/``email`` (ignored now)."""
    r, args, state = ctx.rules("user"), ctx.args, ctx.state
    users = list(state.users.values())
    role = None
    if "username" in args:
        users = [u for u in users if like(u.username, args["username"])]
    users = last_seen_filters(args, user4.users_of_organization(ctx, users))
    if "role_id" in args:
        role = user4.role_of_filter(ctx)
        # checked before ``role.organization``: a default role (no organization) is a 500
        if not r.allowed_for_org(VIEW, _org_id(role)) and role.organization:
            raise Unauthorized(user4.role_refusal(role))
        users = [u for u in users if role in u.roles]
    users, rule = user4.users_with_rule(ctx, users)
    users = user4.users_of_collaboration(ctx, users)
    scoped = not r.can(VIEW, GLO) and (r.can(VIEW, COL) or r.can(VIEW, ORG))
    users = user4.scope_users(ctx, users)
    applied = {k for k in ("username", "organization_id", "last_seen_till", "last_seen_from",
                           "collaboration_id") if k in args}
    users = ordering5.users(users, applied, scoped, state, role=role, rule=rule,
                            sorting=bool(args.get("sort")))
    return ctx.page(users, "User", ctx.ser.user)


def _org_id(record):
    return record.organization.id if record.organization else None


@routes.route("/user", "POST", who=USER)
@handle_exceptions
def create_user(ctx: V5Ctx):
    state, me, r = ctx.state, ctx.user, ctx.rules("user")
    data = ctx.load("user")
    if state.user_by_username(data["username"]) is not None:
        raise BadRequest("username already exists.")
    # raised outside the schema's load(): @handle_exceptions makes these 500s
    if not data.get("password") and not data.get("is_service_account"):
        raise ValidationError("Password is required if the user has to be created in Keycloak")
    if data.get("is_service_account") and data.get("password"):
        raise ValidationError("Password should not be provided if the user is a service account")
    organization_id = me.organization.id
    if data.get("organization_id"):
        if data["organization_id"] != organization_id and r.can(CREATE, GLO):
            if by_id(state.organizations, data["organization_id"]) is None:
                raise NotFound("Organization does not exist.")
        organization_id = data["organization_id"]
    if not r.allowed_for_org(CREATE, organization_id):
        raise Unauthorized(NO_PERMISSION)
    roles, rules = user4.assignable(ctx, data, organization_id)
    username, accounts, secret = data["username"], ctx.server.keycloak, None
    if data["is_service_account"]:
        client_name = f"{username}-user-client"
        try:
            account = accounts.create_service_account(client_name, "user")
        except AccountError:
            raise BadRequest(f"Could not create service account '{client_name}' in Keycloak")
        keycloak_id, client_uuid, secret = account.user_id, account.client_uuid, account.secret
    else:
        try:
            keycloak_id = accounts.create_user(username, data["password"], organization_id)
        except AccountError:
            raise BadRequest("User could not be created in Keycloak")
        client_uuid = None
    user = state.add_user(username=username, password="", organization=state.organizations[
        organization_id], roles=roles, rules=rules, keycloak_id=keycloak_id,
        keycloak_client_id=client_uuid, is_service_account=data["is_service_account"])
    out = ctx.ser.user(user)
    if secret is not None:
        out["client_secret"] = secret  # the only time HQ shows it
    return out, 201


@routes.route("/user/<int:id>", "PATCH", who=USER)
@handle_exceptions
def update_user(ctx: V5Ctx, id: int):
    state = ctx.state
    user = ctx.get_or_404(state.users, id, f"user id={id} not found")
    data = ctx.body()
    if data.get("password"):  # on no JSON body: AttributeError, the 500 HQ answers
        raise BadRequest("You cannot change your password here!")
    data = ctx.load("user_edit", data, partial=True)
    if not ctx.rules("user").allowed_for_org(EDIT, user.organization.id):
        raise Unauthorized(NO_PERMISSION)
    if "roles" in data:
        # HQ's next Rule.get() commits these, so they stay even when the rules are refused
        state.set_user_roles(user, user4.checked_roles(ctx, user, data["roles"]))
    if "rules" in data:
        rules = user4.checked_rules(ctx, user, data["rules"])
        try:
            check_caller_has_rules(ctx.caller, [x for x in user.rules if x not in rules])
        except Unauthorized as exc:
            raise Unauthorized("You cannot delete rules you do not have! " + exc.msg)
        state.set_user_rules(user, rules)
    return ctx.ser.user(user), 200


@routes.route("/user/<int:id>", "DELETE", who=USER)
@handle_exceptions
def delete_user(ctx: V5Ctx, id: int):
    params = delete_dependents(ctx)
    user = ctx.get_or_404(ctx.state.users, id, f"user id={id} not found")
    r = ctx.rules("user")
    if not (r.can(DELETE, OWN) and user is ctx.user) and not r.allowed_for_org(
            DELETE, user.organization.id):
        raise Unauthorized(NO_PERMISSION)
    if user.created_tasks:
        if not params.get("delete_dependents", False):
            raise BadRequest(f"User has created {len(user.created_tasks)} tasks. Please delete "
                             "those first, or set the `delete_dependents` parameter to true to "
                             "delete them automatically together with this user.")
        for task in list(user.created_tasks):  # committed before Keycloak is asked
            ctx.state.delete_task(task)
    accounts = ctx.server.keycloak
    try:
        if user.is_service_account:
            accounts.delete_client(user.keycloak_client_id)
        else:
            accounts.delete_user(user.keycloak_id)
    except AccountError:
        raise BadRequest(f"Service account '{user.keycloak_client_id}' could not be deleted "
                         "from Keycloak" if user.is_service_account
                         else "User could not be deleted from Keycloak")
    ctx.state.delete_user(user)
    return {"msg": f"user id={id} is removed from the database"}, 200
