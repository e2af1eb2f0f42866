"""/study and /study/{id}/organization (server/resource/study.py)."""
from __future__ import annotations

from simulator.vantage6 import ordering, schemas
from simulator.vantage6.api_doc import BOOL, ID, NAME, Doc, paging, q, ref
from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import (
    NO_PERMISSION,
    BadRequest,
    NotFound,
    Unauthorized,
    UnexpectedError,
)
from simulator.vantage6.filters import by_id, int_arg, int_eq, like
from simulator.vantage6.permissions import COL, CREATE, DELETE, EDIT, GLO, ORG, VIEW
from simulator.vantage6.routing import USER, USER_NODE, USER_NODE_CONTAINER, RouteTable

routes = RouteTable()


def _dump(ctx: Ctx):
    with_orgs = ctx.included("organizations")
    return lambda study: ctx.ser.study(study, with_organizations=with_orgs)


def may(ctx: Ctx, operation: str, study) -> bool:
    r = ctx.rules("study")
    return (r.can(operation, GLO)
            or (r.can(operation, COL) and study.collaboration.id in ctx.caller.collaboration_ids)
            or (r.can(operation, ORG)
                and ctx.caller.organization_id in {o.id for o in study.organizations}))


@routes.route("/study", "GET", who=USER_NODE, doc=Doc(
    query=[NAME, q("organization_id", ID), q("collaboration_id", ID),
           q("include", {"type": "string", "enum": ["organizations"]}), *paging("id", "name")],
    ok=200, schema=ref("StudyPage")))
def list_studies(ctx: Ctx):
    r, args = ctx.rules("study"), ctx.args
    own, own_cols = ctx.caller.organization_id, ctx.caller.collaboration_ids
    studies = list(ctx.state.studies.values())
    by_org = None
    if "name" in args:
        studies = [s for s in studies if like(s.name, args["name"])]
    if "organization_id" in args:
        if r.can(VIEW, GLO) or r.can(VIEW, COL):
            wanted = args["organization_id"]
            studies = [s for s in studies if any(int_eq(o.id, wanted) for o in s.organizations)]
            by_org = by_id(ctx.state.organizations, wanted)
        elif not (r.can(VIEW, ORG) and args["organization_id"] == str(own)):
            raise Unauthorized("You lack the permission to request studies for this organization!")
    if "collaboration_id" in args:
        if r.can(VIEW, GLO) or ((r.can(VIEW, COL) or r.can(VIEW, ORG))
                                and int_arg(args["collaboration_id"]) in own_cols):
            studies = [s for s in studies if int_eq(s.collaboration.id, args["collaboration_id"])]
        else:
            raise Unauthorized("You lack the permission to request studies for this "
                               "collaboration!")
    scope = GLO
    if not r.can(VIEW, GLO):
        if r.can(VIEW, COL):
            scope = COL
            studies = [s for s in studies if s.collaboration.id in own_cols]
        elif r.can(VIEW, ORG):
            scope = ORG
            studies = [s for s in studies if any(o.id == own for o in s.organizations)]
        else:
            raise Unauthorized(NO_PERMISSION)
    studies = ordering.studies(studies, ctx.state, scope, organization=by_org)
    return ctx.page(studies, "Study", _dump(ctx))


def members_of_collaboration(ctx: Ctx, organization_ids: list[int], collaboration_id: int) -> bool:
    col = by_id(ctx.state.collaborations, collaboration_id)
    if col is None:  # the real helper dereferences None
        raise UnexpectedError()
    return set(organization_ids).issubset({o.id for o in col.organizations})


def organizations_of(ctx: Ctx, ids: list[int]) -> list:
    found = (by_id(ctx.state.organizations, i) for i in ids)
    return [o for o in found if o is not None]


@routes.route("/study", "POST", who=USER, doc=Doc(
    body=schemas.StudyInputSchema, ok=201, schema=ref("Study")))
def create_study(ctx: Ctx):
    state = ctx.state
    data = ctx.input("study")
    name = data["name"]
    if state.name_taken(state.studies, name):
        raise BadRequest(f"Study with name '{name}' already exists!")
    if not ctx.rules("study").can_for_col(CREATE, data["collaboration_id"]):
        raise Unauthorized(NO_PERMISSION)
    if not members_of_collaboration(ctx, data["organization_ids"], data["collaboration_id"]):
        raise BadRequest("Not all organizations are part of the collaboration!")
    study = state.add_study(name, state.collaborations[data["collaboration_id"]],
                            organizations_of(ctx, data["organization_ids"]))
    return ctx.ser.study(study, with_organizations=True), 201


