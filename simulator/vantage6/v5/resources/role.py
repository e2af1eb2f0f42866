"""/role and /rule of HQ 5.0.3 (hq/resource/role.py, backend/common/resource/role.py,
hq/resource/rule.py).

Every role method runs in ``handle_exceptions``: schema errors are ``{"msg": {field: [...]}}``,
a body that is not JSON is werkzeug's 415 turned into a 500 with its text. The permission
messages format the ``Operation`` enum as ``Operation.CREATE`` (vantage6's EnumBase). Reads are
4.15.2's logic; since 5.x's ``allowed_for_org`` calls ``int()`` on the role's organization,
GET of a default role (no organization) is a 500 for everyone. ``/role/{id}/rule/{rule_id}``
is gone. Rules show and filter by lowercase words.
"""
from __future__ import annotations

from typing import Any

from simulator.vantage6.errors import BadRequest, NotFound, Unauthorized, UnexpectedError
from simulator.vantage6.filters import by_id
from simulator.vantage6.permissions import CREATE, DELETE, EDIT
from simulator.vantage6.resources import role as role4
from simulator.vantage6.resources.user import check_caller_has_rules
from simulator.vantage6.routing import USER, RouteTable
from simulator.vantage6.v5.context import V5Ctx
from simulator.vantage6.v5.errors import handle_exceptions
from simulator.vantage6.v5.schemas import validate
from simulator.vantage6.v5.serialize import OPERATION_WORDS, SCOPE_WORDS

routes = RouteTable()
routes.route("/role", "GET", who=USER)(role4.list_roles)
routes.route("/role/<int:id>", "GET", who=USER)(role4.get_role)
routes.route("/rule/<int:id>", "GET", who=USER)(role4.get_rule)

_ENUM = {CREATE: "Operation.CREATE", EDIT: "Operation.EDIT", DELETE: "Operation.DELETE"}


def _body(ctx: V5Ctx, partial: bool = False) -> Any:
    """``request.get_json()`` then ``schema.validate``: the data stays as sent."""
    data = ctx.json()
    errors, _ = validate("role", data, partial=partial)
    if errors:
        raise BadRequest(errors)  # BadRequestError(errors): the dict becomes "msg"
    return data


def _check_permission(ctx: V5Ctx, operation: str, organization_id) -> None:
    if not ctx.rules("role").allowed_for_org(operation, organization_id):
        raise Unauthorized(f"You lack the permission to {_ENUM[operation]} roles for "
                           f"organization {organization_id}!")


def _rules(ctx: V5Ctx, ids, msg: str) -> list:
    found = []
    for rule_id in ids:
        rule = by_id(ctx.state.rules, rule_id)
        if rule is None:
            raise NotFound(msg.format(rule_id))
        found.append(rule)
    return found


@routes.route("/role", "POST", who=USER)
@handle_exceptions
def create_role(ctx: V5Ctx):
    data = _body(ctx)
    rules = _rules(ctx, data["rules"] or [], "Rule with id {} not found")
    check_caller_has_rules(ctx.caller, rules)
    organization_id = data.get("organization_id", ctx.user.organization.id)
    org = by_id(ctx.state.organizations, organization_id)
    if org is None:
        raise NotFound(f'Organization "{organization_id}" does not exist!')
    _check_permission(ctx, CREATE, organization_id)
    role = ctx.state.add_role(data.get("name"), data.get("description"), rules, org)
    return ctx.ser.role(role), 201


@routes.route("/role/<int:id>", "PATCH", who=USER)
@handle_exceptions
def update_role(ctx: V5Ctx, id: int):
    data = _body(ctx, partial=True)
    role = role4.editable_role(ctx, id, data, _check_permission)
    # the name and description are set first, and HQ's Rule.get() commits them: they stay
    # even when a rule is then refused
    if "name" in data:
        role.name = data["name"]
    if "description" in data:
        role.description = data["description"]
    if "rules" in data:
        rules = _rules(ctx, data["rules"], "Rule with id={} not found.")
        check_caller_has_rules(ctx.caller, rules)
        ctx.state.set_role_rules(role, rules)
    return ctx.ser.role(role), 200


@routes.route("/role/<int:id>", "DELETE", who=USER)
@handle_exceptions
def delete_role(ctx: V5Ctx, id: int):
    return role4.delete_checked(ctx, id, _check_permission)


# ---------------------------------------------------------------------------------- /rule
@routes.route("/rule", "GET", who=USER)
def list_rules(ctx: V5Ctx):
    """Filters compare the stored words (``view``, ``global``); a user's rules are the union of
    its roles' rules and its own."""
    args, state = ctx.args, ctx.state
    rules = list(state.rules.values())
    words = {"name": lambda x: x.name, "operation": lambda x: OPERATION_WORDS[x.operation],
             "scope": lambda x: SCOPE_WORDS[x.scope]}
    for param, word in words.items():
        if param in args:
            rules = [x for x in rules if word(x) == args[param]]
    rules, role = role4.rules_of_role(ctx, rules)
    if "user_id" in args or args.get("current_user"):
        user = ctx.user if args.get("current_user") else by_id(state.users, args["user_id"])
        if user is None:
            raise BadRequest(f"User with id={args['user_id']} does not exist!")
        if role is not None:
            raise UnexpectedError()  # the role tables joined twice: the SQL fails
        held = {id(x) for r in user.roles for x in r.rules} | {id(x) for x in user.rules}
        rules = sorted((x for x in rules if id(x) in held), key=lambda x: x.id)
    paginate_ = not ("no_pagination" in args and args["no_pagination"] == "1")
    return ctx.page(rules, "Rule", ctx.ser.rule, paginate_=paginate_)
