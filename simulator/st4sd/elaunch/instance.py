"""One experiment instance run by the real elaunch.py, as a Workflow pod runs it: the payload's
files staged, elaunch started under ``inside/supervisor.py`` in a session of its own, its files
watched as the monitoring sidecar watches them (every ``status_poll`` seconds), the reporter's
documents loaded into the datastore. No HTTP here.

Stopping: :meth:`stop` is a deleted Workflow (SIGTERM, elaunch records ``Stopped``, SIGKILL
after ``stop_grace`` seconds), :meth:`kill` is at once. Nothing outlives the simulator's process
however it ends: the supervisor holds the read end of a pipe only this process writes to.
"""
from __future__ import annotations

import copy
import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from simulator.st4sd.datastore import Datastore
from simulator.st4sd.elaunch.sidecar import (DocumentFeed, apply_exit_code, is_final,
                                             parse_status_report, rest_status)
from simulator.st4sd.elaunch.venv import RuntimeVenv
from simulator.st4sd.parameterisation import LaunchPlan

log = logging.getLogger(__name__)
# What the sidecar writes into the Workflow before status.txt exists (app.py: meta "" and
# outputfiles {}), as GET /instances answers it: every key, nothing known yet
EMPTY = {"meta": "", "outputfiles": {}}


@dataclass
class Package:
    """Where elaunch.py finds the base package (the folder or standalone file, its manifest)."""

    location: Path
    manifest: Optional[Path] = None


