"""The scripted 5.x differential scenario (script.py) against a fresh real HQ 5.0.3 and a fresh
simulator, one test per section; then the figures. A difference must be in known.py."""
from __future__ import annotations

import pytest

from tests.v5.oracle.bridge import Bridge
from tests.v5.oracle.harness import Differ5, Pair
from tests.v5.oracle.report import Figures, report_unexplained
from tests.v5.oracle.script import SECTIONS


class ScriptRun:
    """One pass of the script; a section runs the ones before it first (``-k tasks`` works)."""

    def __init__(self, differ: Differ5) -> None:
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
        return [r for r in self.differ.log if r.call.section == name]


@pytest.fixture(scope="module")
def script_run(pair: Pair) -> ScriptRun:
    pair.rewind("fresh")
    return ScriptRun(Differ5(*pair.worlds(), bridge=Bridge(), echo=False))


@pytest.mark.parametrize("section", [s.__name__ for s in SECTIONS])
def test_section_agrees(script_run: ScriptRun, section: str) -> None:
    records = script_run.through(section)
    assert records, f"section {section} made no call"
    unexplained = report_unexplained(records)
    assert not unexplained, unexplained


def test_agreement_figure(script_run: ScriptRun) -> None:
    script_run.through(SECTIONS[-1].__name__)
    figures = Figures(script_run.differ.log)
    print("\n" + figures.text())
    assert figures.calls >= 500
    assert not figures.unexplained, report_unexplained(script_run.differ.log)
    assert not figures.stale, f"fixed? remove from known.py: {figures.stale}"
