"""Stopping a task's runs (hq/resource/event.py ``kill_task``): its unfinished runs and those of
its direct subtasks become 'killed by user' and the nodes hear ``kill_containers``."""
from __future__ import annotations

from simulator.vantage6 import trace
from simulator.vantage6.v5 import status as st


def kill_task(ctx, task) -> list[dict]:
    state, now = ctx.state, ctx.state.clock.now()
    kill_list = []
    for t in [task, *task.children]:
        for run in t.runs:
            if run.status not in st.FAILED_STATUSES and run.status != st.COMPLETED:
                kill_list.append({"task_id": t.id, "run_id": run.id,
                                  "organization_id": run.organization.id})
                run.status, run.finished_at = st.KILLED, now
    trace.runs_finished(ctx.server.events, (state.runs[k["run_id"]] for k in kill_list))
    ctx.server.events.emit("kill_containers", {"kill_list": kill_list,
                                               "collaboration_id": task.collaboration.id},
                           room=f"collaboration_{task.collaboration.id}")
    return kill_list
