"""Run the real vantage6-server 3.11.1 on loopback with SQLite: the oracle for the 3.x profile.

usage:  <oracle-v3 venv python> serve.py [--port 7633] [--db PATH] [--jwt-secret S]

Prints "READY http://127.0.0.1:PORT/api" once it accepts requests. Root login: root / root.
Run it in its own process: importing vantage6.server monkey-patches the interpreter (gevent).
Same recipe as tools/oracle/serve.py (4.15.2), minus the snapshot routes:
  * Python 3.11 enum shim (3.11.1 has the same (str, Enum) f-string lookups as 4.x);
  * Database().connect(sqlite file) + ServerApp(SimpleNamespace(config=...)).start() (creates the
    default roles and root/root) + run_dev_server (Flask-SocketIO's gevent WSGI server).
ServerApp logs a warning that the 'gevent_uwsgi' async mode is unavailable and falls back to the
default (gevent): harmless, Socket.IO polling and websocket transports both work.
"""
import argparse
import enum
import logging
import os
import sys
import tempfile
import threading
import time
import types
import urllib.request


def _enum_format_py310(self, format_spec):
    # From 3.11 on, format() of a (str, Enum) member yields "Operation.CREATE" instead of the
    # value, which breaks the server's permission lookups (HTTP 500). Restore 3.10 behaviour
    # before any vantage6 enum exists.
    if self._member_type_ is not object:
        return self._member_type_.__format__(self._value_, format_spec)
    return str.__format__(str(self), format_spec)


enum.Enum.__format__ = _enum_format_py310

from vantage6.server import ServerApp, run_dev_server  # noqa: E402  (after the shim, on purpose)
from vantage6.server.model.base import Database, DatabaseSessionManager  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=7633)
    p.add_argument("--db", help="SQLite file (default: a fresh one in a temporary folder)")
    p.add_argument("--jwt-secret", default="oracle-secret")
    p.add_argument("--log-level", default="ERROR")
    args = p.parse_args()
    logging.basicConfig(level=args.log_level)

    # A file, not ":memory:": the server answers from several greenlets/connections.
    db = args.db or os.path.join(tempfile.mkdtemp(prefix="v6-oracle-v3-"), "server.sqlite")
    Database().connect(uri=f"sqlite:///{db}", allow_drop_all=True)
    config = {
        "api_path": "/api",           # mandatory (load_resources indexes it)
        "jwt_secret_key": args.jwt_secret,
        "allow_drop_all": True,
    }
    app = ServerApp(types.SimpleNamespace(config=config)).start()  # default roles + root/root
    DatabaseSessionManager.clear_session()

    def announce() -> None:
        url = f"http://127.0.0.1:{args.port}/api"
        for _ in range(400):
            try:
                urllib.request.urlopen(url + "/version", timeout=1)
                print(f"READY {url}", flush=True)
                return
            except Exception:
                time.sleep(0.05)
        print("oracle v3 did not come up", file=sys.stderr, flush=True)

    threading.Thread(target=announce, daemon=True).start()
    run_dev_server(app, host="127.0.0.1", port=args.port)  # loopback only, always


if __name__ == "__main__":
    main()
