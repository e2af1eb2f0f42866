"""The container protocol of vantage6-node 5.0.3 (node/k8s/container_manager.py, run_io.py,
session_manager.py), without Kubernetes: a run folder with ``input`` (the JSON keyword arguments)
and ``output``, the node's session folder (``session_state.parquet`` and one ``<name>.parquet``
per dataframe), and the environment, base32-encoded as the node encodes it except for the
secrets (``CONTAINER_TOKEN``, ``DB_PARAM_*``), which a pod gets from a Kubernetes secret.

What runs inside is the real ``wrap_algorithm()`` of vantage6-algorithm-tools 5.x.
"""
from __future__ import annotations

import datetime as dt
import os
from itertools import groupby
from pathlib import Path
from typing import Any, Callable, Optional

from simulator.vantage6.profiles import RUNTIME_VARIABLE
from simulator.vantage6.runtime import data_cache
from simulator.vantage6.runtime.environment import (
    NOT_SETTABLE_BY_NODE,
    ProxyAddress,
    RunFolder,
    encode,
)
from simulator.vantage6.v5 import status as st

SESSION_STATE = "session_state"
SESSION_DATAFRAME = "session dataframe"  # the node's cache: a dataframe read by @dataframe
DB_PARAM_PREFIX = "DB_PARAM_"


class StartFailed(Exception):
    """``PermanentAlgorithmStartFail``: the node refuses to start the container (failed)."""


class DataframeMissing(Exception):
    """``DataFrameNotFound``: a requested dataframe is not in the node's session folder."""


class SessionFolder:
    """A node's folder of one session: ``session{id:09d}`` under the node's ``sessions``. Its
    state rows are kept in memory too, so that a new row does not read the file again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rows: list[dict] = []

    @staticmethod
    def path_of(data_dir: Path, session_id: int) -> Path:
        return data_dir / "sessions" / f"session{session_id:09d}"

    @classmethod
    def of(cls, data_dir: Path, session_id: int) -> "SessionFolder":
        folder = cls(cls.path_of(data_dir, session_id))
        folder.path.mkdir(parents=True, exist_ok=True)
        if folder.state_file.exists():
            import pyarrow.parquet as pq

            folder._rows = pq.read_table(folder.state_file).to_pylist()
        else:
            folder.append_state("", f"{SESSION_STATE}.parquet", "Created this session file.", "")
        return folder

    @property
    def state_file(self) -> Path:
        return self.path / f"{SESSION_STATE}.parquet"

    def dataframe(self, name: str) -> Path:
        return self.path / f"{name}.parquet"

    def dataframes(self) -> set[str]:
        return {f.stem for f in self.path.glob("*.parquet") if f.stem != SESSION_STATE}

    def append_state(self, action: str, file: str, message: str, dataframe: str) -> None:
        """A row of ``session_state.parquet`` (action, file, timestamp, message, dataframe)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._rows.append({"action": action, "file": file,
                           "timestamp": dt.datetime.now(dt.timezone.utc), "message": message,
                           "dataframe": dataframe})
        pq.write_table(pa.Table.from_pylist(self._rows), self.state_file)


def prepare_run_folder(data_dir: Path, run_id: int, arguments: bytes) -> RunFolder:
    """``<run id>/input`` with the decrypted arguments and an empty ``output`` (no token file:
    a 5.x container gets its token as a secret variable)."""
    folder = data_dir / f"{run_id}"
    folder.mkdir(exist_ok=True)
    run = RunFolder(folder, folder / "input", folder / "output", folder / "token")
    run.input_file.write_bytes(arguments)
    run.output_file.write_bytes(b"")
    return run


