"""Build a vantage6 server's records from a scenario (organizations, collaborations, studies,
users, roles, nodes with their databases, and the image -> module map of algorithms)."""
from __future__ import annotations

import difflib
import importlib.util
import os
import random
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

from simulator.scenario import Scenario, ScenarioError
from simulator.vantage6.runtime.executors import MODES
from simulator.vantage6.schemas import password_problem


@dataclass
class NodeSetup:
    """What a real node's config file holds: its api key and its databases."""

    node_id: int
    api_key: str
    databases: list[dict] = field(default_factory=list)
    online: bool = True
    policies: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def build(server, scenario: Scenario, rng: Optional[random.Random] = None,
          check_files: bool = False) -> None:
    """Apply ``scenario`` to a fresh server (which already holds root org 1 and root/root).
    ``check_files``: the nodes' file databases must be there (simulated nodes read them; a real
    node checks its configured files when it starts), so a missing CSV is named before any run
    crashes on it."""
    rng = rng or random.Random()
    state, src = server.state, scenario.source

    def fail(what: str, entry: Any, why: str) -> ScenarioError:
        return ScenarioError(f"{src}: {what} {entry!r}: {why}")

    def entries(key: str) -> list[tuple[str, dict]]:
        """The entries of a section with their key paths, their keys checked first."""
        out = []
        for index, entry in enumerate(scenario.list(key)):
            path = f"{key}[{index}]"
            check_keys(src, path, entry, ENTRY_KEYS[key])
            out.append((path, entry))
        return out

    def org_ref(value, what, entry):
        org = state.organizations.get(value) or state.find(
            state.organizations.values(), lambda o: o.name == value)
        if org is None:
            raise fail(what, entry, f"unknown organization {value!r}")
        return org

    def col_ref(value, what, entry):
        col = state.collaborations.get(value) or state.find(
            state.collaborations.values(), lambda c: c.name == value)
        if col is None:
            raise fail(what, entry, f"unknown collaboration {value!r}")
        return col

    def check_id(table: dict, entry: dict, what: str) -> Optional[int]:
        wanted = entry.get("id")
        if wanted is not None and (not isinstance(wanted, int) or wanted in table or wanted < 0):
            raise fail(what, entry, f"id {wanted!r} is taken or not an integer >= 0")
        return wanted

    for _, entry in entries("organizations"):
        if "name" not in entry:
            raise fail("organization", entry, "needs a name")
        if state.name_taken(state.organizations, entry["name"]):
            raise fail("organization", entry, "duplicate name")
        fields = {k: entry.get(k) for k in ("domain", "address1", "address2", "zipcode",
                                            "country")}
        state.add_organization(entry["name"], id=check_id(state.organizations, entry,
                                                          "organization"), **fields)

    for _, entry in entries("collaborations"):
        if "name" not in entry:
            raise fail("collaboration", entry, "needs a name")
        orgs = [org_ref(o, "collaboration", entry) for o in entry.get("organizations", [])]
        state.add_collaboration(entry["name"], orgs, bool(entry.get("encrypted", False)),
                                id=check_id(state.collaborations, entry, "collaboration"))

    for _, entry in entries("studies"):
        col = col_ref(entry.get("collaboration"), "study", entry)
        orgs = [org_ref(o, "study", entry) for o in entry.get("organizations", [])]
        if any(o not in col.organizations for o in orgs):
            raise fail("study", entry, "all its organizations must be in its collaboration")
        state.add_study(entry["name"], col, orgs, id=check_id(state.studies, entry, "study"))

    for _, entry in entries("roles"):
        org = org_ref(entry["organization"], "role", entry) if entry.get("organization") else None
        rules = []
        for rule in entry.get("rules", []):
            found = (state.rules.get(rule) if isinstance(rule, int)
                     else state.rule(*_rule_key(rule, entry, fail)))
            if found is None:
                raise fail("role", entry, f"unknown rule {rule!r}")
            rules.append(found)
        state.add_role(entry["name"], entry.get("description", ""), rules, org,
                       id=check_id(state.roles, entry, "role"))

    auth_ids = {**state.users, **state.nodes}
    for path, entry in entries("users"):
        for key in ("username", "password", "organization"):
            if key not in entry:
                raise ScenarioError(f"{src}: {path}.{key}: missing")
        if state.user_by_username(entry["username"]) is not None:
            raise fail("user", entry, "duplicate username")
        if entry.get("check_password", True) and password_problem(entry["password"]):
            raise fail("user", entry, password_problem(entry["password"]))
        roles = []
        for name in entry.get("roles", []):
            role = state.roles.get(name) if isinstance(name, int) else state.role_by_name(name)
            if role is None:
                raise fail("user", entry, f"unknown role {name!r}")
            roles.append(role)
        user = state.add_user(
            username=entry["username"], password=entry["password"],
            organization=org_ref(entry["organization"], "user", entry),
            email=entry.get("email", f"{entry['username']}@example.org"),
            firstname=entry.get("firstname"), lastname=entry.get("lastname"), roles=roles,
            rules=[state.rules[r] for r in entry.get("rules", [])],
            id=check_id(auth_ids, entry, "user"))
        auth_ids[user.id] = user
        server.scenario_passwords[user.username] = entry["password"]

    for path, entry in entries("nodes"):
        for key in ("organization", "collaboration"):
            if key not in entry:
                raise ScenarioError(f"{src}: {path}.{key}: missing")
        org = org_ref(entry.get("organization"), "node", entry)
        col = col_ref(entry.get("collaboration"), "node", entry)
        if org not in col.organizations:
            raise fail("node", entry, "its organization is not in its collaboration")
        if col.node_of(org.id) is not None:
            raise fail("node", entry, "that organization already has a node in that collaboration")
        name = entry.get("name") or server.profile.default_node_name(org, col)
        api_key = str(entry.get("api_key") or uuid.UUID(int=rng.getrandbits(128), version=4))
        node = state.add_node(name, org, col, api_key, id=check_id(auth_ids, entry, "node"))
        auth_ids[node.id] = node
        databases = []
        for index, db in enumerate(entry.get("databases", [])):
            where = f"{path}.databases[{index}]"
            if not isinstance(db, dict):
                raise ScenarioError(f"{src}: {where}: a mapping such as {{label: default, uri: "
                                    "data.csv, type: csv}}")
            check_keys(src, where, db, DATABASE_KEYS)
            if "label" not in db or "uri" not in db:
                raise fail("node", entry, "each database needs a label and a uri")
            uri, db_type = scenario.resolve(str(db["uri"])), db.get("type", "csv")
            if check_files and _missing_file(uri, db_type):
                raise ScenarioError(
                    f"{src}: {where}.uri: {db['uri']} not found (resolved to {uri}; a relative "
                    "uri resolves against the scenario's folder)")
            databases.append({**db, "uri": uri, "type": db_type})
        known = {"id", "organization", "collaboration", "name", "api_key", "databases", "online",
                 "policies"}
        server.node_setups[node.id] = NodeSetup(
            node.id, api_key, databases, bool(entry.get("online", True)),
            dict(entry.get("policies") or {}), {k: v for k, v in entry.items() if k not in known})

    server.profile.after_scenario(server)

    runtime = scenario.data.get("runtime") or {}
    if not isinstance(runtime, dict):
        raise ScenarioError(f"{src}: 'runtime' is a mapping such as {{mode: isolated}}")
    if "mode" in runtime:
        if runtime["mode"] not in MODES:
            raise ScenarioError(f"{src}: runtime mode {runtime['mode']!r}; known: {MODES}")
        server.algorithms.default_mode = runtime["mode"]
    algorithms = scenario.data.get("algorithms") or {}
    if not isinstance(algorithms, dict):
        raise ScenarioError(f"{src}: 'algorithms' maps an image to an importable module")
    for image, entry in algorithms.items():
        if isinstance(entry, dict) and "module" in entry:
            module, mode = entry["module"], entry.get("mode")
        elif isinstance(entry, str):
            module, mode = entry, None
        else:
            raise ScenarioError(f"{src}: algorithm {image!r}: give a module name, or "
                                "{module: NAME, mode: in-process|isolated}")
        try:
            server.algorithms.register(str(image), str(module), mode)
        except ValueError as exc:
            raise ScenarioError(f"{src}: algorithm {image!r}: {exc}") from exc
        problem = import_problem(str(module))
        if problem is not None:
            raise ScenarioError(f"{src}: algorithms.{image}: {problem}")


