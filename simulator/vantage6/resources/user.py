"""/user, /password/change and /recover/node (server/resource/user.py, recover.py)."""
from __future__ import annotations

import uuid

from simulator.vantage6 import ordering, schemas
from simulator.vantage6.api_doc import BOOL, DATE, ID, LIKE, Doc, paging, q, ref
from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import (
    NO_PERMISSION,
    BadRequest,
    NotFound,
    Unauthorized,
    UnexpectedError,
    handle_exceptions,
)
from simulator.vantage6.filters import by_id, int_arg, int_eq, last_seen_filters, like
from simulator.vantage6.permissions import (
    COL, CREATE, DELETE, EDIT, GLO, ORG, OWN, SCOPE_NAMES, OPERATION_NAMES, VIEW, Caller)
from simulator.vantage6.resources.token import _login
from simulator.vantage6.routing import USER, RouteTable
from simulator.vantage6.schemas import password_problem
from simulator.vantage6.secrets import hash_secret

routes = RouteTable()


def check_caller_has_rules(caller: Caller, rules) -> None:
    """PermissionManager.check_user_rules: you can only hand out rules you have yourself."""
    for rule in rules:
        if not caller.rules(rule.name).has_at_least_scope(rule.scope, rule.operation):
            raise Unauthorized(f"You don't have the rule ({rule.name}, "
                               f"{SCOPE_NAMES[rule.scope].lower()}, "
                               f"{OPERATION_NAMES[rule.operation].lower()})")


@routes.route("/user", "GET", who=USER, doc=Doc(
    query=[q("username", LIKE), q("firstname", LIKE), q("lastname", LIKE), q("email", LIKE),
           q("organization_id", ID), q("role_id", ID), q("rule_id", ID), q("last_seen_from", DATE),
           q("last_seen_till", DATE), *paging("id", "username", "email")],
    ok=200, schema=ref("UserPage")))
def list_users(ctx: Ctx):
    r, args, state = ctx.rules("user"), ctx.args, ctx.state
    users = list(state.users.values())
    role = rule = None
    for param in ("username", "firstname", "lastname", "email"):
        if param in args:
            users = [u for u in users if like(getattr(u, param), args[param])]
    users = last_seen_filters(args, users_of_organization(ctx, users))
    if "role_id" in args:
        role = role_of_filter(ctx)
        if role.organization and not r.allowed_for_org(VIEW, role.organization.id):
            raise Unauthorized(role_refusal(role))
        users = [u for u in users if role in u.roles]
    users, rule = users_with_rule(ctx, users)
    users = users_of_collaboration(ctx, users)
    scoped = not r.can(VIEW, GLO) and (r.can(VIEW, COL) or r.can(VIEW, ORG))
    users = scope_users(ctx, users)
    applied = {k for k in _USER_FILTERS if k in args}
    users = ordering.users(users, applied, scoped, state, role=role, rule=rule,
                           sorting=bool(args.get("sort")))
    return ctx.page(users, "User", ctx.ser.user)


# the filters of GET /user that 4.x and 5.x share
def users_of_organization(ctx: Ctx, users: list) -> list:
    args = ctx.args
    if "organization_id" not in args:
        return users
    if not ctx.rules("user").allowed_for_org(VIEW, int_arg(args["organization_id"])):
        raise Unauthorized("You lack the permission view users from the organization with id "
                           f"{args['organization_id']}!")
    return [u for u in users if int_eq(u.organization.id, args["organization_id"])]


def role_of_filter(ctx: Ctx):
    role = by_id(ctx.state.roles, ctx.args["role_id"])
    if role is None:
        raise BadRequest(f"Role with id={ctx.args['role_id']} does not exist!")
    return role


def role_refusal(role) -> str:
    return ("You lack the permission view users from the organization that role with "
            f"id={role.organization.id} belongs to!")


def users_with_rule(ctx: Ctx, users: list) -> tuple[list, object]:
    """``rule_id``: only the users it is assigned to directly."""
    if "rule_id" not in ctx.args:
        return users, None
    rule = by_id(ctx.state.rules, ctx.args["rule_id"])
    if rule is None:
        raise BadRequest(f"Rule with id={ctx.args['rule_id']} does not exist!")
    return [u for u in users if rule in u.rules], rule


def users_of_collaboration(ctx: Ctx, users: list) -> list:
    args = ctx.args
    if "collaboration_id" not in args:
        return users
    if not ctx.rules("user").can_for_col(VIEW, int_arg(args["collaboration_id"])):
        raise Unauthorized("You lack the permission view all users from collaboration "
                           f"{args['collaboration_id']}!")
    # get_org_ids_from_collabs compares the int collaboration id with the *string* argument,
    # so this filter never matches anyone on the real server.
    return []


