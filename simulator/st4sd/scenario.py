"""Build the ST4SD platform from a scenario's ``st4sd:`` section (see README, "ST4SD").

```yaml
st4sd:
  auth: true                  # false: the oauth-proxy lets every request through
  users:                      # default (none declared): st4sd / token st4sd-token / key st4sd-api-key
    - {name: alice, token: alice-token, api_key: alice-key}
  packages:                   # base packages: git URL (optionally branch/tag/commit) -> local folder
    - {git: "https://github.com/st4sd/sum-numbers.git", tag: "1.0.0", path: st4sd/sum-numbers}
    - {dataset: my-dataset, path: st4sd/other}
  experiments: [st4sd/sum-numbers.pvep.json]   # PVEPs pushed when the network is built
  settings: {runtime: auto, component_timeout: 120, gateway_id: st4sd-simulator}
```
``settings.runtime``: ``auto`` (the real elaunch.py where its virtualenv is installed, else the
interpreter), ``elaunch`` or ``interpreter``; the other settings are RuntimeSettings' fields.
Relative paths resolve against the scenario file's folder.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from simulator.scenario import Scenario, ScenarioError

_KEYS = {"auth", "users", "packages", "experiments", "settings"}
_SETTINGS = {"runtime", "runtime_venv", "default_arguments", "component_timeout", "gateway_id",
             "max_output_bytes", "stop_grace", "status_poll"}


def build(platform, scenario: Scenario) -> None:
    section = scenario.data.get("st4sd")
    if not section:
        return
    src = scenario.source

    def fail(why: str) -> ScenarioError:
        return ScenarioError(f"{src}: st4sd: {why}")

    if not isinstance(section, dict):
        raise fail("must be a mapping")
    unknown = set(section) - _KEYS
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)}; known keys are {sorted(_KEYS)}")
    platform.auth.enabled = bool(section.get("auth", True))
    settings = section.get("settings") or {}
    if not isinstance(settings, dict) or set(settings) - _SETTINGS:
        raise fail(f"settings must be a mapping with keys among {sorted(_SETTINGS)}")
    platform.settings.update(settings)
    for user in _entries(section, "users", fail):
        if "name" not in user or not (user.get("token") or user.get("api_key")):
            raise fail(f"user {user!r} needs a name and a token and/or an api_key")
        platform.add_user(str(user["name"]), _str(user.get("token")), _str(user.get("api_key")))
    for package in _entries(section, "packages", fail):
        if "path" not in package or ("git" in package) == ("dataset" in package):
            raise fail(f"package {package!r} needs a path and exactly one of git or dataset")
        refs = [package[k] for k in ("branch", "tag", "commit") if k in package]
        if len(refs) > 1:
            raise fail(f"package {package!r}: at most one of branch, tag or commit")
        folder = Path(scenario.resolve(str(package["path"])))
        if not folder.exists():
            raise fail(f"package {package!r}: {folder} does not exist")
        platform.add_package(folder, git=package.get("git"), dataset=package.get("dataset"),
                             ref=str(refs[0]) if refs else None)
    for entry in section.get("experiments") or []:
        path = Path(scenario.resolve(str(entry)))
        try:
            pvep = _load(path)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise fail(f"experiment {entry!r}: {exc}")
        try:
            platform.registry.push(pvep)
        except Exception as exc:
            raise fail(f"experiment {entry!r} cannot be pushed: {exc}")


def _entries(section: dict, key: str, fail) -> list[dict]:
    value = section.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise fail(f"{key} must be a list of mappings")
    return value


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _load(path: Path) -> Any:
    text = path.read_text()
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
