"""The ST4SD datastore: the MongoDB documents the runtime registers (experiment, user-metadata,
component), the Mongo query subset the client sends, the gateway registry, and the cluster
gateway's file bundles. No HTTP here.
"""
from __future__ import annotations

import copy
import io
import os
import re
import threading
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from simulator.st4sd.errors import InternalError, NotImplementedInSimulator

_NOT_SUPPORTED = {"$type", "$mod", "$where", "$expr", "$text", "$jsonSchema", "$near", "$geoWithin",
                  "$geoIntersects", "$nearSphere", "$bitsAllSet", "$bitsAnySet", "$bitsAllClear",
                  "$bitsAnyClear"}
_MISSING = object()


# ---------------------------------------------------------------------- Mongo query subset
def matches(doc: Any, query: dict) -> bool:
    """Does ``doc`` match the Mongo ``query``? Implicit AND over keys; dotted paths; arrays match
    when any element matches; operators ``$eq $ne $gt $gte $lt $lte $in $nin $exists $regex
    ($options) $elemMatch $size $all $not $and $or $nor``."""
    if not isinstance(query, dict):
        raise InternalError()
    for key, condition in query.items():
        if key == "$and":
            if not all(matches(doc, q) for q in condition):
                return False
        elif key == "$or":
            if not any(matches(doc, q) for q in condition):
                return False
        elif key == "$nor":
            if any(matches(doc, q) for q in condition):
                return False
        elif key.startswith("$"):
            _unknown_operator(key)
        elif not _field_matches(_resolve(doc, key.split(".")), condition):
            return False
    return True


def _unknown_operator(op: str) -> None:
    if op in _NOT_SUPPORTED:
        raise NotImplementedInSimulator(f"The Mongo query operator {op}")
    # what MongoDB answers for an unknown operator; the proxy turns it into a 500
    raise InternalError()


def _resolve(value: Any, parts: list[str]) -> list[Any]:
    """Candidate values at a dotted path (arrays fan out, as in MongoDB)."""
    if not parts:
        return [value]
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        return _resolve(value[head], rest) if head in value else [_MISSING]
    if isinstance(value, list):
        if head.isdigit() and int(head) < len(value):
            return _resolve(value[int(head)], rest)
        out: list[Any] = []
        for item in value:
            if isinstance(item, (dict, list)):
                out += [v for v in _resolve(item, parts) if v is not _MISSING]
        return out or [_MISSING]
    return [_MISSING]


def _candidates(values: list[Any]) -> list[Any]:
    """A field's own values plus, for arrays, their elements."""
    out = []
    for v in values:
        out.append(v)
        if isinstance(v, list):
            out.extend(v)
    return out


def _is_operator_dict(condition: Any) -> bool:
    return isinstance(condition, dict) and bool(condition) and all(
        str(k).startswith("$") for k in condition)


def _field_matches(values: list[Any], condition: Any) -> bool:
    if not _is_operator_dict(condition):
        return any(_equal(v, condition) for v in _candidates(values))
    options = condition.get("$options", "")
    for op, arg in condition.items():
        if op == "$options":
            continue
        if not _operator(values, op, arg, options):
            return False
    return True


def _equal(value: Any, target: Any) -> bool:
    if value is _MISSING:
        return target is None
    if isinstance(value, bool) != isinstance(target, bool):
        return False
    return value == target


def _regex(pattern: Any, options: str) -> re.Pattern:
    flags = 0
    for letter in options or "":
        flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}.get(letter, 0)
    try:
        return re.compile(str(pattern), flags)
    except re.error:
        raise InternalError()


def _compare(value: Any, arg: Any, op: str) -> bool:
    try:
        if isinstance(value, bool) or isinstance(arg, bool):
            return False
        if isinstance(value, (int, float)) and isinstance(arg, (int, float)) or \
                isinstance(value, str) and isinstance(arg, str):
            return {"$gt": value > arg, "$gte": value >= arg, "$lt": value < arg,
                    "$lte": value <= arg}[op]
    except TypeError:
        pass
    return False