def scope_users(ctx: Ctx, users: list) -> list:
    """The users a caller may list (4.x and 5.x): all, those of the organizations in its
    collaborations and its own, its organization's, or only itself when it asks by username."""
    r, me = ctx.rules("user"), ctx.user
    if r.can(VIEW, GLO):
        return users
    if r.can(VIEW, COL):
        visible = {o.id for col in me.organization.collaborations for o in col.organizations}
        visible.add(me.organization.id)
        return [u for u in users if u.organization.id in visible]
    if r.can(VIEW, ORG):
        return [u for u in users if u.organization is me.organization]
    if ctx.args.get("username") == me.username:
        return users
    raise Unauthorized(NO_PERMISSION)


_USER_FILTERS = ("username", "firstname", "lastname", "email", "organization_id",
                 "last_seen_till", "last_seen_from", "collaboration_id")


@routes.route("/user", "POST", who=USER, doc=Doc(
    body=schemas.UserInputSchema, ok=201, schema=ref("User")))
@handle_exceptions
def create_user(ctx: Ctx):
    state, me = ctx.state, ctx.user
    data = ctx.validated("user", ctx.json())
    if state.user_by_username(data["username"]) is not None:
        raise BadRequest("username already exists.")
    if state.name_taken(state.users, data["email"], attr="email"):
        raise BadRequest("email already exists.")
    organization_id = me.organization.id
    if data.get("organization_id"):
        if data["organization_id"] != organization_id and ctx.rules("user").can(CREATE, GLO):
            if by_id(state.organizations, data["organization_id"]) is None:
                raise NotFound("Organization does not exist.")
        organization_id = data["organization_id"]
    if not ctx.rules("user").allowed_for_org(CREATE, organization_id):
        raise Unauthorized(NO_PERMISSION)
    roles, rules = assignable(ctx, data, organization_id)
    for key in ("firstname", "lastname"):
        if key not in data:  # the real handler indexes data[key]
            raise KeyError(key)
    org = by_id(state.organizations, organization_id)
    if org is None:  # the real server fails on the foreign key when it commits
        raise UnexpectedError()
    user = state.add_user(username=data["username"], password=data["password"], organization=org,
                          email=data["email"], firstname=data["firstname"],
                          lastname=data["lastname"], roles=roles, rules=rules)
    return ctx.ser.user(user), 201


def assignable(ctx: Ctx, data: dict, organization_id: int) -> tuple[list, list]:
    """POST /user's roles and rules (4.x and 5.x): those that exist (others are dropped),
    each held by the caller, a role of an organization only for that organization's users."""
    state, roles = ctx.state, []
    for role in filter(None, (by_id(state.roles, i) for i in data.get("roles") or [])):
        check_caller_has_rules(ctx.caller, role.rules)
        roles.append(role)
        if role.organization and role.organization.id != organization_id:
            raise Unauthorized("You can't assign that role as the role belongs to a "
                               "different organization than the user.")
    rules = [x for x in (by_id(state.rules, i) for i in data.get("rules") or []) if x]
    check_caller_has_rules(ctx.caller, rules)
    return roles, rules


@routes.route("/user/<int:id>", "GET", who=USER, doc=Doc(
    query=[q("include_permissions", BOOL)], ok=200,
    schema={"oneOf": [ref("User"), ref("UserWithPermissions")]}))
def get_user(ctx: Ctx, id: int):
    user = ctx.get_or_404(ctx.state.users, id, f"user id={id} is not found")
    with_permissions = bool(ctx.args.get("include_permissions", False))
    if user is ctx.user or ctx.rules("user").allowed_for_org(VIEW, user.organization.id):
        return ctx.ser.user(user, with_permissions=with_permissions), 200
    raise Unauthorized(NO_PERMISSION)


@routes.route("/user/<int:id>", "PATCH", who=USER, doc=Doc(
    body=schemas.UserInputSchema, partial=True, ok=200, schema=ref("User")))
