"""What the registry reads from a workflow definition: the facts of a FlowIR document (or of a
DSL 2.0 one, converted to FlowIR by the real st4sd-runtime-core). Any valid FlowIR is accepted
here; what the in-process interpreter can run is :mod:`simulator.st4sd.workflow`. No HTTP here."""
from __future__ import annotations

import re
from typing import Any, Optional

DEFAULT = "default"
# input/<file>:<method>, never a component's file (virtual_experiment.py from_flowir_concrete...)
_INPUT_REF = re.compile(r"^input/(?P<path>[^:]+):[a-z]+$")


class FlowIR:
    """Platforms, variables, environments, key-outputs, interface and required inputs."""

    def __init__(self, flowir: dict, data_files: list[str]) -> None:
        self.flowir = flowir
        platforms = list(flowir.get("platforms") or [])
        for key in ("variables", "environments", "blueprint"):
            for p in flowir.get(key) or {}:
                if p not in platforms:
                    platforms.append(p)
        if DEFAULT not in platforms:
            platforms.insert(0, DEFAULT)
        self.platforms: list[str] = platforms
        self._variables: dict = flowir.get("variables") or {}
        self._data_files = list(data_files)
        self.outputs: dict[str, dict] = dict(flowir.get("output") or {})
        self.interface: dict = dict(flowir.get("interface") or {})

    # ------------------------------------------------------------------ variables
    def global_variables(self, platform: str) -> dict[str, Any]:
        merged = dict(((self._variables.get(DEFAULT) or {}).get("global")) or {})
        if platform != DEFAULT:
            merged.update(((self._variables.get(platform) or {}).get("global")) or {})
        return merged

    def platform_global_variables(self, platform: str) -> dict[str, Any]:
        """Only the platform's own global scope (what the registry reports per platform)."""
        return dict(((self._variables.get(platform) or {}).get("global")) or {})

    def stage_variables(self, platform: str, stage: int) -> dict[str, Any]:
        def scope(p: str) -> dict:
            stages = (self._variables.get(p) or {}).get("stages") or {}
            return dict(stages.get(stage) or stages.get(str(stage)) or {})

        merged = scope(DEFAULT)
        if platform != DEFAULT:
            merged.update(scope(platform))
        return merged

    def environment(self, platform: str, name: Optional[str]) -> Optional[dict[str, str]]:
        """The named environment of a platform (``environment`` when the component names none)."""
        envs = self.flowir.get("environments") or {}
        name = name or "environment"
        if str(name).lower() == "none":
            return {}
        for p in (platform, DEFAULT):
            found = (envs.get(p) or {}).get(name)
            if found is not None:
                return {str(k): str(v) for k, v in found.items()}
        return None

    # ------------------------------------------------------------------ facts for the registry
    def input_files(self) -> list[str]:
        """Every ``input/<file>`` reference is a required input (virtual_experiment.py)."""
        found = set()
        for comp in self.flowir.get("components") or []:
            for text in (comp or {}).get("references") or []:
                match = _INPUT_REF.match(str(text).strip())
                if match:
                    found.add(match["path"])
        return sorted(found)

    def data_files(self) -> list[str]:
        return list(self._data_files)

    def container_images(self, platform: str) -> list[str]:
        images = set()
        blueprint = self.flowir.get("blueprint") or {}
        for p in {DEFAULT, platform}:
            rm = (((blueprint.get(p) or {}).get("global") or {}).get("resourceManager") or {})
            if (rm.get("config") or {}).get("backend") == "kubernetes":
                image = (rm.get("kubernetes") or {}).get("image")
                if image:
                    images.add(str(image))
        return sorted(images)

    def application_dependencies(self, platform: str) -> list[str]:
        deps = self.flowir.get("application-dependencies") or {}
        return [str(x) for x in deps.get(platform) or deps.get(DEFAULT) or []]

    def validate(self, platform: str, user_variables: Optional[dict[str, str]] = None) -> list[str]:
        """Problems that would stop the workflow from running on ``platform`` (empty: fine)."""
        return []
