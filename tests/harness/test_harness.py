"""The harness users touch in Python: simulate(), reset(), inspection, the event trace, the
realistic lifecycle on a simulated clock, fault injection (in code and over HTTP) and privacy
checks. The real UserClient drives everything."""
from __future__ import annotations

import datetime as dt
import time

import httpx
import pandas as pd
import pytest
import requests

from simulator import Clock, Network, simulate
from simulator.core import virtual_time
from simulator.transports.interception import INTERCEPTOR, origin_of
from tests.helpers import (IMAGE, JOHN, RESEARCHER, create_task, decoded_results, federation,
                           make_client, quiet, run_task)

START = dt.datetime(2026, 1, 5, 9, 0, 0, tzinfo=dt.timezone.utc)
FRAMES = [pd.DataFrame({"age": [30, 40, 50, 60, 70, 80], "group": list("aabbcc")}),
          pd.DataFrame({"age": [21, 33, 45, 57, 69, 81, 93], "group": list("aaabbbc")})]


def seconds_since(net: Network, at: dt.datetime) -> float:
    return (at - START).total_seconds()


# ---------------------------------------------------------------------------- simulate, reset
def test_simulate_as_context_manager_and_decorator():
    origin = origin_of("http://vantage6.test:7601")
    with simulate("demo") as net:
        assert requests.get(f"{net.api_url}/version").json() == {"version": "4.15.2"}
        assert origin in INTERCEPTOR._handlers
    assert origin not in INTERCEPTOR._handlers  # switched off again

    seen = []

    @simulate("demo", lifecycle="realistic")
    def decorated():
        seen.append(requests.get("http://vantage6.test:7601/api/health").json())

    decorated()
    decorated()  # a fresh network each call
    assert seen == [{"database": True}] * 2
    assert origin not in INTERCEPTOR._handlers


def test_reset_gives_back_the_scenarios_first_state(tmp_path):
    with federation(tmp_path, FRAMES) as net, net.intercept():
        old_token = net.login(*RESEARCHER)
        res = make_client(*RESEARCHER)
        run_task(res, "partial_average", [2, 3], column_name="age")
        net.faults.crash(organization=2)
        net.privacy.enable()
        assert len(net.tasks()) == 1 and net.events.events("run_finished")

        net.reset()
        assert net.tasks() == [] and net.runs() == []
        assert [e.name for e in net.events.events()] == ["node-online", "node-online"]
        assert net.faults.list() == [] and not net.privacy.enabled
        refused = net.request("GET", "/api/task", token=old_token)
        # a new server with a new secret: the old token's signature no longer verifies
        assert (refused.status, refused.get_json()) == (
            422, {"msg": "Signature verification failed"})
        res = make_client(*RESEARCHER)  # the same interception answers from the new state
        _, results = run_task(res, "partial_average", [2], column_name="age")
        assert list(decoded_results(results).values()) == [{"sum": 330.0, "count": 6}]


def test_inspection_of_tasks_runs_results_and_node_data(tmp_path):
    with federation(tmp_path, FRAMES) as net, net.intercept():
        res = make_client(*RESEARCHER)
        task, _ = run_task(res, "central_average", [2], column_name="age")
        tasks = net.tasks()
        assert [(t["id"], t["parent_id"], t["status"], t["organization_ids"]) for t in tasks] == [
            (task["id"], None, "completed", [2]), (task["id"] + 1, task["id"], "completed", [2, 3])]
        assert net.results(task["id"]) == {2: {"average": pytest.approx(729 / 13)}}
        assert net.results(task["id"] + 1) == {2: {"sum": 330.0, "count": 6},
                                               3: {"sum": 399.0, "count": 7}}
        runs = net.runs(task["id"] + 1)
        assert [(r["organization_id"], r["status"]) for r in runs] == [(2, "completed"),
                                                                       (3, "completed")]
        node = net.nodes.of(organization=3)
        pd.testing.assert_frame_equal(node.data("default"), FRAMES[1])
        assert node.cache.parses == 1  # the run parsed it; data() reused the parse