@routes.route("/study/<int:id>", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    query=[q("include", {"type": "string", "enum": ["organizations"]})], ok=200,
    schema=ref("Study")))
def get_study(ctx: Ctx, id: int):
    study = ctx.get_or_404(ctx.state.studies, id, f"Study with id={id} not found")
    if not may(ctx, VIEW, study):
        raise Unauthorized(NO_PERMISSION)
    return _dump(ctx)(study), 200


@routes.route("/study/<int:id>", "PATCH", who=USER, doc=Doc(
    body=schemas.StudyInputSchema, partial=True, ok=200, schema=ref("Study")))
def update_study(ctx: Ctx, id: int):
    state = ctx.state
    study = ctx.get_or_404(state.studies, id, f"Study with id={id} can not be found")
    if not may(ctx, EDIT, study):
        raise Unauthorized(NO_PERMISSION)
    data = ctx.input("study", partial=True)
    if "name" in data and study.name != data["name"] and state.name_taken(state.studies,
                                                                          data["name"]):
        raise BadRequest(f"Study name '{data['name']}' already exists!")
    if "organization_ids" in data and not members_of_collaboration(
            ctx, data["organization_ids"], study.collaboration.id):
        raise BadRequest("Not all organizations are part of the collaboration!")
    if "name" in data:
        study.name = data["name"]
    if "organization_ids" in data:
        state.set_study_organizations(study, organizations_of(ctx, data["organization_ids"]))
    return ctx.ser.study(study, with_organizations=True), 200


@routes.route("/study/<int:id>", "DELETE", who=USER, doc=Doc(
    query=[q("delete_dependents", BOOL)], ok=200))
def delete_study(ctx: Ctx, id: int):
    study = ctx.get_or_404(ctx.state.studies, id, f"Study with id={id} not found")
    if not may(ctx, DELETE, study):
        raise Unauthorized(NO_PERMISSION)
    if study.tasks and not ctx.args.get("delete_dependents", False):
        raise BadRequest(f"Study id={id} has {len(study.tasks)} tasks. Please delete them "
                         "separately or set delete_dependents=True")
    ctx.state.delete_study(study)
    return {"msg": f"Study id={id} successfully deleted"}, 200


@routes.route("/study/<int:id>/organization", "POST", who=USER, doc=Doc(
    body=schemas.OnlyIdSchema, ok=200, schema={"type": "array", "items": ref("Organization")}))
def add_study_organization(ctx: Ctx, id: int):
    state = ctx.state
    study = ctx.get_or_404(state.studies, id, f"Study with id={id} can not be found")
    if not ctx.rules("study").can_for_col(EDIT, study.collaboration.id):
        raise Unauthorized(NO_PERMISSION)
    data = ctx.input("only_id")
    org = by_id(state.organizations, data["id"])
    if org is None:
        raise NotFound(f"organization with id={id} is not found")
    if org not in study.collaboration.organizations:
        raise BadRequest("Organization is not a member of the collaboration!")
    state.add_study_member(study, org)
    return [ctx.ser.organization(o) for o in study.organizations], 200


@routes.route("/study/<int:id>/organization", "DELETE", who=USER, doc=Doc(
    body=schemas.OnlyIdSchema, ok=200, schema={"type": "array", "items": ref("Organization")}))
def remove_study_organization(ctx: Ctx, id: int):
    state = ctx.state
    study = ctx.get_or_404(state.studies, id, f"Study with id={id} can not be found")
    data = ctx.input("only_id")
    org = by_id(state.organizations, data["id"])
    if org is None:
        raise NotFound(f"Organization with id={data['id']} is not found")
    if not ctx.rules("study").can_for_col(EDIT, study.collaboration.id):
        raise Unauthorized(NO_PERMISSION)
    if org not in study.organizations:
        raise UnexpectedError()  # list.remove() of a non-member raises in the real server
    state.set_study_organizations(study, [o for o in study.organizations if o is not org])
    return [ctx.ser.organization(o) for o in study.organizations], 200
