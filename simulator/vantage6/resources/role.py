"""/role, /role/{id}/rule/{rule_id} (server/resource/role.py, backend/common/resource/role.py) and
/rule (server/resource/rule.py).

Role endpoints run inside the real ``handle_exceptions``: their schema errors come back as
``{"msg": {<field>: [...]}}`` (no "errors" key) and unexpected errors carry their text.
"""
from __future__ import annotations

from simulator.vantage6 import ordering, schemas
from simulator.vantage6.api_doc import BOOL, ID, LIKE, NAME, Doc, paging, q, ref
from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import (
    BadRequest, NotFound, Unauthorized, UnexpectedError, handle_exceptions)
from simulator.vantage6.filters import by_id, like
from simulator.vantage6.permissions import (
    COL, CREATE, DEFAULT_ROLE_NAMES, DELETE, EDIT, GLO, ORG, OWN, VIEW)
from simulator.vantage6.resources.user import check_caller_has_rules
from simulator.vantage6.routing import USER, RouteTable
from simulator.vantage6.schemas import errors_of

routes = RouteTable()


def _validated(data, partial: bool = False):
    errors = errors_of("role", data, partial=partial)
    if errors:
        raise BadRequest(errors)  # BadRequestError(errors): the dict becomes "msg"
    return data


def role_or_404(ctx: Ctx, role_id) -> object:
    role = by_id(ctx.state.roles, role_id)
    if role is None:
        raise NotFound(f"Role with id={role_id} not found.")
    return role


def rule_or_404(ctx: Ctx, rule_id) -> object:
    rule = by_id(ctx.state.rules, rule_id)
    if rule is None:
        raise NotFound(f"Rule with id={rule_id} not found.")
    return rule


def _check_permission(ctx: Ctx, operation: str, organization_id) -> None:
    if not ctx.rules("role").allowed_for_org(operation, organization_id):
        # the real message formats the Operation enum, i.e. its value ("c", "e", "d")
        raise Unauthorized(f"You lack the permission to {operation} roles for organization "
                           f"{organization_id}!")


def role_org_id(role) -> object:
    return role.organization.id if role.organization else None


@routes.route("/role", "GET", who=USER, doc=Doc(
    query=[NAME, q("description", LIKE), q("organization_id", ID), q("rule_id", ID),
           q("user_id", ID), q("include_root", BOOL), *paging("id", "name")],
    ok=200, schema=ref("RolePage")))
@handle_exceptions
def list_roles(ctx: Ctx):
    r, args, state, me = ctx.rules("role"), ctx.args, ctx.state, ctx.user
    roles = list(state.roles.values())
    include_root = bool(args.get("include_root", False))
    org_filters = args.getlist("organization_id")
    if org_filters:
        for org_id in org_filters:
            if not r.allowed_for_org(VIEW, org_id):
                raise Unauthorized(f"You lack the permission to view roles from organization "
                                   f"{org_id}!")
        roles = [x for x in roles if (x.organization is None and include_root)
                 or (x.organization is not None and str(x.organization.id) in org_filters)]
    if "collaboration_id" in args:
        if not r.can_for_col(VIEW, args["collaboration_id"]):
            raise Unauthorized("You lack the permission to view roles from collaboration "
                               f"{args['collaboration_id']}!")
        # get_org_ids_from_collabs compares with the string argument: no organization matches
        roles = [x for x in roles if x.organization is None and include_root]
    for param in ("name", "description"):
        patterns = args.getlist(param)
        if patterns:
            roles = [x for x in roles if any(like(getattr(x, param), p) for p in patterns)]
    rule = user = None
    if "rule_id" in args:
        rule = rule_or_404(ctx, args["rule_id"])
        roles = [x for x in roles if rule in x.rules]
    if "user_id" in args:
        user = by_id(state.users, args["user_id"])
        if user is None:
            raise BadRequest(f"User with id={args['user_id']} does not exist!")
        if not r.allowed_for_org(VIEW, user.organization.id) and user is not me:
            raise Unauthorized("You lack the permission to view roles from the organization "
                               f"that user id={user.id} belongs to!")
        roles = [x for x in roles if x in user.roles]
    scope = GLO
    if not r.can(VIEW, GLO):
        own = set(map(id, me.roles))
        if r.can(VIEW, COL):
            orgs = {o.id for col in ctx.caller.collaborations for o in col.organizations}
            roles = [x for x in roles if id(x) in own or x.organization is None
                     or x.organization.id in orgs]
        elif r.can(VIEW, ORG):
            roles = [x for x in roles if id(x) in own or x.organization is None
                     or x.organization is me.organization]
        else:
            scope = OWN
            roles = [x for x in roles if id(x) in own]
    by_org = bool(org_filters) and not include_root
    roles = ordering.roles(roles, scope, rule=rule, user=user, by_organization=by_org)
    return ctx.page(roles, "Role", ctx.ser.role)


