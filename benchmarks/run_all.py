"""Every benchmark, from one command, as one table (the README keeps its latest output).

usage:  python benchmarks/run_all.py [--quick] [--oracle http://127.0.0.1:7601/api]

Without ``--oracle`` the real vantage6 server is started for the latency reference when it is
installed (``$V6_ORACLE_PYTHON``, or the oracle virtualenv at ``~/.cache/v6-oracle/venv``, with
``tools/oracle/serve.py`` or ``../shared/oracle/serve.py``); otherwise those rows say so.
``--quick`` makes every benchmark smaller (for a smoke run; figures are then not comparable).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_central_average  # noqa: E402
import bench_client_latency  # noqa: E402
import bench_mock_client  # noqa: E402
import bench_network_setup  # noqa: E402
import bench_scale  # noqa: E402
import bench_st4sd  # noqa: E402


@contextlib.contextmanager
def oracle(url: Optional[str], port: int = 7655) -> Iterator[Optional[str]]:
    """A real vantage6 server for the reference rows: the given one, or one started here."""
    if url:
        yield url
        return
    python = os.environ.get("V6_ORACLE_PYTHON") or str(
        Path.home() / ".cache" / "v6-oracle" / "venv" / "bin" / "python")
    serve = next((p for p in (ROOT / "tools" / "oracle" / "serve.py",
                              ROOT.parent / "shared" / "oracle" / "serve.py") if p.exists()), None)
    if not Path(python).exists() or serve is None:
        yield None
        return
    process = subprocess.Popen([python, str(serve), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 120
        for line in process.stdout:
            if line.startswith("READY"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the oracle did not start")
        yield f"http://127.0.0.1:{port}/api"
    finally:
        process.terminate()
        process.wait(timeout=30)


def v5_python() -> Optional[str]:
    """The Python 3.13 virtualenv with the vantage6 5.x tools (tools/v5/install.sh, which
    reuses a finished install; ``V6_V5_VENV`` picks another one)."""
    done = subprocess.run(["bash", str(ROOT / "tools" / "v5" / "install.sh")],
                          capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    return lines[-1] if done.returncode == 0 and lines else None


def mock_network_row(repeat: int) -> tuple[str, str, str, str]:
    """bench_mock_network.py in the 5.x virtualenv (this one has the 4.x tools)."""
    what = ("5.x round trip (dataframe.create + central_average, 3 organizations x 1,000 "
            "rows): MockNetwork drop-in vs vantage6's")
    python = v5_python()
    if python is None:
        return what, "no 5.x virtualenv (tools/v5/install.sh failed)", "<= 2x", "no"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's simulator
    done = subprocess.run([python, str(HERE / "bench_mock_network.py"), "--repeat", str(repeat)],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    lines = {line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")[1:]]
             for line in done.stdout.splitlines() if line.startswith("| ")}
    if "ratio" not in lines:
        return what, f"failed: {(done.stdout + done.stderr)[-300:]}", "<= 2x", "no"
    sim, mock, ratio = lines["simulator drop-in"], lines["vantage6 MockNetwork"], lines["ratio"]
    return (what, f"{sim[1]} vs {mock[1]}: {ratio[1]} (with the network built: {sim[2]} vs "
                  f"{mock[2]}, {ratio[2]})", "<= 2x",
            "yes" if float(ratio[1].rstrip("x")) <= 2 else "no")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oracle", help="a running real server, e.g. http://127.0.0.1:7601/api")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    q = args.quick
    rows: list[tuple[str, str, str, str]] = []  # benchmark, figure, goal, met

    with oracle(args.oracle) as url:
        latency = bench_client_latency.run(300 if q else 3000, url)
    real = latency.get("real vantage6-server 4.15.2")
    for path, goal in (("simulator, in process", 25), ("simulator, server mode", 8)):
        ms = latency[path] / 1000
        if real:
            ratio = real / latency[path]
            rows.append((f"UserClient organization.get, {path}",
                         f"{ms:.3f} ms vs real {real / 1000:.1f} ms: {ratio:.1f}x faster",
                         f">= {goal}x faster", "yes" if ratio >= goal else "no"))
        else:
            rows.append((f"UserClient organization.get, {path}", f"{ms:.3f} ms",
                         f">= {goal}x faster", "no real server to compare"))
    own = latency["simulator's own cost in server mode"] / 1000
    floor = latency["server mode floor (canned body, same server)"] / 1000
    rows.append(("server mode: the simulator's own cost per call above the floor (the same "
                 "server answering a canned body)",
                 f"{own:.3f} ms ({latency['simulator, server mode'] / 1000:.3f} ms vs floor "
                 f"{floor:.3f} ms)", "<= 0.2 ms", "yes" if own <= 0.2 else "no"))

    for rows_per_org, goal in ((1000, 2.0), (10_000 if q else 100_000, 1.2)):
        m = bench_central_average.measure(rows_per_org, 5 if q else 15)
        ratio = m["simulator"] / m["mock"]
        rows.append((f"central_average, 3 organizations x {rows_per_org:,} rows",
                     f"{m['simulator'] * 1000:.1f} ms vs MockAlgorithmClient "
                     f"{m['mock'] * 1000:.1f} ms: {ratio:.2f}x; CSV parses per node "
                     f"{m['parses']}", f"<= {goal}x", "yes" if ratio <= goal else "no"))

    f = bench_scale.federation(100 if q else 1000)
    total, algorithms = f["second"]
    rows.append((f"{f['organizations']:,} organizations, partial_average to all (warm)",
                 f"{total:.2f} s, of which algorithms {algorithms:.2f} s: simulator "
                 f"{total - algorithms:.2f} s (first task {f['first'][0]:.2f} s, of which "
                 f"algorithms {f['first'][1]:.2f} s)", "<= 2 s + algorithm time",
                 "yes" if total - algorithms <= 2 else "no"))
    rows.append(("memory per idle node", f"{f['idle_kb_per_node']:.1f} KB", "<= 50 KB",
                 "yes" if f["idle_kb_per_node"] <= 50 else "no"))

    b = bench_scale.big_data(100_000 if q else 1_000_000)
    rows.append((f"{b['rows']:,} rows per node, 2 nodes: first run vs later runs",
                 f"{b['first_s']:.2f} s vs {b['later_s'] * 1000:.0f} ms; parses {b['parses']}",
                 "parse once", "yes" if b["parses"] == [1, 1] else "no"))

    demo = bench_network_setup.Scenario.load("demo")
    setup = bench_network_setup.median_ms(lambda: bench_network_setup.Network(demo).close(),
                                          200 if q else 2000)
    rows.append(("fresh demo network (what v6_network builds)", f"{setup:.2f} ms", "<= 5 ms",
                 "yes" if setup <= 5 else "no"))

    threads, calls = (8, 50) if q else (32, 200)
    load = bench_scale.load(threads, calls)
    clean = not any(load[k] for k in ("lost", "duplicated", "unfinished", "missing_results",
                                      "errors"))
    rows.append((f"server mode, {threads} clients x {calls} mixed calls",
                 f"{load['per_second']:.0f} calls/s; {load['tasks']} tasks: lost "
                 f"{load['lost']}, duplicated {load['duplicated']}, unfinished "
                 f"{load['unfinished']}, errors {load['errors']}", "nothing lost or duplicated",
                 "yes" if clean else "no"))

    mock_rounds = 2 if q else 5
    mock_line = subprocess.run([sys.executable, str(HERE / "bench_mock_client.py"), "--rounds",
                                str(mock_rounds)], capture_output=True, text=True, cwd=ROOT)
    ratio_line = next((line for line in mock_line.stdout.splitlines()
                       if line.startswith("| ratio")), None)
    if ratio_line is None:
        rows.append(("an algorithm's mock-based test module: drop-in vs vantage6's mock",
                     f"failed: {mock_line.stdout[-300:]}", "<= 1.5x (session)", "no"))
    else:
        tests_only, session = (cell.strip() for cell in ratio_line.strip("|").split("|")[1:3])
        rows.append(("an algorithm's mock-based test module: drop-in vs vantage6's mock",
                     f"session {session} (tests only {tests_only})", "<= 1.5x (session)",
                     "yes" if float(session.rstrip("x")) <= 1.5 else "no"))

    rows.append(mock_network_row(5 if q else 15))
    st4sd = bench_st4sd.run(1 if q else 3)
    for runtime, what in (("interpreter", "in-process interpreter"),
                          ("elaunch", "real elaunch.py (st4sd-runtime-core 2.7.0)")):
        rows.append((f"ST4SD sum-numbers, push to finished, {what}", f"{st4sd[runtime]:.2f} s",
                     "reported (no goal)", "-"))

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; command: python benchmarks/run_all.py"
          f"{' --quick' if q else ''}")
    print("| benchmark | measured (one run) | goal | met |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
