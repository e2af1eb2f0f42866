"""Drift guard for the 5.x profile: every public method of the installed vantage6 5.0.3
UserClient (with its sub-clients) and AlgorithmClient is listed in COVERAGE.md ("Client methods
(5.x)"), and every one listed as served is called here through the simulator, by the real
client, and must give a real answer. A vantage6 upgrade that adds a method, or a method the
simulator stops serving, fails this test instead of passing silently."""
from __future__ import annotations

import contextlib
import io
import inspect
import re
from pathlib import Path
from typing import Any, Callable

import jwt
import pytest

from simulator import Network
from tests.v5.helpers import IMAGE, extract, signed_in

COVERAGE = Path(__file__).resolve().parents[2] / "COVERAGE.md"
STATUSES = {"served", "local", "not served"}
STEPS = "registry.example.org/steps"


def _public(obj: Any) -> list[str]:
    cls = type(obj)
    return sorted(n for n in dir(cls) if not n.startswith("_")
                  and callable(getattr(cls, n, None)) and not inspect.isclass(getattr(cls, n)))


def installed_methods() -> set[str]:
    from vantage6.algorithm.client import AlgorithmClient
    from vantage6.client import UserClient
    from vantage6.common.client.client_base import ClientBase

    with contextlib.redirect_stdout(io.StringIO()):
        user_client = UserClient("http://vantage6.test/api", "http://vantage6.test",
                                 log_level="critical")
    algorithm_client = AlgorithmClient(jwt.encode({"sub": {"image": IMAGE}}, "k" * 32),
                                       "http://x")
    names = set()
    for label, client in (("UserClient", user_client), ("AlgorithmClient", algorithm_client)):
        names |= {f"{label}.{m}" for m in _public(client)}
        for attr, value in vars(client).items():
            if isinstance(value, ClientBase.SubClient):
                names |= {f"{label}.{attr}.{m}" for m in _public(value)}
    return names


def listed_methods() -> dict[str, str]:
    text = COVERAGE.read_text()
    section = text.split("### Client methods (5.x)", 1)[1].split("\n## ", 1)[0]
    section = section.split("\n### ", 1)[0]
    rows = re.findall(r"^\| `((?:UserClient|AlgorithmClient)[\w.]+)` \| ([a-z ]+) \|", section,
                      re.MULTILINE)
    return dict(rows)


def test_every_installed_method_is_listed_in_coverage() -> None:
    listed, installed = listed_methods(), installed_methods()
    assert sorted(installed - listed.keys()) == [], "new client methods: add them to COVERAGE.md"
    assert sorted(listed.keys() - installed) == [], "COVERAGE.md lists methods that are gone"
    assert set(listed.values()) <= STATUSES


class Exercise:
    def __init__(self) -> None:
        self.ok: set[str] = set()

    def __call__(self, name: str, fn: Callable[[], Any],
                 check: Callable[[Any], bool] = lambda r: r is not None) -> Any:
        with contextlib.redirect_stdout(io.StringIO()):
            result = fn()
        assert check(result), f"{name} gave {result!r}"
        self.ok.add(name)
        return result


def _record(r: Any) -> bool:
    return isinstance(r, dict) and "id" in r and "msg" not in r


def _page(r: Any) -> bool:
    return isinstance(r, dict) and isinstance(r.get("data"), list) and "links" in r


def _silent(r: Any) -> bool:
    return r is None  # the client logs HQ's message and returns nothing


