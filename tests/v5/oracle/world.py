"""The base world of the 5.x differential suite, built through the API in both HQs (same calls,
same order, so the ids match), and the node's side of the compute path (the tests play the
nodes, as docs/v5/contract-hq-compute.md §7 describes the real node's calls).

Ids (a fresh HQ has organization 1 "root" and user 1 "admin"; default roles are 1..7; users and
nodes share one id sequence):

  organizations  2 A (NL), 3 B (BE), 4 C (DE), 5 D (no links: a deletable one)
  collaborations 1 Col1 [A, B, C], 2 Col2 [A, B] (session_restrict_to_same_image), 3 Col3 [C]
  nodes          2 nA (A, Col1), 3 nB (B, Col1), 4 nC (C, Col1), 5 nA2 (A, Col2), 6 nB2 (B, Col2)
  users          7..13 one per default role, all in A (r_root ... r_coladmin);
                 14 b_res (Researcher, B), 15 c_view (Viewer, C),
                 16 svc (service account, Researcher, A), 17 norole (A, no roles)
  roles          8 customA (A), 9 customB (B), each with rule 21 (organization view organization)
  study          1 S1 in Col1 [A, B]

and, with ``build_compute``:

  sessions       1 "s1" (r_researcher, Col1, organization scope), 2 "s2" (b_res, Col2, own)
  dataframes     1 "df1" in session 1: task 1 (data_extraction) to A, B, C: runs 1, 2, 3, all
                 completed by their nodes, columns reported
  tasks          2 federated_compute by r_researcher to A, B on df1 (runs 4, 5, pending)
                 3 central_compute by r_researcher to A on df1 (run 6, pending)
  tokens         every user, the nodes nA nB nC nA2 nB2, service account svc, container "cont"
                 (nA on task 3)
"""
from __future__ import annotations

from typing import Any

from tests.oracle.differ import b64, now_iso
from tests.v5.oracle.harness import Differ5

IMAGE = "harbor2.vantage6.ai/demo/average"
OTHER_IMAGE = "harbor2.vantage6.ai/demo/other"
STRONG_PW = "Password123!"
DEFAULT_ROLES = {1: "Root", 2: "container", 3: "node", 4: "Viewer", 5: "Researcher",
                 6: "Organization Admin", 7: "Collaboration Admin"}
ROLE_USER = {1: "r_root", 2: "r_container", 3: "r_node", 4: "r_viewer", 5: "r_researcher",
             6: "r_orgadmin", 7: "r_coladmin"}
USER_ID = {ROLE_USER[r]: 6 + r for r in DEFAULT_ROLES} | {"b_res": 14, "c_view": 15, "svc": 16,
                                                          "norole": 17}
NODES = [("nA", 2, 1), ("nB", 3, 1), ("nC", 4, 1), ("nA2", 2, 2), ("nB2", 3, 2)]
NODE_ID = {ident: 2 + i for i, (ident, _, _) in enumerate(NODES)}
RULE_ORG_VIEW_ORG = 21
COLUMNS = [{"name": "age", "dtype": "int64"}, {"name": "weight", "dtype": "double"}]


def args(obj: Any = None) -> str:
    """What the UserClient sends as an organization's ``arguments``: base64 of the JSON."""
    return b64({} if obj is None else obj)


def df_body(orgs: list[int], name: str | None = None, label: str = "default",
            image: str = IMAGE, method: str = "read_csv", **task_extra) -> dict:
    body: dict = {"label": label, "task": {"image": image, "method": method,
                                           "organizations": [{"id": o, "arguments": args()}
                                                             for o in orgs], **task_extra}}
    if name is not None:
        body["name"] = name
    return body


def task_body(orgs: list[int], session: int = 1, df: int | None = 1, col: int = 1,
              action: str | None = "federated_compute", image: str = IMAGE,
              method: str = "partial_average", **extra) -> dict:
    """A compute task as the UserClient 5.0.3 sends it (key order included)."""
    body: dict = {"name": "t", "image": image, "description": "d", "method": method,
                  "organizations": [{"id": o, "arguments": args({"column_name": "age"})}
                                    for o in orgs],
                  "databases": [[{"dataframe_id": df, "type": "dataframe"}]] if df else [],
                  "session_id": session, "collaboration_id": col}
    if action is not None:
        body["action"] = action
    body.update(extra)
    return body


def keep_node(d: Differ5, ident: str, pair) -> None:
    for w, o in zip(d.worlds, pair):
        w.vals[f"key:{ident}"] = o.get("api_key")
        w.vals[f"name:{ident}"] = o.get("name")