def import_problem(module: str) -> Optional[str]:
    """Why ``module`` cannot be imported here (found without running it), or None."""
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError) as exc:  # a parent package is missing or broken
        found, why = None, f" ({exc})"
    else:
        why = ""
    if found is not None:
        return None
    return (f"module {module!r} cannot be imported{why}: install the algorithm's package in "
            "this environment, or put the folder holding it on PYTHONPATH")


def _missing_file(uri: str, db_type: str) -> bool:
    """A file database whose file is not there (connection strings are not checked)."""
    return db_type in FILE_TYPES and "://" not in uri and not os.path.exists(uri)


FILE_TYPES = ("csv", "excel", "parquet")
# the keys each entry may have (a typo is named, with what it was probably meant to be)
ENTRY_KEYS = {
    "organizations": {"id", "name", "domain", "address1", "address2", "zipcode", "country",
                      "public_key"},
    "collaborations": {"id", "name", "organizations", "encrypted",
                       "session_restrict_to_same_image"},
    "studies": {"id", "name", "collaboration", "organizations"},
    "roles": {"id", "name", "description", "rules", "organization"},
    "users": {"id", "username", "password", "organization", "roles", "rules", "email",
              "firstname", "lastname", "check_password"},
    "nodes": {"id", "organization", "collaboration", "name", "api_key", "databases", "online",
              "policies", "algorithm_env", "share_algorithm_logs", "speed"},
}
DATABASE_KEYS = {"label", "uri", "type", "env", "parameters"}


def check_keys(source: str, path: str, entry: dict, known: set) -> None:
    for key in entry:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else \
                f"; known keys: {', '.join(sorted(known))}"
            raise ScenarioError(f"{source}: {path}: unknown key '{key}'{hint}")


def _rule_key(rule, entry, fail) -> tuple[str, str, str]:
    """A rule named as "resource:operation:scope", e.g. "task:c:col"."""
    parts = str(rule).split(":")
    if len(parts) != 3:
        raise fail("role", entry, f"rule {rule!r} is neither an id nor 'resource:op:scope'")
    return parts[0], parts[1], parts[2]
