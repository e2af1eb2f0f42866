#!/usr/bin/env bash
# Build the Python 3.13 virtualenv the vantage6 5.x profile is tested from: the simulator (this
# checkout, editable) beside the real vantage6-client and vantage6-algorithm-tools 5.0.3, which
# need Python >= 3.13 and cannot live beside the 4.x packages (both are the package vantage6).
# Idempotent: a finished install is reused (it is rebuilt when this script changes).
#   usage: install.sh [VENV_DIR]   (default: $V6_V5_VENV or <checkout>/.venv-v5)
# Progress goes to stderr; the last line on stdout is the venv's python.
# marshmallow is pinned as vantage6-hq 5.0.3 pins it, so that the simulated HQ's schemas give
# its exact validation messages.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${1:-${V6_V5_VENV:-$root/.venv-v5}}"
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
if [ "$(cat "$venv/.ready" 2>/dev/null || true)" != "$stamp" ]; then
  echo "installing the vantage6 5.0.3 clients beside the simulator into $venv (a minute or two)..." >&2
  rm -rf "$venv"
  "$python313" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -e "$root" "marshmallow==3.26.2" \
    vantage6-client==5.0.3 vantage6-algorithm-tools==5.0.3 \
    "pytest>=8.0" "pytest-timeout>=2.3" "hypothesis>=6.100" "pyarrow>=16.1" \
    2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$venv/bin/python" -c "import simulator, vantage6.client, vantage6.algorithm.tools.wrap, vantage6.algorithm.mock.network" >&2
  echo "$stamp" > "$venv/.ready"
  echo "vantage6 5.0.3 clients installed" >&2
fi
echo "$venv/bin/python"