def build_base(d: Differ5) -> None:
    c = d.call
    d.sign_in("root", "admin")
    for name, country in [("A", "NL"), ("B", "BE"), ("C", "DE"), ("D", "FR")]:
        c(f"base org {name}", "POST", "/organization", "root",
          json_={"name": name, "country": country})
    c("base Col1", "POST", "/collaboration", "root",
      json_={"name": "Col1", "organization_ids": [2, 3, 4], "encrypted": False})
    c("base Col2", "POST", "/collaboration", "root",
      json_={"name": "Col2", "organization_ids": [2, 3], "encrypted": False,
             "session_restrict_to_same_image": True})
    c("base Col3", "POST", "/collaboration", "root",
      json_={"name": "Col3", "organization_ids": [4], "encrypted": False})
    for ident, org, col in NODES:
        keep_node(d, ident, c(f"base node {ident}", "POST", "/node", "root",
                              json_={"organization_id": org, "collaboration_id": col}))
    people = [(ROLE_USER[r], 2, [r]) for r in DEFAULT_ROLES] + [("b_res", 3, [5]),
                                                               ("c_view", 4, [4])]
    for username, org, roles in people:
        c(f"base user {username}", "POST", "/user", "root",
          json_={"username": username, "password": STRONG_PW, "organization_id": org,
                 "roles": roles})
    pair = c("base service account svc", "POST", "/user", "root",
             json_={"username": "svc", "organization_id": 2, "roles": [5],
                    "is_service_account": True})
    d.keep("secret:svc", pair, "client_secret")
    c("base user norole", "POST", "/user", "root",
      json_={"username": "norole", "password": STRONG_PW, "organization_id": 2})
    for name, org in [("customA", 2), ("customB", 3)]:
        c(f"base role {name}", "POST", "/role", "root",
          json_={"name": name, "rules": [RULE_ORG_VIEW_ORG], "organization_id": org})
    c("base study", "POST", "/study", "root",  # the real order of its members varies
      json_={"name": "S1", "collaboration_id": 1, "organization_ids": [2, 3]},
      unordered=("organizations",))
    for username, _, _ in people + [("norole", 2, [])]:
        d.sign_in(username)
    statuses = d.client_login("svc", lambda w: "svc-user-client", "secret:svc")
    assert statuses == [200, 200], statuses
    for ident, _, _ in NODES:
        d.node_sign_in(ident)


# ---------------------------------------------------------------------------------- the node
def node_patch(d: Differ5, label: str, node: str, run_id: int, body: dict, **kw):
    return d.call(label, "PATCH", f"/run/{run_id}", node, json_=body, **kw)


def node_completes(d: Differ5, label: str, node: str, run_id: int, result: str = "",
                   df_id: int | None = None, columns=COLUMNS) -> None:
    """A real node's calls for one run: started, active, (columns), completed."""
    node_patch(d, f"{label}: started", node, run_id, {"started_at": now_iso()})
    node_patch(d, f"{label}: active", node, run_id, {"status": "active"})
    if df_id is not None:
        d.call(f"{label}: columns", "POST", f"/session/dataframe/{df_id}/column", node,
               json_=columns)
    node_patch(d, f"{label}: completed", node, run_id,
               {"log": "done", "status": "completed", "finished_at": now_iso(),
                "result": result})


def build_compute(d: Differ5) -> None:
    c = d.call
    c("base session s1", "POST", "/session", "r_researcher",
      json_={"name": "s1", "collaboration_id": 1, "scope": "organization"})
    c("base session s2", "POST", "/session", "b_res",
      json_={"name": "s2", "collaboration_id": 2, "scope": "own"})
    c("base dataframe df1", "POST", "/session/1/dataframe", "r_researcher",
      json_=df_body([2, 3, 4], name="df1"))
    for node, run in [("nA", 1), ("nB", 2), ("nC", 3)]:
        node_completes(d, f"base extraction run {run}", node, run, df_id=1)
    c("base task 2", "POST", "/task", "r_researcher", json_=task_body([2, 3]))
    c("base task 3", "POST", "/task", "r_researcher",
      json_=task_body([2], action="central_compute", method="central_average"))
    pair = c("base container token", "POST", "/token/container", "nA",
             json_={"task_id": 3, "image": IMAGE})
    for w, o in zip(d.worlds, pair):
        w.tok["cont"] = o.get("container_token")
