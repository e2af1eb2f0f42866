"""The writes of organizations, collaborations, nodes, users, roles and studies in HQ 5.0.3.

Not ported yet: each answers a JSON 501 that says so (COVERAGE.md)."""
from __future__ import annotations

from simulator.vantage6.resources.misc import not_served
from simulator.vantage6.routing import USER, USER_NODE
from simulator.vantage6.v5.resources.admin import routes

for _path, _methods, _who in [
    ("/organization", ("POST",), USER),
    ("/organization/<int:id>", ("PATCH",), USER_NODE),
    ("/organization/<int:id>", ("DELETE",), USER),
    ("/collaboration", ("POST",), USER),
    ("/collaboration/<int:id>", ("PATCH", "DELETE"), USER),
    ("/collaboration/<int:id>/organization", ("POST", "DELETE"), USER),
    ("/collaboration/<int:id>/node", ("POST", "DELETE"), USER),
    ("/node", ("POST",), USER),
    ("/node/<int:id>", ("PATCH",), USER_NODE),
    ("/node/<int:id>", ("DELETE",), USER),
    ("/user", ("POST",), USER),
    ("/user/<int:id>", ("PATCH", "DELETE"), USER),
    ("/role", ("POST",), USER),
    ("/role/<int:id>", ("PATCH", "DELETE"), USER),
    ("/study", ("POST",), USER),
    ("/study/<int:id>", ("PATCH", "DELETE"), USER),
    ("/study/<int:id>/organization", ("POST", "DELETE"), USER),
    ("/recover/node", ("POST",), USER),
]:
    for _method in _methods:
        not_served(routes, _path, _method, _who, note=" (vantage6 5.x profile)")
