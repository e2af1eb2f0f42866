"""The in-process interpreter (the fast mode): one worker thread per instance runs the components
of a documented FlowIR subset (:mod:`simulator.st4sd.workflow`) as local subprocesses in the
instance directory, one after the other; the status the service reports is derived from what has
finished. No HTTP here. Where it differs from the real runtime: README, "ST4SD".

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
import shlex
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import yaml

from simulator.st4sd.errors import WorkflowError
from simulator.st4sd.interpreter_records import Records
from simulator.st4sd.parameterisation import LaunchPlan
from simulator.st4sd.workflow import Task, Workflow, find_executable, parse_reference, substitute

if TYPE_CHECKING:
    from simulator.core.clock import Clock
    from simulator.st4sd.datastore import Datastore
    from simulator.st4sd.runtime import RuntimeSettings

log = logging.getLogger(__name__)
CORE_VERSION = "2.7.0"
_POLL = 0.02  # seconds between checks of a running component (stop requests, timeouts)


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
    outputs_: dict[str, dict] = field(default_factory=dict)  # key-output -> its output.json entry
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
                    # elaunch escapes newlines twice in status.txt, the sidecar unescapes once
                    "error-description": self.error_description.replace("\n", "\\n")}

    def finished(self) -> bool:
        with self.lock:
            return self.experiment_state in ("finished", "failed")

    def outputs(self) -> dict[str, dict]:
        with self.lock:
            return {k: {f: v for f, v in o.items() if not f.startswith("_")}
                    for k, o in self.outputs_.items()}


class Interpreter:
    """Runs instances of the interpreter: one worker thread each."""

    def __init__(self, clock: "Clock", datastore: "Datastore", settings: "RuntimeSettings") -> None:
        self.clock = clock
        self.datastore = datastore
        self.settings = settings
        self.records = Records(clock, datastore)

    def start(self, inst: Instance) -> None:
        inst.thread = threading.Thread(target=self._run, args=(inst,), daemon=True,
                                       name=f"st4sd-{inst.rest_uid}")
        inst.thread.start()

    def stop(self, inst: Instance) -> None:
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
        # as elaunch.py writes them: user variables override the globals, and every stage scope
        # lists its own variables plus the user's
        users = {k: str(v) for k, v in plan.variables.items()}
        stage_vars = {str(s): {**{k: str(v) for k, v in wf.stage_variables(plan.platform, s).items()},
                               **users} for s in wf.stages()}
        meta = {"pid": os.getpid(), "platform": plan.platform, "arguments": " ".join(arguments),
                "inputs": sorted(plan.inputs), "data": sorted(plan.data),
                "userVariables": {"global": dict(plan.variables)} if plan.variables else {},
                "variables": {"global": {**{k: str(v) for k, v in
                                            wf.global_variables(plan.platform).items()}, **users},
                              "stage": stage_vars},
                "version": CORE_VERSION, "hybridPlatform": None, "userMetadata": user_metadata,
                "instanceName": inst.name}
        self.records.touch(inst, started=True, experiment_state="initialising",
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
        self.records.log(inst, f"Experiment {inst.name} initialised on platform {plan.platform}")
        if plan.register_workflow:
            self.datastore.register_instance(d)
            self.datastore.upsert([self.records.experiment_doc(inst),
                                   self.records.user_metadata_doc(inst)])
            for task in inst.tasks:  # the reporter registers every component at the start
                self.records.component_doc(inst, task, "unknown")
        if inst.stop.is_set():
            raise Stopped()

    def _execute(self, inst: Instance) -> None:
        stages = inst.workflow.stages()
        # FlowIR's default status-report stage weights: 1/N to 3 decimals, the rest to the last
        weights = [round(1 / len(stages), 3)] * (len(stages) - 1)
        weights.append(round(1 - sum(weights), 3))
        finished = 0.0
        self.records.touch(inst, experiment_state="running")
        for weight, stage in zip(weights, stages):
            stage_tasks = [t for t in inst.tasks if t.stage == stage]
            self.records.touch(inst, current_stage=f"stage{stage}", stage_state="running",
                               stage_progress=0.0)
            for i, task in enumerate(stage_tasks):
                if inst.stop.is_set():
                    raise Stopped()
                rc, reason = self._run_task(inst, task)
                state = "finished" if rc == 0 else "failed"
                with inst.lock:
                    inst.component_states[task.identifier] = state
                self.records.component_doc(inst, task, state)
                if rc != 0:
                    error = (f"Stage {stage} failed. Reason:\n1 jobs failed unexpectedly.\n"
                             f"Job: {task.identifier}. Returncode {rc}. Reason {reason}\n")
                    self.records.log(inst, error)
                    self._finish(inst, "finished", "Failed", error, stage_state="failed")
                    return
                self.records.record_outputs(inst, task)
                progress = (i + 1) / len(stage_tasks)
                self.records.touch(inst, stage_progress=progress,
                                   total_progress=round(finished + weight * progress, 6))
            finished += weight
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
            self.records.touch(inst, **changes)
            self.records.update_experiment_doc(inst)
        self.records.log(inst, f"Experiment finished with exit-status {exit_status}")

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
        self.records.log(inst, f"Running {task.identifier}: {' '.join(argv)}")
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



def _monotonic() -> float:
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
