"""Running experiment instances: one worker thread per instance runs its components as local
subprocesses in the instance directory; the status the service reports is derived from what has
finished. No HTTP here.

Status follows the real lifecycle (st4sd-runtime-service instances.py, elaunch.py): before the
worker starts every field is empty; then ``initialising`` with ``exit-status: N/A`` and ``meta``;
``running`` with ``current-stage``/``stage-state``/progress advancing and key-outputs appearing as
their producers finish; finally ``finished`` with ``Success``, or ``finished`` + ``Failed`` with
the failing component in ``error-description``; a deleted instance is killed (``Stopped``).
Timestamps come from the network clock.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import shlex
import shutil
import signal
import string
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from simulator.core.clock import Clock
from simulator.st4sd.datastore import Datastore
from simulator.st4sd.errors import WorkflowError
from simulator.st4sd.parameterisation import LaunchPlan
from simulator.st4sd.workflow import Task, Workflow, find_executable, parse_reference, substitute

log = logging.getLogger(__name__)
CORE_VERSION = "2.7.0"
_POLL = 0.02  # seconds between checks of a running component (stop requests, timeouts)


@dataclass
class RuntimeSettings:
    component_timeout: float = 120.0   # a component running longer fails (bounded subprocesses)
    max_output_bytes: int = 32 * 1024 * 1024
    gateway_id: str = "st4sd-simulator"


class Stopped(Exception):
    pass


@dataclass
class Instance:
    rest_uid: str
    directory: Path
    plan: LaunchPlan
    workflow: Workflow
    tasks: list[Task]
    pvep: dict
    labels: dict[str, str]
    uri: str
    created: dt.datetime
    # status, guarded by lock
    lock: threading.RLock = field(default_factory=threading.RLock)
    started: bool = False
    experiment_state: Optional[str] = None
    stage_state: Optional[str] = None
    current_stage: Optional[str] = None
    exit_status: Optional[str] = None
    error_description: str = ""
    total_progress: float = 0.0
    stage_progress: float = 0.0
    meta: Optional[dict] = None
    outputs: dict[str, dict] = field(default_factory=dict)
    component_states: dict[str, str] = field(default_factory=dict)
    updated: Optional[dt.datetime] = None
    completed: Optional[dt.datetime] = None
    stop: threading.Event = field(default_factory=threading.Event)
    proc: Optional[subprocess.Popen] = None
    thread: Optional[threading.Thread] = None

    @property
    def stages(self) -> list[str]:
        return [f"stage{s}" for s in self.workflow.stages()]

    @property
    def name(self) -> str:
        return self.directory.name

    def status(self) -> Optional[dict[str, Any]]:
        with self.lock:
            return {"experiment-state": self.experiment_state, "stage-state": self.stage_state,
                    "stages": self.stages if self.started else [],
                    "current-stage": self.current_stage, "exit-status": self.exit_status,
                    "meta": json.loads(json.dumps(self.meta)) if self.meta is not None else None,
                    "total-progress": self.total_progress, "stage-progress": self.stage_progress,
                    "error-description": self.error_description}

    def finished(self) -> bool:
        with self.lock:
            return self.experiment_state in ("finished", "failed")


class Runtime:
    """The instances of one network; creates the working root lazily, cleans it on close()."""

    def __init__(self, clock: Clock, datastore: Datastore, settings: RuntimeSettings,
                 rng: Optional[random.Random] = None) -> None:
        self.clock = clock
        self.datastore = datastore
        self.settings = settings
        self.rng = rng or random.SystemRandom()
        self._lock = threading.RLock()
        self._instances: dict[str, Instance] = {}
        self._all: list[Instance] = []
        self._root: Optional[Path] = None
        self._closed = False

    # ------------------------------------------------------------------ lifecycle
    @property
    def root(self) -> Path:
        import tempfile

        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="st4sd-simulator-"))
            return self._root

    def close(self) -> None:
        """Stop every running instance and delete the instance directories."""
        with self._lock:
            self._closed = True
            instances = list(self._all)
            self._instances.clear()
        for inst in instances:
            self._stop(inst)
        with self._lock:
            root, self._root = self._root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    # ------------------------------------------------------------------ instances
    def start(self, plan: LaunchPlan, workflow: Workflow, pvep: dict) -> Instance:
        tasks = workflow.plan(plan.platform, plan.variables)
        name = plan.ve.metadata.package.name or "experiment"
        digest = plan.ve.metadata.registry.digest or "sha256x000000"
        prefix = f"{name}-{digest.split('x', 1)[1][:6]}".replace(" ", "-").replace("_", "-")
        now = self.clock.now()
        with self._lock:
            if self._closed:
                raise RuntimeError("the ST4SD runtime of this network is closed")
            while True:
                suffix = "".join(self.rng.choice(string.digits + string.ascii_lowercase)
                                 for _ in range(8))
                rest_uid = f"{prefix}-{suffix}"
                if rest_uid not in self._instances:
                    break
            stamp = now.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%S.%f")
            directory = self.root / f"{prefix}-{stamp}.instance"
            n = 1
            while directory.exists():  # a simulated clock that does not move
                directory = self.root / f"{prefix}-{stamp}-{n}.instance"
                n += 1
            directory.mkdir(parents=True)
            labels = {"rest-uid": rest_uid, "workflow": rest_uid,
                      "st4sd-package-name": name, "st4sd-package-digest": digest}
            uri = f"file://{self.settings.gateway_id}{directory}"
            inst = Instance(rest_uid, directory, plan, workflow, tasks, pvep, labels, uri, now)
            self._instances[rest_uid] = inst
            self._all.append(inst)
        inst.thread = threading.Thread(target=self._run, args=(inst,), daemon=True,
                                       name=f"st4sd-{rest_uid}")
        inst.thread.start()
        return inst

    def get(self, rest_uid: str) -> Optional[Instance]:
        with self._lock:
            return self._instances.get(rest_uid)

    def list(self) -> list[Instance]:
        with self._lock:
            return list(self._instances.values())

    def delete(self, rest_uid: str) -> bool:
        """Like deleting the Workflow object: the run is killed and the instance forgotten."""
        with self._lock:
            inst = self._instances.pop(rest_uid, None)
        if inst is None:
            return False
        self._stop(inst)
        return True

    def _stop(self, inst: Instance) -> None:
        inst.stop.set()
        with inst.lock:
            proc = inst.proc
        if proc is not None:
            _kill(proc)
        if inst.thread is not None and inst.thread is not threading.current_thread():
            inst.thread.join(timeout=10)

    # ------------------------------------------------------------------ the worker
    def _run(self, inst: Instance) -> None:
        try:
            self._initialise(inst)
            self._execute(inst)
        except Stopped:
            self._finish(inst, "finished", "Stopped", "Killed by user signal", stage_state="failed")
        except Exception as exc:  # a crash of the simulated elaunch is data, never a crashed test
            log.exception("instance %s crashed", inst.rest_uid)
            self._finish(inst, "failed", "Failed", f"elaunch.py failed: {exc}",
                         stage_state="initialising")

    def _touch(self, inst: Instance, **changes: Any) -> None:
        with inst.lock:
            for key, value in changes.items():
                setattr(inst, key, value)
            inst.updated = self.clock.now()
        self._write_status(inst)

    def _initialise(self, inst: Instance) -> None:
        plan, wf, d = inst.plan, inst.workflow, inst.directory
        user_metadata = dict(plan.user_metadata)
        user_metadata.update({"rest-uid": inst.rest_uid, "workflow": inst.rest_uid,
                              "experiment-id": f"{inst.labels['st4sd-package-name']}@"
                                               f"{inst.labels['st4sd-package-digest']}",
                              "st4sd-package-name": inst.labels["st4sd-package-name"],
                              "st4sd-package-digest": inst.labels["st4sd-package-digest"]})
        arguments = ["elaunch.py", "-l15", "--nostamp", "--instanceName", inst.name[:-9],
                     f"--platform={plan.platform}", *plan.runtime_args]
        arguments += [f"-m{k}:{v}" for k, v in user_metadata.items()]
        stage_vars = {str(s): {k: str(v) for k, v in wf.stage_variables(plan.platform, s).items()}
                      for s in wf.stages()}
        meta = {"pid": os.getpid(), "platform": plan.platform, "arguments": " ".join(arguments),
                "inputs": sorted(plan.inputs), "data": sorted(plan.data),
                "userVariables": {"global": dict(plan.variables), "stages": {}},
                "variables": {"global": {k: str(v) for k, v in
                                         wf.global_variables(plan.platform).items()},
                              "stages": stage_vars},
                "version": CORE_VERSION, "hybridPlatform": None, "userMetadata": user_metadata,
                "instanceName": inst.name}
        self._touch(inst, started=True, experiment_state="initialising",
                    stage_state="initialising", current_stage=inst.stages[0], exit_status="N/A",
                    meta=meta)
        # the instance directory, as elaunch lays it out
        for folder in ("conf", "input", "output", "stages"):
            (d / folder).mkdir(exist_ok=True)
        root = wf.root
        for name in wf.top_level_folders:
            source = root / name
            if source.is_dir():
                shutil.copytree(source, d / name, symlinks=True, dirs_exist_ok=True)
        (d / "data").mkdir(exist_ok=True)
        for name, content in plan.data.items():
            (d / "data" / name).write_text(content)
        for name, content in plan.inputs.items():
            (d / "input" / name).write_text(content)
        if plan.variables:
            (d / "input" / "st4sd-variables.yaml").write_text(
                yaml.safe_dump({"global": plan.variables}))
        flowir = yaml.safe_dump(wf.flowir, sort_keys=False)
        (d / "conf" / "flowir_package.yaml").write_text(flowir)
        (d / "conf" / "flowir_instance.yaml").write_text(flowir)
        (d / "elaunch.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
        self._log(inst, f"Experiment {inst.name} initialised on platform {plan.platform}")
        if plan.register_workflow:
            self.datastore.register_instance(d)
            self.datastore.upsert([self._experiment_doc(inst), self._user_metadata_doc(inst)])
        if inst.stop.is_set():
            raise Stopped()

    def _execute(self, inst: Instance) -> None:
        stages = inst.workflow.stages()
        total = len(inst.tasks)
        done = 0
        self._touch(inst, experiment_state="running")
        for stage in stages:
            stage_tasks = [t for t in inst.tasks if t.stage == stage]
            self._touch(inst, current_stage=f"stage{stage}", stage_state="running",
                        stage_progress=0.0)
            for i, task in enumerate(stage_tasks):
                if inst.stop.is_set():
                    raise Stopped()
                rc, reason = self._run_task(inst, task)
                done += 1
                state = "finished" if rc == 0 else "failed"
                with inst.lock:
                    inst.component_states[task.identifier] = state
                self._component_doc(inst, task, state)
                if rc != 0:
                    error = (f"Stage {stage} failed. Reason:\n1 jobs failed unexpectedly.\n"
                             f"Job: {task.identifier}. Returncode {rc}. Reason {reason}\n")
                    self._log(inst, error)
                    self._finish(inst, "finished", "Failed", error, stage_state="failed")
                    return
                self._record_outputs(inst, task)
                self._touch(inst, stage_progress=(i + 1) / len(stage_tasks),
                            total_progress=round(done / total, 6))
        self._finish(inst, "finished", "Success", "", stage_state="finished")

    def _finish(self, inst: Instance, state: str, exit_status: str, error: str,
                stage_state: str) -> None:
        changes: dict[str, Any] = dict(experiment_state=state, exit_status=exit_status,
                                       error_description=error, stage_state=stage_state,
                                       completed=self.clock.now())
        if exit_status == "Success":
            changes.update(total_progress=1.0, stage_progress=1.0)
        # Under the instance's lock, which status readers take: a client that sees "finished"
        # finds the final experiment document in the datastore too (not the one before it).
        with inst.lock:
            inst.proc = None
            self._touch(inst, **changes)
            self._update_experiment_doc(inst)
        self._log(inst, f"Experiment finished with exit-status {exit_status}")

    # ------------------------------------------------------------------ one component
    def _run_task(self, inst: Instance, task: Task) -> tuple[int, str]:
        d, comp = inst.directory, task.template
        workdir = d / "stages" / f"stage{task.stage}" / task.name
        workdir.mkdir(parents=True, exist_ok=True)
        stdout, stderr = workdir / "out.stdout", workdir / "out.stderr"
        try:
            arguments = substitute(comp.arguments, task.variables, where=comp.name)
            executable = substitute(comp.executable, task.variables, where=comp.name)
            arguments = self._resolve_references(inst, task, arguments, workdir)
            env = dict(os.environ)
            named = inst.workflow.environment(inst.plan.platform, comp.environment)
            if named is None and comp.environment:
                raise WorkflowError(f"Unknown environment {comp.environment}")
            for key, value in (named or {}).items():
                if key != "DEFAULTS":
                    env[key] = os.path.expandvars(value)
            env.update(inst.plan.environment)
            resolved = find_executable(executable, d, env)
            if resolved is None:
                raise WorkflowError(f"Cannot find executable {executable}")
            argv = [resolved] + shlex.split(arguments)
        except (WorkflowError, ValueError, OSError) as exc:
            stderr.write_text(f"{exc}\n")
            stdout.touch()
            return 1, "ResourceExhausted" if isinstance(exc, OSError) else "KnownIssue"
        self._log(inst, f"Running {task.identifier}: {' '.join(argv)}")
        with open(stdout, "wb") as out, open(stderr, "wb") as err:
            try:
                proc = subprocess.Popen(argv, cwd=workdir, stdout=out, stderr=err, env=env,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
            except OSError as exc:
                err.write(f"{exc}\n".encode())
                return 126, "KnownIssue"
            with inst.lock:
                inst.proc = proc
            if inst.stop.is_set():
                _kill(proc)
            deadline = _monotonic() + self.settings.component_timeout
            while True:
                try:
                    rc = proc.wait(timeout=_POLL)
                    break
                except subprocess.TimeoutExpired:
                    if inst.stop.is_set():
                        _kill(proc)
                        raise Stopped()
                    if _monotonic() > deadline:
                        _kill(proc)
                        err.write(f"\nkilled by the simulator after {self.settings.component_timeout}"
                                  f" s (st4sd.settings.component_timeout)\n".encode())
                        return -9, "ResourceExhausted"
            with inst.lock:
                inst.proc = None
        if inst.stop.is_set():
            raise Stopped()
        return rc, "KnownIssue" if rc != 0 else ""

    def _resolve_references(self, inst: Instance, task: Task, arguments: str, workdir: Path) -> str:
        d, wf = inst.directory, inst.workflow
        for text in task.template.references:
            ref = parse_reference(substitute(text, task.variables, where=task.name), wf.directs)
            if ref.direct:
                paths = [d / ref.producer / (ref.path or "")]
                absolute = relative = ref.text
            else:
                producers = task.producers.get(ref.text, [])
                paths = [d / "stages" / f"stage{s}" / name / (ref.path or "")
                         for s, name in producers]
                absolute = ref.absolute(producers[0][0] if producers else task.stage)
                relative = ref.relative()
            if ref.method == "ref":
                value = " ".join(str(p).rstrip("/") for p in paths)
            elif ref.method == "output":
                chunks = []
                for p in paths:
                    p = p / "out.stdout" if (ref.path is None and not ref.direct) else p
                    if not p.is_file():
                        raise WorkflowError(f"Reference {ref.text}: file {p} does not exist")
                    chunks.append(p.read_bytes().decode("utf-8", "replace").rstrip("\n"))
                value = " ".join(chunks)
            else:  # copy, copyout, link: stage the files into the working directory
                for p in paths:
                    if not p.exists():
                        raise WorkflowError(f"Reference {ref.text}: {p} does not exist")
                    target = workdir / p.name
                    if ref.method == "link":
                        if not target.exists():
                            target.symlink_to(p)
                    elif p.is_dir():
                        shutil.copytree(p, target, dirs_exist_ok=True)
                    else:
                        shutil.copy2(p, target)
                continue
            if absolute in arguments:
                arguments = arguments.replace(absolute, value)
            else:
                arguments = arguments.replace(relative, value)
        return arguments

    # ------------------------------------------------------------------ outputs and files
    def _record_outputs(self, inst: Instance, task: Task) -> None:
        wf = inst.workflow
        for key in wf.outputs:
            try:
                ref = wf.output_reference(key)
            except WorkflowError:
                continue
            if ref.direct:
                continue
            stage = ref.stage if ref.stage is not None else task.stage
            if (stage, ref.producer) != (task.stage, task.template.name) or task.replica not in (None, 0):
                continue
            rel = Path("stages") / f"stage{stage}" / task.name
            if ref.path:
                rel = rel / ref.path
            spec = wf.outputs[key] if isinstance(wf.outputs[key], dict) else {}
            with inst.lock:
                version = int(inst.outputs.get(key, {}).get("version", "0")) + 1
                inst.outputs[key] = {
                    "creationtime": str(self.clock.timestamp()), "description": "",
                    "filename": rel.name, "filepath": str(rel), "final": "yes",
                    "production": "yes", "type": "", "version": str(version)}
                # keep the real description bug out of the datastore copy only
                inst.outputs[key]["_spec"] = {"description": str(spec.get("description", "")),
                                              "type": str(spec.get("type", ""))}
        self._write_outputs(inst)

    def outputs_of(self, inst: Instance) -> dict[str, dict]:
        with inst.lock:
            return {k: {f: v for f, v in o.items() if not f.startswith("_")}
                    for k, o in inst.outputs.items()}

    def _write_outputs(self, inst: Instance) -> None:
        out = inst.directory / "output"
        outputs = self.outputs_of(inst)
        (out / "output.json").write_text(json.dumps(outputs, indent=2))
        lines = []
        for key, values in outputs.items():
            lines.append(f"[{key}]")
            lines += [f"{k} = {v}" for k, v in values.items()]
        (out / "output.txt").write_text("\n".join(lines) + "\n")

    def _write_status(self, inst: Instance) -> None:
        out = inst.directory / "output"
        if not out.is_dir():
            return
        status = self._status_strings(inst)
        (out / "status.txt").write_text("".join(f"{k}={v}\n" for k, v in status.items()))

    def _status_strings(self, inst: Instance) -> dict[str, str]:
        fmt = "%d%m%y-%H%M%S"
        with inst.lock:
            status = {"experiment-state": inst.experiment_state or "Initialising",
                      "stage-state": inst.stage_state or "Initialising",
                      "exit-status": inst.exit_status or "N/A",
                      "current-stage": inst.current_stage or "stage0",
                      "stages": str(inst.stages), "total-progress": str(inst.total_progress),
                      "stage-progress": str(inst.stage_progress), "cost": "0",
                      "created-on": inst.created.strftime(fmt),
                      "updated-on": (inst.updated or inst.created).strftime(fmt),
                      "updated": (inst.updated or inst.created).strftime(fmt)}
            if inst.completed is not None:
                status["completed-on"] = inst.completed.strftime(fmt)
            if inst.error_description:
                status["error-description"] = inst.error_description
        return status

    def _log(self, inst: Instance, line: str) -> None:
        path = inst.directory / "output" / "experiment.log"
        if path.parent.is_dir():
            stamp = self.clock.now().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
            with open(path, "a") as f:
                f.write(f"{stamp} {line}\n")

    # ------------------------------------------------------------------ datastore documents
    def _experiment_doc(self, inst: Instance) -> dict:
        interface = dict(inst.workflow.interface)
        with inst.lock:
            meta = json.loads(json.dumps(inst.meta))
        return {"type": "experiment", "instance": inst.uri,
                "uid": inst.uri.replace("%", "%%").replace("&", "%&"),
                "name": inst.plan.ve.metadata.package.name, "interface": interface,
                "output": self._doc_outputs(inst), "status": self._status_strings(inst),
                "metadata": meta}

    def _doc_outputs(self, inst: Instance) -> dict:
        out = {}
        with inst.lock:
            for key, o in inst.outputs.items():
                created = dt.datetime.fromtimestamp(float(o["creationtime"]), dt.timezone.utc)
                out[key] = {"creationtime": created.strftime("%Y-%m-%dT%H%M%S.%f"),
                            "description": o["_spec"]["description"], "filename": o["filename"],
                            "filepath": o["filepath"], "final": o["final"], "production": "yes",
                            "type": o["_spec"]["type"], "version": int(o["version"])}
        return out

    def _update_experiment_doc(self, inst: Instance) -> None:
        if not inst.plan.register_workflow or not (inst.directory / "output").is_dir():
            return
        self.datastore.upsert([self._experiment_doc(inst)])

    def _user_metadata_doc(self, inst: Instance) -> dict:
        with inst.lock:
            meta = dict(inst.meta["userMetadata"])
        return {"type": "user-metadata", "instance": inst.uri, "uid": f"{inst.uri}&user-metadata",
                **meta}

    def _component_doc(self, inst: Instance, task: Task, state: str) -> None:
        if not inst.plan.register_workflow:
            return
        workdir = inst.directory / "stages" / f"stage{task.stage}" / task.name
        files = sorted(str(p) for p in workdir.rglob("*") if p.is_file())
        producers: dict[str, list[str]] = {}
        for text, targets in task.producers.items():
            ref = parse_reference(text, inst.workflow.directs)
            for s, name in targets:
                producers.setdefault(f"{inst.uri}&stage{s}.{name}", []).append(
                    ref.path or "out.stdout")
        flowir = json.loads(json.dumps(task.template.raw, default=str))
        flowir["name"] = task.name
        self.datastore.upsert([{
            "type": "component", "instance": inst.uri,
            "uid": f"{inst.uri}&{task.identifier}", "name": task.name, "stage": task.stage,
            "location": str(workdir), "files": files, "flowir": flowir,
            "component-identifier": task.identifier, "producers": producers,
            "component-state": state, "memoization-hash": "", "memoization-hash-fuzzy": ""}])
        self._update_experiment_doc(inst)


def _monotonic() -> float:
    import time

    return time.monotonic()


def _kill(proc: subprocess.Popen) -> None:
    """Terminate a component and everything it started (it runs in its own session)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)
