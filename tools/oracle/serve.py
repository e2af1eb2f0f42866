"""Run the real vantage6-server 4.15.2 on loopback with SQLite: the differential tests' oracle.

usage:  <oracle venv python> serve.py [--port 7601] [--db PATH] [--jwt-secret S]

Prints "READY http://127.0.0.1:PORT/api" once it accepts requests. Root login: root / root.
Run it in its own process: importing vantage6.server monkey-patches the whole interpreter (gevent).

Adapted from the project's shared oracle kit (shared/oracle/serve.py: the Python 3.10 enum shim,
the SQLite database, ``ServerApp(...).start()``). Added here, outside the vantage6 API (``/api``):

  POST /_oracle/snapshot/<name>   copy the whole database aside under ``name``
  POST /_oracle/restore/<name>    put that copy back (the database is as it was, ids included)

so that tests can rewind the real server to a known world in milliseconds instead of restarting
it (8 s) and re-creating users (bcrypt: ~0.3 s each). ``fresh`` is taken right after start-up.
Only the database holds the server's state, so a restore is a full reset; the hook never runs
during another request (tests call it between their own calls).
"""
import argparse
import enum
import logging
import os
import sqlite3
import sys
import tempfile
import threading
import time
import types
import urllib.request


def _enum_format_py310(self, format_spec):
    # The official v4 server runs on Python 3.10. From 3.11 on, format() of a (str, Enum) member
    # yields "Operation.CREATE" instead of "c", which breaks the server's permission lookups
    # (HTTP 500 on many endpoints). Restore the 3.10 behaviour before any vantage6 enum exists.
    if self._member_type_ is not object:
        return self._member_type_.__format__(self._value_, format_spec)
    return str.__format__(str(self), format_spec)


enum.Enum.__format__ = _enum_format_py310

from vantage6.server import ServerApp, run_dev_server  # noqa: E402  (after the shim, on purpose)
from vantage6.server.model.base import Database, DatabaseSessionManager  # noqa: E402


def _copy(src: str, dst: str) -> None:
    """SQLite's online backup: a consistent copy, whatever connections are open."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def _add_snapshot_routes(flask_app, db_path: str, folder: str) -> None:
    from flask import jsonify

    def path_of(name: str) -> str:
        return os.path.join(folder, f"snapshot-{name}.sqlite")

    def snapshot(name: str):
        DatabaseSessionManager.clear_session()
        _copy(db_path, path_of(name))
        return jsonify({"snapshot": name})

    def restore(name: str):
        if not os.path.exists(path_of(name)):
            return jsonify({"msg": f"no snapshot {name!r}"}), 404
        DatabaseSessionManager.clear_session()
        Database().engine.dispose()  # no pooled connection may keep a view of the old data
        _copy(path_of(name), db_path)
        return jsonify({"restored": name})

    flask_app.add_url_rule("/_oracle/snapshot/<name>", "oracle_snapshot", snapshot,
                           methods=["POST"])
    flask_app.add_url_rule("/_oracle/restore/<name>", "oracle_restore", restore,
                           methods=["POST"])


def _no_delay() -> None:
    """TCP_NODELAY on every accepted connection. gevent's server writes a response in pieces;
    with Nagle's algorithm on, each request waits out the client's delayed ACK (~40 ms on
    loopback), which made the oracle look 20x slower than it is. Transport only: no answer
    changes."""
    import socket

    from gevent import pywsgi

    original = pywsgi.WSGIServer.handle

    def handle(self, sock, address):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return original(self, sock, address)

    pywsgi.WSGIServer.handle = handle


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=7601)
    p.add_argument("--db", help="SQLite file (default: a fresh one in a temporary folder)")
    p.add_argument("--jwt-secret", default="oracle-secret")
    args = p.parse_args()
    logging.basicConfig(level=logging.ERROR)

    folder = tempfile.mkdtemp(prefix="v6-oracle-")
    # A file, not ":memory:": the server answers from several greenlets, each with its own
    # connection.
    db = args.db or os.path.join(folder, "server.sqlite")
    Database().connect(uri=f"sqlite:///{db}", allow_drop_all=True)
    config = {
        "api_path": "/api",
        "jwt_secret_key": args.jwt_secret,
        "server_url": f"http://127.0.0.1:{args.port}",
        "allow_drop_all": True,
    }
    app = ServerApp(types.SimpleNamespace(config=config)).start()  # default roles + root/root
    _add_snapshot_routes(app.app, db, folder)
    DatabaseSessionManager.clear_session()
    _copy(db, os.path.join(folder, "snapshot-fresh.sqlite"))

    def announce() -> None:
        url = f"http://127.0.0.1:{args.port}/api"
        for _ in range(400):
            try:
                urllib.request.urlopen(url + "/version", timeout=1)
                print(f"READY {url}", flush=True)
                return
            except Exception:
                time.sleep(0.05)
        print("oracle did not come up", file=sys.stderr, flush=True)

    threading.Thread(target=announce, daemon=True).start()
    _no_delay()
    run_dev_server(app, host="127.0.0.1", port=args.port)  # loopback only, always


if __name__ == "__main__":
    main()
