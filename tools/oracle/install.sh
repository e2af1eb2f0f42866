#!/usr/bin/env bash
# Install the real vantage6 server 4.15.2 (and the matching client) into a virtualenv of its own,
# for the differential tests (tests/oracle). Idempotent: a finished install is reused.
# Adapted from the project's shared oracle kit (shared/oracle/install.sh), so that a clone of this
# repository is self-sufficient.
#   usage: install.sh [VENV_DIR]      (default: $V6_ORACLE_VENV or ~/.cache/v6-oracle/venv)
# Progress goes to stderr; the last line on stdout is the venv's python.
set -euo pipefail
venv="${1:-${V6_ORACLE_VENV:-$HOME/.cache/v6-oracle/venv}}"
if [ ! -f "$venv/.oracle-ready" ]; then
  echo "installing the vantage6 4.15.2 oracle into $venv (a minute or two, once)..." >&2
  python3 -m venv "$venv"
  # vantage6-server 4.15.2 imports vantage6-backend-common, flask-mail and marshmallow-sqlalchemy
  # without declaring them, so they are pinned here explicitly.
  "$venv/bin/pip" install -q --disable-pip-version-check \
    vantage6-server==4.15.2 vantage6-backend-common==4.15.2 vantage6-client==4.15.2 \
    vantage6-algorithm-tools==4.15.2 flask-mail==0.9.1 marshmallow-sqlalchemy==0.29.0 \
    2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$venv/bin/python" -c "import vantage6.client, vantage6.algorithm.tools, vantage6.server.model" >&2
  touch "$venv/.oracle-ready"
  echo "oracle installed" >&2
fi
echo "$venv/bin/python"
