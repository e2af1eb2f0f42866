"""Run the real vantage6-hq 5.0.3 on loopback with SQLite: the v5 differential tests' oracle.

usage:  <oracle-v5 venv python> serve.py --keycloak-url URL [--realm vantage6]
            [--admin-client backend-admin-client] [--admin-secret S] [--admin-username admin]
            [--port 7601] [--db PATH] [--jwt-secret S] [--log-level ERROR]

Every Keycloak setting can also come from the environment variable HQ itself reads
(KEYCLOAK_URL, KEYCLOAK_REALM, KEYCLOAK_ADMIN_CLIENT, KEYCLOAK_ADMIN_CLIENT_SECRET,
KEYCLOAK_ADMIN_USERNAME, KEYCLOAK_ADMIN_PASSWORD); an argument wins over the variable.

Prints "READY http://127.0.0.1:PORT/api" once it accepts requests. There is no password login
in 5.x: authenticate with an RS256 access token signed by the realm's key (claims ``sub`` =
the Keycloak user id, ``vantage6_client_type`` = "user" | "node"). The root user is
``--admin-username`` in organization "root"; HQ asks Keycloak for that user's id at its first
start. Details, and every Keycloak request HQ makes: docs/v5/oracle-hq.md.

This script bundles no Keycloak: point it at one (the simulator's realm).

What is here that the official deployment does differently, and why:

  * No uWSGI, no HQContext, no config file. The official image runs ``vantage6/hq/init_db.py``
    (roles + root user) and then uWSGI on ``vantage6/hq/wsgi.py``, both reading a YAML file
    through ``HQContext`` (which also sets up log files and folders). HQApp only ever reads
    ``ctx.config``, so a namespace with a plain dict is passed instead, and the same two steps
    (``HQApp(...)`` then ``app.ensure_db_initialized()``) run in this one process.
  * SQLite in a temporary folder instead of PostgreSQL (a file, not ":memory:": requests are
    answered from several greenlets, each with its own connection).
  * Served by Flask-SocketIO's gevent server (``socketio.run``), not uWSGI. HQ asks
    Flask-SocketIO for ``async_mode="gevent_uwsgi"``; without uWSGI that raises, HQ logs a
    warning ("Default socketio settings failed ...") and falls back by itself to the
    auto-detected mode, which is "gevent" (websockets through simple-websocket). No code
    change: only the warning.
  * No RabbitMQ (``rabbitmq.uri`` unset: Socket.IO runs in-process, which is what a single
    HQ replica does anyway), no Prometheus, no Azure large-result store, no SMTP server (no
    HQ 5.0.3 endpoint sends mail: password recovery moved to Keycloak).
  * TCP_NODELAY on every accepted connection (transport only, as in tools/oracle/serve.py).
  * Two routes outside the vantage6 API, as in tools/oracle/serve.py:
      POST /_oracle/snapshot/<name>   copy the whole database aside under ``name``
      POST /_oracle/restore/<name>    put that copy back
    ``fresh`` is taken right after start-up. They rewind HQ's database only, NOT the Keycloak
    realm: users, clients and secrets created in Keycloak since the snapshot stay there, so
    the realm must be rewound alongside (the simulator's realm knows its own state).
  * No Python version shim: 5.x requires Python 3.13 and formats its enums correctly there.

Run it in its own process: importing vantage6.hq monkey-patches the whole interpreter (gevent).
"""
# vantage6.hq calls gevent.monkey.patch_all() on import; do it first, before anything imports
# socket/threading/ssl, as gevent wants (otherwise: "monkey-patching ssl after ssl has already
# been imported" warnings and a half-patched interpreter).
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sqlite3  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
import urllib.request  # noqa: E402

ENV = {  # argument name -> the environment variable HQ reads (all six are required by HQ)
    "keycloak_url": "KEYCLOAK_URL",
    "realm": "KEYCLOAK_REALM",
    "admin_client": "KEYCLOAK_ADMIN_CLIENT",
    "admin_secret": "KEYCLOAK_ADMIN_CLIENT_SECRET",
    "admin_username": "KEYCLOAK_ADMIN_USERNAME",
    "admin_password": "KEYCLOAK_ADMIN_PASSWORD",
}
DEFAULTS = {
    "realm": "vantage6",
    "admin_client": "backend-admin-client",
    "admin_secret": "myadminclientsecret",
    "admin_username": "admin",
    # required to be non-empty by HQ's start-up check, but never used by HQ 5.0.3
    "admin_password": "unused",
}


def _copy(src: str, dst: str) -> None:
    """SQLite's online backup: a consistent copy, whatever connections are open."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def _add_snapshot_routes(flask_app, db_path: str, folder: str) -> None:
    from flask import jsonify

    from vantage6.hq.model.base import Database, DatabaseSessionManager

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
    """TCP_NODELAY on every accepted connection: gevent's server writes a response in pieces,
    and with Nagle's algorithm each request would wait out the client's delayed ACK (~40 ms on
    loopback). Transport only: no answer changes."""
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
    p.add_argument("--db", help="SQLite file (default: a fresh one in a temporary folder); "
                                "an existing file is reused as it is")
    p.add_argument("--jwt-secret", default="oracle-hq-jwt-secret",
                   help="HS256 secret HQ signs algorithm-container tokens with")
    p.add_argument("--log-level", default="ERROR")
    for arg, var in ENV.items():
        p.add_argument("--" + arg.replace("_", "-"), default=None,
                       help=f"default: ${var}, else {DEFAULTS.get(arg, '(required)')!r}")
    args = p.parse_args()
    for arg, var in ENV.items():
        value = getattr(args, arg) or os.environ.get(var) or DEFAULTS.get(arg)
        if not value:
            p.error(f"--{arg.replace('_', '-')} (or ${var}) is required")
        os.environ[var] = value.rstrip("/") if arg == "keycloak_url" else value

    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.ERROR),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from vantage6.hq import HQApp
    from vantage6.hq.model.base import Database, DatabaseSessionManager

    folder = tempfile.mkdtemp(prefix="v6-oracle-hq-")
    db = os.path.abspath(args.db) if args.db else os.path.join(folder, "hq.sqlite")
    Database().connect(uri=f"sqlite:///{db}", allow_drop_all=True)
    config = {
        "api_path": "/api",
        "base_url": f"http://127.0.0.1:{args.port}",
        "jwt_secret_key": args.jwt_secret,
        "uri": f"sqlite:///{db}",
    }
    # HQApp.__init__ fetches the realm's public key (GET {KEYCLOAK_URL}/realms/{realm}); if
    # Keycloak cannot be reached it logs and calls sys.exit(1).
    app = HQApp(types.SimpleNamespace(config=config))
    # what the official image's init_db.py does: default roles, root organization, root user,
    # and (first start only) the root user's Keycloak id + organization_id attribute.
    app.ensure_db_initialized()
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
            except Exception:  # noqa: BLE001
                time.sleep(0.05)
        print("oracle did not come up", file=sys.stderr, flush=True)

    threading.Thread(target=announce, daemon=True).start()
    _no_delay()
    # loopback only, always
    app.socketio.run(app.app, host="127.0.0.1", port=args.port, log_output=False)


if __name__ == "__main__":
    main()
