"""A base world built through the API in both servers (same calls, same order, so ids match),
and the means to rewind both to it: the oracle's snapshot hook, a deep copy of the simulator's
state. The permission matrix and the state machine start every case from it.

Ids (a fresh real server has organization 1 and user 1 = root; default roles are 1..7):

  organizations  2 A (NL), 3 B (BE), 4 C (DE), 5 E (no links: a deletable one)
  collaborations 1 Col1 [A, B], 2 Col2 [B, C], 3 Col3 [A] (nothing in it: deletable)
  nodes          2 nA (A, Col1), 3 nB (B, Col1), 4 nB2 (B, Col2), 5 nC (C, Col2)
  users          6..12: one per default role, all in A (r_root ... r_coladmin);
                 13 b_res (Researcher, B), 14 c_view (Viewer, C)
  roles          8 customA (A), 9 customB (B), each with rule 21 (organization v org)
  study          1 S1 in Col1 [A, B]
  tasks          1 by r_researcher in Col1 to [A, B] (runs 1, 2);
                 2 by b_res in Col2 to [B, C] (runs 3, 4)
  tokens         every user, nodes nA nB nC, container "cont" (nA on task 1)
"""
from __future__ import annotations

import copy

from tests.oracle.differ import IMAGE, STRONG_PW, Differ, World, b64

DEFAULT_ROLES = {1: "Root", 2: "container", 3: "node", 4: "Viewer", 5: "Researcher",
                 6: "Organization Admin", 7: "Collaboration Admin"}
ROLE_USER = {role: "r_" + key for role, key in
             {1: "root", 2: "container", 3: "node", 4: "viewer", 5: "researcher",
              6: "orgadmin", 7: "coladmin"}.items()}
USER_ID = {ROLE_USER[r]: 5 + r for r in DEFAULT_ROLES} | {"b_res": 13, "c_view": 14}
NODE_ID = {"nA": 2, "nB": 3, "nB2": 4, "nC": 5}
RULE_ORG_VIEW_ORG = 21  # organization v org: every custom role gets it


def task_body(orgs: list[int], col: int = 1, **extra) -> dict:
    body = {"name": "t", "image": IMAGE, "description": "d", "collaboration_id": col,
            "organizations": [{"id": o, "input": b64({"method": "m"})} for o in orgs],
            "databases": [{"label": "default"}]}
    body.update(extra)
    return body


def build_base(d: Differ) -> None:
    """Build the base world in both worlds of ``d`` (and compare every answer on the way)."""
    c = d.call
    d.login("root", "root", "root")
    for name, country in [("A", "NL"), ("B", "BE"), ("C", "DE"), ("E", "FR")]:
        c(f"base org {name}", "POST", "/organization", "root",
          json_={"name": name, "country": country})
    for name, orgs in [("Col1", [2, 3]), ("Col2", [3, 4]), ("Col3", [2])]:
        c(f"base {name}", "POST", "/collaboration", "root",
          json_={"name": name, "organization_ids": orgs, "encrypted": False})
    for ident, org, col in [("nA", 2, 1), ("nB", 3, 1), ("nB2", 3, 2), ("nC", 4, 2)]:
        pair = c(f"base node {ident}", "POST", "/node", "root",
                 json_={"organization_id": org, "collaboration_id": col, "name": ident})
        for w, o in zip(d.worlds, pair):
            w.vals[f"key:{ident}"] = o.get("api_key")
    people = [(ROLE_USER[r], 2, [r]) for r in DEFAULT_ROLES] + [("b_res", 3, [5]),
                                                               ("c_view", 4, [4])]
    for username, org, roles in people:
        c(f"base user {username}", "POST", "/user", "root",
          json_={"username": username, "password": STRONG_PW, "email": f"{username}@x.org",
                 "firstname": username, "lastname": "T", "organization_id": org,
                 "roles": roles})
    for name, org in [("customA", 2), ("customB", 3)]:
        c(f"base role {name}", "POST", "/role", "root",
          json_={"name": name, "rules": [RULE_ORG_VIEW_ORG], "organization_id": org})
    c("base study", "POST", "/study", "root",
      json_={"name": "S1", "collaboration_id": 1, "organization_ids": [2, 3]})
    for username, _, _ in people:
        d.login(username, username, STRONG_PW)
    for ident in ("nA", "nB", "nC"):
        d.node_login(ident)
    c("base task 1", "POST", "/task", "r_researcher", json_=task_body([2, 3]))
    c("base task 2", "POST", "/task", "b_res", json_=task_body([3, 4], col=2))
    pair = c("base container token", "POST", "/token/container", "nA",
             json_={"task_id": 1, "image": IMAGE})
    for w, o in zip(d.worlds, pair):
        w.tok["cont"] = o.get("container_token")


class BaseWorlds:
    """Both servers at the base world, with the tokens to call them; ``rewind()`` goes back.
    Built once per test session (bcrypt makes the real server's users slow to create)."""

    def __init__(self, oracle, simulator, name: str = "base") -> None:
        self.oracle, self.simulator, self.name = oracle, simulator, name
        oracle.restore("fresh")
        self.network = simulator.reset()
        self.differ = Differ(World("sim", simulator.api), World("real", oracle.api), echo=False)
        self.differ.section = "base world"
        build_base(self.differ)
        oracle.snapshot(name)
        self._state = _copy_state(self.network)

    def rewind(self) -> None:
        """Both servers back to the base world (the simulator serves the base network again)."""
        self.oracle.restore(self.name)
        self.network.vantage6.server.state = _copy_state(self.network, self._state)
        self.simulator.network = self.network


def _copy_state(network, state=None):
    """A deep copy of the simulator's records (the clock stays shared: tokens and records use
    it)."""
    server = network.vantage6
    with server.lock:
        source = state if state is not None else server.state
        return copy.deepcopy(source, {id(network.clock): network.clock})
