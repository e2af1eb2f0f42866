"""The 5.x differential suite against the real vantage6-hq 5.0.3 (marker ``oracle``), in the
default run of tests/v5. The first test installs the oracle's venv if needed
(tools/oracle_v5/install.sh; ``$V6_ORACLE_V5_VENV`` names where, ``$V6_ORACLE_V5_PYTHON`` an
existing python) and starts both HQs (harness.py); everything stops at the end of the session.
If the oracle cannot be installed or started, the tests ERROR: they never skip."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import pytest

from tests.v5.oracle.harness import Pair

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.oracle)


@pytest.fixture(scope="session")
def pair(request) -> Iterator[Pair]:
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():  # show the install progress, if any
        both = Pair()
    try:
        yield both
    finally:
        both.stop()


@pytest.fixture(autouse=True)
def _quiet_expected_errors() -> Iterator[None]:
    # the real HQ's 500s are reproduced on purpose; the simulator logs each one's traceback
    logger = logging.getLogger("simulator")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)
