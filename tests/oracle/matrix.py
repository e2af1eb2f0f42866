"""What the 4.x and 5.x permission matrices share: a case (an endpoint on a target), a cell (a
caller's status and message) and the markdown table of a matrix."""
from __future__ import annotations

from typing import Any, NamedTuple, Optional

from tests.oracle.differ import MISSING


class Case(NamedTuple):
    label: str  # what the target is, seen from organization A
    method: str
    path: str
    body: Any = MISSING

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}" + (f" ({self.label})" if self.label else "")


class Cell(NamedTuple):
    status: int
    msg: Optional[str]

    @property
    def word(self) -> str:
        if self.status < 300:
            return "allowed"
        if self.status in (401, 403):
            return "denied"
        if self.status == 500:
            return "500"
        return f"passes, {self.status}"


def table(real: dict, callers: list[str], titles: dict[str, str]) -> list[str]:
    """The rows of the matrix ``{(case key, caller): Cell}``, one per case, in case order."""
    rows = ["| Endpoint (target, seen from organization A) | "
            + " | ".join(titles[c] for c in callers) + " |",
            "|---|" + "---|" * len(callers)]
    for key in dict.fromkeys(k for k, _ in real):
        cells = []
        for caller in callers:
            cell = real[key, caller]
            mark = {"allowed": "✓", "denied": "✗"}.get(cell.word)
            cells.append(f"{mark} {cell.status}" if mark else cell.word)
        rows.append(f"| `{key}` | " + " | ".join(cells) + " |")
    return rows
