"""Scenario files: YAML descriptions of whole networks (see README, "Scenario format").

A scenario is read once into plain data; each platform package builds its own state from it.
Relative paths inside it resolve against the scenario file's folder.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# The repository's scenarios/ and fixtures/ ship inside the package as simulator/bundled/ (symlinks
# in the source tree), keeping their relative layout so scenario uris resolve the same way.
SCENARIO_DIR = Path(__file__).parent / "bundled" / "scenarios"
KNOWN_KEYS = {"organizations", "collaborations", "studies", "nodes", "users", "roles", "algorithms",
              "root", "server", "name", "description", "st4sd", "papi", "runtime",
              "privacy", "profile"}


class ScenarioError(ValueError):
    """A scenario file that cannot be built; the message names the offending entry."""


@dataclass
class Scenario:
    data: dict[str, Any] = field(default_factory=dict)
    folder: Path = field(default_factory=Path.cwd)
    source: str = "<dict>"

    @classmethod
    def load(cls, path: str | Path) -> "Scenario":
        path = resolve_scenario_path(path)
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ScenarioError(_yaml_problem(path, exc)) from None
        return cls.from_dict(data, folder=path.parent, source=str(path))

    @classmethod
    def from_dict(cls, data: dict, folder: str | Path | None = None,
                  source: str = "<dict>") -> "Scenario":
        if not isinstance(data, dict):
            raise ScenarioError(f"{source}: a scenario is a mapping, not {type(data).__name__}")
        unknown = set(data) - KNOWN_KEYS
        if unknown:
            raise ScenarioError(f"{source}: unknown top-level keys {sorted(unknown)}; "
                                f"known keys are {sorted(KNOWN_KEYS)}")
        return cls(data, Path(folder) if folder else Path.cwd(), source)

    def list(self, key: str) -> list[dict]:
        value = self.data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ScenarioError(f"{self.source}: '{key}' must be a list of mappings")
        return value

    def resolve(self, uri: str) -> str:
        """A relative file uri resolves against the scenario's folder; other uris stay as given."""
        if "://" in uri:
            return uri
        path = Path(uri)
        return str(path if path.is_absolute() else (self.folder / path).resolve())


def _yaml_problem(path: Path, exc: yaml.YAMLError) -> str:
    """One line: the file, where, and what (PyYAML's own message spans several)."""
    mark = getattr(exc, "problem_mark", None)
    where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    return f"{path}{where}: not valid YAML: {problem}" + (f" ({context})" if context else "")


def resolve_scenario_path(path: str | Path) -> Path:
    """A path as given, or the name of a bundled scenario ("demo" -> scenarios/demo.yaml)."""
    candidate = Path(path)
    if candidate.exists():
        return candidate
    bundled = SCENARIO_DIR / (candidate.name if candidate.suffix else f"{candidate.name}.yaml")
    if bundled.exists():
        return bundled
    raise ScenarioError(f"scenario {str(path)!r} not found (nor bundled as {bundled.name})")
