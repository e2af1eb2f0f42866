"""What a deployment accepts and how PAPI checks it: ``etc/modules/user.yaml``,
``etc/tools/*/user.yaml``, ``utils.update_values_conf``, ``utils.validate_conf`` and ``quotas.py``.

The checks reproduce the real ones exactly, including what they do not check (types, options),
so a conf the real PAPI crashes on crashes here too (:class:`Crash`, a plain 500).
"""
from __future__ import annotations

import copy
import csv
import functools
import re
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml

from simulator.papi.config import VO
from simulator.papi.errors import BadRequest, Crash

DATA = Path(__file__).parent / "data"
TOOLS = ("ai4os-federated-server", "ai4os-cvat", "ai4os-nvflare", "ai4os-llm",
         "ai4os-ai4life-loader", "ai4os-dev-env")
# Nomad job names of tools ("tool-<short>-<uuid>") -> tool id (papiconf.tools_nomad2id)
TOOLS_NOMAD2ID = {"fl": "ai4os-federated-server", "cvat": "ai4os-cvat", "nvflare": "ai4os-nvflare",
                  "llm": "ai4os-llm", "ai4life": "ai4os-ai4life-loader", "devenv": "ai4os-dev-env"}
TOOLS_ID2NOMAD = {v: k for k, v in TOOLS_NOMAD2ID.items()}

_DOI = re.compile(r"^10.\d{4,9}/[-._;()/:A-Z0-9]+$", re.IGNORECASE)
_URL = re.compile(r"https?:\/\/(www\.)?[-a-zA-Z0-9@:%._\+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b"
                  r"([-a-zA-Z0-9()@:%_\+.~#?&//=]*)", re.IGNORECASE)
# utils.validate_conf's message keeps the indentation of its line continuation
IMAGE_ORIGIN_MSG = ("The docker image should belong to either 'deephdc' or 'ai4oshub' "
                    "                DockerHub organizations or be hosted in the project's Harbor.")


@functools.lru_cache(maxsize=None)
def _load(name: str) -> Any:
    with open(DATA / name) as fh:
        return yaml.safe_load(fh)


def full_conf(item: str) -> dict:
    """The "full" conf of a module (any item that is not a tool) or of a tool."""
    name = f"conf/tools/{item}.yaml" if item in TOOLS else "conf/modules.yaml"
    return copy.deepcopy(_load(name))


def values(full: dict) -> dict:
    """``{group: {param: value}}`` from a full conf (what a POST body holds)."""
    return {group: {k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}
            for group, params in full.items()}


def vllm_models() -> dict:
    return _load("conf/vllm.yaml")["models"]


@functools.lru_cache(maxsize=None)
def gpu_specs() -> dict[str, tuple[int, float]]:
    """var/gpu_models.csv: model -> (memory MB, compute capability)."""
    with open(DATA / "gpu_models.csv") as fh:
        return {r["model"]: (int(r["memory_MB"]), float(r["compute_capability"]))
                for r in csv.DictReader(fh, delimiter=";")}


def limit_resources(item: str, vo: VO) -> dict:
    """``quotas.limit_resources``: the item's hardware conf with the VO's reduced limits."""
    hardware = full_conf(item).get("hardware", {})
    for key, (value, rng) in (vo.limits or {}).items():
        if key in hardware:
            if value is not None:
                hardware[key]["value"] = value
            hardware[key]["range"] = list(rng)
    return hardware


def update_values_conf(submitted: dict, reference: dict) -> dict:
    for key in submitted:
        if key not in reference:
            raise BadRequest(f"The key `{key}` in not a valid parameter.")
        group = submitted[key]
        if not isinstance(group, dict):
            raise Crash(f"AttributeError: '{type(group).__name__}' object has no attribute 'keys'")
        unknown = set(group) - set(reference[key])
        if unknown:
            # the real message shows the Python set
            raise BadRequest(f"The keys `{unknown}` are not a valid parameters.")
        reference[key].update(group)
    return reference


def validate_conf(conf: dict, origins: Iterable[str]) -> dict:
    image = (conf.get("general") or {}).get("docker_image")
    if image:
        if not isinstance(image, str):
            raise Crash("AttributeError: docker_image has no attribute 'split'")
        if image.split("/")[0] not in origins:
            raise BadRequest(IMAGE_ORIGIN_MSG)
    datasets = (conf.get("storage") or {}).get("datasets")
    if datasets:
        try:
            for dataset in datasets:
                doi = dataset["doi"]
                if not (_DOI.match(doi) or _URL.match(doi)):
                    raise BadRequest("Invalid DOI or URL.")
                if not isinstance(dataset["force_pull"], bool):
                    raise BadRequest("Force pull should be bool.")
        except (KeyError, TypeError) as exc:
            raise Crash(f"{type(exc).__name__}: {exc}")
    return conf


def check_jobwise(conf: dict, item: str, vo: VO) -> None:
    """Only ``hardware`` params with a ``range`` are checked; options never are. A value of the
    wrong type makes Python's comparison raise, as in the real PAPI (500)."""
    ref = limit_resources(item, vo)
    user = conf["hardware"]
    for key, spec in ref.items():
        if "range" not in spec:
            continue
        low, high = spec["range"]
        try:
            if user[key] < low:
                raise BadRequest(f"The parameter {key} should bigger or equal to {low}.")
            if user[key] > high:
                raise BadRequest(f"The parameter {key} should smaller or equal to {high}.")
        except (TypeError, KeyError) as exc:
            raise Crash(f"{type(exc).__name__}: {exc}")


def check_userwise(conf: dict, deployments: list[dict], vo: VO) -> None:
    """A user may hold at most ``vo.gpu_quota`` GPUs (running or queued, modules and tools) in a
    VO. CPU-only deployments always pass, even over quota (as the real check)."""
    requested = (conf.get("hardware") or {}).get("gpu_num", 0)
    used = sum(d["resources"].get("gpu_num", 0) for d in deployments)
    try:
        over = used + requested > vo.gpu_quota and requested
    except TypeError as exc:
        raise Crash(f"TypeError: {exc}")
    if over:
        raise BadRequest(f"You already have at least {vo.gpu_quota} GPUs running and/or queued. "
                         "If you want to make a new GPU deployment please delete one of your "
                         "existing ones.")


def check_ide_password(conf: dict, always: bool = False) -> None:
    general = conf.get("general") or {}
    if always or general.get("service") in ("jupyter", "vscode"):
        password = general.get("jupyter_password")
        try:
            short = len(password) < 9
        except TypeError as exc:
            raise Crash(f"TypeError: {exc}")
        if short:
            raise BadRequest("Your IDE needs a password of at least 9 characters.")


def clamp(value: Any, rng: list) -> Any:
    low, high = rng
    return max(low, min(high, value))


def natural_key(text: str) -> list:
    """natsort's order: digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", text) if part]


def filter_gpu_models(models: Iterable[str], inference: Optional[dict]) -> list[str]:
    """GPU models that meet a module's ``resources.inference`` GPU memory and capability."""
    inference = inference or {}
    need_memory = inference.get("gpu_memory_MB") or 0
    need_cc = inference.get("gpu_compute_capability") or 0
    specs = gpu_specs()
    out = []
    for model in models:
        if need_memory or need_cc:
            if model not in specs:
                continue
            memory, cc = specs[model]
            if memory < need_memory or cc < need_cc:
                continue
        out.append(model)
    return sorted(out)
