"""The 5.x permission matrix: users holding exactly one default role (all in organization A),
a node and an algorithm container, against every HQ 5.0.3 endpoint, observed live on the real
HQ and on the simulator, each cell from the same base world (world.py; both rewound after every
call that changed something). The two matrices must be equal cell by cell (status and message)
and so must the whole answers, except for the differences known.py explains.
docs/v5/permission-matrix.md is the readable table of the real HQ's matrix; this test fails if
it is stale (``UPDATE_V5_DIFFERENTIAL=1`` rewrites it)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import pytest

from simulator.vantage6.server import compiled_routes
from tests.oracle.matrix import Case, Cell, table
from tests.v5.oracle.bridge import Bridge
from tests.v5.oracle.harness import Differ5, Pair, norm5
from tests.v5.oracle.known import explain
from tests.v5.oracle.report import Figures, check_doc_section, report_unexplained
from tests.v5.oracle.script import ALL
from tests.v5.oracle.world import (COLUMNS, DEFAULT_ROLES, IMAGE, ROLE_USER, STRONG_PW, USER_ID,
                                   build_base, build_compute, df_body, task_body)

DOC = Path(__file__).resolve().parents[3] / "docs" / "v5" / "permission-matrix.md"
SNAPSHOT = "matrix"
CALLERS = [ROLE_USER[r] for r in DEFAULT_ROLES] + ["nA", "cont"]
CALLER_TITLES = {ROLE_USER[r]: name for r, name in DEFAULT_ROLES.items()} | {
    "nA": "node token", "cont": "container token"}
OWN = "{self}"
PEER_A, B_USER, C_USER = USER_ID["r_viewer"], USER_ID["b_res"], USER_ID["c_view"]


CASES = [
    Case("", "GET", "/blobstream/status"),
    Case("", "GET", "/user/me"),
    Case("", "GET", "/node/me"),
    Case("central task 3", "POST", "/token/container", {"task_id": 3, "image": IMAGE}),
    Case("node of A", "POST", "/recover/node", {"id": 2}),
    Case("", "GET", "/organization"),
    Case("own (A)", "GET", "/organization/2"),
    Case("collaboration peer (B)", "GET", "/organization/3"),
    Case("outside (D)", "GET", "/organization/5"),
    Case("", "POST", "/organization", {"name": "Z"}),
    Case("own (A)", "PATCH", "/organization/2", {"address2": "x"}),
    Case("collaboration peer (B)", "PATCH", "/organization/3", {"address2": "x"}),
    Case("outside (D)", "PATCH", "/organization/5", {"address2": "x"}),
    Case("unlinked (D)", "DELETE", "/organization/5"),
    Case("", "GET", "/collaboration"),
    Case("member (Col1)", "GET", "/collaboration/1"),
    Case("not a member (Col3)", "GET", "/collaboration/3"),
    Case("", "POST", "/collaboration", {"name": "ColZ", "organization_ids": [2],
                                        "encrypted": False}),
    Case("member (Col1)", "PATCH", "/collaboration/1", {"name": "Col1"}),
    Case("not a member (Col3)", "PATCH", "/collaboration/3", {"name": "Col3"}),
    Case("not a member, empty (Col3)", "DELETE", "/collaboration/3"),
    Case("member (Col2)", "DELETE", "/collaboration/2"),
    Case("D to Col1", "POST", "/collaboration/1/organization", {"id": 5}),
    Case("B from Col1", "DELETE", "/collaboration/1/organization", {"id": 3}),
    Case("nC to Col3", "POST", "/collaboration/3/node", {"id": 4}),
    Case("nA from Col1", "DELETE", "/collaboration/1/node", {"id": 2}),
    Case("", "GET", "/node"),
    Case("own (nA)", "GET", "/node/2"),
    Case("collaboration peer (nC)", "GET", "/node/4"),
    Case("for C in Col3", "POST", "/node", {"organization_id": 4, "collaboration_id": 3}),
    Case("own org in Col3", "POST", "/node", {"organization_id": 2, "collaboration_id": 3}),
    Case("own (nA)", "PATCH", "/node/2", {"name": "A-Col1-node"}),
    Case("collaboration peer (nC)", "PATCH", "/node/4", {"name": "C-Col1-node"}),
    Case("own (nA)", "DELETE", "/node/2"),
    Case("collaboration peer (nC)", "DELETE", "/node/4"),
    Case("", "GET", "/user"),
    Case("self", "GET", f"/user/{OWN}"),
    Case("same organization", "GET", f"/user/{PEER_A}"),
    Case("collaboration peer (B)", "GET", f"/user/{B_USER}"),
    Case("in A", "POST", "/user", {"username": "newa", "password": STRONG_PW,
                                   "organization_id": 2}),
    Case("in B", "POST", "/user", {"username": "newb", "password": STRONG_PW,
                                   "organization_id": 3}),
    Case("service account in A", "POST", "/user", {"username": "newsvc", "organization_id": 2,
                                                   "is_service_account": True}),
    Case("self", "PATCH", f"/user/{OWN}", {"roles": [4]}),
    Case("same organization", "PATCH", f"/user/{PEER_A}", {"roles": [4]}),
    Case("collaboration peer (B)", "PATCH", f"/user/{B_USER}", {"roles": [5]}),
    Case("self", "DELETE", f"/user/{OWN}"),
    Case("same organization", "DELETE", f"/user/{PEER_A}"),
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
    Case("", "GET", "/study"),
    Case("member (S1)", "GET", "/study/1"),
    Case("in Col1", "POST", "/study", {"name": "S2", "collaboration_id": 1,
                                       "organization_ids": [2]}),
    Case("member (S1)", "PATCH", "/study/1", {"name": "S1"}),
    Case("member (S1)", "DELETE", "/study/1"),
    Case("C to S1", "POST", "/study/1/organization", {"id": 4}),
    Case("B from S1", "DELETE", "/study/1/organization", {"id": 3}),
    Case("", "GET", "/session"),
    Case("organization scope, by A", "GET", "/session/1"),
    Case("own scope, by B in Col2", "GET", "/session/2"),
    Case("own scope in Col1", "POST", "/session",
         {"name": "sz", "collaboration_id": 1, "scope": "own"}),
    Case("collaboration scope in Col1", "POST", "/session",
         {"name": "sz", "collaboration_id": 1, "scope": "collaboration"}),
    Case("organization scope, by A", "PATCH", "/session/1", {"name": "s1"}),
    Case("own scope, by B in Col2", "PATCH", "/session/2", {"name": "s2"}),
    Case("organization scope, by A", "DELETE", "/session/1"),
    Case("own scope, by B in Col2", "DELETE", "/session/2"),
    Case("of session 1", "GET", "/session/1/dataframe"),
    Case("df1", "GET", "/session/dataframe/1"),
    Case("in session 1", "POST", "/session/1/dataframe", df_body([2, 3, 4], name="dfz")),
    Case("df1", "POST", "/session/dataframe/1/preprocess",
         {"dataframe_id": 1, "task": {"image": IMAGE, "method": "pre",
                                      "organizations": [{"id": 2, "arguments": "e30="}]}}),
    Case("df1", "POST", "/session/dataframe/1/column", COLUMNS),
    Case("df1", "DELETE", "/session/dataframe/1"),
    Case("", "GET", "/task"),
    Case("extraction by A in Col1", "GET", "/task/1"),
    Case("compute by A in Col1", "GET", "/task/2/status"),
    Case("to A on df1", "POST", "/task", task_body([2])),
    Case("compute by A in Col1", "DELETE", "/task/2"),
    Case("compute by A", "POST", "/kill/task", {"id": 2}),
    Case("offline nA", "POST", "/kill/node/tasks", {"id": 2}),
    Case("", "GET", "/run"),
    Case("of A", "GET", "/run/1"),
    Case("of B", "GET", "/run/2"),
    Case("of A, task 2", "PATCH", "/run/4", {"status": "active"}),
    Case("of B, task 2", "PATCH", "/run/5", {"status": "active"}),
    Case("", "GET", "/result"),
    Case("of A", "GET", "/result/1"),
    Case("of B", "GET", "/result/2"),
]


class Cell5(Cell):
    @property
    def word(self) -> str:
        # 422: flask-jwt-extended refusing a container's HS256 token before any check
        return "422" if self.status == 422 else super().word


def _path(case: Case, caller: str) -> str:
    return case.path.replace(OWN, str(USER_ID.get(caller, 0)))


def _msg(outcome) -> Optional[str]:
    body = outcome.body
    if outcome.status < 400 or not isinstance(body, dict):
        return None
    return norm5(str(body.get("msg")))  # the ports in URLs differ


@pytest.fixture(scope="module")
def matrices(pair: Pair):
    pair.rewind("fresh")
    d = Differ5(*pair.worlds(), bridge=Bridge(), echo=False)
    d.section = "matrix base world"
    build_base(d)
    build_compute(d)
    base_unexplained = report_unexplained(d.log)
    assert not base_unexplained, base_unexplained
    pair.snapshot(SNAPSHOT)
    d.bridge = None  # every cell starts from the snapshot: nothing to keep level
    d.section = "permission matrix"
    first = len(d.log)
    real: dict[tuple[str, str], Cell] = {}
    sim: dict[tuple[str, str], Cell] = {}
    for case in CASES:
        for caller in CALLERS:
            whole = case.method == "GET" and case.path in ("/user", "/node")
            # the real order of a study's members varies between runs
            unordered = (True if whole else ("organizations", "$")
                         if case.path.startswith("/study/") else ())
            s, r = d.call(f"matrix {caller} {case.key}", case.method, _path(case, caller),
                          caller, json_=case.body, unordered=unordered,
                          params=ALL if whole else None)
            sim[case.key, caller] = Cell5(s.status, _msg(s))
            real[case.key, caller] = Cell5(r.status, _msg(r))
            if case.method != "GET" and (s.status < 300 or r.status < 300):
                pair.rewind(SNAPSHOT)
    return real, sim, d.log[first:]


def test_matrix_equals_the_real_hqs(matrices) -> None:
    real, sim, records = matrices
    unexplained = report_unexplained(records)
    if os.environ.get("V5_ORACLE_REPORT"):
        Path(os.environ["V5_ORACLE_REPORT"]).write_text(unexplained)
    assert not unexplained, unexplained
    explained = {r.label for r in records if r.call.problems and explain(r) is not None}
    unequal = {k: (sim[k], real[k]) for k in real
               if sim[k] != real[k] and f"matrix {k[1]} {k[0]}" not in explained}
    assert unequal == {}
    print("\n" + Figures(records).text())


def test_every_endpoint_is_in_the_matrix() -> None:
    routes = compiled_routes("/api", "5.x")
    endpoints, urls = routes.endpoints, routes.urls
    open_routes = {"/version", "/health"}
    wanted = {f"{m} {p[len('/api'):]}" for (p, m) in endpoints
              if p[len("/api"):] not in open_routes
              and not p.startswith(("/api/blobstream", "/api/algorithmstore"))}
    seen = set()
    for case in CASES:
        rule, _ = urls.match("/api" + case.path.replace(OWN, "1"), case.method)
        seen.add(f"{case.method} {rule[len('/api'):]}")
    assert sorted(wanted - seen) == []


def render(real: dict) -> str:
    rows = table(real, CALLERS, CALLER_TITLES)
    return (
        "# Permission matrix of the real vantage6 HQ 5.0.3\n\n"
        "Generated from the real HQ by `tests/v5/oracle/test_permission_matrix.py`, which\n"
        "asserts that the simulator's matrix is the same, cell by cell and answer by answer,\n"
        "except for the differences `tests/v5/oracle/known.py` lists (docs/v5/differential.md).\n"
        "Rows: every HQ 5.0.3 endpoint but the open ones, the blob store and the algorithm\n"
        "stores, on targets seen from organization A. Columns: a user holding exactly one\n"
        "default role (all in A), the node of A in Col1, and an algorithm container of that\n"
        "node on the central task 3. The world is `tests/v5/oracle/world.py`'s base world,\n"
        "rewound after every call that changed something.\n\n"
        "✓ allowed (2xx) · ✗ denied (401; 403 only where HQ says so) · `passes, N`: the\n"
        "permission check passed and something else refused (400 bad input, 404...) · `500`:\n"
        "HQ's generic error, e.g. a client type the endpoint is not for (`only_for`) or a\n"
        "default role's id reaching `int(None)` · `422`: a container token on a user/node-only\n"
        "endpoint (`The specified alg value is not allowed`).\n\n"
        + "\n".join(rows) + "\n")


def test_readable_table_is_current(matrices) -> None:
    real, _, _ = matrices
    text = render(real)
    if os.environ.get("UPDATE_V5_DIFFERENTIAL"):
        DOC.write_text(text)
    assert DOC.exists() and DOC.read_text() == text, (
        "docs/v5/permission-matrix.md is stale: rerun with UPDATE_V5_DIFFERENTIAL=1")


def test_matrix_figures_in_the_doc(matrices) -> None:
    _, _, records = matrices
    figures = Figures(records)
    assert figures.calls == len(CASES) * len(CALLERS)
    assert not figures.stale, f"fixed? remove from known.py: {figures.stale}"
    stale = check_doc_section("matrix", figures.markdown())
    assert stale is None, stale
