"""The permission matrix: users holding exactly one default role (all in organization A), a node
and an algorithm container, against every served endpoint, observed live on the real server and
on the simulator. The two matrices must be equal, cell by cell (the exact status), and so must the
answers. docs/permission-matrix.md is the readable table; this test fails if it is stale
(``UPDATE_PERMISSION_MATRIX=1`` rewrites it from the real server's answers)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator.vantage6.server import compiled_routes
from tests.oracle.differ import IMAGE, STRONG_PW
from tests.oracle.matrix import Case, Cell, table
from tests.oracle.worlds import DEFAULT_ROLES, ROLE_USER, USER_ID, BaseWorlds, task_body

DOC = Path(__file__).resolve().parents[2] / "docs" / "permission-matrix.md"

CALLERS = [ROLE_USER[r] for r in DEFAULT_ROLES] + ["nA", "cont"]
CALLER_TITLES = {ROLE_USER[r]: name for r, name in DEFAULT_ROLES.items()} | {
    "nA": "node token", "cont": "container token"}
OWN, PEER_A, B_USER, C_USER = "{self}", USER_ID["r_viewer"], USER_ID["b_res"], USER_ID["c_view"]


def new_user(org: int) -> dict:
    return {"username": f"new{org}", "password": STRONG_PW, "email": f"new{org}@x.org",
            "firstname": "N", "lastname": "U", "organization_id": org}


CASES = [
    Case("", "GET", "/blobstream/status"),
    Case("", "POST", "/token/user/validate"),
    Case("", "POST", "/token/node/validate"),
    Case("task 1", "POST", "/token/container", {"task_id": 1, "image": IMAGE}),
    Case("own password", "PATCH", "/password/change",
         {"current_password": STRONG_PW, "new_password": STRONG_PW + "x"}),
    Case("node of A", "POST", "/recover/node", {"id": 2}),
    Case("", "GET", "/organization"),
    Case("own (A)", "GET", "/organization/2"),
    Case("collaboration peer (B)", "GET", "/organization/3"),
    Case("outside (C)", "GET", "/organization/4"),
    Case("", "POST", "/organization", {"name": "Z"}),
    Case("own (A)", "PATCH", "/organization/2", {"address2": "x"}),
    Case("collaboration peer (B)", "PATCH", "/organization/3", {"address2": "x"}),
    Case("outside (C)", "PATCH", "/organization/4", {"address2": "x"}),
    Case("unlinked (E)", "DELETE", "/organization/5"),
    Case("", "GET", "/collaboration"),
    Case("member (Col1)", "GET", "/collaboration/1"),
    Case("not a member (Col2)", "GET", "/collaboration/2"),
    Case("", "POST", "/collaboration", {"name": "ColZ", "organization_ids": [2],
                                        "encrypted": False}),
    Case("member (Col1)", "PATCH", "/collaboration/1", {"name": "Col1"}),
    Case("not a member (Col2)", "PATCH", "/collaboration/2", {"name": "Col2"}),
    Case("member, empty (Col3)", "DELETE", "/collaboration/3"),
    Case("not a member (Col2)", "DELETE", "/collaboration/2"),
    Case("E to Col1", "POST", "/collaboration/1/organization", {"id": 5}),
    Case("B from Col1", "DELETE", "/collaboration/1/organization", {"id": 3}),
    Case("nB2 to Col1", "POST", "/collaboration/1/node", {"id": 4}),
    Case("nA from Col1", "DELETE", "/collaboration/1/node", {"id": 2}),
    Case("", "GET", "/node"),
    Case("own (nA)", "GET", "/node/2"),
    Case("collaboration peer (nB)", "GET", "/node/3"),
    Case("outside (nC)", "GET", "/node/5"),
    Case("own org in Col3", "POST", "/node", {"organization_id": 2, "collaboration_id": 3}),
    Case("for C in Col2", "POST", "/node", {"organization_id": 4, "collaboration_id": 2}),
    Case("own (nA)", "PATCH", "/node/2", {"name": "nA"}),
    Case("collaboration peer (nB)", "PATCH", "/node/3", {"name": "nB"}),
    Case("outside (nC)", "PATCH", "/node/5", {"name": "nC"}),
    Case("own (nA)", "DELETE", "/node/2"),
    Case("outside (nC)", "DELETE", "/node/5"),
    Case("", "GET", "/user"),
    Case("self", "GET", f"/user/{OWN}"),
    Case("same organization", "GET", f"/user/{PEER_A}"),
    Case("collaboration peer (B)", "GET", f"/user/{B_USER}"),
    Case("outside (C)", "GET", f"/user/{C_USER}"),
    Case("in A", "POST", "/user", new_user(2)),
    Case("in B", "POST", "/user", new_user(3)),
    Case("in C", "POST", "/user", new_user(4)),
    Case("self", "PATCH", f"/user/{OWN}", {"lastname": "S"}),
    Case("same organization", "PATCH", f"/user/{PEER_A}", {"lastname": "S"}),
    Case("collaboration peer (B)", "PATCH", f"/user/{B_USER}", {"lastname": "S"}),
    Case("self", "DELETE", f"/user/{OWN}"),
    Case("same organization", "DELETE", f"/user/{PEER_A}"),
    Case("collaboration peer (B)", "DELETE", f"/user/{B_USER}"),
    Case("outside (C)", "DELETE", f"/user/{C_USER}"),
    Case("", "GET", "/rule"),
    Case("", "GET", "/rule/1"),
    Case("", "GET", "/role"),
    Case("default (Viewer)", "GET", "/role/4"),
    Case("own organization's", "GET", "/role/8"),
    Case("collaboration peer's", "GET", "/role/9"),
    Case("in A, no rules", "POST", "/role", {"name": "rA", "rules": [], "organization_id": 2}),
    Case("in B, no rules", "POST", "/role", {"name": "rB", "rules": [], "organization_id": 3}),
    Case("own organization's", "PATCH", "/role/8", {"description": "x"}),
    Case("collaboration peer's", "PATCH", "/role/9", {"description": "x"}),
    Case("own organization's", "DELETE", "/role/8"),
    Case("collaboration peer's", "DELETE", "/role/9"),
    Case("rule 21 (held by Viewer) to own role", "POST", "/role/8/rule/21"),
    Case("rule 21 from own role", "DELETE", "/role/8/rule/21"),
    Case("", "GET", "/study"),
    Case("member (S1)", "GET", "/study/1"),
    Case("in Col1", "POST", "/study", {"name": "S2", "collaboration_id": 1,
                                       "organization_ids": [2]}),
    Case("member (S1)", "PATCH", "/study/1", {"name": "S1"}),
    Case("member (S1)", "DELETE", "/study/1"),
    Case("B from S1", "DELETE", "/study/1/organization", {"id": 3}),
    Case("A to S1 again", "POST", "/study/1/organization", {"id": 2}),
    Case("", "GET", "/task"),
    Case("Col1, by A", "GET", "/task/1"),
    Case("Col2, by B", "GET", "/task/2"),
    Case("Col1, by A", "GET", "/task/1/status"),
    Case("Col1 to A", "POST", "/task", task_body([2])),
    Case("Col2 to B", "POST", "/task", task_body([3], col=2)),
    Case("Col1, by A", "DELETE", "/task/1"),
    Case("Col2, by B", "DELETE", "/task/2"),
    Case("Col1, by A", "POST", "/kill/task", {"id": 1}),
    Case("offline nA", "POST", "/kill/node/tasks", {"id": 2}),
    Case("", "GET", "/run"),
    Case("of A in Col1", "GET", "/run/1"),
    Case("of C in Col2", "GET", "/run/4"),
    Case("of A in Col1", "PATCH", "/run/1", {"status": "active"}),
    Case("of B in Col1", "PATCH", "/run/2", {"status": "active"}),
    Case("", "GET", "/result"),
    Case("of A in Col1", "GET", "/result/1"),
    Case("of C in Col2", "GET", "/result/4"),
]


def _path(case: Case, caller: str) -> str:
    return case.path.replace(OWN, str(USER_ID.get(caller, 0)))


@pytest.fixture(scope="module")
def matrices(base_worlds: BaseWorlds):
    base = base_worlds
    base.rewind()
    d = base.differ
    d.section = "permission matrix"
    first = len(d.records)
    real: dict[tuple[str, str], Cell] = {}
    sim: dict[tuple[str, str], Cell] = {}
    for case in CASES:
        key = case.key
        for caller in CALLERS:
            s, r = d.call(f"matrix {caller}", case.method, _path(case, caller), caller,
                          json_=case.body)
            sim[key, caller] = Cell(s.status, s.get("msg") if s.status >= 400 else None)
            real[key, caller] = Cell(r.status, r.get("msg") if r.status >= 400 else None)
            if case.method != "GET" and (s.status < 300 or r.status < 300):
                base.rewind()  # each cell starts from the base world
    return real, sim, d.records[first:]


def test_matrix_equals_the_real_servers(matrices) -> None:
    real, sim, calls = matrices
    unequal = {k: (sim[k], real[k]) for k in real if sim[k] != real[k]}
    assert unequal == {}
    # and every answer agrees, bodies included
    assert [(c.label, c.problems) for c in calls if c.problems] == []


def test_every_served_endpoint_is_in_the_matrix() -> None:
    routes = compiled_routes("/api")
    urls = routes.urls
    open_routes = {"/version", "/health", "/token/user", "/token/node", "/token/refresh",
                   "/openapi.json"}  # the last is the simulator's own (no token, no real route)
    wanted = {f"{m} {p[len('/api'):]}" for (p, m) in routes.served()
              if p[len("/api"):] not in open_routes}
    seen = set()
    for case in CASES:
        rule, _ = urls.match("/api" + case.path.replace(OWN, "1"), case.method)
        seen.add(f"{case.method} {rule[len('/api'):]}")
    assert sorted(wanted - seen) == []


def render(real: dict) -> str:
    rows = table(real, CALLERS, CALLER_TITLES)
    return (
        "# Permission matrix of the vantage6 4.15.2 server\n\n"
        "Generated from the real server by `tests/oracle/test_permission_matrix.py`, which\n"
        "asserts that the simulator's matrix is the same, cell by cell (and every answer too).\n"
        "Rows: every endpoint the simulator serves (except the token endpoints that need no\n"
        "token), on targets seen from organization A. Columns: a user holding exactly one\n"
        "default role (all in A), the node of A in Col1, and an algorithm container of that\n"
        "node on task 1. The world is `tests/oracle/worlds.py`'s base world, rewound after\n"
        "every call that changed something.\n\n"
        "✓ allowed (2xx) · ✗ denied (401; the real server denies with 401, not 403) ·\n"
        "`passes, N`: the permission check passed and something else refused (400 bad input,\n"
        "404...) · `500`: the real server's generic error, as for a client type an endpoint is\n"
        "not for (`only_for`), or the `/kill/node/tasks` rule that does not exist.\n\n"
        + "\n".join(rows) + "\n")


def test_readable_table_is_current(matrices) -> None:
    real, _, _ = matrices
    text = render(real)
    if os.environ.get("UPDATE_PERMISSION_MATRIX"):
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text)
    assert DOC.exists() and DOC.read_text() == text, (
        "docs/permission-matrix.md is stale: rerun with UPDATE_PERMISSION_MATRIX=1")
