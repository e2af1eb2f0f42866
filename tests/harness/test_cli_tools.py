"""The command line tools for algorithm developers: ``fixtures generate`` (Faker data and its
scenario) and ``run`` (one task through the server and nodes, with a report); and the hypothesis
strategies the package exports."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.datagen import MEASUREMENTS, generate
from simulator.network import Network
from simulator.strategies import data_frames, splits
from tests.helpers import decoded_results, make_client, run_task


def simulator_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True,
                          text=True, timeout=180, cwd=cwd)


# ---------------------------------------------------------------------------- fixtures generate
def test_generate_writes_deterministic_realistic_data_and_a_scenario(tmp_path):
    done = simulator_cli("fixtures", "generate", "--orgs", "3", "--rows", "400", "--seed", "42",
                         "--out", str(tmp_path / "a"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("wrote ") == 4
    again = generate(tmp_path / "b", organizations=3, rows=400, seed=42)
    other = generate(tmp_path / "c", organizations=3, rows=400, seed=7)
    for name in ("org2.csv", "org3.csv", "org4.csv", "scenario.yaml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "org2.csv").read_bytes() != (tmp_path / "c" / "org2.csv").read_bytes()

    frames = [pd.read_csv(tmp_path / "a" / f"org{i}.csv") for i in (2, 3, 4)]
    assert all(len(f) == 400 for f in frames)
    first = frames[0]
    assert list(first.columns) == ["patient_id", "age", "sex", "height_cm", "weight_kg", "bmi",
                                   "smoker", "systolic_bp", "diastolic_bp", "cholesterol",
                                   "diagnosis", "diagnosis_date", "city"]
    assert first["patient_id"].is_unique and first["age"].between(18, 98).all()
    assert set(first["sex"]) == {"F", "M"} and first["diagnosis"].nunique() >= 5
    assert all(0 < f[m].isna().mean() < 0.1 for f in frames for m in MEASUREMENTS)
    # a diagnosis date for every diagnosis and none for "none"
    assert (first["diagnosis_date"].isna() == (first["diagnosis"] == "none")).all()
    # skew: the organizations' populations differ in order
    means = [f["age"].mean() for f in frames]
    assert means[0] < means[1] < means[2]
    flat = generate(tmp_path / "d", organizations=3, rows=400, seed=42, skew=0.0)
    flat_means = [pd.read_csv(p)["age"].mean() for p in flat.files]
    assert max(flat_means) - min(flat_means) < means[2] - means[0]


def test_the_generated_scenario_runs(tmp_path):
    made = generate(tmp_path, organizations=4, rows=300, seed=3)
    pooled = pd.concat(pd.read_csv(p) for p in made.files)
    with Network.from_scenario(made.scenario) as net, net.intercept():
        client = make_client("researcher", "Researcher-pass1")
        _, results = run_task(client, "central_average", [2], column_name="age")
        (result,) = decoded_results(results).values()
        assert abs(result["average"] - pooled["age"].mean()) < 1e-9


# ---------------------------------------------------------------------------- run
def test_run_shows_runs_and_results_and_checks_the_pooled_data():
    done = simulator_cli("run", "--scenario", "demo", "--image",
                         "harbor2.vantage6.ai/demo/average", "--method", "partial_average",
                         "--kwargs", '{"column_name": "age"}', "--check-pooled")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for org in ("2 example_org1", "3 example_org2", "4 example_org3"):
        assert org in out
    assert out.count("completed") == 3
    assert 'organization 2: {"sum": 6275.0, "count": 120}' in out
    assert "partial_average on the pooled data of organizations [2, 3, 4]" in out
    assert "│ sum   │ 18544.0 │ 18544.0" in out and "│ count │ 355     │ 355" in out


def test_run_of_a_central_function_lists_its_subtasks():
    done = simulator_cli("run", "--image", "harbor2.vantage6.ai/demo/average", "--method",
                         "central_average", "--kwargs", '{"column_name": "age"}',
                         "--organizations", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "organization 2: {\"average\": 52.23661971830986}" in done.stdout
    assert done.stdout.count("completed") == 4  # the central run and its subtask's three


def test_check_pooled_of_a_central_function_runs_it_once_on_the_pooled_data():
    """Without --organizations a central function runs at one organization (its subtasks reach
    the rest); the pooled check runs it again on one organization holding everyone's rows."""
    done = simulator_cli("run", "--image", "harbor2.vantage6.ai/demo/average", "--method",
                         "central_average", "--kwargs", '{"column_name": "age"}',
                         "--check-pooled")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "central_average is a central function: running it at organization 2" in out
    assert out.count("completed") == 4 and "Traceback" not in out + done.stderr
    assert "central_average on the pooled data of organizations [2, 3, 4]" in out
    assert "│ average │ 52.23661971830986 │ 52.23661971830986 │ 0.0" in out


def test_check_pooled_is_skipped_after_a_failed_run(tmp_path):
    done = simulator_cli("run", "--image", "harbor2.vantage6.ai/demo/average", "--method",
                         "partial_average", "--kwargs", '{"column_name": "nope"}',
                         "--check-pooled")
    assert done.returncode == 1
    assert "--check-pooled skipped: a run did not complete" in done.stdout
    # the crashed run's own log, and no traceback of the command itself
    assert "run 1 (organization 2) crashed:" in done.stdout and done.stderr == ""


