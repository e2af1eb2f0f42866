"""The 3.x algorithm conventions (vantage6-client 3.11.1, vantage6/tools/wrapper.py and
dispatch_rpc.py), for the simulated nodes of a 3.x network.

What a 3.x image runs: read the input file (``json.``/``pickle.`` prefixed, or a bare pickle),
load the requested database into a DataFrame, then dispatch: ``{"master": true}`` calls
``method(client, data, *args, **kwargs)`` with a ``ContainerClient`` on the node proxy, anything
else calls ``RPC_<method>(data, *args, **kwargs)``; the output is written pickled, unless the
input asked for an ``output_format``. Failures print ``error > ...`` and ``exit(1)``, as there.
The 3.x node does not encode the container's environment variables.
"""
from __future__ import annotations

import importlib
import io
import json
import os
import pickle
import sys
import traceback
from typing import Any, BinaryIO

import jwt
import pandas as pd

from simulator.vantage6.runtime import data_cache

_SEPARATOR = b"."
_MAX_FORMAT_LENGTH = 10
FORMATS = ("json", "pickle")


def info(msg: str) -> None:
    sys.stdout.write(f"info > {msg}\n")


def warn(msg: str) -> None:
    sys.stdout.write(f"warn > {msg}\n")


def error(msg: str) -> None:
    sys.stdout.write(f"error > {msg}\n")


class DeserializationException(Exception):
    pass


# ---------------------------------------------------------------------- input and output
def _read_format(fp: BinaryIO) -> str:
    chars = []
    for _ in range(_MAX_FORMAT_LENGTH):
        try:
            char = fp.read(1).decode()
        except UnicodeDecodeError:
            raise DeserializationException("Non unicode string encountered")
        if char == ".":
            return "".join(chars)
        chars.append(char)
    raise DeserializationException("No data format specified")


def load_input(raw: bytes) -> Any:
    """``load_input``: ``FORMAT.`` + payload, or (legacy) a bare pickle."""
    fp = io.BytesIO(raw)
    try:
        data_format = _read_format(fp).lower()
        if data_format not in FORMATS:
            raise ValueError(f"'{data_format}' is not a valid DataFormat")
        return json.load(fp) if data_format == "json" else pickle.load(fp)
    except DeserializationException:
        info("No data format specified. Assuming input data is pickle format")
        try:
            return pickle.loads(raw)
        except pickle.UnpicklingError:
            raise DeserializationException("Could not deserialize input")


def serialize_output(output: Any, output_format: Any) -> bytes:
    """``write_output``: with an ``output_format``, ``FORMAT.`` + payload; else a bare pickle."""
    if not output_format:
        return pickle.dumps(output)
    data_format = str(output_format).lower()
    if data_format not in FORMATS:
        raise ValueError(f"'{data_format}' is not a valid DataFormat")
    if data_format == "pickle":
        info("Serializing to pickle")
        payload = pickle.dumps(output)
    else:
        info(f"Serializing type {type(output)} to json")
        if isinstance(output, (pd.DataFrame, pd.Series)):
            info("Running pandas json serialization")
            payload = output.to_json().encode()
        else:
            info("Using default json serialization")
            payload = json.dumps(output).encode()
    return str(output_format).encode() + _SEPARATOR + payload


# ---------------------------------------------------------------------- data
def _read(uri: str, db_type: Any = None, query: Any = None, sheet_name: Any = None):
    """The 3.x wrappers' readers (CSVWrapper, ExcelWrapper, ParquetWrapper)."""
    kind = (db_type or "csv").lower()
    if kind == "csv":
        return pd.read_csv(uri)
    if kind == "excel":
        return pd.read_excel(uri, sheet_name=sheet_name if sheet_name is not None else 0)
    if kind == "parquet":
        return pd.read_parquet(uri)
    raise ValueError(f"the simulator's 3.x runtime does not read {kind!r} databases")


def load_database(environ: Any, input_data: dict) -> pd.DataFrame:
    label = environ["USER_REQUESTED_DATABASE_LABEL"]
    uri = environ[f"{label.upper()}_DATABASE_URI"]
    db_type = environ.get(f"{label.upper()}_DATABASE_TYPE", "csv").lower()
    info(f"Using '{uri}' as database")
    sheet = input_data.get("sheet_name") if db_type == "excel" else None
    cache = data_cache._current.get()
    if cache is None:
        return _read(uri, db_type, sheet_name=sheet)
    return cache.load(_read, uri, db_type, sheet_name=sheet)


# ---------------------------------------------------------------------- dispatch
def dispatch_rpc(data: Any, input_data: dict, module: str, token: str) -> Any:
    try:
        lib = importlib.import_module(module)
        info(f"Module '{module}' imported!")
    except ModuleNotFoundError:
        error(f"Module '{module}' can not be imported! Exiting...")
        sys.exit(1)
    master = input_data.get("master")
    client = None
    if master:
        from simulator.vantage6.v3.container_client import ContainerClient

        info("Running a master-container")
        client = ContainerClient(token=token, host=os.environ["HOST"], port=os.environ["PORT"],
                                 path=os.environ["API_PATH"])
        claims = jwt.decode(token, options={"verify_signature": False})
        info(f"Working with collaboration_id <{claims['sub']['collaboration_id']}>")
        method_name = input_data["method"]
    else:
        info("Running a regular container")
        method_name = f"RPC_{input_data['method']}"
    method = getattr(lib, method_name, None)
    if method is None:
        warn(f"method '{method_name}' not found!\n")
        sys.exit(1)
    args = input_data.get("args", [])
    kwargs = input_data.get("kwargs", {})
    try:
        return method(client, data, *args, **kwargs) if master else method(data, *args, **kwargs)
    except Exception as e:
        error(f"Error encountered while calling {method_name}: {e}")
        # the simulator keeps the traceback in the log (the 3.x wrapper's log_traceback=True)
        sys.stdout.write(traceback.format_exc())
        sys.exit(1)


def wrap_algorithm(module: str) -> None:
    """``docker_wrapper(module)`` / ``auto_wrapper(module)`` of a 3.x image."""
    info(f"wrapper for {module}")
    input_file = os.environ["INPUT_FILE"]
    info(f"Reading input file {input_file}")
    with open(input_file, "rb") as fp:
        input_data = load_input(fp.read())
    token_file = os.environ["TOKEN_FILE"]
    info(f"Reading token file '{token_file}'")
    with open(token_file) as fp:
        token = fp.read().strip()
    data = load_database(os.environ, input_data)
    info("Dispatching ...")
    output = dispatch_rpc(data, input_data, module, token)
    output_file = os.environ["OUTPUT_FILE"]
    info(f"Writing output to {output_file}")
    payload = serialize_output(output, input_data.get("output_format"))
    with open(output_file, "wb") as fp:
        fp.write(payload)
