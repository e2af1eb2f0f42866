"""/token/* (server/resource/token.py, resource/common/auth_helper.py)."""
from __future__ import annotations

import datetime as dt
import json

from simulator.vantage6 import schemas
from simulator.vantage6.api_doc import STR, Doc, obj, ref
from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import BadRequest, Unauthorized
from simulator.vantage6.filters import by_id
from simulator.vantage6.routing import NODE, USER, RouteTable
from simulator.vantage6.secrets import check_secret
from simulator.vantage6.status import has_task_finished

routes = RouteTable()
DEFAULT_MAX_FAILED_ATTEMPTS = 5
DEFAULT_INACTIVATION_MINUTES = 15


@routes.route("/token/user", "POST", who=None, doc=Doc(
    body=schemas.TokenUserInputSchema, ok=200,
    schema={"allOf": [ref("Tokens"), obj({"user_url": STR})]}))
def user_token(ctx: Ctx):
    body = ctx.validated("token_user", ctx.json())
    user = _login(ctx, body.get("username"), body.get("password"))
    tokens = ctx.server.token_dict(user)
    return tokens, 200, {"jwt-token": tokens["access_token"]}


def _login(ctx: Ctx, username: str, password: str):
    state = ctx.state
    policy = ctx.server.config.get("password_policy", {})
    max_attempts = policy.get("max_failed_attempts", DEFAULT_MAX_FAILED_ATTEMPTS)
    block_minutes = policy.get("inactivation_minutes", DEFAULT_INACTIVATION_MINUTES)
    user = state.user_by_username(username)
    now = ctx.server.clock.now()
    blocked = False
    if user is not None and user.failed_login_attempts >= max_attempts and user.last_login_attempt:
        blocked = now - user.last_login_attempt < dt.timedelta(minutes=block_minutes)
    if user is not None and not blocked and check_secret(password, user.password_hash):
        user.failed_login_attempts = 0
        return user
    if user is not None and not blocked:
        # __handle_failed_login: count up, restarting after a block has expired
        if not user.failed_login_attempts or user.failed_login_attempts >= max_attempts:
            user.failed_login_attempts = 1
        else:
            user.failed_login_attempts += 1
        user.last_login_attempt = now
    raise Unauthorized("Failed to login")


@routes.route("/token/node", "POST", who=None, doc=Doc(
    body=schemas.TokenNodeInputSchema, ok=200,
    schema={"allOf": [ref("Tokens"), obj({"node_url": STR})]}))
def node_token(ctx: Ctx):
    body = ctx.validated("token_node", ctx.json())
    node = ctx.state.node_by_api_key(body.get("api_key"))
    if node is None:
        raise Unauthorized("Api key is not recognized!")
    tokens = ctx.server.token_dict(node)
    return tokens, 200, {"jwt-token": tokens["access_token"]}


@routes.route("/token/container", "POST", who=NODE, doc=Doc(
    body=schemas.TokenAlgorithmInputSchema, ok=200, schema=obj({"container_token": STR})))
def container_token(ctx: Ctx):
    body = ctx.validated("token_container", ctx.json())
    node = ctx.caller.node
    task = by_id(ctx.state.tasks, body.get("task_id"))
    if task is None:
        raise BadRequest("Parent task does not exist!")
    if body.get("image") != task.image:
        raise Unauthorized("Image and task do no match")
    if node.collaboration.id != task.collaboration.id:
        raise Unauthorized("You are not within the collaboration")
    if has_task_finished(task.status):
        raise BadRequest("Task is already finished!")
    container = {
        "client_type": "container", "node_id": node.id,
        "organization_id": node.organization.id, "collaboration_id": node.collaboration.id,
        "study_id": task.study.id if task.study else None, "store_id": None,
        "task_id": task.id, "image": body.get("image"),
        "databases": [json.loads(d.parameters) | {"label": d.label} for d in task.databases],
    }
    return {"container_token": ctx.server.tokens.container_token(container)}, 200


@routes.route("/token/refresh", "POST", who="refresh", doc=Doc(ok=200, schema=ref("Tokens")))
def refresh(ctx: Ctx):
    return ctx.server.token_dict(ctx.caller.user or ctx.caller.node), 200


@routes.route("/token/user/validate", "POST", who=USER, doc=Doc(ok=200, schema={"type": "object"}))
def validate_user(ctx: Ctx):
    u = ctx.caller.user
    return {"msg": "Token is valid", "user_id": u.id, "username": u.username, "email": u.email,
            "organization_id": u.organization.id}, 200


@routes.route("/token/node/validate", "POST", who=NODE, doc=Doc(ok=200, schema={"type": "object"}))
def validate_node(ctx: Ctx):
    n = ctx.caller.node
    return {"msg": "Token is valid", "node_id": n.id, "name": n.name,
            "organization_id": n.organization.id}, 200