def test_the_event_trace_follows_a_task_on_the_simulated_clock():
    with Network.from_scenario("demo", clock=Clock(start=START), lifecycle="realistic") as net, \
            net.intercept():
        client = make_client(*JOHN)
        task, _ = run_task(client, "partial_average", [2, 3], column_name="age")
        trace = [(e.name, e.data.get("run_id"), seconds_since(net, e.at))
                 for e in net.events.events()
                 if e.name in ("task_created", "run_assigned", "run_started", "run_finished")]
        assert trace == [("task_created", None, 0.0), ("run_assigned", 1, 0.0),
                         ("run_assigned", 2, 0.0), ("run_started", 1, 1.0), ("run_started", 2, 1.0),
                         ("run_finished", 1, 8.0), ("run_finished", 2, 8.0)]
        (finished,) = [e for e in net.events.events("run_finished") if e.data["run_id"] == 1]
        assert finished.data == {"run_id": 1, "task_id": task["id"], "organization_id": 2,
                                 "status": "completed"}


# ---------------------------------------------------------------------------- realistic lifecycle
def test_runs_step_through_their_phases_as_the_clock_advances():
    with Network.from_scenario("demo", clock=Clock(start=START), lifecycle="realistic") as net, \
            net.intercept():
        client = make_client(*JOHN)
        task = create_task(client, "partial_average", [2], column_name="age")
        run = lambda: client.run.from_task(task["id"])["data"][0]  # noqa: E731
        seen = [(run()["status"], run()["started_at"] is not None)]
        for step in (1, 2, 5):
            net.clock.advance(step)
            seen.append((run()["status"], run()["started_at"] is not None))
        # picked up at 1 s ("initializing" inside the node: still pending with a start time on
        # the server, as a real node reports it), active at 3 s, completed at 8 s
        assert seen == [("pending", False), ("pending", True), ("active", True),
                        ("completed", True)]
        assert [e.name for e in net.events.events() if e.name == "run_initializing"] == [
            "run_initializing"]
        assert client.task.get(task["id"])["status"] == "completed"


def test_wait_for_results_in_realistic_mode_never_really_sleeps(monkeypatch):
    real_sleeps = []
    monkeypatch.setattr(virtual_time, "_real_sleep", lambda s: real_sleeps.append(s))
    with Network.from_scenario("demo", clock=Clock(start=START), lifecycle="realistic") as net, \
            net.intercept():
        client = make_client(*JOHN)
        task = create_task(client, "central_average", [2], column_name="age")
        wall = time.perf_counter()
        results = quiet(client.wait_for_results, task["id"])
        wall = time.perf_counter() - wall
    assert real_sleeps == []  # every sleep of the client and of the central function was virtual
    assert wall < 1.0
    # central: picked up 1 s, active 3 s; its subtask's runs finish at 3 + 8 = 11 s; the central
    # function polls (sleeping 1, 1.5, 2.25, 3.375 s) until 11.125 s and finishes 5 s later
    assert seconds_since(net, net.clock.now()) >= 16.125
    (result,) = decoded_results(results).values()
    assert result["average"] == pytest.approx(52.23661971830986)


def test_per_node_speed(tmp_path):
    with federation(tmp_path, FRAMES, nodes={1: {"speed": 2.0}}, clock=Clock(start=START),
                    lifecycle="realistic") as net, net.intercept():
        res = make_client(*RESEARCHER)
        run_task(res, "partial_average", [2, 3], column_name="age")
        finished = {e.data["organization_id"]: seconds_since(net, e.at)
                    for e in net.events.events("run_finished")}
        assert finished == {2: 8.0, 3: 4.0}  # 1 + 2 + 5 s, and half of that


# ---------------------------------------------------------------------------- faults
def test_an_injected_crash_looks_like_an_algorithm_crash(tmp_path):
    with federation(tmp_path, FRAMES) as net, net.intercept():
        res = make_client(*RESEARCHER)
        net.faults.crash(organization=3, message="disk full")
        task, _ = run_task(res, "partial_average", [2, 3], column_name="age")
        runs = {r["organization"]["id"]: r for r in res.run.from_task(task["id"])["data"]}
        assert runs[2]["status"] == "completed"
        assert runs[3]["status"] == "crashed"
        assert ("error > Error encountered while calling partial_average: disk full"
                in runs[3]["log"])
        assert "RuntimeError: disk full" in runs[3]["log"]
        task, _ = run_task(res, "partial_average", [3], column_name="age")  # only once
        assert res.task.get(task["id"])["status"] == "completed"


