"""The scripted 5.x differential scenario (script.py) against a fresh real HQ 5.0.3 and a fresh
simulator, one test per section; then the figures. A difference must be in known.py."""
from __future__ import annotations

import pytest

from simulator.vantage6.server import compiled_routes
from tests.oracle.differ import ScriptRun, exercised
from tests.v5.oracle.bridge import Bridge
from tests.v5.oracle.harness import Differ5, Pair
from tests.v5.oracle.report import Figures, check_doc_section, report_unexplained
from tests.v5.oracle.script import SECTIONS


@pytest.fixture(scope="module")
def script_run(pair: Pair) -> ScriptRun:
    pair.rewind("fresh")
    return ScriptRun(Differ5(*pair.worlds(), bridge=Bridge(), echo=False), SECTIONS)


@pytest.mark.parametrize("section", [s.__name__ for s in SECTIONS])
def test_section_agrees(script_run: ScriptRun, section: str) -> None:
    assert script_run.through(section), f"section {section} made no call"
    records = [r for r in script_run.differ.log if r.call.section == section]
    unexplained = report_unexplained(records)
    assert not unexplained, unexplained


def test_agreement_figure(script_run: ScriptRun) -> None:
    script_run.through(SECTIONS[-1].__name__)
    figures = Figures(script_run.differ.log, script_run.differ.aliases)
    print("\n" + figures.text())
    assert figures.calls >= 500
    assert not figures.unexplained, report_unexplained(script_run.differ.log)
    assert not figures.stale, f"fixed? remove from known.py: {figures.stale}"
    assert _unexercised_endpoints(script_run.differ) == []
    stale = check_doc_section("script", figures.markdown())
    assert stale is None, stale


def _unexercised_endpoints(d: Differ5) -> list[str]:
    """Every route of the 5.x profile (served or 501) must be called at least once."""
    routes = compiled_routes("/api", "5.x")
    endpoints, urls = routes.endpoints, routes.urls
    return sorted(f"{m} {p}" for p, m in set(endpoints) - exercised(d.records, urls))
