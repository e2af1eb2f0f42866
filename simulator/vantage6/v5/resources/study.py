"""/study and /study/{id}/organization of HQ 5.0.3 (hq/resource/study.py): 4.15.2's logic
(the diff is mechanical), bodies read as 5.x reads them (``get_json(silent=True)``, ``load``).

One difference shows: PATCH sets the new name before it checks the organizations, and that
check's ``Collaboration.get()`` commits it, so a refused PATCH still renames the study.
Adding an organization a study already has writes a second ``StudyMember`` row (see
``simulator.vantage6.v5.rows``).
"""
from __future__ import annotations

from simulator.vantage6.errors import NO_PERMISSION, BadRequest, Unauthorized
from simulator.vantage6.permissions import EDIT
from simulator.vantage6.resources import study as study4
from simulator.vantage6.routing import USER, USER_NODE, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.v5.context import V5Ctx

routes = RouteTable()

routes.reuse([
    ("/study", "GET", study4.list_studies, USER_NODE),
    ("/study", "POST", study4.create_study, USER),
    ("/study/<int:id>", "GET", study4.get_study, USER_NODE_CONTAINER),
    ("/study/<int:id>", "DELETE", study4.delete_study, USER),
    ("/study/<int:id>/organization", "POST", study4.add_study_organization, USER),
    ("/study/<int:id>/organization", "DELETE", study4.remove_study_organization, USER),
])


@routes.route("/study/<int:id>", "PATCH", who=USER)
def update_study(ctx: V5Ctx, id: int):
    state = ctx.state
    study = ctx.get_or_404(state.studies, id, f"Study with id={id} can not be found")
    if not study4.may(ctx, EDIT, study):
        raise Unauthorized(NO_PERMISSION)
    data = ctx.load("study", partial=True)
    if "name" in data:
        name = data["name"]
        if study.name != name and state.name_taken(state.studies, name):
            raise BadRequest(f"Study name '{name}' already exists!")
        study.name = name  # committed by the membership check below, whatever it finds
    if "organization_ids" in data:
        if not study4.members_of_collaboration(ctx, data["organization_ids"],
                                               study.collaboration.id):
            raise BadRequest("Not all organizations are part of the collaboration!")
        state.set_study_organizations(study, study4.organizations_of(ctx,
                                                                     data["organization_ids"]))
    return ctx.ser.study(study, with_organizations=True), 200
