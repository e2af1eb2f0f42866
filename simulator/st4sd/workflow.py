"""The workflow definitions the simulator runs: a documented subset of FlowIR (DSL 1.0). No HTTP here.

Supported (see README, "ST4SD"): ``platforms``; ``variables`` per platform with ``global`` and
``stages`` scopes (a platform inherits ``default``); ``environments``; ``components`` with ``stage``,
``name``, ``command: {executable, arguments, environment}``, ``references``, ``variables`` and
``workflowAttributes: {replicate, aggregate}``; references ``[stageN.]Producer[/path]:method`` with
methods ``ref``, ``output``, ``copy``, ``link`` and ``copyout`` (producers: components, ``input``,
``data`` and the package's other top-level folders such as ``bin``); ``%(name)s`` variables (plus
``%(replica)s``); key-outputs under ``output``. An ``interface`` (properties) is not.
Anything else raises :class:`UnsupportedWorkflowFeature` (answered 501 by the service).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from simulator.st4sd.errors import UnsupportedWorkflowFeature, WorkflowError
from simulator.st4sd.flowir import FlowIR

_VAR = re.compile(r"%\(([^)]+)\)s")
_REF = re.compile(r"^(?:stage(?P<stage>\d+)\.)?(?P<producer>[^/:\s]+)(?:/(?P<path>[^:]*))?"
                  r":(?P<method>[a-z]+)$")
SUPPORTED_METHODS = {"ref", "output", "copy", "link", "copyout"}
KNOWN_METHODS = SUPPORTED_METHODS | {"extract", "loopref", "loopoutput"}
_COMPONENT_KEYS = {"stage", "name", "command", "references", "variables", "workflowAttributes",
                   "resourceManager", "resourceRequest", "executors"}
_TOP_KEYS = {"platforms", "variables", "environments", "blueprint", "components", "output",
             "interface", "application-dependencies", "virtual-environments", "version"}


@dataclass(frozen=True)
class Reference:
    text: str
    stage: Optional[int]
    producer: str
    path: Optional[str]
    method: str
    direct: bool = False  # a folder of the instance (input/, data/, bin/...), not a component

    def absolute(self, stage: int) -> str:
        tail = f"/{self.path}" if self.path is not None else ""
        return f"stage{stage}.{self.producer}{tail}:{self.method}"

    def relative(self) -> str:
        tail = f"/{self.path}" if self.path is not None else ""
        return f"{self.producer}{tail}:{self.method}"


def parse_reference(text: str, directs: set[str]) -> Reference:
    match = _REF.match(text.strip())
    if match is None:
        raise WorkflowError(f"Invalid reference \"{text}\"")
    method = match["method"]
    if method not in KNOWN_METHODS:
        raise WorkflowError(f"Invalid reference \"{text}\": unknown reference method {method}")
    if method not in SUPPORTED_METHODS:
        raise UnsupportedWorkflowFeature(f"FlowIR reference method :{method} (in \"{text}\")")
    stage = int(match["stage"]) if match["stage"] is not None else None
    producer = match["producer"]
    return Reference(text.strip(), stage, producer, match["path"], method,
                     direct=stage is None and producer in directs)


@dataclass
class Component:
    """One component of the definition (before replication)."""

    stage: int
    name: str
    executable: str
    arguments: str
    references: list[str]
    environment: Optional[str]
    variables: dict[str, Any]
    replicate: Optional[str]
    aggregate: bool
    raw: dict


@dataclass
class Task:
    """A concrete component to run: replicas expanded, variables substituted."""

    stage: int
    name: str
    template: Component
    replica: Optional[int]
    variables: dict[str, str]
    # reference text (as written) -> list of (producer stage, producer task name) it points to
    producers: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    @property
    def identifier(self) -> str:
        return f"stage{self.stage}.{self.name}"


class Workflow(FlowIR):
    """A loaded FlowIR definition (of the subset the interpreter runs) and the folder it came from."""

    def __init__(self, flowir: dict, root: Path, top_level_folders: list[str]) -> None:
        if not isinstance(flowir, dict):
            raise WorkflowError("The FlowIR definition must be a mapping")
        unknown = set(flowir) - _TOP_KEYS
        if unknown:
            raise WorkflowError(f"Unknown top-level FlowIR keys {sorted(unknown)}")
        data = root / "data"
        super().__init__(flowir, sorted(p.name for p in data.iterdir() if p.is_file())
                         if data.is_dir() else [])
        self.root = root
        self.top_level_folders = sorted(top_level_folders)
        self.directs = {"input", "data"} | set(top_level_folders)
        if self.interface:
            raise UnsupportedWorkflowFeature("FlowIR interface (input ids and properties)")
        self.components = [self._component(c) for c in (flowir.get("components") or [])]
        if not self.components:
            raise WorkflowError("The workflow has no components")
        seen: set[tuple[int, str]] = set()
        for comp in self.components:
            if (comp.stage, comp.name) in seen:
                raise WorkflowError(f"Multiple definitions of component stage{comp.stage}.{comp.name}")
            seen.add((comp.stage, comp.name))

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, location: Path, manifest: Optional[Path] = None) -> "Workflow":
        """A package folder (``conf/flowir_package.yaml``) or a standalone FlowIR file."""
        location = Path(location)
        if location.is_dir():
            conf = location / "conf"
            if (conf / "dsl.yaml").exists():
                raise UnsupportedWorkflowFeature("DSL 2.0 packages (conf/dsl.yaml)")
            path = conf / "flowir_package.yaml"
            if not path.exists():
                raise WorkflowError(f"Could not find a virtual experiment definition in {location}")
            root = location
            folders = [p.name for p in location.iterdir() if p.is_dir() and p.name != "conf"]
        elif location.is_file():
            path, root = location, location.parent
            folders = []
            if manifest is not None:
                mapping = yaml.safe_load(Path(manifest).read_text()) or {}
                folders = list(mapping)
        else:
            raise WorkflowError(f"Could not find a virtual experiment definition at {location}")
        try:
            flowir = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise WorkflowError(f"Invalid virtual experiment definition {path.name}: {exc}")
        if isinstance(flowir, dict) and {"entrypoint", "workflows"} & set(flowir):
            raise UnsupportedWorkflowFeature("DSL 2.0 workflow definitions")
        return cls(flowir, root, folders)

    def _component(self, raw: dict) -> Component:
        if not isinstance(raw, dict) or "name" not in raw:
            raise WorkflowError(f"Invalid component definition {raw!r}")
        unknown = set(raw) - _COMPONENT_KEYS
        if unknown:
            raise WorkflowError(f"Component {raw['name']} has unknown keys {sorted(unknown)}")
        command = raw.get("command") or {}
        if "executable" not in command:
            raise WorkflowError(f"Component {raw['name']} has no command.executable")
        attributes = raw.get("workflowAttributes") or {}
        for key in attributes:
            if key not in ("replicate", "aggregate"):
                raise UnsupportedWorkflowFeature(f"workflowAttributes.{key} (component {raw['name']})")
        replicate = attributes.get("replicate")
        return Component(
            stage=int(raw.get("stage", 0)), name=str(raw["name"]),
            executable=str(command["executable"]), arguments=str(command.get("arguments") or ""),
            references=[str(r) for r in raw.get("references") or []],
            environment=command.get("environment"), variables=dict(raw.get("variables") or {}),
            replicate=None if replicate is None else str(replicate),
            aggregate=bool(attributes.get("aggregate", False)), raw=raw)

    # ------------------------------------------------------------------ validation and planning
    def validate(self, platform: str, user_variables: Optional[dict[str, str]] = None) -> list[str]:
        """Problems that would stop the workflow from running on ``platform`` (empty: fine)."""
        try:
            self.plan(platform, user_variables or {})
        except WorkflowError as exc:
            return [str(exc)]
        return []

    def plan(self, platform: str, user_variables: dict[str, str]) -> list[Task]:
        """Concrete tasks in execution order: stages ascending, producers before consumers."""
        if platform not in self.platforms:
            raise WorkflowError(f"Unknown platform {platform}; known platforms are {self.platforms}")
        by_key = {(c.stage, c.name): c for c in self.components}
        replicas: dict[tuple[int, str], Optional[int]] = {}
        scopes: dict[tuple[int, str], dict[str, Any]] = {}

        def scope_of(comp: Component) -> dict[str, Any]:
            if (comp.stage, comp.name) not in scopes:
                scope = self.global_variables(platform)
                scope.update(user_variables)
                scope.update(self.stage_variables(platform, comp.stage))
                scope.update(comp.variables)
                scopes[(comp.stage, comp.name)] = scope
            return scopes[(comp.stage, comp.name)]

        def refs_of(comp: Component) -> list[tuple[Reference, tuple[int, str] | None]]:
            out = []
            for text in comp.references:
                ref = parse_reference(substitute(text, scope_of(comp), where=comp.name), self.directs)
                if ref.direct:
                    out.append((ref, None))
                    continue
                key = (ref.stage if ref.stage is not None else comp.stage, ref.producer)
                if key not in by_key:
                    raise WorkflowError(f"Component stage{comp.stage}.{comp.name} references unknown "
                                        f"component stage{key[0]}.{key[1]} (\"{text}\")")
                if key[0] > comp.stage:
                    raise WorkflowError(f"Component stage{comp.stage}.{comp.name} references "
                                        f"stage{key[0]}.{key[1]} of a later stage")
                out.append((ref, key))
            return out

        def replica_count(comp: Component, trail=()) -> Optional[int]:
            key = (comp.stage, comp.name)
            if key in trail:
                raise WorkflowError(f"Cyclic references through stage{comp.stage}.{comp.name}")
            if key in replicas:
                return replicas[key]
            count: Optional[int] = None
            if comp.replicate is not None:
                value = substitute(comp.replicate, scope_of(comp), where=comp.name)
                try:
                    count = int(value)
                except ValueError:
                    raise WorkflowError(f"Component {comp.name} replicate={value!r} is not an integer")
            elif not comp.aggregate:
                for _, producer in refs_of(comp):
                    if producer is not None:
                        inherited = replica_count(by_key[producer], trail + (key,))
                        if inherited is not None:
                            count = inherited
            replicas[key] = count
            return count

        tasks: dict[tuple[int, str], list[Task]] = {}
        for comp in self.components:
            count = replica_count(comp)
            indices: list[Optional[int]] = list(range(count)) if count is not None else [None]
            made = []
            for index in indices:
                scope = dict(scope_of(comp))
                if index is not None:
                    scope["replica"] = index
                name = comp.name if index is None else f"{comp.name}{index}"
                made.append(Task(comp.stage, name, comp, index, {k: str(v) for k, v in scope.items()}))
            tasks[(comp.stage, comp.name)] = made

        for comp in self.components:
            for task in tasks[(comp.stage, comp.name)]:
                for ref, producer in refs_of(comp):
                    if producer is None:
                        continue
                    targets = tasks[producer]
                    if len(targets) > 1 and not comp.aggregate and task.replica is not None:
                        targets = [t for t in targets if t.replica == task.replica]
                    task.producers[ref.text] = [(t.stage, t.name) for t in targets]
                # substitute now so that unknown variables fail at push time
                substitute(comp.executable, task.variables, where=comp.name)
                substitute(comp.arguments, task.variables, where=comp.name)

        ordered: list[Task] = []
        placed: set[tuple[int, str]] = set()
        for stage in sorted({c.stage for c in self.components}):
            pending = [t for c in self.components if c.stage == stage for t in tasks[(c.stage, c.name)]]
            while pending:
                ready = [t for t in pending if all(p in placed for ps in t.producers.values()
                                                   for p in ps)]
                if not ready:
                    raise WorkflowError(f"Cyclic references in stage{stage}")
                for t in ready:
                    ordered.append(t)
                    placed.add((t.stage, t.name))
                pending = [t for t in pending if (t.stage, t.name) not in placed]
        return ordered

    def stages(self) -> list[int]:
        return sorted({c.stage for c in self.components})

    def output_reference(self, name: str) -> Reference:
        spec = self.outputs[name]
        data_in = spec.get("data-in") if isinstance(spec, dict) else None
        if not data_in:
            raise WorkflowError(f"Key-output {name} has no data-in")
        return parse_reference(str(data_in), self.directs)


def substitute(text: str, variables: dict[str, Any], where: str = "") -> str:
    """``%(name)s`` substitution, recursive (a value may use other variables), as FlowIR fill_in."""
    for _ in range(20):
        missing = [m for m in _VAR.findall(text) if m not in variables]
        if missing:
            raise WorkflowError(f"Component {where} uses undefined variable(s) {sorted(set(missing))}"
                                if where else f"Undefined variable(s) {sorted(set(missing))}")
        new = _VAR.sub(lambda m: str(variables[m.group(1)]), text)
        if new == text:
            return new
        text = new
    return text


def find_executable(executable: str, instance_dir: Path, env: dict[str, str]) -> Optional[str]:
    """A relative path with a folder resolves against the instance (``bin/x.py``); a bare name
    against PATH, as the local backend of elaunch does."""
    import shutil

    if os.path.isabs(executable):
        return executable if os.path.exists(executable) else None
    if "/" in executable:
        path = instance_dir / executable
        return str(path) if path.exists() else None
    return shutil.which(executable, path=env.get("PATH", os.defpath))