def test_server_errors_on_the_nth_call_change_nothing(tmp_path):
    with federation(tmp_path, FRAMES) as net, net.intercept():
        token = net.login(*RESEARCHER)
        headers = {"Authorization": f"Bearer {token}"}
        net.faults.server_error(path="^/api/organization$", method="GET", nth=2)
        statuses = [requests.get(f"{net.api_url}/organization", headers=headers)
                    for _ in range(3)]
        assert [r.status_code for r in statuses] == [200, 500, 200]
        assert statuses[1].json() == {"msg": "An unexpected error occurred on the server!"}
        net.faults.server_error(path="^/api/task$", method="POST")
        res = make_client(*RESEARCHER)
        # the real client refreshes its token and sends the POST again after any error status
        task = res.task.create(organizations=[2], name="t", image=IMAGE, description="",
                               collaboration=1, databases="default",
                               input_={"method": "partial_average",
                                       "kwargs": {"column_name": "age"}})
        assert task["id"] == 1 and len(net.tasks()) == 1  # the refused POST created nothing


@pytest.mark.parametrize("path, content_type, body", [
    ("/api/version", "application/json", b'{"msg": "An unexpected error occurred on the server!"}'),
    ("/st4sd/rs/info", "application/json", b'{"message": "Internal Server Error"}'),
    ("/papi/v1/catalog/modules", "text/plain; charset=utf-8", b"Internal Server Error"),
    ("/realms/vantage6/.well-known/openid-configuration", "application/json",
     b'{"error": "unknown_error"}'),
])
def test_an_injected_server_error_is_the_serving_platforms_own_500(path, content_type, body):
    net = Network.from_scenario("demo")
    net.faults.server_error(path="^" + path.replace(".", r"\.") + "$")
    with net.intercept():
        refused = requests.get(net.url + path)
        again = requests.get(net.url + path)
    assert (refused.status_code, refused.headers["Content-Type"], refused.content) == (
        500, content_type, body)
    assert again.status_code != 500  # times=1: the next call is answered as usual


def test_the_control_plane_and_the_node_proxy_are_never_faulted():
    net = Network.from_scenario("demo")
    net.faults.server_error(path=".*", times=5)
    with net.intercept():
        assert requests.get(f"{net.url}/_simulator").status_code == 200
        # the proxy's own route table answers (404 for an unknown node), not the fault
        assert requests.get(f"{net.url}/_simulator/nodes/999/proxy/version").status_code == 404
        assert requests.get(f"{net.api_url}/version").status_code == 500
    assert net.faults.list()[0].fired == 1


def test_dropped_connections_raise_each_librarys_error(tmp_path):
    with federation(tmp_path, FRAMES) as net:
        net.faults.drop_connection(path="/api/version", times=3)
        with net.intercept():
            with pytest.raises(requests.exceptions.ConnectionError, match="Connection aborted"):
                requests.get(f"{net.api_url}/version")
            with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected"):
                httpx.get(f"{net.api_url}/version")
        server = net.serve(port=0)
        try:
            with pytest.raises(requests.exceptions.ConnectionError):
                requests.get(f"{server.url}/api/version")
            assert requests.get(f"{server.url}/api/version").json() == {"version": "4.15.2"}
        finally:
            server.stop()


def test_how_many_faults_the_real_userclient_sees(tmp_path):
    """vantage6-client 4.15.2's ``request()``: an answer over 210 makes it refresh its token and
    send the call once more; a connection error is retried (after ``time.sleep(1)``) without
    end. So ``times=1`` is invisible to it, ``times=2`` on the call's own path shows the error,
    and a fault on every path (the default ``.*``) also fails the token refresh."""
    with federation(tmp_path, FRAMES, clock=Clock(start=START), lifecycle="realistic") as net, \
            net.intercept():  # a simulated clock: the client's sleep(1) moves it, nothing waits
        client = make_client(*RESEARCHER)
        net.faults.server_error(path="^/api/organization/2$", times=1)
        assert client.organization.get(2)["id"] == 2                       # retried: unseen
        net.faults.server_error(path="^/api/organization/2$", times=2)
        assert client.organization.get(2) == {
            "msg": "An unexpected error occurred on the server!"}           # seen
        net.faults.server_error(times=2)                                     # any path
        with pytest.raises(Exception, match="Authentication Error!"):
            client.organization.get(2)                                       # the refresh fails
        net.faults.drop_connection(path="^/api/organization/2$", times=5)
        before = net.clock.now()
        assert client.organization.get(2)["id"] == 2                        # retried 5 times
        assert (net.clock.now() - before).total_seconds() >= 5


