"""The experiment instances of one network and who runs them. No HTTP here.

Two runtimes run a started instance (``settings.runtime``):
- ``elaunch``: the real st4sd-runtime-core 2.7.0 elaunch.py with the local backend, in a
  subprocess from its own virtualenv (:mod:`simulator.st4sd.elaunch`). The default wherever that
  virtualenv is installed (``auto``).
- ``interpreter``: the in-process FlowIR-subset interpreter (:mod:`simulator.st4sd.interpreter`),
  the fast mode; what it cannot run as the real runtime does it refuses at push (501).

Either way an instance answers ``status()``, ``outputs()``, ``finished()`` and has ``rest_uid``,
``labels``, ``directory`` and ``uri``; the routes need nothing else.
"""
from __future__ import annotations

import datetime as dt
import random
import shutil
import string
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

from simulator.core.clock import Clock
from simulator.st4sd.datastore import Datastore
from simulator.st4sd.elaunch import RuntimeVenv, find_runtime
from simulator.st4sd.elaunch.instance import ElaunchInstance, Package
from simulator.st4sd.interpreter import Instance, Interpreter
from simulator.st4sd.parameterisation import LaunchPlan
from simulator.st4sd.sources import Definition

RUNTIMES = ("auto", "elaunch", "interpreter")
AnyInstance = Union[Instance, ElaunchInstance]


@dataclass
class RuntimeSettings:
    runtime: str = "auto"              # auto: elaunch where its virtualenv is installed
    runtime_venv: Optional[str] = None  # default $ST4SD_RUNTIME_VENV or <checkout>/.venv-st4sd
    # The runtime service's namespace presets (defaultOrchestratorArguments): a PVEP or payload may
    # not change them. As st4sd-deployment's minimal local deployment, no 6 s failsafe delays.
    default_arguments: list[str] = field(default_factory=lambda: ["--failSafeDelays=no"])
    component_timeout: float = 120.0   # interpreter: a component running longer fails
    max_output_bytes: int = 32 * 1024 * 1024
    gateway_id: str = "st4sd-simulator"
    stop_grace: float = 10.0           # elaunch: SIGTERM, then SIGKILL after this many seconds
    status_poll: float = 0.1           # elaunch: how often the sidecar reads the status files


