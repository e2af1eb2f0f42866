#!/usr/bin/env bash
# Install the real vantage6-server 3.11.1 (and the matching 3.11.1 client) into a virtualenv of its
# own: the oracle for the simulator's "3.x profile". Idempotent: a finished install is reused.
#   usage: install.sh [VENV_DIR]   (default: $ORACLE_V3_VENV or /work/main/.oracle-v3-venv)
# Progress goes to stderr; the last line on stdout is the venv's python.
# Unlike 4.15.2, vantage6-server 3.11.1 declares all of its imports (flask-mail,
# marshmallow-sqlalchemy 0.15.0, vantage6-common ...), so nothing extra has to be pinned for the
# server itself.
# Pins added on top of 3.11.1's own (all are versions current when 3.11.1 was released, 2023):
#  * zope.interface/zope.event: gevent 22.10.2's monkey.patch_all() resolves its plugins through
#    pkg_resources (setuptools 65), which cannot find the newest zope.interface (normalized
#    "zope_interface" dist-info) -> DistributionNotFound at `import vantage6.server`.
#  * greenlet 2.x: gevent 22.10.2 is built against greenlet 2 (3.x is binary-incompatible).
#  * python-socketio 5.8.0 / python-engineio 4.5.1: unpinned by 3.11.1 (only Flask-SocketIO==5.3.2
#    -> python-socketio>=5.0.2); pinned to the 2023 versions. Engine.IO protocol v4 either way.
#    The [client] extra (requests, websocket-client) lets this venv run a Socket.IO client too.
#  * gevent-websocket: without it the dev server (gevent) offers only the polling transport
#    ("upgrades": []); the official 3.x image ran uwsgi --http-websockets, i.e. websocket worked.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${1:-${ORACLE_V3_VENV:-$(cd "$here/../.." && pwd)/.oracle-v3-venv}}"
py="${PYTHON:-python3}"   # any 3.8-3.11 works; 3.11 needs the enum shim in serve.py
if [ ! -f "$venv/.oracle-v3-ready" ]; then
  echo "installing the vantage6 3.11.1 oracle into $venv (a minute or two, once)..." >&2
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    vantage6-server==3.11.1 vantage6-client==3.11.1 \
    zope.interface==6.0 zope.event==5.0 greenlet==2.0.2 \
    "python-socketio[client]==5.8.0" python-engineio==4.5.1 gevent-websocket==0.10.1 \
    2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$venv/bin/python" -c "import vantage6.client, vantage6.server.model, socketio" >&2
  touch "$venv/.oracle-v3-ready"
  echo "oracle v3 installed" >&2
fi
echo "$venv/bin/python"
