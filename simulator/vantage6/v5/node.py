"""A simulated vantage6 5.0.3 node (vantage6-node 5.0.3, node/__init__.py, node/k8s/*), without
Kubernetes. It signs in at the network's Keycloak as its client ``<name>-node-client`` (client
credentials, the api key as secret) and speaks HQ 5.x's node API, call for call:

  fetch work   GET /run?state=open&node_id=..&include=task[&task_id=..] (all pages)
  start a run  PATCH /run {started_at}; central_compute only: POST /token/container;
               policies -> not allowed; the run's databases checked -> failed | dataframe not
               found | unknown error; PATCH /run {status: active}
  finish       extraction/preprocessing: the parquet output becomes ``<session>/<df>.parquet``,
               its columns go to POST /session/dataframe/<id>/column; then
               PATCH /run {log, status: completed | crashed | unexpected output, finished_at,
               result: base64(output) ("" for session steps)}

A crashed container is retried by Kubernetes (backoff limit 3): the log then holds every pod's
log, as a real node reports them.
"""
from __future__ import annotations

import base64
import io
import logging
import traceback
from typing import TYPE_CHECKING, Optional

import jwt

from simulator.vantage6.node.simulated_node import NO_LOG_SHARING, NodeError, SimulatedNode
from simulator.vantage6.runtime.crashes import injected_crash
from simulator.vantage6.runtime.executors import RunJob, RunOutcome
from simulator.vantage6.v5 import runtime as rt
from simulator.vantage6.v5 import status as st

if TYPE_CHECKING:
    from simulator.vantage6.node.fleet import NodeFleet
    from simulator.vantage6.scenario import NodeSetup

log = logging.getLogger(__name__)
BACKOFF_LIMIT = 3  # TASK_START_RETRIES: a failing pod is started again this many times
KILLED_NOTE = "\n\nAlgorithm was killed by user request."


