"""The container protocol of vantage6-node 4.15.2 (node/docker/task_manager.py): the run folder with
its ``input``, ``output`` and ``token`` files, and the environment variables, encoded as the node
encodes them (base32, ``=`` replaced by ``!``)."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

ENV_VAR_EQUALS_REPLACEMENT = "!"
# set in the algorithm's Dockerfile; a node may not set (nor encode) it
NOT_SETTABLE_BY_NODE = ("PKG_NAME",)


@dataclass(frozen=True)
class ProxyAddress:
    """Where the algorithm reaches the node proxy: ``f"{host}:{port}{api_path}"``."""

    host: str
    port: str
    api_path: str


@dataclass(frozen=True)
class RunFolder:
    path: Path
    input_file: Path
    output_file: Path
    token_file: Path


def prepare_run_folder(data_dir: Path, run_id: int, run_input: bytes, token: str) -> RunFolder:
    """``task-{run_id:09d}`` with the decrypted input, an empty output and the container token."""
    folder = data_dir / f"task-{run_id:09d}"
    folder.mkdir(parents=True, exist_ok=True)
    run = RunFolder(folder, folder / "input", folder / "output", folder / "token")
    run.input_file.write_bytes(run_input)
    run.output_file.write_bytes(b"")
    run.token_file.write_text(token, encoding="ascii")
    return run


def container_environment(run: RunFolder, temporary_folder: Path, proxy: ProxyAddress,
                          databases_to_use: list[dict], node_databases: list[dict],
                          algorithm_env: Optional[dict[str, Any]] = None) -> dict[str, str]:
    """``_setup_environment_vars``: the variables before encoding, in the node's order."""
    env: dict[str, Any] = {
        "INPUT_FILE": str(run.input_file),
        "OUTPUT_FILE": str(run.output_file),
        "TOKEN_FILE": str(run.token_file),
        "TEMPORARY_FOLDER": str(temporary_folder),
        "HOST": proxy.host,
        "PORT": proxy.port,
        "API_PATH": proxy.api_path,
    }
    for database in databases_to_use:
        params = json.loads(database["parameters"]) if database.get("parameters") else {}
        for key in ("query", "sheet_name", "preprocessing"):
            if key in params:
                value = params[key] if key != "preprocessing" else json.dumps(params[key])
                env[f"{database['label'].upper()}_{key.upper()}"] = value
    env["USER_REQUESTED_DATABASE_LABELS"] = ",".join(db["label"] for db in databases_to_use)
    labels = []
    for db in node_databases:
        label = db["label"]
        env[f"{label.upper()}_DATABASE_URI"] = db["uri"]
        env[f"{label.upper()}_DATABASE_TYPE"] = db["type"]
        for key, value in (db.get("env") or {}).items():
            env[f"{label.upper()}_DB_PARAM_{key.upper()}"] = value
        labels.append(label)
    env["DB_LABELS"] = ",".join(labels)
    env.update(algorithm_env or {})
    return {key: str(value) for key, value in env.items()}


def invalid_variable(env: dict[str, str]) -> Optional[str]:
    """``_validate_environment_variables``: the node refuses to start such a container."""
    for key in env:
        if not key.isidentifier():
            return (f"Environment variable '{key}' is invalid: environment  variable names "
                    "should only contain number, letters and  underscores, and start with a "
                    "letter.")
        if key in NOT_SETTABLE_BY_NODE:
            return (f"Environment variable '{key}' cannot be set: this variable is set in the "
                    "algorithm Dockerfile and cannot be overwritten.")
    return None


def encode(value: str) -> str:
    return base64.b32encode(value.encode("utf-8")).decode("utf-8").replace(
        "=", ENV_VAR_EQUALS_REPLACEMENT)


def encode_environment(env: dict[str, str]) -> dict[str, str]:
    return {key: encode(value) for key, value in env.items()}