def _operator(values: list[Any], op: str, arg: Any, options: str) -> bool:
    cands = _candidates(values)
    present = [v for v in cands if v is not _MISSING]
    if op == "$eq":
        return any(_equal(v, arg) for v in cands)
    if op == "$ne":
        return not any(_equal(v, arg) for v in cands)
    if op in ("$gt", "$gte", "$lt", "$lte"):
        return any(_compare(v, arg, op) for v in present)
    if op == "$in":
        return any(_equal(v, a) for v in cands for a in arg)
    if op == "$nin":
        return not any(_equal(v, a) for v in cands for a in arg)
    if op == "$exists":
        return bool(present) == bool(arg)
    if op == "$regex":
        pattern = _regex(arg, options)
        return any(isinstance(v, str) and pattern.search(v) for v in present)
    if op == "$elemMatch":
        for v in values:
            if not isinstance(v, list):
                continue
            for item in v:
                if _is_operator_dict(arg):
                    if _field_matches([item], arg):
                        return True
                elif isinstance(item, dict) and matches(item, arg):
                    return True
        return False
    if op == "$size":
        return any(isinstance(v, list) and len(v) == arg for v in values)
    if op == "$all":
        return any(isinstance(v, list) and all(any(_equal(i, a) for i in v) for a in arg)
                   for v in values)
    if op == "$not":
        return not _field_matches(values, arg)
    _unknown_operator(op)
    return False


