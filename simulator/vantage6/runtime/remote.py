"""Running algorithms in other processes: a process pool, or a Ray cluster.

The job carries only what is small — the module, the node's (encoded) environment, the run's
input and container token. The worker makes its own run folder, and loads the node's databases
itself (from their uris, which must exist where it runs), parsing each once per worker and node.
Algorithms that call back (central functions) reach the network over loopback HTTP, so those
need workers on this machine; partial functions can run anywhere the data is.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Optional

from simulator.core.confinement import Confinement
from simulator.vantage6.runtime import data_cache
from simulator.vantage6.runtime.environment import encode, prepare_run_folder
from simulator.vantage6.runtime.executors import RunJob, RunOutcome, wrapped_run
from simulator.vantage6.profiles import profile_of_environment

# the variables naming files of the run folder: rewritten to the worker's own folder
_FILE_VARIABLES = ("INPUT_FILE", "OUTPUT_FILE", "TOKEN_FILE", "TEMPORARY_FOLDER")


@dataclass(frozen=True)
class RemoteJob:
    run_id: int
    node_id: int
    module: str
    environment: dict[str, str]
    run_input: bytes
    token: str
    confinement: Optional[Confinement] = None

    @classmethod
    def of(cls, job: RunJob) -> "RemoteJob":
        return cls(job.run_id, job.node_id, job.module, dict(job.environment),
                   job.folder.input_file.read_bytes(), job.folder.token_file.read_text(),
                   job.confinement)


_caches: dict[int, data_cache.DataCache] = {}  # per worker process: node id -> its cache
_caches_lock = threading.Lock()


def execute(job: RemoteJob) -> RunOutcome:
    """Run one job in this (worker) process; the outcome travels back without the exception
    object (it may not pickle), which stays described in the log."""
    with _caches_lock:
        cache = _caches.setdefault(job.node_id, data_cache.DataCache())
    folder = Path(tempfile.mkdtemp(prefix=f"v6sim-run{job.run_id}-"))
    try:
        run = prepare_run_folder(folder, job.run_id, job.run_input, job.token)
        temporary = folder / "tmp"
        temporary.mkdir()
        environment = dict(job.environment)
        profile = profile_of_environment(environment)
        plain = not profile.encodes_environment
        for name, path in zip(_FILE_VARIABLES, (run.input_file, run.output_file,
                                                run.token_file, temporary)):
            environment[name] = str(path) if plain else encode(str(path))
        # the worker's own run folder replaces the node's; a worker's environment is the host's
        confinement = (None if job.confinement is None else Confinement.of(
            (), [folder], shares_process=True).joined(job.confinement))
        outcome = wrapped_run(profile.algorithm_entry(job.module), job.module, environment, cache,
                              run.output_file, confinement)
        outcome.error = None
        return outcome
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class ProcessPoolRunner:
    """Algorithms in a pool of worker processes (spawned: no inherited threads or locks)."""

    def __init__(self, workers: Optional[int] = None) -> None:
        self._pool = ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 2,
                                         mp_context=get_context("spawn"))

    def execute(self, job: RunJob) -> RunOutcome:
        return self._pool.submit(execute, RemoteJob.of(job)).result()

    def kill(self, run_id: int) -> bool:
        return False  # the node discards the outcome of a killed run

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class RayRunner:
    """Algorithms as Ray tasks: on a local Ray instance started on first use, or on the cluster
    at ``address`` (``ray.init(address=...)``). Needs ``pip install research-compute-simulator[ray]``."""

    def __init__(self, address: Optional[str] = None, workers: Optional[int] = None) -> None:
        try:
            import ray
        except ImportError as exc:  # an optional extra
            raise RuntimeError("the ray executor needs Ray: pip install "
                               "'research-compute-simulator[ray]'") from exc
        self._ray = ray
        self._started_here = False
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address:
                options["address"] = address
            elif workers:
                options["num_cpus"] = workers
            ray.init(**options)
            self._started_here = True
        self._task = ray.remote(execute)
        self._running: dict[int, Any] = {}
        self._lock = threading.Lock()

    def execute(self, job: RunJob) -> RunOutcome:
        reference = self._task.remote(RemoteJob.of(job))
        with self._lock:
            self._running[job.run_id] = reference
        try:
            return self._ray.get(reference)
        except self._ray.exceptions.TaskCancelledError:
            return RunOutcome(137, "", b"", killed=True)
        finally:
            with self._lock:
                self._running.pop(job.run_id, None)

    def kill(self, run_id: int) -> bool:
        with self._lock:
            reference = self._running.get(run_id)
        if reference is None:
            return False
        self._ray.cancel(reference, force=True)
        return True

    def close(self) -> None:
        if self._started_here:
            self._ray.shutdown()
