"""The scripted differential scenario against a fresh real server and a fresh simulator (server
mode), one test per section. Every call's answers must agree after normalisation, except for the
differences COVERAGE.md lists with their reasons ("Differential suite")."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.exceptions import HTTPException

from simulator.vantage6.server import _routes
from tests.oracle.differ import Differ, World
from tests.oracle.script import SECTIONS

COVERAGE = Path(__file__).resolve().parents[2] / "COVERAGE.md"


class ScriptRun:
    """One pass of the script over one pair of fresh worlds; a section runs the ones before it
    first if they have not run (so ``-k lifecycle`` works on its own)."""

    def __init__(self, differ: Differ) -> None:
        self.differ = differ
        self.done: list[str] = []

    def through(self, name: str) -> list:
        for section in SECTIONS:
            if section.__name__ not in self.done:
                self.differ.section = section.__name__
                self.done.append(section.__name__)
                section(self.differ)
            if section.__name__ == name:
                break
        return [c for c in self.differ.records if c.section == name]


@pytest.fixture(scope="module")
def script_run(oracle, simulator_server) -> ScriptRun:
    oracle.restore("fresh")
    simulator_server.reset()
    return ScriptRun(Differ(World("sim", simulator_server.api), World("real", oracle.api),
                            echo=False))


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
    endpoints, urls, _ = _routes("/api")
    served = {key for key, ep in endpoints.items()
              if not ep.handler.__qualname__.startswith("not_served.")
              and key[0] != "/api/openapi.json"}  # the simulator's own: no real route to compare
    seen = set()
    for call in d.records:
        if call.method in ("HEAD", "OPTIONS"):
            continue
        try:
            rule, _ = urls.match("/api" + re.sub(r"\?.*$", "", call.path), call.method)
        except HTTPException:
            continue
        seen.add((rule, call.method))
    return sorted(f"{m} {p}" for p, m in served - seen)
