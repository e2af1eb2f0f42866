"""The vantage6 5.x profile's tests (tests/v5), run with the real vantage6-client and
vantage6-algorithm-tools 5.0.3 from their own Python 3.13 virtualenv (tools/v5/install.sh), one
test per module here so that a failure names its module. Installing that virtualenv fails the
test loudly, never skips it."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(str(p.relative_to(ROOT / "tests" / "v5"))
                 for p in (ROOT / "tests" / "v5").rglob("test_*.py"))


@pytest.mark.parametrize("module", MODULES)
def test_v5_module(v5_python, module):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run([v5_python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           f"tests/v5/{module}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=1200, env=env)
    assert done.returncode == 0, (done.stdout[-6000:] + done.stderr[-2000:])
