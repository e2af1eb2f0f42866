"""``python -m simulator run``: run one task through the whole server and node path, for an
algorithm developer at a terminal.

    python -m simulator run --scenario demo --image harbor2.vantage6.ai/demo/average \\
        --method partial_average --kwargs '{"column_name": "age"}' --check-pooled

The real UserClient logs in (the scenario's first user, or ``--user``) and creates the task for
``--organizations`` (default: every organization of the collaboration); simulated nodes run it.
Shown: progress while runs finish, a table of runs (organization, status, duration, the tail of
the log), and the results. The exit status is 1, with the failing runs' logs (tracebacks), when a
run did not complete. ``--check-pooled`` also calls the method on the pooled data of the chosen
organizations and compares that with the sum of the per-organization results.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from typing import Any, Optional

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from simulator.core.events import Event
from simulator.network import Network

LOG_TAIL = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", default="demo", help="scenario (default: bundled demo)")
    parser.add_argument("--image", required=True, help="the task's image (see the scenario's "
                                                       "algorithms)")
    parser.add_argument("--method", required=True, help="the function to call")
    parser.add_argument("--module", help="the importable package --image stands for (instead "
                                         "of an algorithms: entry in the scenario)")
    parser.add_argument("--kwargs", default="{}", help="keyword arguments, as JSON")
    parser.add_argument("--args", default="[]", help="positional arguments, as a JSON list")
    parser.add_argument("--organizations", help="comma-separated ids (default: all)")
    parser.add_argument("--collaboration", type=int, help="collaboration id (default: the "
                                                          "first of the user's organization)")
    parser.add_argument("--database", action="append", dest="databases",
                        help="database label (repeatable; default: default)")
    parser.add_argument("--user", help="username (default: the scenario's first user)")
    parser.add_argument("--password", help="password (default: from the scenario)")
    parser.add_argument("--execution", choices=("in-process", "isolated"))
    parser.add_argument("--check-pooled", action="store_true",
                        help="also run the method on the pooled data and compare")


def run(args: argparse.Namespace, console: Optional[Console] = None) -> int:
    console = console or Console()
    try:
        kwargs, positional = json.loads(args.kwargs), json.loads(args.args)
    except ValueError as exc:
        console.print(f"[red]--kwargs/--args are not JSON: {exc}")
        return 2
    if not isinstance(kwargs, dict) or not isinstance(positional, list):
        console.print("[red]--kwargs is a JSON object and --args a JSON list")
        return 2
    with Network.from_scenario(args.scenario, execution=args.execution) as net, net.intercept():
        if not _algorithm_known(net, console, args.image, args.module):
            return 2
        client = _login(net, args.user, args.password)
        collaboration = args.collaboration or _first_collaboration(net, client)
        members = _members(net, collaboration)
        central = _is_central(net, args.image, args.method)
        if args.organizations:
            organizations = [int(o) for o in args.organizations.split(",")]
        elif central:  # its subtasks reach the others; a copy per organization helps nobody
            organizations = [client.whoami.organization_id]
            if organizations[0] not in members:
                organizations = members[:1]
            console.print(f"{args.method} is a central function: running it at organization "
                          f"{organizations[0]} (--organizations chooses)")
        else:
            organizations = members
        databases = [{"label": label} for label in (args.databases or ["default"])]
        input_ = {"method": args.method, "args": positional, "kwargs": kwargs}
        task = _create_with_progress(net, client, console, organizations, collaboration,
                                     args.image, input_, databases)
        if "id" not in task:
            console.print(f"[red]the server refused the task: {task.get('msg', task)}")
            return 1
        with contextlib.redirect_stdout(io.StringIO()):  # the client's spinner
            client.wait_for_results(task["id"])
        failed = _report(net, console, task["id"])
        if args.check_pooled and failed:
            console.print("--check-pooled skipped: a run did not complete")
        elif args.check_pooled:
            # a central function's subtasks reach the collaboration: its pool is all of it
            _check_pooled(net, console, task["id"], args, members if central else organizations,
                          positional, kwargs, central)
    return 1 if failed else 0


def _algorithm_known(net: Network, console: Console, image: str, module: Optional[str]) -> bool:
    """``--module`` registers the image; without it the scenario must map it."""
    from simulator.vantage6.scenario import import_problem

    registry = net.vantage6.server.algorithms
    if module is not None:
        problem = import_problem(module)
        if problem is not None:
            console.print(f"[red]--module: {problem}")
            return False
        registry.register(image, module)
        return True
    if image in registry:
        return True
    known = ", ".join(sorted(registry.items())) or "none"
    console.print(f"[red]no package for image {image!r} in the scenario (it maps: {known}); "
                  "give --module PACKAGE, or map it under algorithms:")
    return False


def _login(net: Network, user: Optional[str], password: Optional[str]):
    from urllib.parse import urlsplit

    from vantage6.client import UserClient

    users = net.scenario.list("users") if net.scenario is not None else []
    if user is None and users:
        user, password = users[0]["username"], password or users[0]["password"]
    elif password is None:
        password = next((u["password"] for u in users if u["username"] == user), "root")
    parts = urlsplit(net.url)
    with contextlib.redirect_stdout(io.StringIO()):
        client = UserClient(f"{parts.scheme}://{parts.hostname}", parts.port or 80,
                            net.vantage6.api_path, log_level="critical")
        client.authenticate(user or "root", password or "root")
    client.setup_encryption(None)
    return client


def _first_collaboration(net: Network, client) -> int:
    org = net.vantage6.state.organizations[client.whoami.organization_id]
    if not org.collaborations:
        raise SystemExit(f"{client.whoami.name or 'the user'}'s organization is in no "
                         "collaboration; give --collaboration")
    return org.collaborations[0].id


def _members(net: Network, collaboration: int) -> list[int]:
    col = net.vantage6.state.collaborations[collaboration]
    return [org.id for org in col.organizations if col.node_of(org.id) is not None]


def _create_with_progress(net: Network, client, console: Console, organizations, collaboration,
                          image, input_, databases) -> dict:
    """Create the task; a progress bar follows runs (subtasks' too) as they finish."""
    columns = (TextColumn("[bold]runs finished"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("runs", total=len(organizations))

        def follow(event: Event) -> None:
            if event.name == "run_assigned":
                progress.update(bar, total=(progress.tasks[0].total or 0) + 1)
            elif event.name == "run_finished":
                progress.advance(bar)

        stop = net.events.subscribe(follow)
        try:
            progress.update(bar, total=0)
            return client.task.create(organizations=organizations, name=input_["method"],
                                      image=image, description="python -m simulator run",
                                      collaboration=collaboration, input_=input_,
                                      databases=databases)
        finally:
            stop()


def _report(net: Network, console: Console, task_id: int) -> list[dict]:
    table = Table(title=f"task {task_id} and its subtasks")
    for column in ("task", "run", "organization", "status", "duration", "log (tail)"):
        table.add_column(column)
    failed = []
    for family_task in _family(net, task_id):
        for run in net.runs(family_task):
            org = net.vantage6.state.organizations[run["organization_id"]]
            duration = _duration(run)
            tail = "\n".join(_said(run["log"])[-LOG_TAIL:])
            style = "green" if run["status"] == "completed" else "red"
            table.add_row(str(family_task), str(run["id"]), f"{org.id} {org.name}",
                          f"[{style}]{run['status']}", duration, tail)
            if run["status"] != "completed":
                failed.append(run)
    console.print(table)
    console.print("[bold]results")
    for org_id, result in net.results(task_id).items():
        console.print(f"  organization {org_id}: {json.dumps(result)}")
    for run in failed:
        console.print(f"\n[red]run {run['id']} (organization {run['organization_id']}) "
                      f"{run['status']}:")
        console.print(run["log"] or "(no log)", markup=False, highlight=False)
    return failed


# what wrap_algorithm and the decorators print on every run; the tail shows the rest
_BOOKKEEPING = ("info > wrapper for ", "info > Reading input file ", "info > Dispatching",
                "info > Module '", "info > Reading data from database", "info > Using '",
                "info > Applying preprocessing", "info > Writing output to ",
                "info > Reading token")


def _said(log: Optional[str]) -> list[str]:
    return [line for line in (log or "").rstrip().splitlines()
            if not line.startswith(_BOOKKEEPING)]


def _family(net: Network, task_id: int) -> list[int]:
    """A task and its subtasks (and theirs), parents first."""
    family, queue = [], [net.vantage6.state.tasks[task_id]]
    while queue:
        task = queue.pop(0)
        family.append(task.id)
        queue.extend(task.children)
    return family


def _duration(run: dict) -> str:
    import datetime as dt

    if not run["started_at"] or not run["finished_at"]:
        return "-"
    started, finished = (dt.datetime.fromisoformat(run[k]) for k in ("started_at", "finished_at"))
    return f"{(finished - started).total_seconds() * 1000:.0f} ms"


def _is_central(net: Network, image: str, method: str) -> bool:
    """A function that gets an algorithm client (``@algorithm_client``): a central function."""
    import importlib

    algorithm = net.vantage6.algorithms.resolve(image)
    if algorithm is None:
        return False
    try:
        function = getattr(importlib.import_module(algorithm.module), method, None)
    except Exception:  # the run will show why it cannot import
        return False
    return bool(getattr(function, "wrapped_in_algorithm_client_decorator", False))


def _check_pooled(net: Network, console: Console, task_id: int, args, organizations,
                  positional: list, kwargs: dict, central: bool) -> None:
    """The same task on one organization holding the pooled data of ``organizations``: its
    result against the sum of the partial results (a partial function) or against the
    federated result (a central function)."""
    import pandas as pd

    from simulator.mock_client import MockAlgorithmClient

    algorithm = net.vantage6.algorithms.resolve(args.image)
    if algorithm is None:
        console.print(f"[red]--check-pooled: no package for {args.image}")
        return
    labels = args.databases or ["default"]
    frames = [pd.concat([net.nodes.of(org).data(label) for org in organizations],
                        ignore_index=True) for label in labels]
    input_ = {"method": args.method, "args": positional, "kwargs": kwargs}
    with MockAlgorithmClient(datasets=[[{"database": frame} for frame in frames]],
                             module=algorithm.module, raise_errors=False) as pooled_network:
        pooled_task = pooled_network.task.create(input_=input_, organizations=[0])
        pooled_results = pooled_network.result.from_task(pooled_task["id"])
        if not pooled_results:
            (run,) = pooled_network.run.from_task(pooled_task["id"])
            console.print(f"[red]--check-pooled: the run on the pooled data {run['status']}:")
            console.print(run.get("log") or "(no log)", markup=False, highlight=False)
            return
    pooled = pooled_results[0]
    federated = list(net.results(task_id).values())
    reference = federated[0] if central and federated else _sum_of(federated)
    table = Table(title=f"{args.method} on the pooled data of organizations {organizations}")
    for column in ("value", "pooled", "federated result" if central
                   else "sum of the partial results", "difference"):
        table.add_column(column)
    for key, value in _leaves(pooled):
        other = dict(_leaves(reference)).get(key)
        difference = (value - other if isinstance(value, (int, float))
                      and isinstance(other, (int, float)) else "-")
        table.add_row(key, repr(value), repr(other), repr(difference))
    console.print(table)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def _sum_of(results: list) -> Any:
    """Numbers added leaf by leaf (sums and counts pool by addition; means do not)."""
    if not results:
        return None
    if all(isinstance(r, (int, float)) and not isinstance(r, bool) for r in results):
        return sum(results)
    if all(isinstance(r, dict) for r in results):
        keys = results[0].keys()
        return {k: _sum_of([r.get(k) for r in results]) for k in keys}
    return None


def _leaves(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out = []
        for key, inner in value.items():
            out += _leaves(inner, f"{prefix}.{key}" if prefix else str(key))
        return out
    return [(prefix or "result", value)]


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="simulator run")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