class SimulatedNode5(SimulatedNode):
    def __init__(self, fleet: "NodeFleet", setup: "NodeSetup") -> None:
        super().__init__(fleet, setup)
        self._pods = 0  # names of the pods this node started (vantage6-run-<run>-<n>)
        self._sessions: dict[int, rt.SessionFolder] = {}

    def session_folder(self, session_id: int) -> rt.SessionFolder:
        with self._lock:
            folder = self._sessions.get(session_id)
            if folder is None:
                folder = self._sessions[session_id] = rt.SessionFolder.of(self.data_dir(),
                                                                          session_id)
            return folder

    # ------------------------------------------------------------------ sign-in
    def _authenticate(self) -> None:
        """``kc_openid.token(grant_type="client_credentials")`` with ``<name>-node-client``."""
        realm = self.server.keycloak.realm
        record = self.record
        status, body = realm.grant({"grant_type": "client_credentials",
                                    "client_id": f"{record.name}-node-client",
                                    "client_secret": self.setup.api_key})
        if status != 200:
            raise NodeError(f"node {self.id} cannot sign in at Keycloak: {body}")
        self._token = body["access_token"]
        claims = jwt.decode(self._token, options={"verify_signature": False})
        self._token_exp = claims["exp"]
        # auto_renew_token: a new token once less than a quarter of its validity is left
        self.refresh_margin = (claims["exp"] - claims["iat"]) / 4

    def go_online(self, sync: bool = True) -> None:
        self._share_details()
        super().go_online(sync)

    def _share_details(self) -> None:
        """``node_info_update`` on connecting: HQ keeps what the node shares as its config."""
        with self.server.lock:
            node = self.record
            if node is None:
                return
            config = [("encryption", "False"),
                      ("allowed_algorithms", str(self.policies.get("allowed_algorithms", "all")))]
            config += [("database_labels", db["label"]) for db in self.setup.databases]
            config += [("database_types", f"db_type_{db['label']}={db.get('type', 'csv')}")
                       for db in self.setup.databases]
            node.config = config

    # ------------------------------------------------------------------ a run
    def _start(self, run: dict) -> bool:
        task = run["task"]
        self._patch_run(run["id"], {"started_at": self._now()})
        action = run.get("action")
        if action not in st.ACTIONS:
            self._patch_run(run["id"], {"status": st.FAILED, "finished_at": self._now(),
                                        "log": f"Unrecognized action {action}"})
            self._status_changed(run, st.FAILED)
            return False
        token = None
        if action == st.CENTRAL_COMPUTE:
            status, body = self._request("POST", "/token/container",
                                         {"task_id": task["id"], "image": task["image"]})
            token = body.get("container_token") if isinstance(body, dict) else None
            if token is None:
                self._patch_run(run["id"], {"status": st.FAILED,
                                            "log": "Could not obtain algorithm container token"})
                self._status_changed(run, st.FAILED)
                return False
        if not self._allowed(task):
            self._patch_run(run["id"], {"status": st.NOT_ALLOWED, "finished_at": self._now()})
            self._status_changed(run, st.NOT_ALLOWED)
            return False
        job, failure = self._prepare5(run, task, action, token)
        if failure is not None:  # the container never started (no finished_at, no report)
            self._patch_run(run["id"], {"status": failure})
            self._status_changed(run, failure)
            return False
        self.fleet.host.events.emit("run_initializing", {
            "run_id": run["id"], "task_id": task["id"], "organization_id": self.organization_id})
        self._later("startup", lambda: self._step(self._activate, run, job))
        return True

    def _prepare5(self, run: dict, task: dict, action: str, token: Optional[str]):
        algorithm = self.server.algorithms.resolve(task["image"])
        if algorithm is None:
            return None, st.NO_DOCKER_IMAGE  # the pod waits in ImagePullBackOff
        mode = self.server.algorithms.mode_of(algorithm)
        data_dir = self.data_dir()
        session = self.session_folder(task["session"]["id"])
        arguments = base64.b64decode(run["arguments"]) if run.get("arguments") else b""
        folder = rt.prepare_run_folder(data_dir, run["id"], arguments)
        databases = [db for db in task.get("databases") or []]
        try:
            env, secrets = rt.container_environment(
                folder, session, action, task, databases,
                {db["label"]: db for db in self.setup.databases},
                self.fleet.proxy_address(self.id, mode),
                {"node": self.id, "organization": self.organization_id,
                 "collaboration": self.collaboration_id}, token, self.algorithm_env)
        except rt.StartFailed:
            return None, st.FAILED
        except rt.DataframeMissing:
            return None, st.DATAFRAME_NOT_FOUND
        except Exception:
            log.exception("node %s could not prepare run %s", self.id, run["id"])
            return None, st.UNKNOWN_ERROR
        if rt.invalid_variable(env) or rt.invalid_variable(secrets):
            return None, st.FAILED
        job = RunJob(run["id"], algorithm.module, rt.encoded(env, secrets), folder, self.cache,
                     self.cache_dir(), node_id=self.id, dialect=self.server.profile,
                     confinement=self.fleet.confinement(self, mode, folder.path, session.path))
        return _Prepared5(job, mode, action, session, task), None

    def _activate(self, run: dict, job: "_Prepared5") -> bool:
        with self._lock:
            if run["id"] in self._killed:
                return False
        self._patch_run(run["id"], {"status": st.ACTIVE})
        self._status_changed(run, st.ACTIVE)
        with self._lock:
            if run["id"] in self._killed:
                return False
            self._running[run["id"]] = job.mode
        message = self.fleet.host.faults.crash_due(self.organization_id, run["task"]["id"])
        outcome = None if message is None else injected_crash(run, message)
        if outcome is None:
            try:
                outcome = self.fleet.executor_for(job.mode).execute(job.job)
            except Exception:  # a fault of the simulator, reported as the run's crash
                outcome = RunOutcome(1, "simulator error while running the algorithm:\n"
                                     + traceback.format_exc(), b"")
        self._later("run", lambda: self._step(self._finish5, run, job, outcome))
        return True

    def _finish5(self, run: dict, job: "_Prepared5", outcome: RunOutcome) -> bool:
        with self._lock:
            if run["id"] in self._killed or outcome.killed:
                return False
        if outcome.error is not None:
            self.fleet.record_error(run["id"], outcome.error)
        attempts = 1 + BACKOFF_LIMIT if outcome.exit_code else 1
        logs = self._pod_logs(run["id"], outcome.log, attempts)
        if outcome.exit_code:
            status, result = st.CRASHED, b""
        elif job.action in st.SESSION_ACTIONS:
            status, result = self._update_session(job, outcome.output), b""
        elif job.action not in st.COMPUTE_ACTIONS:  # postprocessing: process_output has no case
            status, result = st.UNKNOWN_ERROR, b""
        else:
            job.session.append_state(job.action, "", "Algorithm completed successfully.", "")
            status, result = st.COMPLETED, outcome.output
        self._patch_run(run["id"], {
            "log": logs if self.share_logs else NO_LOG_SHARING, "status": status,
            "finished_at": self._now(),
            "result": base64.b64encode(result).decode() if result else ""})
        self._status_changed(run, status)
        return False

    def _update_session(self, job: "_Prepared5", output: bytes) -> str:
        """``RunIO.process_output`` of a session step: the parquet table becomes the
        dataframe, its columns go to HQ."""
        import pyarrow.parquet as pq

        try:  # the node reads the whole table and writes it again: the same table, so the
            # simulator checks the file's footer and keeps the algorithm's bytes
            schema = pq.read_schema(io.BytesIO(output))
        except Exception:
            return st.UNEXPECTED_OUTPUT
        dataframe = job.task.get("dataframe") or {}
        name = dataframe.get("name")
        if not name:
            return st.FAILED
        path = job.session.dataframe(name)
        try:
            path.write_bytes(output)
        except Exception:
            return st.FAILED
        self.cache.forget(str(path))
        job.session.append_state(job.action, f"{name}.parquet", "Session updated.", name)
        self._request("POST", f"/session/dataframe/{dataframe['id']}/column",
                      [{"name": f.name, "dtype": str(f.type)} for f in schema])
        return st.COMPLETED

    def _pod_logs(self, run_id: int, container_log: str, attempts: int) -> str:
        """``get_logs``: each pod of the run's job, in the node's wording."""
        entries = []
        for _ in range(attempts):
            self._pods += 1
            pod = f"vantage6-run-{run_id}-{self._pods:05x}"
            entries.append(f"LOGS of POD {pod} (created by job vantage6-run-{run_id}) \n\n "
                           f"{container_log} \n\n\n")
        return "\n".join(entries)

    # ------------------------------------------------------------------ socket events
    def kill(self, kill_info: dict) -> list[int]:
        """``kill_containers``: stop this node's runs; HQ already marked them killed, the node
        only adds their logs (when it shares logs)."""
        if kill_info.get("collaboration_id") != self.collaboration_id:
            return []
        if "node_id" in kill_info and kill_info["node_id"] != self.id:
            return []
        with self._lock:
            targets = [k["run_id"] for k in kill_info.get("kill_list") or []
                       if k.get("organization_id") == self.organization_id
                       and k["run_id"] in self._running]
            if "kill_list" not in kill_info:
                targets = sorted(self._running)
            self._killed.update(targets)
            modes = {run_id: self._running.get(run_id) for run_id in targets}
        for run_id in targets:
            if modes[run_id] is not None:
                self.fleet.executor_for(modes[run_id]).kill(run_id)
            if self.share_logs:
                self._patch_run(run_id, {"log": KILLED_NOTE})
        return targets

    def delete_dataframe(self, info: dict) -> None:
        """``delete_dataframe``: the parquet file goes, the session's state records it."""
        record = self.record
        if record is None:
            return
        session = self.session_folder(info["session_id"])
        path = session.dataframe(info["df_name"])
        if path.exists():
            path.unlink()
        self.cache.forget(str(path))
        session.append_state("delete", f"{info['df_name']}.parquet", "Dataframe deleted",
                             info["df_name"])

    def data(self, label: str = "default"):
        """A copy of one of this node's source databases, read as ``read_csv`` reads it."""
        import pandas as pd

        for db in self.setup.databases:
            if db["label"] == label:
                return self.cache.load(lambda uri, db_type, **_: pd.read_csv(uri), db["uri"],
                                       db.get("type", "csv"))
        raise KeyError(f"node {self.id} has no database {label!r}; it has "
                       f"{[db['label'] for db in self.setup.databases]}")


class _Prepared5:
    __slots__ = ("job", "mode", "action", "session", "task")

    def __init__(self, job: RunJob, mode: str, action: str, session: rt.SessionFolder,
                 task: dict) -> None:
        self.job, self.mode, self.action, self.session, self.task = (
            job, mode, action, session, task)