class Runtime:
    """The instances of one network; creates the working root lazily, cleans it on close()."""

    def __init__(self, clock: Clock, datastore: Datastore, settings: RuntimeSettings,
                 rng: Optional[random.Random] = None,
                 internal_urls: Optional[Callable[[], tuple[str, str]]] = None) -> None:
        if settings.runtime not in RUNTIMES:
            raise ValueError(f"st4sd runtime must be one of {RUNTIMES}, not {settings.runtime!r}")
        self.clock = clock
        self.datastore = datastore
        self.settings = settings
        self.rng = rng or random.SystemRandom()
        self.venv: Optional[RuntimeVenv] = None
        if settings.runtime != "interpreter":
            self.venv = find_runtime(settings.runtime_venv)
            if self.venv is None and settings.runtime == "elaunch":
                raise RuntimeError("the elaunch runtime needs st4sd-runtime-core's virtualenv: "
                                   "run tools/st4sd_runtime/install.sh (or set ST4SD_RUNTIME_VENV)")
        self.mode = "elaunch" if self.venv is not None else "interpreter"
        self.interpreter = Interpreter(clock, datastore, settings)
        self._internal_urls = internal_urls
        self._lock = threading.RLock()
        self._instances: dict[str, AnyInstance] = {}
        self._all: list[AnyInstance] = []
        self._stopping: list[threading.Thread] = []
        self._root: Optional[Path] = None
        self._closed = False

    # ------------------------------------------------------------------ lifecycle
    @property
    def root(self) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="st4sd-simulator-"))
            return self._root

    def close(self) -> None:
        """Stop every running instance (nothing keeps running) and delete their directories."""
        with self._lock:
            self._closed = True
            instances = list(self._all)
            self._instances.clear()
            stopping, self._stopping = self._stopping, []
        for inst in instances:
            self._kill(inst)
        for thread in stopping:
            thread.join(timeout=30)
        with self._lock:
            root, self._root = self._root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    # ------------------------------------------------------------------ instances
    def start(self, plan: LaunchPlan, definition: Definition, pvep: dict) -> AnyInstance:
        name = plan.ve.metadata.package.name or "experiment"
        digest = plan.ve.metadata.registry.digest or "sha256x000000"
        prefix = f"{name}-{digest.split('x', 1)[1][:6]}".replace(" ", "-").replace("_", "-")
        with self._lock:
            if self._closed:
                raise RuntimeError("the ST4SD runtime of this network is closed")
            while True:
                suffix = "".join(self.rng.choice(string.digits + string.ascii_lowercase)
                                 for _ in range(8))
                rest_uid = f"{prefix}-{suffix}"
                if rest_uid not in self._instances:
                    break
            labels = {"rest-uid": rest_uid, "workflow": rest_uid,
                      "st4sd-package-name": name, "st4sd-package-digest": digest}
            inst = (self._elaunch(rest_uid, labels, prefix, plan, definition, pvep)
                    if definition.workflow is None else
                    self._interpreted(rest_uid, labels, prefix, plan, definition, pvep))
            self._instances[rest_uid] = inst
            self._all.append(inst)
        if isinstance(inst, ElaunchInstance):
            if plan.register_workflow:  # the gateway serves the instance's files
                self.datastore.register_instance(inst.directory)
            inst.start()
        else:
            self.interpreter.start(inst)
        return inst

    def _stamp(self) -> str:
        return self.clock.now().astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%S.%f")

    def _interpreted(self, rest_uid: str, labels: dict, prefix: str, plan: LaunchPlan,
                     definition: Definition, pvep: dict) -> Instance:
        directory = self.root / f"{prefix}-{self._stamp()}.instance"
        n = 1
        while directory.exists():  # a simulated clock that does not move
            directory = self.root / f"{prefix}-{self._stamp()}-{n}.instance"
            n += 1
        directory.mkdir(parents=True)
        workflow = definition.workflow
        tasks = workflow.plan(plan.platform, plan.variables)
        uri = f"file://{self.settings.gateway_id}{directory}"
        return Instance(rest_uid, directory, plan, workflow, tasks, pvep, labels, uri,
                        self.clock.now())

    def _elaunch(self, rest_uid: str, labels: dict, prefix: str, plan: LaunchPlan,
                 definition: Definition, pvep: dict) -> ElaunchInstance:
        assert self.venv is not None
        workdir = self.root / rest_uid  # the pod's working directory
        workdir.mkdir(parents=True)
        name = f"{prefix}-{dt.datetime.now():%Y-%m-%dT%H%M%S.%f}"  # elaunch's own clock: wall time
        return ElaunchInstance(
            rest_uid, labels, plan, pvep, workdir, name,
            Package(definition.location, definition.manifest), self.venv, self.datastore,
            self.settings.gateway_id, status_poll=self.settings.status_poll,
            stop_grace=self.settings.stop_grace, internal_urls=self._internal_urls)

    def get(self, rest_uid: str) -> Optional[AnyInstance]:
        with self._lock:
            return self._instances.get(rest_uid)

    def list(self) -> list[AnyInstance]:
        with self._lock:
            return list(self._instances.values())

    def delete(self, rest_uid: str) -> bool:
        """Like deleting the Workflow object: the run is stopped and the instance forgotten.
        An elaunch run stops as its pod does (SIGTERM, elaunch records ``Stopped``, SIGKILL
        after the grace period), after this returns."""
        with self._lock:
            inst = self._instances.pop(rest_uid, None)
        if inst is None:
            return False
        if isinstance(inst, ElaunchInstance):
            inst.stop()
            thread = threading.Thread(target=inst.wait, args=(self.settings.stop_grace + 10,),
                                      daemon=True, name=f"st4sd-stop-{rest_uid}")
            with self._lock:
                self._stopping.append(thread)
            thread.start()
        else:
            self.interpreter.stop(inst)
        return True

    def _kill(self, inst: AnyInstance) -> None:
        if isinstance(inst, ElaunchInstance):
            inst.close()
        else:
            self.interpreter.stop(inst)
