"""Differential check from the command line: the scripted scenario of tests/oracle against the
simulator and the real vantage6 server, with every difference printed.

usage:
  .venv/bin/python tools/diff_oracle.py                         # installs/starts its own oracle
  .venv/bin/python tools/diff_oracle.py --oracle http://127.0.0.1:7611/api  # a FRESH one
  .venv/bin/python tools/diff_oracle.py -v --show "task create"

The same check runs in the test suite (tests/oracle/test_differential.py, marker ``oracle``); this
script is for looking at the answers. The machinery lives in tests/oracle/differ.py and the
scenario in tests/oracle/script.py.
"""
from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.network import Network  # noqa: E402
from tests.oracle.differ import JWT_SECRET, Differ, World  # noqa: E402
from tests.oracle.oracle import OracleServer  # noqa: E402
from tests.oracle.script import SECTIONS  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--oracle", help="base URL of a FRESH real server, e.g. "
                   "http://127.0.0.1:7611/api (default: start one with tools/oracle/serve.py)")
    p.add_argument("-v", "--verbose", action="store_true", help="also list identical calls")
    p.add_argument("--show", metavar="TEXT", help="print both answers of calls whose label "
                   "contains TEXT")
    args = p.parse_args()
    warnings.filterwarnings("ignore", message=".*HMAC key.*")  # the oracle's short secret
    logging.getLogger("simulator").setLevel(logging.CRITICAL)  # expected 500s log tracebacks
    server = None
    if args.oracle:
        oracle = args.oracle.rstrip("/")
    else:
        server = OracleServer.start()
        oracle = server.api
    handle = Network(jwt_secret=JWT_SECRET).serve(port=0)
    try:
        d = Differ(World("sim", handle.url.rstrip("/") + "/api"), World("real", oracle),
                   verbose=args.verbose, show=args.show)
        for section in SECTIONS:
            print(f"== {section.__name__}")
            d.section = section.__name__
            section(d)
    finally:
        handle.stop()
        if server is not None:
            server.stop()
    print()
    print(f"{d.calls} calls compared: {d.same} identical, {len(d.known)} differing "
          f"(known and deliberate); {len(d.differing)} unexplained")
    return 1 if d.differing else 0


if __name__ == "__main__":
    sys.exit(main())