# ---------------------------------------------------------------------- documents and gateways
class Datastore:
    """The documents of the mongo-proxy, the gateway registry and what the gateway may serve."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._docs: list[dict] = []
        self._gateways: dict[str, dict] = {}      # id -> {"unique_id", "host", "label"}
        self._instances: dict[str, Path] = {}     # registered instance dirs (abs path str -> Path)

    # documents
    def upsert(self, documents: Iterable[dict]) -> None:
        with self._lock:
            for doc in documents:
                doc = copy.deepcopy(doc)
                uid = doc.get("uid")
                for i, old in enumerate(self._docs):
                    if uid is not None and old.get("uid") == uid:
                        self._docs[i] = doc
                        break
                else:
                    self._docs.append(doc)

    def replace(self, documents: Iterable[dict]) -> None:
        """The reporter's upsert (experiment.service.db Mongo._upsert_documents): delete the
        documents matching each one's instance and type (and name and stage for a component),
        then insert the new ones."""
        documents = [copy.deepcopy(d) for d in documents]
        with self._lock:
            for doc in documents:
                key = _filter_fields(doc)
                self._docs = [d for d in self._docs if _filter_fields(d) != key]
            self._docs.extend(documents)

    def update(self, uid: str, change: Callable[[dict], None]) -> None:
        with self._lock:
            for doc in self._docs:
                if doc.get("uid") == uid:
                    change(doc)

    def query(self, query: dict) -> list[dict]:
        with self._lock:
            docs = list(self._docs)
        found = [d for d in docs if matches(d, query)]
        return [copy.deepcopy({k: v for k, v in d.items() if k != "_id"}) for d in found]

    def may_insert(self, doc: dict, query: dict, update: bool) -> bool:
        with self._lock:
            existing = [d for d in self._docs if matches(d, query)]
            if existing and not update:
                return False
            if existing:
                index = self._docs.index(existing[0])
                self._docs[index] = copy.deepcopy(doc)
            else:
                self._docs.append(copy.deepcopy(doc))
            return True

    # gateways
    def register_gateway(self, unique_id: str, host: Optional[str], label: str) -> None:
        with self._lock:
            self._gateways[unique_id] = {"unique_id": unique_id, "host": host, "label": label}

    def gateway(self, unique_id: str) -> Optional[dict]:
        with self._lock:
            found = self._gateways.get(unique_id)
            return dict(found) if found else None

    # instances the gateway may serve
    def register_instance(self, path: Path) -> None:
        with self._lock:
            self._instances[str(path)] = path

    def has_instance(self, path: str) -> bool:
        with self._lock:
            return os.path.normpath(path) in self._instances

    def _servable(self, instance_path: str, path: str) -> bool:
        instance_path = os.path.normpath(instance_path)
        if not self.has_instance(instance_path):
            return False
        real = os.path.realpath(path)
        root = os.path.realpath(instance_path)
        return (real == root or real.startswith(root + os.sep)) and os.path.isfile(real)

    def bundle(self, request: dict[str, list[str]], max_bytes: int = 32 * 1024 * 1024) -> dict[str, str]:
        """files/api/v1.1: {instance URI: [abs paths]} -> {abs path: real path}, existing files
        under registered instances only (missing files are simply absent)."""
        out: dict[str, str] = {}
        total = 0
        for uri, files in (request or {}).items():
            if not isinstance(uri, str) or not uri.startswith("file://"):
                raise InternalError()
            _, instance_path = partition_uri(uri)
            for path in files or []:
                path = path if path.startswith("/") else "/" + path
                if self._servable(instance_path, path):
                    size = os.path.getsize(path)
                    if total + size > max_bytes:
                        continue
                    total += size
                    out[path] = path
        return out


def property_table(path: str | Path, names: str, stringify_nan: bool) -> dict[str, list]:
    """properties.csv as {column: [values]}: ``names`` "*" or comma-separated (lowercase) columns,
    ``input-id`` always kept (st4sd-runtime-service instances.py, the mongo-proxy)."""
    import pandas

    columns = None
    if names != "*":
        columns = []
        for x in (n for n in names.split(",") if n):
            if x not in columns:
                columns.append(x)
        if "input-id" not in columns:
            columns.insert(0, "input-id")
    df = pandas.read_csv(path, sep=None, engine="python")
    if columns:
        df = df[[c for c in columns if c in df.columns]]
    if stringify_nan:
        df = df.fillna("NaN")
    return df.to_dict(orient="list")


def with_properties(doc: dict, names: str, stringify_nan: bool) -> dict:
    """An experiment document with ``interface.propertyTable`` read from its instance's
    properties.csv (the interface's outputFiles entry), as the mongo-proxy adds it."""
    interface = doc.get("interface") or {}
    files = [f for f in interface.get("outputFiles") or [] if os.path.basename(f) == "properties.csv"]
    if doc.get("type") != "experiment" or not files:
        return doc
    path = os.path.join(partition_uri(doc.get("instance", ""))[1], files[0])
    try:
        interface["propertyTable"] = property_table(path, names, stringify_nan)
    except (OSError, ValueError):
        return doc
    doc["interface"] = interface
    return doc


def _filter_fields(doc: dict) -> tuple:
    extra = (doc.get("name"), doc.get("stage")) if doc.get("type") == "component" else ()
    return (doc.get("instance"), doc.get("type")) + extra


def partition_uri(uri: str) -> tuple[str, str]:
    """``experiment.model.storage.partition_uri``: file://GW/abs/path -> (GW, /abs/path)."""
    if uri.startswith("file://"):
        gateway, _, path = uri[7:].partition("/")
        return gateway, "/" + path
    return "", uri


def zip_files(files: dict[str, str]) -> bytes:
    """A zip whose entry names are the absolute paths (zipfile drops the leading '/', which the
    client re-adds, as with the real gateway)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, real in files.items():
            archive.write(real, arcname=name)
    return buffer.getvalue()


def zip_directory(root: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, _, names in os.walk(root):
            for name in sorted(names):
                full = os.path.join(folder, name)
                archive.write(full, arcname="/" + os.path.relpath(full, root))
    return buffer.getvalue()
