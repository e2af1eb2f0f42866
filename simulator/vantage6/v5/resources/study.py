"""/study and /study/{id}/organization of HQ 5.0.3 (hq/resource/study.py): 4.15.2's logic
(the diff is mechanical), bodies read as 5.x reads them (``get_json(silent=True)``, ``load``)."""
from __future__ import annotations

from simulator.vantage6.resources import study as study4
from simulator.vantage6.routing import USER, USER_NODE, USER_NODE_CONTAINER, RouteTable

routes = RouteTable()

for _path, _method, _handler, _who in [
    ("/study", "GET", study4.list_studies, USER_NODE),
    ("/study", "POST", study4.create_study, USER),
    ("/study/<int:id>", "GET", study4.get_study, USER_NODE_CONTAINER),
    ("/study/<int:id>", "PATCH", study4.update_study, USER),
    ("/study/<int:id>", "DELETE", study4.delete_study, USER),
    ("/study/<int:id>/organization", "POST", study4.add_study_organization, USER),
    ("/study/<int:id>/organization", "DELETE", study4.remove_study_organization, USER),
]:
    routes.route(_path, _method, who=_who)(_handler)