def test_a_bad_scenario_is_one_line_naming_the_file_and_key(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("organizations: [{id: 2, name: a}]\n"
                        "collaborations: [{id: 1, name: c, organizations: [2]}]\n"
                        "nodes: [{organisation: 2, collaboration: 1}]\n")
    done = simulator_cli("run", "--scenario", str(scenario), "--image", "x", "--method", "m")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (f"simulator: {scenario}: nodes[0]: unknown key 'organisation' (did "
                           "you mean 'organization'?)\n")
    scenario.write_text("organizations: [{id: 2, name: a\n")
    done = simulator_cli("serve", "--scenario", str(scenario), "--port", "0")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"simulator: {scenario}:2:") and "Traceback" not in done.stderr


def test_an_algorithm_is_registered_without_editing_yaml(tmp_path):
    root = str(Path(__file__).resolve().parents[2])  # tests.algorithms importable from here
    done = simulator_cli("run", "--image", "my/algo", "--module", "tests.algorithms.misbehaving",
                         "--method", "rows_and_columns", "--organizations", "2", cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"rows": 120' in done.stdout
    done = simulator_cli("fixtures", "generate", "--orgs", "2", "--rows", "20", "--out",
                         str(tmp_path / "gen"), "--algorithm",
                         "my/algo=tests.algorithms.misbehaving", cwd=root)
    assert done.returncode == 0, done.stderr
    done = simulator_cli("run", "--scenario", str(tmp_path / "gen" / "scenario.yaml"),
                         "--image", "my/algo", "--method", "rows_and_columns", cwd=root)
    assert done.returncode == 0 and done.stdout.count('"rows": 20') == 2, done.stdout


def test_an_unknown_image_or_module_is_named_with_what_is_known():
    done = simulator_cli("run", "--image", "my/unmapped", "--method", "m")
    assert done.returncode == 2
    assert ("no package for image 'my/unmapped' in the scenario (it maps: "
            "harbor2.vantage6.ai/demo/average); give --module PACKAGE") in " ".join(
                done.stdout.split())
    done = simulator_cli("run", "--image", "my/algo", "--module", "no_such_algo", "--method", "m")
    assert done.returncode == 2 and "module 'no_such_algo' cannot be imported" in " ".join(
        done.stdout.split())


def test_run_exits_non_zero_with_the_traceback_of_a_failed_run(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "organizations: [{id: 2, name: a}]\n"
        "collaborations: [{id: 1, name: c, organizations: [2]}]\n"
        f"nodes: [{{organization: 2, collaboration: 1, databases: [{{label: default, uri: "
        f"{tmp_path / 'a.csv'}}}]}}]\n"
        "users: [{username: res, password: Password1!, organization: 2, roles: [Researcher]}]\n"
        "algorithms: {test/misbehaving: tests.algorithms.misbehaving}\n")
    (tmp_path / "a.csv").write_text("age\n1\n")
    done = simulator_cli("run", "--scenario", str(scenario), "--image", "test/misbehaving",
                         "--method", "boom", "--kwargs", '{"message": "column missing"}',
                         cwd=str(Path(__file__).resolve().parents[2]))
    assert done.returncode == 1
    assert "crashed" in done.stdout
    assert "run 1 (organization 2) crashed:" in done.stdout
    assert "ValueError: column missing" in done.stdout and "Traceback" in done.stdout


# ---------------------------------------------------------------------------- strategies
@settings(max_examples=100)
@given(st.data())
def test_splits_keep_every_row_once_and_in_order(data):
    frame = data.draw(data_frames(max_rows=40))
    parts = data.draw(splits(st.just(frame), max_parts=6))
    assert 1 <= len(parts) <= 6
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), frame)
    assert list(frame.columns) == ["n", "x", "group"]
    assert frame["n"].dtype == "int64" and frame["x"].dtype == "float64"


@settings(max_examples=100)
@given(parts=splits(data_frames(min_rows=3, max_rows=40), min_parts=2, max_parts=4,
                    allow_empty=False))
def test_splits_without_empty_parts(parts):
    assert all(len(part) >= 1 for part in parts)


# ---------------------------------------------------------------------------- serve
def test_serve_cleans_up_its_folders_on_sigterm(tmp_path):
    """SIGTERM ends ``serve`` as Ctrl-C does: the nodes' run folders (inputs, outputs, container
    tokens) and ST4SD's instance folders are removed, not left in the temporary folder."""
    import os
    import signal
    import time

    import requests

    from tests.helpers import IMAGE, JOHN, b64json

    (tmp_path / "work").mkdir()
    (tmp_path / "tmp").mkdir()
    # every folder the server makes: run folders (else in /dev/shm) and temporary ones
    env = dict(os.environ, SIMULATOR_WORK_DIR=str(tmp_path / "work"), TMPDIR=str(tmp_path / "tmp"))
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--scenario", "demo",
                             "--port", "0"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        api = proc.stdout.readline().strip()
        token = requests.post(f"{api}/token/user", json=dict(zip(("username", "password"),
                                                                 JOHN))).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        task = requests.post(f"{api}/task", headers=auth, json={
            "name": "t", "image": IMAGE, "collaboration_id": 1, "databases": [{"label": "default"}],
            "organizations": [{"id": o, "input": b64json({"method": "partial_average",
                                                          "kwargs": {"column_name": "age"}})}
                              for o in (2, 3, 4)]}).json()
        deadline = time.time() + 60
        while requests.get(f"{api}/task/{task['id']}/status",
                           headers=auth).json()["status"] != "completed":
            assert time.time() < deadline
            time.sleep(0.05)
        left = [p for p in tmp_path.rglob("*") if p.name == "token"]
        assert len(left) == 3  # the runs' folders exist while the server runs
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == ["tmp", "work"]