def test_every_served_method_answers_through_the_simulator(tmp_path) -> None:
    served = {m for m, status in listed_methods().items() if status == "served"}
    x = Exercise()
    with Network.from_scenario("demo", profile="5.x", device_user="admin") as net, \
            net.intercept():
        hq, auth = net.url + "/api", net.url
        root = x("UserClient.authenticate", lambda: signed_in(hq, auth),
                 lambda c: c.whoami.name == "admin")
        x("UserClient.obtain_new_token", root.obtain_new_token, lambda r: root._access_token)
        x("UserClient.obtain_new_token_interactive", root.obtain_new_token_interactive,
          lambda r: root._access_token)
        x("UserClient.setup_collaboration", lambda: root.setup_collaboration(1),
          lambda r: root.collaboration_id == 1)
        x("UserClient.check_if_blob_store_enabled", root.check_if_blob_store_enabled,
          lambda r: r is False)
        x("UserClient.request", lambda: root.request("version"), lambda r: r["version"])
        x("UserClient.util.get_hq_version", root.util.get_hq_version,
          lambda r: r == {"version": "5.0.3"})
        x("UserClient.util.get_hq_health", root.util.get_hq_health,
          lambda r: r == {"api": True, "database": True})
        o = root.organization
        org = x("UserClient.organization.create",
                lambda: o.create("drift-org", "a1", "a2", "1234", "NL", "drift.org"), _record)
        x("UserClient.organization.get", lambda: o.get(org["id"]),
          lambda r: r["name"] == "drift-org")
        x("UserClient.organization.list", lambda: o.list(name="drift%"), _page)
        x("UserClient.organization.update", lambda: o.update(org["id"], zipcode="9999"),
          lambda r: r["zipcode"] == "9999")
        c = root.collaboration
        col = x("UserClient.collaboration.create", lambda: c.create("drift-col", [2, org["id"]]),
                _record)
        x("UserClient.collaboration.get", lambda: c.get(col["id"]),
          lambda r: r["name"] == "drift-col")
        x("UserClient.collaboration.list", lambda: c.list(scope="global"), _page)
        x("UserClient.collaboration.update", lambda: c.update(col["id"], name="drift-col2"),
          lambda r: r["name"] == "drift-col2")
        x("UserClient.collaboration.add_organization", lambda: c.add_organization(3, col["id"]),
          lambda r: {o["id"] for o in r} >= {3})
        x("UserClient.collaboration.remove_organization",
          lambda: c.remove_organization(3, col["id"]), lambda r: 3 not in {o["id"] for o in r})
        n = root.node
        node = x("UserClient.node.create", lambda: n.create(col["id"], org["id"], "drift-node"),
                 lambda r: _record(r) and r["api_key"])
        x("UserClient.node.get", lambda: n.get(node["id"]), lambda r: r["name"] == "drift-node")
        x("UserClient.node.list", lambda: n.list(collaboration=col["id"]), _page)
        x("UserClient.node.update", lambda: n.update(node["id"], name="drift-node2"),
          lambda r: r["name"] == "drift-node2")
        x("UserClient.node.kill_tasks", lambda: n.kill_tasks(node["id"]),
          lambda r: r == {"msg": f"Node {node['id']} is not online so cannot kill its tasks!"})
        us = root.user
        user = x("UserClient.user.create", lambda: us.create(
            "drift-user", "Drift-pass1!", organization=2, roles=[5]), _record)
        x("UserClient.user.get", lambda: us.get(user["id"]), lambda r: r["username"])
        x("UserClient.user.get_own_user", us.get_own_user, lambda r: r["username"] == "admin")
        x("UserClient.user.list", lambda: us.list(organization=2), _page)
        x("UserClient.user.update", lambda: us.update(user["id"], roles=[4]),
          lambda r: r["id"] == user["id"])
        robot = x("UserClient.user.create (service account)", lambda: us.create(
            "drift-robot", organization=2, roles=[5], is_service_account=True),
                  lambda r: r.get("client_secret"))
        r_ = root.role
        role = x("UserClient.role.create", lambda: r_.create("drift-role", "d", [21], 2),
                 _record)
        x("UserClient.role.get", lambda: r_.get(role["id"]), lambda r: r["name"] == "drift-role")
        x("UserClient.role.list", lambda: r_.list(organization=2), _page)
        x("UserClient.role.update",  # with every argument: the 5.0.3 client needs them all
          lambda: r_.update(role["id"], name="drift-role", description="e", rules=[21]),
          lambda r: r["description"] == "e")
        x("UserClient.rule.get", lambda: root.rule.get(1), lambda r: r["name"] == "node")
        x("UserClient.rule.list", lambda: root.rule.list(scope="global"), _page)
        s = root.study
        study = x("UserClient.study.create", lambda: s.create("drift-study", [2, 3], 1), _record)
        x("UserClient.study.get", lambda: s.get(study["id"]), lambda r: r["name"])
        x("UserClient.study.list", lambda: s.list(collaboration=1), _page)
        x("UserClient.study.update", lambda: s.update(study["id"], name="drift-study2"),
          lambda r: r["name"] == "drift-study2")
        x("UserClient.study.remove_organization", lambda: s.remove_organization(3, study["id"]),
          lambda r: isinstance(r, list))
        x("UserClient.study.add_organization", lambda: s.add_organization(3, study["id"]),
          lambda r: isinstance(r, list))

        # the compute path: a researcher of example_org1, signed in through the device flow
        net.keycloak.realm("vantage6").device_user = "john-doe"
        john = signed_in(hq, auth)
        john.setup_collaboration(1)
        ss = john.session
        session = x("UserClient.session.create", lambda: ss.create(scope="own", name="drift"),
                    _record)
        x("UserClient.session.get", lambda: ss.get(session["id"]), _record)
        x("UserClient.session.list", ss.list, _page)
        x("UserClient.session.update",  # always refused: it sends "scope": null (as on HQ)
          lambda: ss.update(session["id"], name="drift2"),
          lambda r: r["errors"] == {"scope": ["Field may not be null."]})
        d = john.dataframe
        df = x("UserClient.dataframe.create", lambda: extract(john, session["id"]), _record)
        x("UserClient.dataframe.get", lambda: d.get(df["id"]), lambda r: r["ready"])
        x("UserClient.dataframe.list", lambda: d.list(session=session["id"]), _page)
        x("UserClient.session.dataframes", lambda: ss.dataframes(session["id"]), _page)
        x("UserClient.session.tree", ss.tree, _silent)
        x("UserClient.session.task_tree", lambda: ss.task_tree(session["id"]), _silent)
        # (the 5.0.3 client fetches /session/<dataframe id> first: ids 1 and 1 line up here)
        net.vantage6.algorithms.register(STEPS, "tests.algorithms.misbehaving5")
        x("UserClient.dataframe.preprocess", lambda: d.preprocess(
            df["id"], STEPS, "add_column", {"name": "one", "value": 1.0}),
          lambda r: r["last_session_task"]["action"] == "preprocessing")
        t = john.task
        task = x("UserClient.task.create", lambda: t.create(
            organizations=[2], name="drift", image=IMAGE, description="d",
            method="central_average", arguments={"column_name": "age"}, session=session["id"],
            databases=df["id"], action="central_compute"), _record)
        x("UserClient.wait_for_task_completion",
          lambda: john.wait_for_task_completion(john.request, task["id"], interval=0.01),
          lambda r: True)
        x("UserClient.wait_for_results", lambda: john.wait_for_results(task["id"], 0.01),
          lambda r: len(r["data"]) == 1)
        x("UserClient.task.get", lambda: t.get(task["id"]), lambda r: r["status"])
        x("UserClient.task.list", lambda: t.list(session=session["id"]), _page)
        runs = x("UserClient.run.from_task", lambda: john.run.from_task(task["id"]), _page)
        run_id = runs["data"][0]["id"]
        x("UserClient.run.get", lambda: john.run.get(run_id), lambda r: r["id"] == run_id)
        x("UserClient.run.list", lambda: john.run.list(task=task["id"]), _page)
        x("UserClient.result.from_task", lambda: john.result.from_task(task["id"]), _page)
        x("UserClient.result.get", lambda: john.result.get(run_id), lambda r: "average" in r)
        x("UserClient.task.kill", lambda: t.kill(task["id"]), _silent)
        x("UserClient.task.delete", lambda: t.delete(task["id"]), _silent)
        x("UserClient.dataframe.delete", lambda: d.delete(df["id"]), _silent)
        x("UserClient.session.delete",
          lambda: ss.delete(session["id"], delete_dependents=True), lambda r: True)

        # a service account, and the deletes
        from vantage6.client import UserClient

        with contextlib.redirect_stdout(io.StringIO()):
            bot = UserClient(hq, auth, log_level="critical")
        x("UserClient.initialize_service_account", lambda: bot.initialize_service_account(
            robot["client_secret"], username="drift-robot"), lambda r: bot.is_service_account)
        x("UserClient.authenticate_service_account", bot.authenticate_service_account,
          lambda r: bot._access_token)
        x("UserClient.request (service account)", lambda: bot.request("session"), _page)
        x("UserClient.study.delete", lambda: s.delete(study["id"]), _silent)
        x("UserClient.role.delete", lambda: r_.delete(role["id"]), _silent)
        x("UserClient.user.delete", lambda: us.delete(user["id"]), _silent)
        x("UserClient.node.delete", lambda: n.delete(node["id"]), _silent)
        x("UserClient.collaboration.delete",
          lambda: c.delete(col["id"], delete_dependents=True), _silent)
        x("UserClient.organization.delete",
          lambda: o.delete(org["id"], delete_dependents=True), _silent)

        # the AlgorithmClient, through node 2's proxy with a central task's container token
        ac_study = s.create("drift-ac-study", [2, 3], 1)
        ac = algorithm_client(net, john)
        x("AlgorithmClient.organization.list", ac.organization.list, lambda r: len(r) == 3)
        x("AlgorithmClient.organization.get", lambda: ac.organization.get(2),
          lambda r: r["id"] == 2)
        x("AlgorithmClient.collaboration.get", ac.collaboration.get, lambda r: r["id"] == 1)
        x("AlgorithmClient.study.get", lambda: ac.study.get(ac_study["id"]),
          lambda r: r["id"] == ac_study["id"])
        sub = x("AlgorithmClient.task.create", lambda: ac.task.create(
            method="partial_average", arguments={"column_name": "age"}, organizations=[2, 3]),
                _record)
        x("AlgorithmClient.task.get", lambda: ac.task.get(sub["id"]), _record)
        x("AlgorithmClient.wait_for_task_completion",
          lambda: ac.wait_for_task_completion(ac.request, sub["id"], interval=0.01),
          lambda r: True)
        x("AlgorithmClient.wait_for_results", lambda: ac.wait_for_results(sub["id"], 0.01),
          lambda r: len(r) == 2)
        x("AlgorithmClient.result.from_task", lambda: ac.result.from_task(sub["id"]),
          lambda r: {p["count"] for p in r} <= {120, 85})
        x("AlgorithmClient.run.from_task", lambda: ac.run.from_task(sub["id"]),
          lambda r: len(r) == 2)
        x("AlgorithmClient.run.get", lambda: ac.run.get(ac.run.from_task(sub["id"])[0]["id"]),
          _record)
        x("AlgorithmClient.check_if_blob_store_enabled", ac.check_if_blob_store_enabled,
          lambda r: r is False)
        x("AlgorithmClient.request", lambda: ac.request("version"), lambda r: r["version"])
    missing = served - x.ok
    assert sorted(missing) == [], "served but not exercised here"


def algorithm_client(net: Network, john):
    """An AlgorithmClient as a central container on node 2 gets it: a container token for a
    central task that is still running (its node offline), the node proxy as its HQ."""
    from vantage6.algorithm.client import AlgorithmClient

    node = net.nodes.of(organization=2)
    session = john.session.create(scope="own", name="drift-ac")
    df = extract(john, session["id"])
    node.go_offline()
    with contextlib.redirect_stdout(io.StringIO()):
        task = john.task.create(organizations=[2], name="c", image=IMAGE, description="",
                                method="central_average", arguments={"column_name": "age"},
                                session=session["id"], databases=df["id"],
                                action="central_compute")
    status, body = node._request("POST", "/token/container", {"task_id": task["id"],
                                                               "image": IMAGE})
    assert status == 200, body
    node.go_online(sync=False)  # its central run stays pending: the task, and the token, live
    address = net.nodes.proxy_address(node.id, "in-process")
    return AlgorithmClient(body["container_token"],
                           f"{address.host}:{address.port}{address.api_path}")


@pytest.fixture(autouse=True)
def _quiet_logs(caplog):
    caplog.set_level("CRITICAL")
