"""The vantage6 REST resources, one module per resource family as in vantage6/server/resource."""
from simulator.vantage6.resources import (
    collaboration,
    misc,
    node,
    organization,
    role,
    run,
    study,
    task,
    token,
    user,
)

ROUTE_TABLES = [m.routes for m in (token, misc, organization, collaboration, node, user, role,
                                   study, task, run)]
