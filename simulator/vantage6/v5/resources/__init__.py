"""The HQ 5.0.3 REST resources, one module per resource family as in vantage6/hq/resource."""
from simulator.vantage6.v5.resources import (
    admin,
    dataframe,
    kill,
    misc,
    run,
    session,
    task,
    token,
)

ROUTE_TABLES = [m.routes for m in (misc, token, admin, session, dataframe, task, run, kill)]
