"""Helpers for the ST4SD tests."""
from __future__ import annotations

import io
import time

import pandas as pd

NUMBERS = pd.DataFrame({"number": [1, 2, 3.5, 10]})


def payload(numbers: pd.DataFrame = NUMBERS, **extra) -> dict:
    """A start payload for sum-numbers: the required input file from a DataFrame."""
    body = {"inputs": [{"filename": "numbers.csv", "content": numbers.to_csv(index=False)}]}
    body.update(extra)
    return body


def wait(api, rest_uid: str, until=("finished", "failed"), timeout: float = 90.0) -> dict:
    """Poll api_rest_uid_status as a user does, until experiment-state is one of ``until``."""
    deadline = time.monotonic() + timeout
    while True:
        instance = api.api_rest_uid_status(rest_uid, print_too=False)
        if (instance["status"] or {}).get("experiment-state") in until:
            return instance
        if time.monotonic() > deadline:
            raise AssertionError(f"{rest_uid} still {instance['status']} after {timeout} s")
        time.sleep(0.02)


def read_csv(content: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(content))
