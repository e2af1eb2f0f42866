"""The scripted differential scenario against a fresh real server and a fresh simulator (server
mode), one test per section. Every call's answers must agree after normalisation, except for the
differences COVERAGE.md lists with their reasons ("Differential suite")."""
from __future__ import annotations

from pathlib import Path

import pytest

from simulator.vantage6.server import compiled_routes
from tests.oracle.differ import Differ, ScriptRun, World, exercised
from tests.oracle.script import SECTIONS

COVERAGE = Path(__file__).resolve().parents[2] / "COVERAGE.md"


@pytest.fixture(scope="module")
def script_run(oracle, simulator_server) -> ScriptRun:
    oracle.restore("fresh")
    simulator_server.reset()
    return ScriptRun(Differ(World("sim", simulator_server.api), World("real", oracle.api),
                            echo=False), SECTIONS)


def _report(calls) -> str:
    return "\n".join(f"{c.label}\n    " + "\n    ".join(c.problems) for c in calls)


@pytest.mark.parametrize("section", [s.__name__ for s in SECTIONS])
def test_section_agrees(script_run: ScriptRun, section: str) -> None:
    calls = script_run.through(section)
    assert calls, f"section {section} made no call"
    unexplained = [c for c in calls if c.problems and not c.known]
    assert not unexplained, f"{len(unexplained)} calls differ:\n{_report(unexplained)}"


def test_agreement_figure_and_coverage(script_run: ScriptRun) -> None:
    """The whole script ran: enough calls, every served endpoint exercised, each known difference
    documented, and COVERAGE.md states the figure this run produced."""
    d = script_run.differ
    script_run.through(SECTIONS[-1].__name__)
    assert d.calls >= 150
    assert not d.differing, _report(d.differing)
    text = COVERAGE.read_text()
    for call in d.known:
        assert call.known in text, f"known difference not in COVERAGE.md: {call.known}"
    figure = (f"{d.calls} calls compared: {d.same} identical, {len(d.known)} differing")
    assert figure in text, f"COVERAGE.md should state: {figure!r}"
    assert _unexercised_endpoints(d) == []


def _unexercised_endpoints(d: Differ) -> list[str]:
    routes = compiled_routes("/api")
    urls = routes.urls
    served = {key for key in routes.served()
              if key[0] != "/api/openapi.json"}  # the simulator's own: no real route to compare
    return sorted(f"{m} {p}" for p, m in served - exercised(d.records, urls))
