"""Drift guard: every public method of the installed UserClient (and its sub-clients) and
AlgorithmClient must be listed in COVERAGE.md ("Client methods"), and every one listed as served is
called here through the simulator and must give a real answer. A vantage6 upgrade that adds a
method, or a method the simulator stops serving, fails this test instead of passing silently."""
from __future__ import annotations

import contextlib
import io
import inspect
import re
from pathlib import Path
from typing import Any, Callable

import jwt
import pytest

from simulator.network import Network
from tests.helpers import IMAGE, JOHN, make_client, nodes_answer, quiet

COVERAGE = Path(__file__).resolve().parents[2] / "COVERAGE.md"
STATUSES = {"served", "local", "not served"}
PW = "Password1!"


def _public(obj: Any) -> list[str]:
    cls = type(obj)
    return sorted(n for n in dir(cls) if not n.startswith("_")
                  and callable(getattr(cls, n, None)) and not inspect.isclass(getattr(cls, n)))


def installed_methods() -> set[str]:
    """``UserClient.task.create``-style names of every public method, sub-clients included."""
    from vantage6.algorithm.client import AlgorithmClient
    from vantage6.client import UserClient
    from vantage6.common.client.client_base import ClientBase

    with contextlib.redirect_stdout(io.StringIO()):
        user_client = UserClient("http://vantage6.test", 7601, "/api", log_level="critical")
    token = jwt.encode({"sub": {"image": IMAGE, "node_id": 2}}, "not-used")
    algorithm_client = AlgorithmClient(token, host="http://vantage6.test", port=7601, path="/x")
    names = set()
    for label, client in (("UserClient", user_client), ("AlgorithmClient", algorithm_client)):
        names |= {f"{label}.{m}" for m in _public(client)}
        for attr, value in vars(client).items():
            if isinstance(value, ClientBase.SubClient):
                names |= {f"{label}.{attr}.{m}" for m in _public(value)}
    return names


def listed_methods() -> dict[str, str]:
    """The "Client methods" table of COVERAGE.md: method -> status."""
    text = COVERAGE.read_text()
    section = text.split("### Client methods", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `((?:UserClient|AlgorithmClient)[\w.]+)` \| ([a-z ]+) \|", section,
                      re.MULTILINE)
    return dict(rows)


def test_every_installed_method_is_listed_in_coverage() -> None:
    listed = listed_methods()
    installed = installed_methods()
    assert sorted(installed - listed.keys()) == [], "new client methods: add them to COVERAGE.md"
    assert sorted(listed.keys() - installed) == [], "COVERAGE.md lists methods that are gone"
    assert set(listed.values()) <= STATUSES


# ---------------------------------------------------------------------------------- the calls
class Exercise:
    """Calls client methods by name and records which ones gave a real answer."""

    def __init__(self) -> None:
        self.ok: set[str] = set()

    def __call__(self, name: str, fn: Callable[[], Any],
                 check: Callable[[Any], bool] = lambda r: r is not None) -> Any:
        result = quiet(fn)
        assert check(result), f"{name} gave {result!r}"
        self.ok.add(name)
        return result


def _is_record(r: Any) -> bool:
    return isinstance(r, dict) and "id" in r and "msg" not in r


def _is_page(r: Any) -> bool:
    return isinstance(r, dict) and isinstance(r.get("data"), list) and "links" in r


