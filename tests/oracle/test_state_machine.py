"""Fake vs real, as a hypothesis state machine: random sequences of API calls (organizations,
collaborations, nodes, users with roles, studies, tasks, node PATCHes of runs, kills, deletes,
lists with filters and pages) go to the real vantage6 server and to the simulator, and every
answer must agree (after the differential normalisation) — the step's own answer and, after each
step that changed something, the newest tasks with their runs. Each example starts from the base world (tests/oracle/worlds.py),
rewound in both servers, so examples are independent and a failure shrinks to a minimal sequence.

SQLite hands the id of a deleted newest row out again (the simulator, like PostgreSQL, never
reuses ids): the machine never deletes the newest row of a table, nor a task holding the newest
run. Everything else is fair game.
"""
from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, initialize, invariant,
                                 multiple, precondition, rule, run_state_machine_as_test)

from tests.oracle.differ import IMAGE, MISSING, STRONG_PW, b64, now_iso
from tests.oracle.worlds import BaseWorlds, ROLE_USER, task_body

# CI runs 200 fixed examples; V6_SM_EXAMPLES / V6_SM_STEPS / V6_SM_RANDOM=1 explore by hand
EXAMPLES = int(os.environ.get("V6_SM_EXAMPLES", 200))
STEPS = int(os.environ.get("V6_SM_STEPS", 15))

USERS = ["root"] + list(ROLE_USER.values()) + ["b_res", "c_view"]
NODES = {"nA": 2, "nB": 3, "nC": 4}  # token -> organization
ADMINS = ["root", "r_root", "r_coladmin", "r_orgadmin"]  # likelier to succeed
callers = st.sampled_from(ADMINS + USERS)
writers = st.sampled_from(ADMINS * 3 + USERS)  # creates and deletes: mostly by admins
BASE_MAX = {"organization": 5, "collaboration": 3, "authenticatable": 14, "role": 9, "study": 1,
            "task": 2, "run": 4}
RUN_PATCHES = [
    {"status": "active"},
    {"started_at": "<now>", "status": "active"},
    {"log": "working"},
    {"status": "completed", "result": b64({"v": 1}), "log": "done", "finished_at": "<now>"},
    {"status": "failed", "finished_at": "<now>", "log": "boom"},
    {"status": "crashed", "finished_at": "<now>", "result": ""},
    {"status": "killed by user", "finished_at": "<now>"},
    {"status": "dancing"},
    {"started_at": "2024-01-01T10:00:00"},  # no microseconds: the real 500
    {},
]
LISTS = [
    ("/organization", [{}, {"collaboration_id": 1}, {"name": "o%"}, {"country": "NL"},
                       {"study_id": 1}, {"sort": "-name"}]),
    ("/collaboration", [{}, {"organization_id": 3}, {"name": "c%"}, {"include": "organizations"}]),
    ("/node", [{}, {"organization_id": 3}, {"collaboration_id": 1}, {"status": "offline"},
               {"name": "n%"}]),
    ("/user", [{}, {"organization_id": 2}, {"role_id": 4}, {"username": "u%"}, {"rule_id": 44}]),
    ("/role", [{}, {"organization_id": 2}, {"user_id": 6}, {"include_root": 1}, {"rule_id": 21}]),
    ("/study", [{}, {"collaboration_id": 1}, {"organization_id": 2}]),
    ("/task", [{}, {"collaboration_id": 1}, {"init_org_id": 3}, {"include": "results"},
               {"is_user_created": 1}, {"name": "t%"}, {"parent_id": 1}]),
    ("/run", [{}, {"task_id": 1}, {"organization_id": 3}, {"state": "open"},
              {"include": "task"}, {"node_id": 3}]),
    ("/result", [{}, {"task_id": 1}]),
]