@routes.route("/role", "POST", who=USER, doc=Doc(
    body=schemas.RoleInputSchema, ok=201, schema=ref("Role")))
@handle_exceptions
def create_role(ctx: Ctx):
    state = ctx.state
    data = _validated(ctx.json())
    rules = []
    for rule_id in data["rules"] or []:
        rule = by_id(state.rules, rule_id)
        if rule is None:
            raise NotFound(f"Rule with id {rule_id} not found")
        rules.append(rule)
    check_caller_has_rules(ctx.caller, rules)
    organization_id = data.get("organization_id", ctx.user.organization.id)
    org = by_id(state.organizations, organization_id)
    if org is None:
        raise NotFound(f'Organization "{organization_id}" does not exist!')
    _check_permission(ctx, CREATE, organization_id)
    role = state.add_role(data.get("name"), data.get("description"), rules, org)
    return ctx.ser.role(role), 201


@routes.route("/role/<int:id>", "GET", who=USER, doc=Doc(ok=200, schema=ref("Role")))
@handle_exceptions
def get_role(ctx: Ctx, id: int):
    role = role_or_404(ctx, id)
    r = ctx.rules("role")
    allowed = (r.allowed_for_org(VIEW, role_org_id(role)) or role in ctx.user.roles
               or (role.name in DEFAULT_ROLE_NAMES and r.has_at_least_scope(ORG, VIEW)))
    if not allowed:
        raise Unauthorized("You do not have permission to view this role.")
    return ctx.ser.role(role), 200


def refuse_default(role) -> None:
    if role.name in DEFAULT_ROLE_NAMES:
        raise BadRequest(f"Role {role.name} is a default role and cannot be edited or deleted.")


@routes.route("/role/<int:id>", "PATCH", who=USER, doc=Doc(
    body=schemas.RoleInputSchema, partial=True, ok=200, schema=ref("Role")))
@handle_exceptions
def update_role(ctx: Ctx, id: int):
    data = _validated(ctx.json(), partial=True)
    role = editable_role(ctx, id, data, _check_permission)
    rules = None
    if "rules" in data:
        rules = [rule_or_404(ctx, rule_id) for rule_id in data["rules"]]
        check_caller_has_rules(ctx.caller, rules)
    if "name" in data:
        role.name = data["name"]
    if "description" in data:
        role.description = data["description"]
    if rules is not None:
        ctx.state.set_role_rules(role, rules)
    return ctx.ser.role(role), 200


def editable_role(ctx: Ctx, id: int, data: dict, check_permission):
    """PATCH /role/{id}'s checks once the body is valid (4.x and 5.x alike but for the wording
    ``check_permission`` raises)."""
    if "organization_id" in data:
        raise BadRequest("Cannot change role's organization")
    role = role_or_404(ctx, id)
    refuse_default(role)
    check_permission(ctx, EDIT, role_org_id(role))
    return role


@routes.route("/role/<int:id>", "DELETE", who=USER, doc=Doc(
    query=[q("delete_dependents", BOOL)], ok=200))
@handle_exceptions
def delete_role(ctx: Ctx, id: int):
    return delete_checked(ctx, id, _check_permission)


def delete_checked(ctx: Ctx, id: int, check_permission) -> tuple[dict, int]:
    """DELETE /role/{id} (4.x and 5.x alike but for the wording ``check_permission`` raises)."""
    role = role_or_404(ctx, id)
    refuse_default(role)
    check_permission(ctx, DELETE, role_org_id(role))
    if role.users and not ctx.args.get("delete_dependents", False):  # any value is truthy
        raise BadRequest(f"Role {role.name} is assigned to users and cannot be deleted.")
    ctx.state.delete_role(role)
    return {"msg": "Role removed from the database."}, 200


@routes.route("/role/<int:id>/rule/<int:rule_id>", "POST", who=USER, doc=Doc(
    ok=201, schema={"type": "array", "items": ref("Rule")}))
