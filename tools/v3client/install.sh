#!/usr/bin/env bash
# Install vantage6-client 3.11.1 into a virtualenv of its own (it cannot live beside the 4.x
# client: both are the package vantage6.client), for the 3.x profile's seed 001 test
# (tests/vantage6/test_v3_client.py). Idempotent: a finished install is reused.
#   usage: install.sh [VENV_DIR]   (default: $V6_V3_CLIENT_VENV or ~/.cache/v6-v3-client/venv)
# Progress goes to stderr; the last line on stdout is the venv's python.
set -euo pipefail
venv="${1:-${V6_V3_CLIENT_VENV:-$HOME/.cache/v6-v3-client/venv}}"
if [ ! -f "$venv/.ready" ]; then
  echo "installing vantage6-client 3.11.1 into $venv (a minute, once)..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check vantage6-client==3.11.1 \
    2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$venv/bin/python" -c "from vantage6.client import Client, deserialization" >&2
  touch "$venv/.ready"
  echo "vantage6-client 3.11.1 installed" >&2
fi
echo "$venv/bin/python"