class FakeVsReal(RuleBasedStateMachine):
    """One example: a fresh base world in both servers, then random steps."""

    base: BaseWorlds  # set by the test

    organizations = Bundle("organizations")
    collaborations = Bundle("collaborations")
    users = Bundle("users")
    roles = Bundle("roles")
    tasks = Bundle("tasks")

    def __init__(self) -> None:
        super().__init__()
        self.base.rewind()
        self.d = self.base.differ
        self.n = 0
        self.newest = dict(BASE_MAX)
        self.task_runs: dict[int, list[int]] = {1: [1, 2], 2: [3, 4]}
        self.parent: dict[int, int] = {}  # subtask -> its parent task
        self.changed = True  # a write succeeded since the last look at tasks and runs
        self.runs: dict[int, int] = {1: 2, 2: 3, 3: 3, 4: 4}  # run -> organization

    # ------------------------------------------------------------------ plumbing
    def call(self, label: str, method: str, path: str, who: str, json_: Any = MISSING,
             params: Optional[dict] = None):
        start = len(self.d.records)
        s, r = self.d.call(f"sm {label} as {who}", method, path, who, json_=json_,
                           params=params)
        bad = [c for c in self.d.records[start:] if c.problems]
        assert not bad, "\n".join(f"{c.label}\n    " + "\n    ".join(c.problems) for c in bad)
        if method != "GET" and r.status < 400:
            self.changed = True
        return r  # the real answer (equal to the simulator's, normalised)

    def name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:03d}"  # usernames need 3 characters or more

    def created(self, table: str, answer) -> list[int]:
        if answer.status in (200, 201) and isinstance(answer.body, dict) and "id" in answer.body:
            self.newest[table] = max(self.newest[table], answer.body["id"])
            return [answer.body["id"]]
        return []

    def deletable(self, table: str, id_: int) -> bool:
        return id_ != self.newest[table]

    @initialize(target=organizations)
    def base_organizations(self):
        return multiple(2, 3, 4, 5)

    @initialize(target=collaborations)
    def base_collaborations(self):
        return multiple(1, 2, 3)

    @initialize(target=users)
    def base_users(self):
        return multiple(*range(6, 15))

    @initialize(target=roles)
    def base_roles(self):
        return multiple(*range(1, 10))

    @initialize(target=tasks)
    def base_tasks(self):
        return multiple(1, 2)

    # ------------------------------------------------------------------ creates
    @rule(target=organizations, who=writers, country=st.sampled_from(["NL", "BE", None]))
    def create_organization(self, who, country):
        body = {"name": self.name("o")} | ({"country": country} if country else {})
        return multiple(*self.created("organization", self.call(
            "create org", "POST", "/organization", who, body)))

    @rule(target=collaborations, who=writers,
          orgs=st.lists(organizations, min_size=1, max_size=3, unique=True),
          encrypted=st.booleans())
    def create_collaboration(self, who, orgs, encrypted):
        body = {"name": self.name("c"), "organization_ids": orgs, "encrypted": encrypted}
        return multiple(*self.created("collaboration", self.call(
            "create collaboration", "POST", "/collaboration", who, body)))

    @rule(who=writers, org=organizations, col=collaborations)
    def add_member(self, who, org, col):
        self.call("add member", "POST", f"/collaboration/{col}/organization", who, {"id": org})

    @rule(who=writers, org=organizations, col=collaborations)
    def create_node(self, who, org, col):
        body = {"organization_id": org, "collaboration_id": col, "name": self.name("n")}
        self.created("authenticatable", self.call("create node", "POST", "/node", who, body))

    @rule(target=users, who=writers, org=organizations,
          roles=st.lists(st.integers(1, 9), max_size=2, unique=True))
    def create_user(self, who, org, roles):
        username = self.name("u")
        body = {"username": username, "password": STRONG_PW, "email": f"{username}@x.org",
                "firstname": "F", "lastname": "L", "organization_id": org, "roles": roles}
        return multiple(*self.created("authenticatable", self.call(
            "create user", "POST", "/user", who, body)))

    @rule(who=writers, user=users, roles=st.lists(roles, max_size=2, unique=True))
    def set_user_roles(self, who, user, roles):
        self.call("set roles", "PATCH", f"/user/{user}", who, {"roles": roles})

    @rule(target=roles, who=writers, org=organizations,
          rules=st.lists(st.sampled_from([21, 29, 44, 58]), max_size=2, unique=True))
    def create_role(self, who, org, rules):
        body = {"name": self.name("r"), "rules": rules, "organization_id": org}
        return multiple(*self.created("role", self.call("create role", "POST", "/role", who,
                                                        body)))

    @rule(who=writers, col=collaborations, orgs=st.lists(organizations, min_size=1, max_size=2,
                                                         unique=True))
    def create_study(self, who, col, orgs):
        body = {"name": self.name("s"), "collaboration_id": col, "organization_ids": orgs}
        self.created("study", self.call("create study", "POST", "/study", who, body))

    @rule(target=tasks, who=st.sampled_from(["r_researcher", "r_coladmin", "b_res", "r_viewer",
                                             "root", "r_root"]),
          data=st.data(), col=st.sampled_from([1, 1, 2, 3]))
    def create_task(self, who, data, col):
        # mostly the collaboration's members (a node each in Col1 and Col2), sometimes any
        members = {1: [2, 3], 2: [3, 4], 3: [2]}[col]
        pool = data.draw(st.sampled_from([members, members, [2, 3, 4]]), label="pool")
        orgs = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True),
                         label="organizations")
        answer = self.call("create task", "POST", "/task", who, task_body(orgs, col=col))
        return multiple(*self._new_task(answer))

    @rule(target=tasks, orgs=st.lists(st.sampled_from([2, 3, 4]), min_size=1, max_size=2,
                                       unique=True), study=st.booleans())
    def container_subtask(self, orgs, study):
        """The algorithm container of nA on task 1 creates a subtask (fails once task 1 is done,
        killed or deleted, as on the real server)."""
        body = {"image": IMAGE, "organizations": [{"id": o, "input": b64({"method": "c"})}
                                                  for o in orgs],
                "databases": [{"label": "default"}]}
        body |= {"study_id": 1} if study else {"collaboration_id": 1}
        answer = self.call("container subtask", "POST", "/task", "cont", body)
        ids = self._new_task(answer)
        for task_id in ids:
            self.parent[task_id] = 1
        return multiple(*ids)

    def _new_task(self, answer) -> list[int]:
        ids = self.created("task", answer)
        for task_id in ids:
            runs = self.call("runs of new task", "GET", "/run", "root",
                             params={"task_id": task_id, "per_page": 10})
            self.task_runs[task_id] = [x["id"] for x in runs.body["data"]]
            for x in runs.body["data"]:
                self.runs[x["id"]] = x["organization"]["id"]
                self.newest["run"] = max(self.newest["run"], x["id"])
        return ids

    # ------------------------------------------------------------------ the node API
    @precondition(lambda self: self.runs)
    @rule(data=st.data(), patch=st.sampled_from(RUN_PATCHES), node=st.sampled_from(list(NODES)))
    def patch_run(self, data, patch, node):
        run = data.draw(st.sampled_from(sorted(self.runs)), label="run")
        body = {k: now_iso() if v == "<now>" else v for k, v in patch.items()}
        self.call("patch run", "PATCH", f"/run/{run}", node, body)

    @rule(task=tasks, node=st.sampled_from(["nA", "nB"]))
    def container_token(self, task, node):
        self.call("container token", "POST", "/token/container", node,
                  {"task_id": task, "image": IMAGE})

    # ------------------------------------------------------------------ kills and deletes
    @rule(who=callers, task=tasks)
    def kill(self, who, task):
        self.call("kill", "POST", "/kill/task", who, {"id": task})

    @rule(who=writers, task=consumes(tasks))
    def delete_task(self, who, task):
        # the task, its own runs and its subtasks (whose runs stay, orphaned) are deleted
        runs = self.task_runs.get(task, [])
        tree = {task} | {child for child, parent in self.parent.items() if parent == task}
        if self.newest["task"] in tree or self.newest["run"] in runs:
            return
        answer = self.call("delete task", "DELETE", f"/task/{task}", who)
        if answer.status == 200:
            for run in runs:
                self.runs.pop(run, None)

    @rule(who=writers, org=organizations, country=st.sampled_from(["NL", "DE", ""]))
    def patch_organization(self, who, org, country):
        self.call("patch org", "PATCH", f"/organization/{org}", who, {"country": country})

    @rule(who=writers, col=collaborations, encrypted=st.booleans())
    def patch_collaboration(self, who, col, encrypted):
        self.call("patch collaboration", "PATCH", f"/collaboration/{col}", who,
                  {"encrypted": encrypted})

    @rule(who=writers, org=consumes(organizations))
    def delete_organization(self, who, org):
        if self.deletable("organization", org):  # without delete_dependents: no cascade
            self.call("delete org", "DELETE", f"/organization/{org}", who)

    @rule(who=writers, col=consumes(collaborations))
    def delete_collaboration(self, who, col):
        if self.deletable("collaboration", col):  # no parameter: refused if it has dependents
            self.call("delete collaboration", "DELETE", f"/collaboration/{col}", who)

    @rule(who=writers, user=consumes(users))
    def delete_user(self, who, user):
        if self.deletable("authenticatable", user):
            self.call("delete user", "DELETE", f"/user/{user}", who)

    @rule(who=writers, role=consumes(roles))
    def delete_role(self, who, role):
        if self.deletable("role", role):
            self.call("delete role", "DELETE", f"/role/{role}", who)

    @rule(who=writers, role=roles, rule_id=st.sampled_from([21, 29, 44, 58, 1]),
          add=st.booleans())
    def role_rule(self, who, role, rule_id, add):
        self.call("role rule", "POST" if add else "DELETE", f"/role/{role}/rule/{rule_id}", who)

    @rule(who=writers, org=organizations, add=st.booleans())
    def study_member(self, who, org, add):
        self.call("study member", "POST" if add else "DELETE", "/study/1/organization", who,
                  {"id": org})

    @rule(node=st.sampled_from(list(NODES)), target_node=st.sampled_from([2, 3, 4, 5]),
          body=st.sampled_from([{"ip": "10.0.0.9"}, {"name": "renamed"}, {"clear_ip": True}]))
    def node_patches_node(self, node, target_node, body):
        self.call("node patch", "PATCH", f"/node/{target_node}", node, body)

    # ------------------------------------------------------------------ reads
    @rule(who=callers, user=users)
    def user_permissions(self, who, user):
        self.call("user permissions", "GET", f"/user/{user}", who,
                  params={"include_permissions": 1})

    @precondition(lambda self: self.runs)
    @rule(data=st.data(), who=st.sampled_from(["root", "r_viewer", "b_res", "nA", "cont"]),
          kind=st.sampled_from(["run", "result"]))
    def get_run(self, data, who, kind):
        run = data.draw(st.sampled_from(sorted(self.runs)), label="run")
        self.call(f"get {kind}", "GET", f"/{kind}/{run}", who,
                  params={"include": "task"} if kind == "run" else None)

    @rule(data=st.data(), who=callers, listing=st.sampled_from(LISTS),
          page=st.sampled_from([None, (1, 3), (2, 3), (2, 10)]))
    def list_with_filter(self, data, who, listing, page):
        path, filters = listing
        params = dict(data.draw(st.sampled_from(filters), label="filter"))
        if page:
            params |= {"page": page[0], "per_page": page[1]}
        self.call(f"list {path}", "GET", path, who, params=params)

    @rule(who=callers, task=tasks)
    def task_status(self, who, task):
        self.call("task status", "GET", f"/task/{task}/status", who)

    @invariant()
    def tasks_and_runs_agree(self):
        # the newest tasks with their runs: statuses, results, logs, fail-fast and kill marks.
        # Only after a write that succeeded: reads and refusals change nothing to look at.
        if not self.changed:
            return
        self.changed = False
        self.call("tasks", "GET", "/task", "root", params={"include": "runs", "per_page": 3})


@pytest.mark.timeout(900)  # ~100 s on the 2-core machine; more when it is shared
def test_fake_and_real_agree_on_random_call_sequences(base_worlds: BaseWorlds) -> None:
    sm_base = base_worlds
    FakeVsReal.base = sm_base
    started, calls = time.monotonic(), sm_base.differ.calls
    run_state_machine_as_test(FakeVsReal, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
        derandomize=not os.environ.get("V6_SM_RANDOM"), suppress_health_check=list(HealthCheck)))
    made = sm_base.differ.records[calls:]
    print(f"\nstate machine: {EXAMPLES} examples, {len(made)} compared calls, "
          f"{time.monotonic() - started:.0f} s; real statuses per step:")
    by_step: dict[str, Counter] = {}
    for call in made:
        step = call.label.split(" as ")[0].removeprefix("sm ")
        by_step.setdefault(step, Counter())[call.status] += 1
    for step, statuses in sorted(by_step.items()):
        print(f"  {step:<22} {dict(sorted(statuses.items()))}")
