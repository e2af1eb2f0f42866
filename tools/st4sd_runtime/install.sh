#!/usr/bin/env bash
# Build the virtualenv the real ST4SD runtime runs from: st4sd-runtime-core 2.7.0 with its full
# dependency set (boto3, kubernetes, matplotlib, papermill, ...), which does not resolve beside
# vantage6's pins in the main virtualenv. The simulator runs each started experiment under this
# virtualenv's elaunch.py (README, "ST4SD"), and finds it at $ST4SD_RUNTIME_VENV or
# <checkout>/.venv-st4sd. Idempotent: a finished install is reused (rebuilt when this script
# changes). About a minute here (2 cores), once.
#   usage: install.sh [VENV_DIR]   (default: $ST4SD_RUNTIME_VENV or <checkout>/.venv-st4sd)
# Progress goes to stderr; the last line on stdout is the venv's python.
#
# Python 3.11: st4sd-runtime-core 2.7.0 supports 3.8-3.12, and its memoization copies cached
# component folders with distutils.dir_util, which Python 3.12 no longer ships.
# Pins, each one needed:
#   python-dateutil<3  botocore (boto3>=1.36) requires python-dateutil<3 while matplotlib's newest
#                      releases pull python-dateutil 4; without the pin pip backtracks through
#                      every pandas release down to an sdist (pandas 1.4.4) that fails to build
#                      ("No module named 'pkg_resources'").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${1:-${ST4SD_RUNTIME_VENV:-$root/.venv-st4sd}}"
stamp="$(sha256sum "$here/install.sh" | cut -c1-16)"
python311="${PYTHON311:-}"
if [ -z "$python311" ]; then
  if command -v pyenv >/dev/null 2>&1 && ls "$(pyenv root)"/versions/3.11*/bin/python3.11 >/dev/null 2>&1; then
    python311="$(ls "$(pyenv root)"/versions/3.11*/bin/python3.11 | tail -1)"  # pyenv's shim may refuse it
  elif python3.11 -c "" >/dev/null 2>&1; then
    python311="$(command -v python3.11)"
  else
    echo "no Python 3.11 found (set PYTHON311)" >&2
    exit 1
  fi
fi
if [ "$(cat "$venv/.ready" 2>/dev/null || true)" != "$stamp" ]; then
  echo "installing st4sd-runtime-core 2.7.0 with its dependencies into $venv (a minute)..." >&2
  rm -rf "$venv"
  "$python311" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "st4sd-runtime-core==2.7.0" \
    "python-dateutil<3" 2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$venv/bin/python" -c "import experiment.model.data, experiment.runtime.control, experiment.service.db" >&2
  test -f "$venv/bin/elaunch.py"
  echo "$stamp" > "$venv/.ready"
  echo "st4sd-runtime-core 2.7.0 installed" >&2
fi
echo "$venv/bin/python"
