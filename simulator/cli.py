"""Command line: ``python -m simulator <command>`` (also installed as ``simulator``).

  serve   run a network in server mode on loopback (a fresh server, or a scenario)
  demo    the seed flow on the bundled demo scenario, with the real vantage6 UserClient
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Optional, Sequence


def _serve(args: argparse.Namespace) -> int:
    from simulator.network import Network

    options = {"nodes": args.nodes, "execution": args.execution}
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
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
        network.close()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from simulator.demo import run_demo

    return run_demo(args.scenario, args.execution)


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
    serve.set_defaults(func=_serve)

    demo = sub.add_parser("demo", help="run the seed flow on the demo scenario")
    demo.add_argument("--scenario", default="demo", help="scenario (default: bundled demo)")
    demo.add_argument("--execution", choices=("in-process", "isolated"),
                      help="how algorithms run (default: the scenario's, else in-process)")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
