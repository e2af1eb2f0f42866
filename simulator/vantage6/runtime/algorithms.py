"""Which Python package a task's image stands for (the scenario's ``algorithms``), and how it runs.

Scenario forms::

    algorithms:
      harbor2.vantage6.ai/demo/average: simulator.algorithms.average        # image -> module
      registry.example.org/my/algo: {module: my_algo, mode: isolated}        # with a mode

An image given with a tag or digest that is not registered as such resolves to the registration of
the same image without it, as a node would pull ``image:tag`` of the same repository.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from simulator.vantage6.runtime.executors import IN_PROCESS, MODES


def image_without_tag(image: str) -> str:
    """``image:tag`` and ``image@sha256:...`` -> ``image`` (as vantage6's ``get_image_name_wo_tag``;
    a registry port such as ``localhost:5000/a/b`` is not a tag)."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name


@dataclass(frozen=True)
class Algorithm:
    image: str
    module: str
    mode: Optional[str] = None  # None: the network's default mode


class AlgorithmRegistry:
    def __init__(self, default_mode: str = IN_PROCESS) -> None:
        if default_mode not in MODES:
            raise ValueError(f"unknown execution mode {default_mode!r}; known: {MODES}")
        self.default_mode = default_mode
        self._by_image: dict[str, Algorithm] = {}

    def register(self, image: str, module: str, mode: Optional[str] = None) -> Algorithm:
        if mode is not None and mode not in MODES:
            raise ValueError(f"unknown execution mode {mode!r} for {image}; known: {MODES}")
        algorithm = Algorithm(image, module, mode)
        self._by_image[image] = algorithm
        return algorithm

    def resolve(self, image: str) -> Optional[Algorithm]:
        return self._by_image.get(image) or self._by_image.get(image_without_tag(image))

    def mode_of(self, algorithm: Algorithm) -> str:
        return algorithm.mode or self.default_mode

    def __contains__(self, image: str) -> bool:
        return self.resolve(image) is not None

    def items(self) -> dict[str, Algorithm]:
        return dict(self._by_image)
