"""The 5.x differential suite against the real vantage6-hq 5.0.3 (marker ``oracle``), in the
default run of tests/v5. The first test installs the oracle's venv if needed
(tools/oracle_v5/install.sh; ``$V6_ORACLE_V5_VENV`` names where, ``$V6_ORACLE_V5_PYTHON`` an
existing python) and starts both HQs (harness.py); everything stops at the end of the session.
If the oracle cannot be installed or started, the tests ERROR: they never skip."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.oracle.conftest import _quiet_expected_errors  # noqa: F401 (autouse fixture)
from tests.oracle.conftest import mark_oracle, started
from tests.v5.oracle.harness import Pair


def pytest_collection_modifyitems(config, items) -> None:
    mark_oracle(items, Path(__file__).parent)


@pytest.fixture(scope="session")
def pair(request) -> Iterator[Pair]:
    both = started(request, Pair)
    try:
        yield both
    finally:
        both.stop()
