"""What a downstream project writes: its tests use the simulator's fixtures, nothing else."""
import pytest
import requests

IMAGE = "harbor2.vantage6.ai/demo/average"


def average(client, organizations, method="central_average"):
    task = client.task.create(organizations=organizations, name="avg", image=IMAGE,
                              description="", collaboration=1, databases=[{"label": "default"}],
                              input_={"method": method, "kwargs": {"column_name": "age"}})
    return task, client.wait_for_results(task["id"])


def test_the_demo_average(v6_client, v6_network):
    task, results = average(v6_client, [2])
    assert results["data"][0]["result"] == '{"average": 52.23661971830986}'
    assert [t["status"] for t in v6_network.tasks()] == ["completed", "completed"]
    assert [e.name for e in v6_network.events.events("run_finished")] == ["run_finished"] * 4


def test_networks_are_fresh_for_each_test(v6_network):
    assert v6_network.tasks() == []


def test_server_mode(v6_server_url):
    assert requests.get(f"{v6_server_url}/version").json() == {"version": "4.15.2"}


@pytest.mark.v6_scenario("scenario.yaml")
@pytest.mark.v6_user("analyst", "Analyst-pass1")
def test_a_scenario_of_our_own(v6_client, v6_network):
    _, results = average(v6_client, [2])
    assert results["data"][0]["result"] == '{"average": 28.75}'


@pytest.mark.v6_scenario("demo", lifecycle="realistic")
def test_polling_on_a_simulated_clock(v6_client, v6_network):
    start = v6_network.clock.now()
    average(v6_client, [2, 3, 4], method="partial_average")
    assert (v6_network.clock.now() - start).total_seconds() >= 8  # pickup + startup + run


@pytest.mark.v6_scenario("scenario.yaml")
@pytest.mark.v6_user("analyst", "Analyst-pass1")
@pytest.mark.v6_privacy(min_cell_size=5)
def test_privacy_checks_fail_a_leaky_run(v6_client):
    average(v6_client, [2, 3], method="partial_average")  # "right" has 2 rows: count 2 < 5


def test_reports_its_world(v6_network):
    print("WORLD", sorted(o.name for o in v6_network.vantage6.state.organizations.values()))


def test_federated_mean(v6_client, v6_network):  # the README's example, word for word
    task = v6_client.task.create(organizations=[2], name="avg", image=IMAGE, description="",
                                 collaboration=1, databases=[{"label": "default"}],
                                 input_={"method": "central_average",
                                         "kwargs": {"column_name": "age"}})
    v6_client.wait_for_results(task["id"])                  # no sleeping: the runs are done
    assert v6_network.results(task["id"]) == {2: {"average": pytest.approx(52.2366197)}}
