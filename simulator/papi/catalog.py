"""The catalog of modules and tools (``routers/v1/catalog/common.py``, ``modules.py``,
``tools.py``), read from fixture files instead of GitHub and Docker Hub.

A fixture entry holds what the real PAPI gathers from the outside for one item: its line of the
catalog's ``.gitmodules`` (``name``, ``url``, ``branch``), its ``ai4-metadata.yml``
(``metadata``), what the GitHub API says (``github``: dates, SPDX license) and its Docker Hub tags
(``docker_tags``). See ``fixtures/papi/catalog/``.
"""
from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Callable, Optional

import yaml

from simulator.papi import userconf
from simulator.papi.config import PapiConfig
from simulator.papi.errors import BadRequest, PapiError

REPOS = {"module": "ai4os-hub/modules-catalog", "tool": "ai4os/tools-catalog"}
TRUSTED_ORGS = ("ai4os", "ai4os-hub", "deephdc")
# ai4-metadata v2 (ai4-apps-v2.3.0.json): the keys a compliant file must have
REQUIRED = ("metadata_version", "title", "summary", "description", "links", "libraries", "tasks",
            "categories", "tags")


@functools.lru_cache(maxsize=32)
def _read(path: str, mtime: float) -> list:
    with open(path) as fh:
        return yaml.safe_load(fh) or []


def read_entries(path: Path) -> list[dict]:
    """Catalog entries of a fixture file (parsed once per process; callers get copies)."""
    return copy.deepcopy(_read(str(path), path.stat().st_mtime))


def map_license(spdx: str) -> str:
    """SPDX id -> EU vocabulary name (``Apache-2.0`` -> ``APACHE_2_0``)."""
    return spdx.upper().replace("-", "_").replace(".", "_") if spdx else ""


