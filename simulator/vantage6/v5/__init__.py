"""The vantage6 5.x profile (vantage6-hq, -node, -client, -algorithm-tools 5.0.3): HQ's REST
contract over 5.x records, Keycloak sign-in at the network's realm, and 5.x simulated nodes.

    Network.from_scenario("demo", profile="5.x")
"""
from simulator.vantage6.pagination import COLUMNS, OTHER_ATTRIBUTES, _MODEL_ATTRIBUTES

_ref = lambda attr: (lambda o: getattr(getattr(o, attr), "id", None))  # noqa: E731

# the columns of the 5.x tables a list may be sorted by (hq/model/session.py, dataframe.py)
COLUMNS.setdefault("Session", {
    "id": lambda o: o.id, "name": lambda o: o.name, "scope": lambda o: o.scope,
    "created_at": lambda o: o.created_at, "last_used_at": lambda o: o.last_used_at,
    "image": lambda o: o.image, "user_id": _ref("owner"),
    "collaboration_id": _ref("collaboration"), "study_id": _ref("study")})
COLUMNS.setdefault("Dataframe", {
    "id": lambda o: o.id, "name": lambda o: o.name, "db_label": lambda o: o.db_label,
    "session_id": _ref("session"), "last_session_task_id": _ref("last_session_task")})
OTHER_ATTRIBUTES.setdefault("Session", _MODEL_ATTRIBUTES | {"ready", "name_exists"})
OTHER_ATTRIBUTES.setdefault("Dataframe", _MODEL_ATTRIBUTES | {
    "ready", "organizations_ready", "name_exists", "active_compute_tasks",
    "second_last_session_task_id"})
