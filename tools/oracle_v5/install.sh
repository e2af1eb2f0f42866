#!/usr/bin/env bash
# Install the real vantage6-hq 5.0.3 (and the matching 5.0.3 client) into a Python 3.13 virtualenv
# of its own: the oracle for the simulator's 5.x profile (tools/oracle_v5/serve.py runs it).
# Idempotent: a finished install is reused (it is rebuilt when this script changes).
#   usage: install.sh [VENV_DIR]   (default: $V6_ORACLE_V5_VENV or <checkout>/.oracle-v5-venv)
# Progress goes to stderr; the last line on stdout is the venv's python.
#
# What is pinned, and why:
#  * vantage6-hq==5.0.3 needs Python >= 3.13 (hence pyenv's 3.13.0, as tools/v5/install.sh).
#  * vantage6-backend-common==5.0.3: vantage6-hq imports vantage6.backend.common everywhere
#    (HQApp's base class, auth, permissions) but does not declare it, so pip would not bring it.
#    Its own requirements (flask-mail, marshmallow-sqlalchemy, python-keycloak 5.5.0, ...) come
#    with it.
#  * vantage6-client==5.0.3: already pulled in through vantage6 (the CLI, which vantage6-hq
#    requires and imports: vantage6.cli.context.hq); named so that UserClient-driven tests can
#    rely on it.
# Everything else (gevent 25.4.2, flask-socketio 5.6.1 + simple-websocket, SQLAlchemy 2.0.37,
# PyJWT 2.13.0, ...) is pinned by vantage6-hq 5.0.3 itself. No uWSGI, RabbitMQ, PostgreSQL driver
# or Kubernetes cluster is needed: serve.py runs HQ on SQLite with Flask-SocketIO's gevent server.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${1:-${V6_ORACLE_V5_VENV:-$root/.oracle-v5-venv}}"
stamp="$(sha256sum "$here/install.sh" | cut -c1-16)"
python313="${PYTHON313:-}"
if [ -z "$python313" ]; then
  if command -v pyenv >/dev/null 2>&1 && [ -x "$(pyenv root)/versions/3.13.0/bin/python3.13" ]; then
    python313="$(pyenv root)/versions/3.13.0/bin/python3.13"  # pyenv's shim may refuse it
  elif python3.13 -c "" >/dev/null 2>&1; then
    python313="$(command -v python3.13)"
  else
    echo "no Python 3.13 found (set PYTHON313)" >&2
    exit 1
  fi
fi
if [ "$(cat "$venv/.oracle-v5-ready" 2>/dev/null || true)" != "$stamp" ]; then
  echo "installing the vantage6-hq 5.0.3 oracle into $venv (a few minutes, once)..." >&2
  rm -rf "$venv"
  "$python313" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check \
    vantage6-hq==5.0.3 vantage6-backend-common==5.0.3 vantage6-client==5.0.3 \
    2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$venv/bin/python" -c "import gevent.monkey; gevent.monkey.patch_all(); import vantage6.hq, vantage6.backend.common.auth, vantage6.client, simple_websocket, socketio" >&2
  echo "$stamp" > "$venv/.oracle-v5-ready"
  echo "oracle v5 (vantage6-hq 5.0.3) installed" >&2
fi
echo "$venv/bin/python"
