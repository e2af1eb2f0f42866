"""The README's recipe "Test your own algorithm", run as a new user would: its files written
into an empty project folder exactly as the README shows them, then pytest in that folder."""
from __future__ import annotations

import re
from pathlib import Path

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "### Test your own algorithm (a recipe)"


def recipe_files() -> dict[str, str]:
    """{path: content} of the section's code blocks whose first line names their file."""
    text = README.read_text()
    section = text.split(SECTION, 1)[1].split("\n### ", 1)[0]
    files = {}
    for block in re.findall(r"```\w*\n(.*?)```", section, flags=re.S):
        first, _, body = block.partition("\n")
        if first.startswith("# ") and "/" in first:
            files[first[2:].strip()] = body
    return files


def test_the_recipe_has_its_five_files():
    assert sorted(recipe_files()) == ["my_algo/__init__.py", "tests/north.csv",
                                      "tests/south.csv", "tests/test_my_algo.py",
                                      "tests/world.yaml"]


def test_the_recipe_passes_as_written(pytester):
    for path, content in recipe_files().items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    outcome = pytester.runpytest_subprocess("tests", "-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=1)


def test_and_a_crash_in_it_is_reported_with_the_runs_log(pytester):
    for path, content in recipe_files().items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content.replace('"column": "age"', '"column": "agee"'))
    outcome = pytester.runpytest_subprocess("tests", "-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1)
    text = outcome.stdout.str()
    assert "RunFailed" in text and "KeyError: 'agee'" in text
    assert "simulator: runs that did not complete" in text