@handle_exceptions
def update_user(ctx: Ctx, id: int):
    state, me, r = ctx.state, ctx.user, ctx.rules("user")
    user = ctx.get_or_404(state.users, id, f"user id={id} not found")
    data = ctx.validated("user", ctx.json(), partial=True)
    if data.get("password"):
        raise BadRequest("You cannot change your password here!")
    if not (r.can(EDIT, OWN) and user is me) and not r.allowed_for_org(EDIT, user.organization.id):
        raise Unauthorized(NO_PERMISSION)
    # all checks first, then the changes: a refused PATCH changes nothing (the real server rolls back)
    if data.get("username") is not None and user.username != data["username"]:
        if state.user_by_username(data["username"]) is not None:
            raise BadRequest("User with that username already exists")
        if user is not me:
            raise BadRequest("You cannot change the username of another user")
    if data.get("email") is not None and user.email != data["email"]:
        if state.name_taken(state.users, data["email"], attr="email"):
            raise BadRequest("User with that email already exists.")
    roles = checked_roles(ctx, user, data["roles"]) if "roles" in data else None
    rules = None
    if "rules" in data:
        rules = checked_rules(ctx, user, data["rules"])
        check_caller_has_rules(ctx.caller, [x for x in user.rules if x not in rules])
    if data.get("username") is not None:
        state.rename_user(user, data["username"])
    for key in ("firstname", "lastname", "email"):
        if data.get(key) is not None:
            setattr(user, key, data[key])
    if roles is not None:
        state.set_user_roles(user, roles)
    if rules is not None:
        state.set_user_rules(user, rules)
    return ctx.ser.user(user), 200


def checked_roles(ctx: Ctx, user, role_ids: list) -> list:
    """PATCH /user/{id}'s checks of new roles (4.x and 5.x alike): they exist, the user is not
    the caller, the caller holds their rules and those of the roles taken away, and an
    organization's role goes to its own users only."""
    roles = [_found(ctx.state.roles, i, f"Role={i} can not be found!") for i in role_ids]
    if user is ctx.user:
        raise Unauthorized("You can't changes your own roles!")
    for role in roles:
        check_caller_has_rules(ctx.caller, role.rules)
        if role.organization and role.organization.id != user.organization.id:
            raise Unauthorized("You can't assign that role to that user as the role belongs "
                               "to a different organization than the user ")
    for role in [x for x in user.roles if x not in roles]:
        check_caller_has_rules(ctx.caller, role.rules)
    return roles


def checked_rules(ctx: Ctx, user, rule_ids: list) -> list:
    """The new rules exist, the user is not the caller, and the caller holds them."""
    rules = [_found(ctx.state.rules, i, f"Rule={i} can not be found!") for i in rule_ids]
    if user is ctx.user:
        raise Unauthorized("You can't changes your own rules!")
    check_caller_has_rules(ctx.caller, rules)
    return rules


def _found(table: dict, id_, msg: str):
    record = by_id(table, id_)
    if record is None:
        raise NotFound(msg)
    return record


@routes.route("/user/<int:id>", "DELETE", who=USER, doc=Doc(
    query=[q("delete_dependents", BOOL)], ok=200))
def delete_user(ctx: Ctx, id: int):
    user = ctx.get_or_404(ctx.state.users, id, f"user id={id} not found")
    r = ctx.rules("user")
    if not (r.can(DELETE, OWN) and user is ctx.user) and not r.allowed_for_org(
            DELETE, user.organization.id):
        raise Unauthorized(NO_PERMISSION)
    if user.created_tasks and not ctx.args.get("delete_dependents", False):
        raise BadRequest(f"User has created {len(user.created_tasks)} tasks. Please delete those "
                         "first, or set the `delete_dependents` parameter to true to delete them "
                         "automatically together with this user.")
    ctx.state.delete_user(user)
    return {"msg": f"user id={id} is removed from the database"}, 200


@routes.route("/password/change", "PATCH", who=USER, doc=Doc(
    body=schemas.ChangePasswordInputSchema, ok=200))
def change_password(ctx: Ctx):
    body = ctx.validated("change_password", ctx.json())
    me = ctx.user
    _login(ctx, me.username, body.get("current_password"))
    if body["current_password"] == body["new_password"]:
        raise BadRequest("New password is the same as current password!")
    problem = password_problem(body["new_password"])
    if problem:
        raise BadRequest(problem)
    me.password_hash = hash_secret(body["new_password"])
    return {"msg": "The password has been changed successfully!"}, 200


@routes.route("/recover/node", "POST", who=USER, doc=Doc(body=schemas.OnlyIdSchema, ok=200))
def reset_api_key(ctx: Ctx):
    body = ctx.validated("only_id", ctx.json())
    node = by_id(ctx.state.nodes, body["id"])
    if node is None:
        raise NotFound(f"Node id={body['id']} is not found!")
    if not ctx.rules("node").allowed_for_org(EDIT, node.organization.id):
        raise Unauthorized(NO_PERMISSION)
    api_key = str(uuid.uuid4())
    ctx.state.set_node_api_key(node, api_key)
    return {"api_key": api_key}, 200
