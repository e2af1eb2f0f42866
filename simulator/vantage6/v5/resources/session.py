"""/session and /session/{id} of HQ 5.0.3 (hq/resource/session.py).

Who may see a session depends on its scope as much as on the caller's rules (``can_view``): a
session of scope ``collaboration`` is visible to every member of its collaboration, one of scope
``organization`` to the owner's organization. Creating needs a create rule of at least the
session's scope; editing and deleting follow ``_can_session``.
"""
from __future__ import annotations

from simulator.vantage6.errors import NO_PERMISSION, BadRequest, NotFound, Unauthorized
from simulator.vantage6.filters import like
from simulator.vantage6.permissions import COL, CREATE, DELETE, EDIT, GLO, ORG, OWN, VIEW
from simulator.vantage6.routing import USER, USER_NODE, RouteTable
from simulator.vantage6.v5.context import V5Ctx
from simulator.vantage6.v5.entities import Session
from simulator.vantage6.v5.names import generate_name

routes = RouteTable()
_SHORT = {"own": OWN, "organization": ORG, "collaboration": COL, "global": GLO}


def _auth_collaboration_ids(ctx: V5Ctx) -> set[int]:
    return ctx.caller.collaboration_ids


def can_view(ctx: V5Ctx, session: Session) -> bool:
    r = ctx.rules("session")
    if r.can(VIEW, GLO):
        return True
    if ((r.can(VIEW, COL) or session.scope == "collaboration")
            and session.collaboration.id in _auth_collaboration_ids(ctx)):
        return True
    owner_org = session.owner.organization if session.owner else None
    if ((r.can(VIEW, ORG) or session.scope == "organization") and owner_org is not None
            and owner_org.id == ctx.caller.organization_id):
        return True
    return ctx.user is not None and session.owner is ctx.user


def can_change(ctx: V5Ctx, session: Session, operation: str) -> bool:
    """``_can_session`` for EDIT and DELETE."""
    r = ctx.rules("session")
    if operation == DELETE and r.can(DELETE, GLO):
        return True
    if r.can(operation, COL) and session.collaboration.id in _auth_collaboration_ids(ctx):
        return True  # (``scope <= COLLABORATION`` holds for every session scope)
    owner_org = session.owner.organization if session.owner else None
    if (r.can(operation, ORG) and owner_org is not None
            and owner_org.id == ctx.caller.organization_id
            and session.scope in ("own", "organization")):
        return True
    return (ctx.user is not None and r.can(operation, OWN) and session.owner is ctx.user
            and session.scope == "own")


def get_session_or_404(ctx: V5Ctx, id_: int, msg: str) -> Session:
    return ctx.get_or_404(ctx.state.sessions, id_, msg)


@routes.route("/session", "GET", who=USER_NODE)
def list_sessions(ctx: V5Ctx):
    args, r = ctx.args, ctx.rules("session")
    sessions = list(ctx.state.sessions.values())
    if "name" in args:
        sessions = [s for s in sessions if like(s.name, args["name"])]
    if "user_id" in args:
        sessions = [s for s in sessions if s.owner and str(s.owner.id) == args["user_id"]]
    if "collaboration_id" in args:
        sessions = [s for s in sessions if str(s.collaboration.id) == args["collaboration_id"]]
    if "scope" in args:
        # compared with the upper-cased argument while the values are lowercase: never matches
        sessions = [s for s in sessions if s.scope == args["scope"].upper()]
    if not r.can(VIEW, GLO):
        mine = _auth_collaboration_ids(ctx)
        org_id = ctx.caller.organization_id
        if r.can(VIEW, COL):
            sessions = [s for s in sessions if s.collaboration.id in mine]
        elif r.can(VIEW, ORG):
            sessions = [s for s in sessions if s.owner is not None and (
                s.owner.organization.id == org_id
                or (s.collaboration.id in mine and s.scope == "collaboration"))]
        else:
            me = ctx.user
            sessions = [s for s in sessions if s.owner is not None and (
                s.owner is me
                or (s.owner.organization.id == org_id and s.scope == "organization")
                or (s.collaboration.id in mine and s.scope == "collaboration"))]
    return ctx.page(sessions, "Session", ctx.ser.session)


@routes.route("/session", "POST", who=USER)
def create_session(ctx: V5Ctx):
    data = ctx.load("session")
    scope = data["scope"]
    if not ctx.rules("session").has_at_least_scope(_SHORT[scope], CREATE):
        raise Unauthorized(f"You lack the permission to create a session for the "
                           f"{scope.upper()} scope!")
    state = ctx.state
    collaboration = state.collaborations.get(data["collaboration_id"])
    if collaboration is None:
        raise NotFound("Collaboration not found")
    if collaboration.id not in _auth_collaboration_ids(ctx):
        raise Unauthorized("You lack the permission to create a session for this collaboration!")
    name = data.get("name")
    if name is None:
        name = generate_name(ctx.server.rng)
        while state.session_name_taken(collaboration, name):
            name = generate_name(ctx.server.rng)
    if state.session_name_taken(collaboration, name):
        raise BadRequest("Session with that name already exists within the collaboration!")
    study = None
    if data.get("study_id"):
        study = state.studies.get(data["study_id"])
        if study is None:
            raise NotFound("Study not found")
        if study.collaboration is not collaboration:
            raise BadRequest("Study is not part of the collaboration!")
    session = state.add_session(name, ctx.user, collaboration, scope, study)
    return ctx.ser.session(session), 201


@routes.route("/session/<int:id>", "GET", who=USER_NODE)
def get_session(ctx: V5Ctx, id: int):
    session = get_session_or_404(ctx, id, f"Session id={id} not found!")
    if not can_view(ctx, session):
        raise Unauthorized(NO_PERMISSION)
    return ctx.ser.session(session), 200


@routes.route("/session/<int:id>", "PATCH", who=USER)
def update_session(ctx: V5Ctx, id: int):
    data = ctx.load("session", partial=True)
    session = get_session_or_404(ctx, id, f"Session with id={id} not found")
    if not can_change(ctx, session, EDIT):
        raise Unauthorized(NO_PERMISSION)
    state = ctx.state
    name = data.get("name")
    if name and name != session.name:
        if state.session_name_taken(session.collaboration, name):
            raise BadRequest("Session with that name already exists within the collaboration!")
        session.name = name
    scope = data.get("scope")
    if scope:
        if not ctx.rules("session").has_at_least_scope(_SHORT[scope], EDIT):
            raise Unauthorized("You lack the permission to change the scope of the session to "
                               f"{scope.upper()}!")
        session.scope = scope
    return ctx.ser.session(session), 200


@routes.route("/session/<int:id>", "DELETE", who=USER)
def delete_session(ctx: V5Ctx, id: int):
    session = get_session_or_404(ctx, id, f"Session with id={id} not found")
    if not can_change(ctx, session, DELETE):
        raise Unauthorized(NO_PERMISSION)
    # any value of delete_dependents counts, "false" included (request.args.get is truthy)
    if (session.dataframes or session.tasks) and not ctx.args.get("delete_dependents"):
        raise BadRequest("This session contains tasks and dataframes. Please delete them first "
                         "or set `delete_dependents` to `true` to delete them together with "
                         "the session.")
    ctx.state.delete_session(session)
    return {"msg": f"Successfully deleted session id={id}"}, 200
