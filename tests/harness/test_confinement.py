"""simulator.core.confinement on its own: what a confined block refuses and lets through, and
that nothing of it is left once the last confined run ends."""
from __future__ import annotations

import builtins
import errno
import io
import os

import pytest

from simulator.core import confinement
from simulator.core.confinement import Confinement, confined


@pytest.fixture
def world(tmp_path):
    hidden, own = tmp_path / "nodes", tmp_path / "nodes" / "mine"
    own.mkdir(parents=True)
    (hidden / "theirs.csv").write_text("x\n")
    (own / "input").write_text("mine\n")
    (tmp_path / "link.csv").symlink_to(hidden / "theirs.csv")
    return tmp_path, Confinement.of([hidden], [own])


def test_hidden_refused_own_allowed_links_resolved(world):
    root, rules = world
    with confined(rules):
        assert open(root / "nodes" / "mine" / "input").read() == "mine\n"
        for path in (root / "nodes" / "theirs.csv", root / "link.csv",
                     root / "nodes" / "mine" / ".." / "theirs.csv"):
            with pytest.raises(FileNotFoundError) as info:
                open(path)
            assert info.value.errno == errno.ENOENT
        with pytest.raises(FileNotFoundError):
            os.listdir(root / "nodes")
        with pytest.raises(FileNotFoundError):
            os.remove(root / "nodes" / "theirs.csv")
        assert sorted(os.listdir(root / "nodes" / "mine")) == ["input"]


def test_simulator_code_inside_a_run_is_not_confined(world):
    root, rules = world
    with confined(rules):
        token = confinement.lifted()
        try:
            assert open(root / "nodes" / "theirs.csv").read() == "x\n"
        finally:
            confinement.restore(token)
        with pytest.raises(FileNotFoundError):
            open(root / "nodes" / "theirs.csv")


def test_a_class_keeping_open_as_an_attribute_still_works(world):
    root, rules = world
    with confined(rules):
        class Reader:
            opener = open  # no self: the guard is no descriptor, like the builtin

        assert Reader().opener(root / "nodes" / "mine" / "input").read() == "mine\n"


def test_the_guards_go_when_the_last_run_ends(world):
    original = builtins.open
    _, rules = world
    with confined(rules):
        with confined(rules):
            assert builtins.open is not original and io.open is not original
        assert builtins.open is not original  # the outer run is still active
    assert builtins.open is original and io.open is original
    assert os.listdir.__class__.__name__ == "builtin_function_or_method"