class ElaunchInstance:
    def __init__(self, rest_uid: str, labels: dict[str, str], plan: LaunchPlan, pvep: dict,
                 workdir: Path, name: str, package: Package, venv: RuntimeVenv,
                 datastore: Datastore, gateway_id: str, status_poll: float = 0.1, stop_grace: float = 10.0,
                 internal_urls: Optional[Callable[[], tuple[str, str]]] = None) -> None:
        self.rest_uid, self.labels, self.plan, self.pvep = rest_uid, labels, plan, pvep
        self.workdir = workdir                       # the pod's working directory
        self.directory = workdir / f"{name}.instance"  # elaunch --instanceName NAME --nostamp
        self.monitor = workdir / "reporter"          # --discovererMonitorDir
        self.uri = f"file://{gateway_id}{self.directory}"
        self._venv, self._datastore, self._gateway = venv, datastore, gateway_id
        self._package, self._name = package, name
        self._poll, self._grace, self._internal_urls = status_poll, stop_grace, internal_urls
        self._lock = threading.RLock()
        self._crd: dict[str, Any] = dict(EMPTY)   # the Workflow's status, as the sidecar wrote it
        self._proc: Optional[subprocess.Popen] = None
        self._death: Optional[int] = None          # write end of the supervisor's death pipe
        self._thread: Optional[threading.Thread] = None
        self._feed = DocumentFeed(self.monitor / "documents.jsonl")
        self.exit_code: Optional[int] = None

    # ------------------------------------------------------------------ what routes read
    def status(self) -> dict[str, Any]:
        with self._lock:
            return rest_status(copy.deepcopy(self._crd))[0]

    def outputs(self) -> dict[str, dict]:
        with self._lock:
            return rest_status(copy.deepcopy(self._crd))[1]

    def finished(self) -> bool:
        return is_final(self.status().get("experiment-state"))

    @property
    def pid(self) -> Optional[int]:
        """The supervisor's pid (its process group holds elaunch and the components)."""
        return self._proc.pid if self._proc is not None else None

    # ------------------------------------------------------------------ starting
    def command(self) -> list[str]:
        """elaunch.py's command line, as the runtime service builds it for the Workflow."""
        plan, payload = self.plan, self.workdir / "payload"
        args = [str(self._venv.python), str(self._venv.elaunch), "-l15", "--nostamp",
                "--instanceName", self._name]
        if plan.platform:
            args.append(f"--platform={plan.platform}")
        # the namespace presets of the runtime service, then the package's and payload's
        args += plan.runtime_args + [f"--discovererMonitorDir={self.monitor}"]
        if self._internal_urls is not None and plan.use_memoization:
            mongo, registry = self._internal_urls()
            args += [f"--mongoEndpoint={mongo}", f"--cdbRegistry={registry}"]
        metadata = dict(plan.user_metadata)
        metadata.update(self.labels)
        metadata["experiment-id"] = (f"{self.labels['st4sd-package-name']}@"
                                     f"{self.labels['st4sd-package-digest']}")
        args += [f"-m{key}:{value}" for key, value in metadata.items()]
        for name in plan.inputs:
            args += ["-i", str(payload / "input" / name)]
        for name in plan.data:
            args += ["-d", str(payload / "data" / name)]
        if plan.variables:
            args += ["-a", str(payload / "input" / "st4sd-variables.yaml")]
        if self._package.manifest is not None:
            args += ["--manifest", str(self._package.manifest)]
        return args + [str(self._package.location)]

    def start(self) -> None:
        payload = self.workdir / "payload"
        for kind, files in (("input", self.plan.inputs), ("data", self.plan.data)):
            (payload / kind).mkdir(parents=True, exist_ok=True)
            for name, content in files.items():
                (payload / kind / name).write_text(content)
        if self.plan.variables:
            (payload / "input" / "st4sd-variables.yaml").write_text(
                yaml.dump({"global": self.plan.variables}))
        self.monitor.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        # the runtime image's python is the components' python3 too
        env["PATH"] = f"{self._venv.bin}{os.pathsep}{env.get('PATH', os.defpath)}"
        env.pop("PYTHONPATH", None)
        env.update(self.plan.environment)
        read, write = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [str(self._venv.python), self._venv.script("supervisor.py"),
                 "--parent-pid", str(os.getpid()), "--death-fd", str(read),
                 "--monitor-dir", str(self.monitor), "--gateway-id", self._gateway,
                 "--grace", str(self._grace), "--", *self.command()],
                cwd=self.workdir, env=env, pass_fds=(read,), start_new_session=True,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=open(self.monitor / "supervisor.log", "ab"))
        finally:
            os.close(read)
        self._death = write
        self._thread = threading.Thread(target=self._watch, daemon=True,
                                        name=f"st4sd-sidecar-{self.rest_uid}")
        self._thread.start()

    # ------------------------------------------------------------------ the sidecar
    def _watch(self) -> None:
        proc = self._proc
        assert proc is not None
        while True:
            code = proc.poll()  # first the exit code, then the files (as app.py does)
            self._ingest()
            seen = parse_status_report(self.directory)
            if seen is not None:
                crd = apply_exit_code(seen, code)
                # A final state is published once elaunch has exited and its last documents
                # are in the datastore: a client that sees "finished" finds them there.
                if code is not None or not is_final(crd.get("experimentstate")):
                    with self._lock:
                        self._crd = crd
            if code is not None:
                self.exit_code = code
                self._close_death_pipe()
                return
            time.sleep(self._poll)

    def _ingest(self) -> None:
        try:
            lines = self._feed.read()
        except (OSError, ValueError):
            log.exception("unreadable documents of %s", self.rest_uid)
            return
        for line in lines:
            if "upsert" in line:
                self._datastore.replace(line["upsert"])
            for entry in line.get("may-insert", []):
                self._datastore.may_insert(entry["doc"], entry["query"], True)

    # ------------------------------------------------------------------ stopping
    def stop(self) -> None:
        """As deleting the Workflow: SIGTERM now, SIGKILL after the grace period."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """Everything at once (the supervisor kills its descendants and exits)."""
        self._signal(signal.SIGUSR2)

    def _signal(self, signum: int) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                proc.send_signal(signum)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float) -> bool:
        """Wait for the supervisor (and the sidecar's last look); kill the group when it lingers."""
        proc = self._proc
        if proc is None:
            return True
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait(timeout=10)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        return True

    def close(self) -> None:
        """Kill and forget: nothing of this run keeps running."""
        self.kill()
        self.wait(timeout=15)
        self._close_death_pipe()

    def _close_death_pipe(self) -> None:
        with self._lock:
            death, self._death = self._death, None
        if death is not None:
            os.close(death)  # the supervisor reads EOF: it kills what is left and exits