class Catalog:
    def __init__(self, kind: str, entries: list[dict]) -> None:
        self.kind = kind                     # "module" | "tool"
        self.repo = REPOS[kind]
        self._entries = {e["name"]: e for e in entries}

    @property
    def plural(self) -> str:
        return f"{self.kind}s"

    def names(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def entry(self, name: str) -> dict:
        return self._entries[name]

    # ------------------------------------------------------------------ metadata
    def metadata(self, name: str, api_root: str) -> dict:
        """The enriched metadata of an item, or the placeholder the real PAPI answers (200) when
        an item's metadata is missing, invalid or comes from an untrusted organization."""
        if name not in self._entries:
            raise PapiError(404, f"Item {name} not in the catalog: https://github.com/{self.repo}")
        entry = self._entries[name]
        url = entry.get("url", "")
        self_url = f"{api_root}/v1/catalog/{self.plural}/{name}/metadata"
        org = url.rstrip("/").split("/")[-2] if url.count("/") >= 4 else ""
        metadata = entry.get("metadata")
        if org not in TRUSTED_ORGS:
            return _placeholder(name, f"The metadata of this {self.kind} could not be "
                                f"retrieved because its source code is not hosted in one of the "
                                f"trusted organizations ({', '.join(TRUSTED_ORGS)}).")
        problem = _problem(metadata)
        if problem:
            return _placeholder(name, f"The metadata of this {self.kind} could not be "
                                f"validated against the ai4-metadata schema: {problem}")
        metadata = copy.deepcopy(metadata)
        github = entry.get("github") or {}
        metadata["id"] = name
        metadata["dates"] = {"created": github.get("created", ""),
                             "updated": github.get("updated", "")}
        metadata["license"] = map_license(github.get("license", ""))
        links = metadata.setdefault("links", {})
        links["source_code"] = url
        links["cicd_url"] = f"https://jenkins.services.ai4os.eu/job/{_org_title(org)}/job/{name}/"
        links["cicd_badge"] = ("https://jenkins.services.ai4os.eu/buildStatus/icon?job="
                               f"{_org_title(org)}/{name}/{entry.get('branch', 'main')}")
        links["docker_image"] = (links.get("docker_image") or "").strip()
        links["self"] = self_url
        return metadata

    def detail(self, api_root: str) -> list[dict]:
        """``/detail``: every item's metadata without ``description`` and ``links``."""
        out = []
        for name in self._entries:
            meta = self.metadata(name, api_root)
            meta.pop("description", None)
            meta.pop("links", None)
            meta["name"] = name
            out.append(meta)
        return out

    def docker_tags(self, image: str) -> list[str]:
        """Docker Hub tags of an image, newest first (400 when Docker Hub has none)."""
        for entry in self._entries.values():
            links = (entry.get("metadata") or {}).get("links") or {}
            if (links.get("docker_image") or "").strip() == image and entry.get("docker_tags"):
                return list(entry["docker_tags"])
        repo, _, name = image.partition("/")
        raise BadRequest(f"Could not retrieve Docker tags from {repo}/{name}.")

    # ------------------------------------------------------------------ config
    def config(self, name: str, vo: str, api_root: str, config: PapiConfig,
               gpu_models: Callable[[str], list[str]]) -> dict:
        """``GET /{item}/config?vo=``: the item's full conf, tailored to the VO and metadata."""
        if name not in self._entries:
            raise BadRequest(f"{name} is not an available {self.kind}.")
        meta = self.metadata(name, api_root)
        conf = userconf.full_conf(name)
        if self.kind == "module" or name in ("ai4os-federated-server", "ai4os-ai4life-loader",
                                             "ai4os-dev-env"):
            image = meta["links"].get("docker_image", "")
            tags = self.docker_tags(image)
            if name == "ai4os-dev-env":
                tags = sorted(tags, key=userconf.natural_key, reverse=True)
            conf["general"]["docker_image"]["value"] = image
            conf["general"]["docker_tag"]["options"] = tags
            conf["general"]["docker_tag"]["value"] = tags[0]
        if "hardware" in conf:
            vo_conf = config.vos.get(vo)
            if vo_conf is not None:
                conf["hardware"] = userconf.limit_resources(name, vo_conf)
            inference = (meta.get("resources") or {}).get("inference") or {}
            hardware = conf["hardware"]
            if self.kind == "module":
                if inference.get("cpu") and "range" in hardware.get("cpu_num", {}):
                    hardware["cpu_num"]["value"] = userconf.clamp(inference["cpu"],
                                                                  hardware["cpu_num"]["range"])
                if inference.get("memory_MB") and "range" in hardware.get("ram", {}):
                    hardware["ram"]["value"] = userconf.clamp(inference["memory_MB"],
                                                              hardware["ram"]["range"])
            if "gpu_type" in hardware:  # an unknown VO crashes in get_gpu_models, as real
                hardware["gpu_type"]["options"] = [""] + userconf.filter_gpu_models(
                    gpu_models(vo), inference)
        if name == "ai4os-ai4life-loader":
            models = list(self._entries[name].get("models") or [])
            conf["general"]["model_id"]["options"] = models
            conf["general"]["model_id"]["value"] = models[0] if models else ""
        if name == "ai4os-llm":
            conf["llm"]["vllm_model_id"]["options"] = list(userconf.vllm_models())
        return conf


def _problem(metadata) -> Optional[str]:
    if not isinstance(metadata, dict):
        return "the file is missing or is not a YAML mapping"
    for key in REQUIRED:
        if key not in metadata:
            return f"'{key}' is a required property"
    if not (metadata.get("links") or {}).get("source_code"):
        return "'source_code' is a required property"
    return None


def _org_title(org: str) -> str:
    return {"ai4os-hub": "AI4OS-hub", "ai4os": "AI4OS", "deephdc": "DEEP-OC-org"}.get(org, org)


def _placeholder(name: str, error: str) -> dict:
    # every link is empty, "self" included (common.py builds it from a blank template)
    links = {k: "" for k in ("documentation", "source_code", "docker_image", "ai4_template",
                             "dataset", "weights", "citation", "base_model", "self")}
    return {"id": name, "metadata_version": "2.0.0", "title": name, "summary": "",
            "description": error, "doi": "", "dates": {"created": "", "updated": ""},
            "links": links, "tags": ["invalid metadata"], "tasks": [], "categories": [],
            "libraries": [], "data-type": []}
