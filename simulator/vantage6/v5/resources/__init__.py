"""The HQ 5.0.3 REST resources, one module per resource family as in vantage6/hq/resource."""
from simulator.vantage6.v5.resources import (
    collaboration,
    dataframe,
    kill,
    misc,
    node,
    organization,
    role,
    run,
    session,
    study,
    task,
    token,
    user,
)

ROUTE_TABLES = [m.routes for m in (misc, token, organization, collaboration, node, user, role,
                                   study, session, dataframe, task, run, kill)]
