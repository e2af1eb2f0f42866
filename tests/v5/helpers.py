"""Helpers for the 5.x tests: the real 5.0.3 UserClient signed in through the simulated
Keycloak, the demo data, and a dataframe of the demo scenario."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "harbor2.vantage6.ai/demo/average"
FRAMES = {org: pd.read_csv(ROOT / "fixtures" / "demo" / f"org{i}.csv")
          for i, org in enumerate((2, 3, 4), start=1)}
POOLED = pd.concat(FRAMES.values(), ignore_index=True)


def signed_in(hq_url: str, auth_url: str):
    """``UserClient(hq_url, auth_url).authenticate()``: the device flow, approved at once as
    the network's device user; the client's banner and logs kept out of the test's output."""
    import webbrowser

    from vantage6.client import UserClient

    opened = webbrowser.open
    webbrowser.open = lambda *a, **k: False  # no browser in a test
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            client = UserClient(hq_url, auth_url, log_level="error")
            client.authenticate()
    finally:
        webbrowser.open = opened
    return client


def extract(client, session_id: int, label: str = "default", name: str | None = None) -> dict:
    """A dataframe of the demo CSVs, made by the demo algorithm's ``read_csv`` extraction."""
    kwargs = {"name": name} if name else {}
    with contextlib.redirect_stdout(io.StringIO()):
        return client.dataframe.create(label=label, image=IMAGE, method="read_csv",
                                       arguments={}, session=session_id, **kwargs)
