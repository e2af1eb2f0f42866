"""Command line: ``python -m simulator <command>`` (also installed as ``simulator``).

  serve   run a network in server mode on loopback (a fresh server, or a scenario)
  demo    the seed flow on the bundled demo scenario, with the real vantage6 UserClient
  token   print an AI4EOSC PAPI access token (OIDC, RS256) for a user of a scenario
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Optional, Sequence


def _serve(args: argparse.Namespace) -> int:
    from simulator.network import Network

    options = {"nodes": args.nodes, "execution": args.execution, "profile": args.profile}
    network = (Network.from_scenario(args.scenario, **options) if args.scenario
               else Network(**options))
    try:
        server = network.serve(host=args.host, port=args.port)
    except (OSError, ValueError) as exc:
        print(f"cannot serve: {exc}", file=sys.stderr)
        return 2
    print(f"{server.url}{network.vantage6.api_path}", flush=True)
    if args.scenario:
        for setup in network.vantage6.node_setups.values():
            node = network.vantage6.state.nodes[setup.node_id]
            print(f"  node {node.id} ({node.name}): api_key {setup.api_key}", flush=True)
    # ST4SD after vantage6's lines (scripts read those first): the ExperimentRestAPI endpoint
    print(f"{server.url}{network.st4sd.prefix}", flush=True)
    for user in network.st4sd.users():
        print(f"  st4sd user {user.name}: token {user.token} api_key {user.api_key}", flush=True)
    # then PAPI: its base URL and users (their tokens come from the `token` command)
    print(f"{server.url}{network.papi.prefix}", flush=True)
    users = ", ".join(network.papi.users) or "none"
    print(f"  papi users: {users} (python -m simulator token --scenario FILE --user NAME)",
          flush=True)
    # SIGTERM (what a CI job, docker or systemd sends) ends the server as Ctrl-C does: the
    # run folders, container tokens and ST4SD instance folders go with it
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        network.close()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _demo(args: argparse.Namespace) -> int:
    from simulator.demo import run_demo

    return run_demo(args.scenario, args.execution)


def _token(args: argparse.Namespace) -> int:
    """Tokens depend only on the scenario and the network URL, so one minted here is accepted
    by ``serve`` running the same scenario in another process."""
    from simulator.network import DEFAULT_URL, Network
    from simulator.scenario import ScenarioError

    try:
        with Network.from_scenario(args.scenario, url=args.url or DEFAULT_URL,
                                   nodes="manual") as network:
            kwargs = {"expires_in": args.expires_in} if args.expires_in is not None else {}
            print(network.papi.token_for(args.user, **kwargs))
    except (ScenarioError, KeyError) as exc:
        print(f"cannot mint a token: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    return 0


def _fixtures_generate(args: argparse.Namespace) -> int:
    from simulator.datagen import generate

    try:
        algorithms = dict(_image_and_module(given) for given in args.algorithms or [])
        made = generate(args.out, organizations=args.orgs, rows=args.rows, seed=args.seed,
                        skew=args.skew, missing=args.missing, algorithms=algorithms)
    except (ValueError, OSError) as exc:
        print(f"cannot generate: {exc}", file=sys.stderr)
        return 2
    for path in made.files:
        print(f"wrote {path}")
    print(f"wrote {made.scenario}  (python -m simulator serve --scenario {made.scenario})")
    return 0


def _image_and_module(given: str) -> tuple[str, str]:
    image, equals, module = given.rpartition("=")
    if not equals or not image or not module:
        raise ValueError(f"--algorithm {given!r}: give IMAGE=MODULE, e.g. "
                         "registry.example.org/my-algo=my_algo")
    return image, module


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulator", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve a network over HTTP on loopback")
    serve.add_argument("--scenario", help="scenario YAML (default: a fresh server, root/root)")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7601, help="port (default 7601; 0 = any free)")
    serve.add_argument("--nodes", choices=("simulated", "manual"), default="simulated",
                       help="simulated: the scenario's nodes run algorithms (default); manual: "
                            "they are registered and your own node code drives the node API")
    serve.add_argument("--execution", choices=("in-process", "isolated"),
                       help="how algorithms run (default: the scenario's, else in-process)")
    serve.add_argument("--profile", choices=("4.x", "3.x"),
                       help="vantage6 dialect (default: the scenario's, else 4.x)")
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="run the seed flow on the demo scenario")
    demo.add_argument("--scenario", default="demo", help="scenario (default: bundled demo)")
    demo.add_argument("--execution", choices=("in-process", "isolated"),
                      help="how algorithms run (default: the scenario's, else in-process)")
    demo.set_defaults(func=_demo)

    token = sub.add_parser("token", help="print a PAPI access token for a scenario user")
    token.add_argument("--scenario", required=True, help="scenario YAML or bundled name (papi)")
    token.add_argument("--user", required=True, help="a user of the scenario's papi: section")
    token.add_argument("--expires-in", type=int, help="lifetime in seconds (default 3600)")
    token.add_argument("--url", help="the network URL the server runs with (default: the "
                                     "default network URL)")
    token.set_defaults(func=_token)

    run = sub.add_parser("run", help="run one task through the server and the simulated "
                                     "nodes, and show the runs and results")
    from simulator import devrun

    devrun.add_arguments(run)
    run.set_defaults(func=lambda args: devrun.run(args))

    fixtures = sub.add_parser("fixtures", help="generate node databases and their scenario")
    fixtures_sub = fixtures.add_subparsers(dest="fixtures_command", required=True)
    generate = fixtures_sub.add_parser(
        "generate", help="realistic, deterministic per-organization CSVs (Faker) and a scenario")
    generate.add_argument("--orgs", type=int, default=3, help="organizations (default 3)")
    generate.add_argument("--rows", type=int, default=1000, help="rows per organization")
    generate.add_argument("--seed", type=int, default=42, help="same seed, same files")
    generate.add_argument("--skew", type=float, default=0.3,
                          help="how different the organizations' populations are (0..1)")
    generate.add_argument("--missing", type=float, default=0.03,
                          help="rate of missing measurements (default 0.03)")
    generate.add_argument("--out", required=True, help="folder to write into")
    generate.add_argument("--algorithm", action="append", dest="algorithms",
                          metavar="IMAGE=MODULE",
                          help="map an image to your algorithm's package (repeatable)")
    generate.set_defaults(func=_fixtures_generate)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    from simulator.scenario import ScenarioError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as exc:  # the file and key path say it all: no traceback
        print(f"simulator: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