def container_environment(run: RunFolder, session: SessionFolder, action: str, task: dict,
                          run_databases: list[dict], node_databases: dict[str, dict],
                          proxy: ProxyAddress, ids: dict[str, int], token: Optional[str],
                          algorithm_env: dict[str, Any]) -> tuple[dict, dict]:
    """``_create_volume_mounts`` and the rest of ``ContainerManager.run``: (variables before
    encoding, secrets). Raises StartFailed or DataframeMissing as the node does."""
    env: dict[str, str] = {
        "OUTPUT_FILE": str(run.output_file), "INPUT_FILE": str(run.input_file),
        "SESSION_FOLDER": str(session.path), "SESSION_FILE": str(session.state_file)}
    secrets: dict[str, str] = {}
    if action == st.DATA_EXTRACTION:
        source = _source_database(run_databases, node_databases)
        env["DATABASE_URI"], env["DATABASE_TYPE"] = source["uri"], source.get("type") or "csv"
        for key, value in (source.get("env") or {}).items():
            secrets[f"{DB_PARAM_PREFIX}{key.upper()}"] = str(value)
    else:
        if not all(db["type"] == "dataframe" for db in run_databases):
            raise StartFailed()
        wanted = {db["dataframe_name"] for db in run_databases}
        available = session.dataframes()
        if wanted and not wanted <= available:
            raise DataframeMissing(f"User requested dataframes '{wanted - available}' which are "
                                   "not available in the session folder. Available dataframes "
                                   f"are: {available}.")
        ordered = sorted(run_databases, key=lambda db: db["position"])
        env["USER_REQUESTED_DATAFRAMES"] = ";".join(
            ",".join(db["dataframe_name"] for db in group)
            for _, group in groupby(ordered, key=lambda db: db["position"]))
    env["HOST"], env["PORT"] = proxy.host, proxy.port
    if action == st.CENTRAL_COMPUTE:
        secrets["CONTAINER_TOKEN"] = token or ""
    env["API_PATH"] = proxy.api_path  # "" on a real node; the simulator's proxy has a path
    env["ALGORITHM_METHOD"] = task["method"]
    env["FUNCTION_ACTION"] = action
    env["TASK_ID"] = str(task["id"])
    env["NODE_ID"], env["ORGANIZATION_ID"] = str(ids["node"]), str(ids["organization"])
    env["COLLABORATION_ID"] = str(ids["collaboration"])
    for key, value in algorithm_env.items():
        if key in env or key.upper() in env:
            continue  # the infrastructure's own variables win (the node logs a warning)
        env[key] = str(value)
    return env, secrets


def _source_database(run_databases: list[dict], node_databases: dict[str, dict]) -> dict:
    if not run_databases:  # databases_to_use[0] of an empty list: an IndexError
        raise IndexError("list index out of range")
    source = run_databases[0]
    if (len(run_databases) > 1 or source["type"] != "source"
            or source["label"] not in node_databases):
        raise StartFailed()
    return node_databases[source["label"]]


def encoded(env: dict[str, str], secrets: dict[str, str], profile: str = "5.x") -> dict:
    """What the algorithm's process receives: encoded variables, then the secrets as they are
    (``env_from`` a secret), then the profile marker for the simulator's entrypoint."""
    out = {key: encode(value) for key, value in env.items()}
    out.update(secrets)
    out[RUNTIME_VARIABLE] = profile
    return out


def invalid_variable(env: dict[str, str]) -> bool:
    """``_validate_environment_variables``: names must be identifiers and not PKG_NAME."""
    return any(not key.isidentifier() or key in NOT_SETTABLE_BY_NODE for key in env)


# ---------------------------------------------------------------------- the algorithm's side
_wrap: Optional[Callable[[], None]] = None


def wrap_algorithm_v5() -> Callable[[], None]:
    """vantage6-algorithm-tools 5.x's ``wrap_algorithm`` (imported once), with session
    dataframes read through the node's cache."""
    global _wrap
    if _wrap is None:
        from vantage6.algorithm.tools.wrap import wrap_algorithm

        _install_dataframe_cache()
        _wrap = wrap_algorithm
    return _wrap


def _install_dataframe_cache() -> None:
    """``@dataframe`` reads a session dataframe with ``pd.read_parquet`` on every run; inside
    an in-process simulator run it gets a copy of the frame the node parsed before, while the
    file is unchanged (the node forgets a dataframe it rewrites or deletes). Its log line is
    the real one. Outside a simulator run (a user's MockNetwork tests) nothing changes."""
    from vantage6.algorithm.decorator import data

    original = data._read_df_from_disk
    if getattr(original, "simulator_cache_aware", False):
        return

    def _read_df_from_disk(df_name: str):
        cache = data_cache.current()
        if cache is None:
            return original(df_name)
        path = os.path.join(os.environ["SESSION_FOLDER"], f"{df_name}.parquet")
        parsed = []

        def parse(*_: Any, **__: Any):
            parsed.append(path)
            return original(df_name)

        frame = cache.load(parse, path, SESSION_DATAFRAME)
        if not parsed:  # the line the original prints before it reads the file
            data.info(f"Using '{path}' with dataframe name '{df_name}' as database")
        return frame

    _read_df_from_disk.simulator_cache_aware = True  # type: ignore[attr-defined]
    data._read_df_from_disk = _read_df_from_disk


def run_container() -> None:
    """An isolated run's process: the image's command."""
    wrap_algorithm_v5()()