@handle_exceptions
def add_rule_to_role(ctx: Ctx, id: int, rule_id: int):
    role, rule = role_or_404(ctx, id), rule_or_404(ctx, rule_id)
    _check_permission(ctx, EDIT, role_org_id(role))
    check_caller_has_rules(ctx.caller, [rule])
    if rule not in role.rules:
        ctx.state.add_role_rule(role, rule)
    return [ctx.ser.rule(x) for x in role.rules], 201


@routes.route("/role/<int:id>/rule/<int:rule_id>", "DELETE", who=USER, doc=Doc(
    ok=200, schema={"type": "array", "items": ref("Rule")}))
@handle_exceptions
def remove_rule_from_role(ctx: Ctx, id: int, rule_id: int):
    role, rule = role_or_404(ctx, id), rule_or_404(ctx, rule_id)
    _check_permission(ctx, EDIT, role_org_id(role))
    check_caller_has_rules(ctx.caller, [rule])
    if rule not in role.rules:
        raise NotFound(f"Rule with id={rule_id} is not part of role with id={id}")
    ctx.state.remove_role_rule(role, rule)
    return [ctx.ser.rule(x) for x in role.rules], 200


# ---------------------------------------------------------------------------------- /rule
_OPERATION_BY_NAME = {"VIEW": "v", "EDIT": "e", "CREATE": "c", "DELETE": "d", "SEND": "s",
                      "RECEIVE": "r"}
_SCOPE_BY_NAME = {"GLOBAL": "glo", "COLLABORATION": "col", "ORGANIZATION": "org", "OWN": "own"}


@routes.route("/rule", "GET", who=USER, doc=Doc(
    query=[NAME, q("operation", {"type": "string", "enum": ["v", "e", "c", "d", "s", "r"]}),
           q("scope", {"type": "string", "enum": ["own", "org", "col", "glo"]}), q("role_id", ID),
           q("user_id", ID), q("no_pagination", {"type": "integer", "enum": [0, 1]}),
           *paging("id", "name")],
    ok=200, schema=ref("RulePage")))
def list_rules(ctx: Ctx):
    args, state = ctx.args, ctx.state
    rules = list(state.rules.values())
    if "name" in args:
        rules = [x for x in rules if x.name == args["name"]]
    # the Enum columns accept the enum value ("v") and its name ("VIEW")
    if "operation" in args:
        op = _OPERATION_BY_NAME.get(args["operation"], args["operation"])
        rules = [x for x in rules if x.operation == op]
    if "scope" in args:
        scope = _SCOPE_BY_NAME.get(args["scope"], args["scope"])
        rules = [x for x in rules if x.scope == scope]
    rules, role = rules_of_role(ctx, rules)
    if "user_id" in args:
        user = by_id(state.users, args["user_id"])
        if user is None:
            raise BadRequest(f"User with id={args['user_id']} does not exist!")
        if role is not None:
            raise UnexpectedError()  # the joins make "role.id" ambiguous: the SQL fails
        via_roles = {id(x) for role in user.roles for x in role.rules}
        # direct rules only show when some role held by some user also has them (inner joins)
        held = {id(x) for u in state.users.values() for role in u.roles for x in role.rules}
        direct = {id(x) for x in user.rules if id(x) in held}
        rules = [x for x in rules if id(x) in via_roles or id(x) in direct]
    paginate_ = not ("no_pagination" in args and args["no_pagination"] == "1")
    return ctx.page(rules, "Rule", ctx.ser.rule, paginate_=paginate_)


def rules_of_role(ctx: Ctx, rules: list) -> tuple[list, object]:
    """``GET /rule?role_id=`` (4.x and 5.x): the role's rules among ``rules``, in the order of
    its role_rule_association rows."""
    if "role_id" not in ctx.args:
        return rules, None
    role = by_id(ctx.state.roles, ctx.args["role_id"])
    if role is None:
        raise BadRequest(f"Role with id={ctx.args['role_id']} does not exist!")
    return [x for x in role.rules if x in rules], role


@routes.route("/rule/<int:id>", "GET", who=USER, doc=Doc(ok=200, schema=ref("Rule")))
def get_rule(ctx: Ctx, id: int):
    rule = ctx.get_or_404(ctx.state.rules, id, f"Rule id={id} not found!")
    return ctx.ser.rule(rule), 200