def test_every_served_method_answers_through_the_simulator(tmp_path) -> None:
    served = {m for m, status in listed_methods().items() if status == "served"}
    # simulated nodes (their proxies serve the AlgorithmClient), offline: this test answers runs
    net = Network.from_scenario("demo")
    for simulated in net.nodes:
        simulated.go_offline()
    state = net.vantage6.state
    x = Exercise()
    with net.intercept():
        root = make_client("root", "root")
        x("UserClient.authenticate", lambda: root.authenticate("root", "root"),
          lambda r: root.whoami.organization_id == 1 and root.token)
        x("UserClient.refresh_token", root.refresh_token, lambda r: root.token is not None)
        x("UserClient.setup_encryption", lambda: root.setup_encryption(None), lambda r: True)
        x("UserClient.setup_collaboration", lambda: root.setup_collaboration(1),
          lambda r: root.collaboration_id == 1)
        x("UserClient.check_if_blob_store_enabled", root.check_if_blob_store_enabled,
          lambda r: r is False)
        x("UserClient.request", lambda: root.request("version"), lambda r: r["version"])
        u = root.util
        x("UserClient.util.get_server_version", u.get_server_version,
          lambda r: r == {"version": "4.15.2"})
        x("UserClient.util.get_server_health", u.get_server_health,
          lambda r: r == {"database": True})
        # organizations
        o = root.organization
        org = x("UserClient.organization.create", lambda: o.create(
            "drift-org", "a1", "a2", "1234", "NL", "drift.org"), _is_record)
        x("UserClient.organization.get", lambda: o.get(org["id"]),
          lambda r: r["name"] == "drift-org")
        x("UserClient.organization.list", lambda: o.list(country="NL"), _is_page)
        x("UserClient.organization.update", lambda: o.update(org["id"], zipcode="9999"),
          lambda r: r["zipcode"] == "9999")
        # collaborations
        c = root.collaboration
        col = x("UserClient.collaboration.create", lambda: c.create("drift-col", [2, org["id"]]),
                _is_record)
        x("UserClient.collaboration.get", lambda: c.get(col["id"]),
          lambda r: r["name"] == "drift-col")
        x("UserClient.collaboration.list", lambda: c.list(scope="global"), _is_page)
        x("UserClient.collaboration.update", lambda: c.update(col["id"], name="drift-col2"),
          lambda r: r["name"] == "drift-col2")
        x("UserClient.collaboration.add_organization",
          lambda: c.add_organization(3, col["id"]), lambda r: {o["id"] for o in r} >= {3})
        x("UserClient.collaboration.remove_organization",
          lambda: c.remove_organization(3, col["id"]),
          lambda r: 3 not in {o["id"] for o in r})
        # nodes
        n = root.node
        node = x("UserClient.node.create", lambda: n.create(col["id"], org["id"], "drift-node"),
                 lambda r: _is_record(r) and r["api_key"])
        x("UserClient.node.get", lambda: n.get(node["id"]), lambda r: r["name"] == "drift-node")
        x("UserClient.node.list", lambda: n.list(collaboration=col["id"]), _is_page)
        x("UserClient.node.update", lambda: n.update(node["id"], name="drift-node2"),
          lambda r: r["name"] == "drift-node2")
        x("UserClient.node.kill_tasks", lambda: n.kill_tasks(node["id"]),
          lambda r: r == {"msg": f"Node {node['id']} is not online so cannot kill its tasks!"})
        # users, roles, rules
        us = root.user
        user = x("UserClient.user.create", lambda: us.create(
            "drift-user", "D", "U", PW, "drift@x.org", organization=2, roles=[5]), _is_record)
        x("UserClient.user.get", lambda: us.get(user["id"]), lambda r: r["username"])
        x("UserClient.user.list", lambda: us.list(organization=2), _is_page)
        x("UserClient.user.update", lambda: us.update(user["id"], lastname="V"),
          lambda r: r["lastname"] == "V")
        r_ = root.role
        role = x("UserClient.role.create", lambda: r_.create("drift-role", "d", [21], 2),
                 _is_record)
        x("UserClient.role.get", lambda: r_.get(role["id"]), lambda r: r["name"] == "drift-role")
        x("UserClient.role.list", lambda: r_.list(organization=2), _is_page)
        # the 4.15.2 client drops _clean_update_data's result and sends None for what is not
        # given, which the real /role answers with a field-error dict the client cannot log
        x("UserClient.role.update",
          lambda: r_.update(role["id"], name="drift-role", description="e", rules=[21]),
          lambda r: r["description"] == "e")
        x("UserClient.rule.get", lambda: root.rule.get(1), lambda r: r["name"] == "node")
        x("UserClient.rule.list", lambda: root.rule.list(scope="glo"), _is_page)
        # studies
        s = root.study
        study = x("UserClient.study.create", lambda: s.create("drift-study", [2, 3], 1),
                  _is_record)
        x("UserClient.study.get", lambda: s.get(study["id"]), lambda r: r["name"])
        x("UserClient.study.list", lambda: s.list(collaboration=1), _is_page)
        x("UserClient.study.update", lambda: s.update(study["id"], name="drift-study2"),
          lambda r: r["name"] == "drift-study2")
        x("UserClient.study.remove_organization",
          lambda: s.remove_organization(3, study["id"]), lambda r: isinstance(r, list))
        x("UserClient.study.add_organization", lambda: s.add_organization(3, study["id"]),
          lambda r: isinstance(r, list))
        # tasks, runs, results: a researcher of example_org1; nodes answered by a script
        john = make_client(*JOHN)
        john.setup_collaboration(1)
        t = john.task
        task = x("UserClient.task.create", lambda: t.create(
            [2, 3], "drift", IMAGE, "d", {"method": "m"}, collaboration=1,
            databases=[{"label": "default"}]), _is_record)
        nodes_answer(net, lambda run, input_: {"answer": 42})
        x("UserClient.wait_for_task_completion",
          lambda: john.wait_for_task_completion(john.request, task["id"], interval=0.01),
          lambda r: True)
        x("UserClient.wait_for_results", lambda: john.wait_for_results(task["id"], interval=0.01),
          lambda r: len(r["data"]) == 2)
        x("UserClient.task.get", lambda: t.get(task["id"]), lambda r: r["status"] == "completed")
        x("UserClient.task.list", lambda: t.list(), _is_page)
        runs = x("UserClient.run.from_task", lambda: john.run.from_task(task["id"]), _is_page)
        run_id = runs["data"][0]["id"]
        x("UserClient.run.get", lambda: john.run.get(run_id), lambda r: r["id"] == run_id)
        x("UserClient.run.list", lambda: john.run.list(task=task["id"]), _is_page)
        x("UserClient.result.from_task", lambda: john.result.from_task(task["id"]), _is_page)
        x("UserClient.result.get", lambda: john.result.get(run_id),
          lambda r: r == "{\"answer\": 42}")  # the JSON string, as the real client returns
        admin = make_client("root", "root")
        pending = t.create([2], "drift2", IMAGE, "d", {"method": "m"}, collaboration=1,
                           databases=[{"label": "default"}])
        x("UserClient.task.kill", lambda: root.task.kill(pending["id"]),
          lambda r: [run.status for run in state.tasks[pending["id"]].runs]
          == ["killed by user"])
        x("UserClient.task.delete", lambda: t.delete(pending["id"]), lambda r: True)
        assert pending["id"] not in state.tasks
        # AlgorithmClient, through the node proxy with a container token
        node_token = net.request("POST", "/api/token/node", json={
            "api_key": net.node_api_key(organization=2)}).get_json()["access_token"]
        live = t.create([2], "drift-live", IMAGE, "d", {"method": "m"}, collaboration=1,
                        databases=[{"label": "default"}])  # a container needs an open task
        container = net.request("POST", "/api/token/container", token=node_token, json={
            "task_id": live["id"], "image": IMAGE}).get_json()["container_token"]
        from vantage6.algorithm.client import AlgorithmClient

        host, port = net.url.rsplit(":", 1)
        ac = AlgorithmClient(container, host=host, port=int(port),
                             path=f"/_simulator/nodes/{_node_of(net, 2)}/proxy")
        x("AlgorithmClient.request", lambda: ac.request(f"task/{task['id']}"), _is_record)
        x("AlgorithmClient.task.get", lambda: ac.task.get(task["id"]), _is_record)
        x("AlgorithmClient.run.get", lambda: ac.run.get(run_id), _is_record)
        x("AlgorithmClient.run.from_task", lambda: ac.run.from_task(task["id"]),
          lambda r: isinstance(r, list) and len(r) == 2)
        x("AlgorithmClient.result.from_task", lambda: ac.result.from_task(task["id"]),
          lambda r: r == [{"answer": 42}, {"answer": 42}])
        x("AlgorithmClient.wait_for_results", lambda: ac.wait_for_results(task["id"], 0.01),
          lambda r: r == [{"answer": 42}, {"answer": 42}])
        x("AlgorithmClient.organization.get", lambda: ac.organization.get(2), _is_record)
        x("AlgorithmClient.organization.list", ac.organization.list,
          lambda r: isinstance(r, list) and len(r) == 3)
        x("AlgorithmClient.collaboration.get", ac.collaboration.get, _is_record)
        with pytest.raises(KeyError):  # as on a real node: GET /study is not for containers
            quiet(ac.study.list)
        x("AlgorithmClient.study.get", lambda: ac.study.get(study["id"]), _is_record)
        x("AlgorithmClient.check_if_blob_store_enabled", ac.check_if_blob_store_enabled,
          lambda r: r is False)
        sub = x("AlgorithmClient.task.create", lambda: ac.task.create(
            {"method": "sub"}, organizations=[3], name="child"), _is_record)
        nodes_answer(net, lambda run, input_: 1, organizations=[3])
        x("AlgorithmClient.wait_for_task_completion",
          lambda: ac.wait_for_task_completion(ac.request, sub["id"], interval=0.01,
                                              log_animation=False),
          lambda r: state.tasks[sub["id"]].status == "completed")
        # deletes last (their records were used above)
        x("UserClient.study.delete", lambda: s.delete(study["id"]), lambda r: True)
        assert study["id"] not in state.studies
        x("UserClient.role.delete", lambda: r_.delete(role["id"]), lambda r: True)
        assert role["id"] not in state.roles
        x("UserClient.user.delete", lambda: us.delete(user["id"]), lambda r: True)
        assert user["id"] not in state.users
        x("UserClient.node.delete", lambda: n.delete(node["id"]), lambda r: True)
        assert node["id"] not in state.nodes
        x("UserClient.collaboration.delete", lambda: c.delete(col["id"]), lambda r: True)
        assert col["id"] not in state.collaborations
        x("UserClient.organization.delete", lambda: o.delete(org["id"]), lambda r: True)
        assert org["id"] not in state.organizations
        new_pw = PW + "x"
        x("UserClient.util.change_my_password", lambda: admin.util.change_my_password(
            "root", new_pw), lambda r: r == {"msg": "The password has been changed successfully!"})
        assert net.login("root", new_pw)
    missing = sorted(served - x.ok)
    assert missing == [], f"served in COVERAGE.md but not called here: {missing}"
    extra = sorted(x.ok - served)
    assert extra == [], f"called here but not marked served in COVERAGE.md: {extra}"


def _node_of(net: Network, organization: int) -> int:
    return next(n.id for n in net.vantage6.state.nodes.values()
                if n.organization.id == organization)