def test_a_slow_node_in_the_realistic_lifecycle(tmp_path):
    with federation(tmp_path, FRAMES, clock=Clock(start=START), lifecycle="realistic") as net, \
            net.intercept():
        net.faults.slow(organization=3, factor=4)
        res = make_client(*RESEARCHER)
        run_task(res, "partial_average", [2, 3], column_name="age")
        finished = {e.data["organization_id"]: seconds_since(net, e.at)
                    for e in net.events.events("run_finished")}
        assert finished == {2: 8.0, 3: 32.0}


def test_the_control_plane_over_http(tmp_path):
    with federation(tmp_path, FRAMES, clock=Clock(start=START), lifecycle="realistic") as net:
        server = net.serve(port=0)
        control = f"{server.url}/_simulator"
        try:
            assert "POST   /_simulator/reset" in " ".join(requests.get(control).json()["routes"])
            fault = requests.post(f"{control}/faults", json={"kind": "node_offline",
                                                             "organization": 3})
            assert fault.status_code == 201 and fault.json()["organization_id"] == 3
            res = make_client(*RESEARCHER, url="http://127.0.0.1", port=server.port)
            task = res.task.create(organizations=[2, 3], name="t", image=IMAGE, description="",
                                   collaboration=1, databases="default",
                                   input_={"method": "partial_average",
                                           "kwargs": {"column_name": "age"}})
            advanced = requests.post(f"{control}/clock/advance", json={"seconds": 10}).json()
            assert advanced["now"] == "2026-01-05T09:00:10"
            state = requests.get(f"{control}/state").json()
            assert [(r["organization_id"], r["status"]) for r in state["vantage6"]["runs"]] == [
                (2, "completed"), (3, "pending")]
            assert [n["online"] for n in state["vantage6"]["nodes"]] == [True, False]
            requests.post(f"{control}/faults", json={"kind": "node_online", "organization": 3})
            requests.post(f"{control}/clock/advance", json={"seconds": 10})
            assert res.task.get(task["id"])["status"] == "completed"
            finished = requests.get(f"{control}/events", params={"name": "run_finished"}).json()
            assert [e["data"]["organization_id"] for e in finished["events"]] == [2, 3]
            bad = requests.post(f"{control}/faults", json={"kind": "meteor"})
            assert bad.status_code == 400 and "unknown fault kind 'meteor'" in bad.json()["msg"]
            assert requests.delete(f"{control}/faults").json() == {"msg": "no faults are set"}
            assert requests.post(f"{control}/reset").status_code == 200
            assert requests.get(f"{control}/state").json()["vantage6"]["tasks"] == []
            assert requests.get(f"{control}/nope").status_code == 404
        finally:
            server.stop()


# ---------------------------------------------------------------------------- privacy
@pytest.mark.parametrize("method,kwargs,kind,detail", [
    ("leak_records", {}, "row_level", "result holds 3 records with columns of the data"),
    ("leak_column", {"column": "age"}, "row_level", "result holds the whole column 'age'"),
    ("small_counts", {"column": "group"}, "small_count",
     "result['value_counts']['a'] = 2 is below the minimum cell size of 5"),
])
def test_privacy_checks_name_the_run(tmp_path, method, kwargs, kind, detail):
    with federation(tmp_path, FRAMES, nodes={}) as net, net.intercept():
        net.privacy.enable(min_cell_size=5)
        res = make_client(*RESEARCHER)
        task, _ = run_task(res, method, [2], image="test/misbehaving", **kwargs)
        found = [v for v in net.privacy.violations if v.kind == kind]
        assert found and found[0].detail == detail
        assert (found[0].run_id, found[0].task_id, found[0].organization_id) == (
            1, task["id"], 2)
        with pytest.raises(AssertionError, match=r"run 1 \(task 1, organization 2\)"):
            net.privacy.assert_clean()


def test_privacy_checks_are_opt_in_and_quiet_on_aggregates(tmp_path):
    with federation(tmp_path, FRAMES) as net, net.intercept():
        res = make_client(*RESEARCHER)
        run_task(res, "leak_records", [2], image="test/misbehaving")
        assert net.privacy.violations == []  # not enabled
        net.privacy.enable(min_cell_size=5)
        run_task(res, "partial_average", [2, 3], column_name="age")  # counts 6 and 7: fine
        net.privacy.assert_clean()
