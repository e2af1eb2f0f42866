"""The vantage6 5.x part of ``python -m simulator demo``: the real 5.0.3 UserClient signs in
with the device flow at the simulated Keycloak, opens a session, extracts a dataframe from every
node's CSV and runs the demo average on it (``central_average``, which sends
``partial_average`` to every organization). It needs the 5.x clients (Python >= 3.13); from an
interpreter without them the demo runs this module in the 5.x virtualenv, when there is one.

    python -m simulator demo --profile 5.x
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Optional

from simulator.network import Network

IMAGE = "harbor2.vantage6.ai/demo/average"
COLUMN = "age"
VENV = Path(__file__).resolve().parent.parent / ".venv-v5"


def has_5x_clients() -> bool:
    try:
        return metadata.version("vantage6-client").startswith("5.")
    except metadata.PackageNotFoundError:
        return False


def run_v5_demo(scenario: str = "demo", execution: Optional[str] = None) -> float:
    """The 5.x flow in this interpreter; returns the federated mean."""
    from vantage6.client import UserClient

    with Network.from_scenario(scenario, execution=execution, profile="5.x") as network, \
            network.intercept():
        hq_url = network.url + network.vantage6.api_path
        with contextlib.redirect_stdout(io.StringIO()):  # the client's banner
            client = UserClient(hq_url, network.url, log_level="error")
            client.authenticate()  # the device flow, approved by the realm as the first user
        version = client.util.get_hq_version()["version"]
        print(f"\nThe same scenario in the vantage6 {version} profile (HQ at {hq_url}, Keycloak "
              f"at {network.url}/realms/vantage6):")
        print(f"Signed in with the device flow as {client.whoami.name} of "
              f"{client.whoami.organization_name}")
        client.setup_collaboration(1)
        started = time.perf_counter()
        session = client.session.create(scope="own", name="demo")
        with contextlib.redirect_stdout(io.StringIO()):
            df = client.dataframe.create(label="default", image=IMAGE, method="read_csv",
                                         arguments={}, session=session["id"], name="demo_data")
        df = client.dataframe.get(df["id"])
        print(f"Session {session['id']} '{session['name']}': dataframe '{df['name']}' extracted "
              f"on organizations {sorted(df['organizations_ready'])}, "
              f"{len({c['name'] for c in df['columns']})} columns")
        with contextlib.redirect_stdout(io.StringIO()):
            task = client.task.create(organizations=[2], name="average", image=IMAGE,
                                      description="demo", method="central_average",
                                      arguments={"column_name": COLUMN}, session=session["id"],
                                      databases=[{"dataframe_id": df["id"]}],
                                      action="central_compute")
            results = client.wait_for_results(task["id"])
        average = json.loads(results["data"][0]["result"])["average"]
        elapsed = time.perf_counter() - started
        subtask = next(t for t in network.tasks() if t["parent_id"] == task["id"])
        print(f"Task {task['id']} central_average ({elapsed * 1000:.0f} ms with the extraction):"
              f" average {average:.6f}, subtask {subtask['id']} federated_compute on every "
              "organization")
    return float(average)


def v5_mean_elsewhere(scenario: str, execution: Optional[str]) -> Optional[float]:
    """The 5.x flow in the 5.x virtualenv (tools/v5/install.sh); None when there is none."""
    python = Path(os.environ.get("V6_V5_VENV", VENV)) / "bin" / "python"
    if not python.exists():
        print("\n(vantage6 5.x: run `bash tools/v5/install.sh` to add its flow to the demo)")
        return None
    command = [str(python), "-m", "simulator.demo_v5", scenario]
    if execution:
        command.append(execution)
    done = subprocess.run(command, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    print("\n" + "\n".join(lines[:-1]))
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        raise RuntimeError("the vantage6 5.x demo failed")
    return float(lines[-1])


if __name__ == "__main__":  # in the 5.x virtualenv: print the flow, the mean on the last line
    print(run_v5_demo(*sys.argv[1:3]))
