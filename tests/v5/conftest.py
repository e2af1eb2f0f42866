"""The vantage6 5.x profile's tests. They need the real 5.0.3 clients, which need Python >= 3.13
and cannot sit beside the 4.x clients: they run in the virtualenv tools/v5/install.sh builds
(`.venv-v5`), started by tests/vantage6/test_v5_suite.py from the default run, or by hand:

    .venv-v5/bin/python -m pytest tests/v5

Anywhere else this folder is not collected."""
from __future__ import annotations

from importlib import metadata

import pytest


def _tools_major() -> int:
    try:
        return int(metadata.version("vantage6-algorithm-tools").split(".")[0])
    except metadata.PackageNotFoundError:
        return 0


if _tools_major() != 5:
    collect_ignore_glob = ["*"]


@pytest.fixture
def quiet_browser(monkeypatch):
    """UserClient.authenticate() opens the verification page in a browser; a test has none."""
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda *a, **k: False)
