"""Running one algorithm container: the real ``wrap_algorithm`` of vantage6-algorithm-tools 4.15.2,
either in this process (fast, deterministic) or in a subprocess per run (isolated: a fresh
interpreter that receives exactly what a Docker container would).

Both give the node what Docker gives it: the exit code, the container's log (stdout and stderr
together) and the bytes of the output file. An algorithm's failure is data, never an exception here.
"""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Optional, Protocol

from simulator.core.confinement import Confinement, confined
from simulator.vantage6.runtime import data_cache
from simulator.vantage6.runtime.environment import RunFolder, encode
from simulator.vantage6.runtime.isolation import base_environment, run_context

IN_PROCESS = "in-process"
ISOLATED = "isolated"
MODES = (IN_PROCESS, ISOLATED)
CACHE_VARIABLE = "SIMULATOR_DATA_CACHE"  # where isolated runs of a node share parsed frames


class AlgorithmDialect(Protocol):
    """What the runtime reads of a vantage6 profile (``profiles.Profile``): how the profile's
    algorithm image is entered, and whether its node encodes the container's variables."""

    encodes_environment: bool

    def algorithm_entry(self, module: str) -> Callable[[], None]: ...


@dataclass
class RunJob:
    run_id: int
    module: str
    environment: dict[str, str]  # already encoded, as the node hands it to Docker
    folder: RunFolder
    cache: data_cache.DataCache
    cache_folder: Path  # for isolated runs: the node's on-disk cache of parsed frames
    node_id: int = 0  # for executors whose workers keep their own caches per node
    dialect: Optional[AlgorithmDialect] = None  # the node's profile (None: 4.x)
    confinement: Optional[Confinement] = None  # what the run's container would not have


@dataclass
class RunOutcome:
    exit_code: int
    log: str
    output: bytes
    killed: bool = False
    # in process only: what the algorithm raised (the wrapper turns it into exit(1))
    error: Optional[BaseException] = None


def _exit_code(exc: SystemExit, log: io.StringIO) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    log.write(f"{code}\n")  # as the interpreter prints a non-integer exit argument
    return 1


def _quiet_exit(code: object = None) -> None:
    """The builtin ``exit`` closes ``sys.stdin`` before raising; a container does not care, the
    test session around an in-process run does."""
    raise SystemExit(code)


_wrap_v4: Optional[Callable[[], None]] = None


def wrap_algorithm_v4() -> Callable[[], None]:
    """vantage6-algorithm-tools 4.x's ``wrap_algorithm``, made fit to run in this process once:
    its ``exit`` calls raise SystemExit quietly, and ``@data`` loads through the node's cache."""
    global _wrap_v4
    if _wrap_v4 is None:
        from vantage6.algorithm.tools import decorators, wrap, wrappers

        quiet_exits(decorators, wrap, wrappers)
        data_cache.install()
        _wrap_v4 = wrap.wrap_algorithm
    return _wrap_v4


def quiet_exits(*modules) -> None:
    for tools in modules:
        tools.exit = _quiet_exit  # module globals shadow the builtin


def wrapped_run(entry: Callable[[], None], module: str, environment: dict[str, str],
                cache: data_cache.DataCache, output_file: Path,
                confinement: Optional[Confinement] = None) -> RunOutcome:
    """The profile's algorithm entry (``wrap_algorithm()``) in this process, under a context
    that looks like the container: the image's environment plus the node's variables, its own
    stdout/stderr, and the node's parsed databases. Used in the simulator's process and in
    executor workers."""
    environ = base_environment()
    environ.update(environment)
    environ["PKG_NAME"] = module
    log = io.StringIO()
    code, error = 0, None
    with data_cache.using(cache), run_context(environ, log), confined(confinement):
        try:
            entry()
        except SystemExit as exc:
            code = _exit_code(exc, log)
            # raised inside the wrapper's "except Exception as e:", so e is its context
            error = exc.__context__ if code else None
        except Exception as exc:  # uncaught in a container: printed, exit status 1
            traceback.print_exc(file=log)
            code, error = 1, exc
    return RunOutcome(code, log.getvalue(), output_file.read_bytes(), error=error)


class InProcessExecutor:
    """The algorithm in this process (the default: fast and deterministic)."""

    def __init__(self, reachable: Callable[[], ContextManager] = contextlib.nullcontext) -> None:
        self._reachable = reachable  # makes the node proxy answer this process's HTTP calls

    def execute(self, job: RunJob) -> RunOutcome:
        with self._reachable():
            entry = (job.dialect.algorithm_entry(job.module) if job.dialect is not None
                     else wrap_algorithm_v4())
            return wrapped_run(entry, job.module, job.environment, job.cache,
                               job.folder.output_file, job.confinement)

    def kill(self, run_id: int) -> bool:
        return False  # a thread cannot be stopped; the node discards the outcome instead


@dataclass
class IsolatedExecutor:
    """A subprocess per run: ``python -m simulator.vantage6.runtime.entrypoint``, which is the
    real image's ``wrap_algorithm()`` plus the node's on-disk cache of parsed databases."""

    timeout: Optional[float] = None
    _running: dict[int, subprocess.Popen] = field(default_factory=dict)
    _cancelled: set[int] = field(default_factory=set)  # killed before their process existed
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def execute(self, job: RunJob) -> RunOutcome:
        env = base_environment()
        env.update(job.environment)
        env["PKG_NAME"] = job.module
        env[CACHE_VARIABLE] = encode(str(job.cache_folder))
        # the algorithm package must import as it does in this process (no image to install it in)
        # (absolute: the subprocess runs in the run folder, and "" means this process's cwd)
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in sys.path)
        with self._lock:
            if job.run_id in self._cancelled:
                self._cancelled.discard(job.run_id)
                return RunOutcome(137, "", b"", killed=True)
            process = subprocess.Popen(
                [sys.executable, "-m", "simulator.vantage6.runtime.entrypoint"], env=env,
                cwd=job.folder.path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT)
            self._running[job.run_id] = process
        try:
            # the confinement goes in on stdin: in the environment the algorithm would read it
            spec = job.confinement.to_json() if job.confinement is not None else ""
            out, _ = process.communicate(spec.encode(), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
            out += f"\n(stopped by the simulator after {self.timeout} s)\n".encode()
        finally:
            with self._lock:
                killed = self._running.pop(job.run_id, None) is None
        return RunOutcome(process.returncode, out.decode("utf-8", "replace"),
                          job.folder.output_file.read_bytes(), killed)

    def kill(self, run_id: int) -> bool:
        """Stop a run's process; a run whose process has not started yet never starts."""
        with self._lock:
            process = self._running.pop(run_id, None)
            if process is None:
                self._cancelled.add(run_id)
                return False
        process.kill()
        return True
