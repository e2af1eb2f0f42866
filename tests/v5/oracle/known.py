"""The known differences between the simulator and the real HQ 5.0.3, machine-readable.

Each entry explains the calls it names (by their script label: labels are unique) or matches
(``when``: a predicate on the compared record, harness.Record). ``kind``:

  bug         the simulator answers wrongly: to be fixed in simulator/ (then delete the entry)
  deliberate  a difference the simulator keeps on purpose (COVERAGE.md says why)
  not yet     the simulator does not serve it yet (501): the list shrinks as routes land

The suite fails on any difference no entry explains, and on an entry with labels that explains
none of them any more (fixed: delete it). docs/v5/differential.md lists every call of each.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

BUG, DELIBERATE, NOT_YET = "bug", "deliberate", "not yet"


@dataclass(frozen=True)
class Known:
    key: str
    kind: str
    reason: str
    labels: tuple[str, ...] = ()
    when: Optional[Callable] = field(default=None, compare=False)

    def explains(self, record) -> bool:
        if record.label in self.labels:
            return True
        return self.when is not None and self.when(record)


def _not_served(record) -> bool:
    body = record.sim.body
    return (record.sim.status == 501 and isinstance(body, dict)
            and "is not implemented in the simulator" in str(body.get("msg", "")))


def _outer_handle_exceptions(method: str, pattern: str) -> Callable:
    """Calls to ``method pattern`` whose real answer shows @handle_exceptions wrapping the
    identity check: 500 'An unexpected error occurred: <the identity error>' where the
    simulator gives that error itself, or 401 '<type>s are not allowed to access <url>' where
    the simulator gives the generic 500."""
    path = re.compile(pattern)

    def when(record) -> bool:
        if record.call.method != method or not path.fullmatch(record.call.path.split("?")[0]):
            return False
        real, sim = _msg(record.real), _msg(record.sim)
        wrapped = "An unexpected error occurred: "
        return ((record.real.status == 500 and real.startswith(wrapped)
                 and sim == real[len(wrapped):])
                or (record.real.status == 401 and " are not allowed to access " in real
                    and record.sim.status == 500))
    return when


def _msg(outcome) -> str:
    body = outcome.body
    return str(body.get("msg", "")) if isinstance(body, dict) else ""


def _html_404(record) -> bool:
    return (record.real.status == 404 == record.sim.status
            and "<non-json>" in (record.real.body or {}))


KNOWN: list[Known] = [
    Known("not-served-501", NOT_YET,
          "route not served by the 5.x simulator yet (501): the admin writes, the blob store, "
          "the algorithm stores; the bridge applies an admin write the real HQ accepted to the "
          "simulator's records, so that later calls compare like with like",
          when=_not_served),
    Known("html-404", DELIBERATE,
          "unknown route: the real HQ answers Werkzeug's HTML 404, the simulator a JSON 404 "
          "(every simulator body is JSON)", when=_html_404),
    # ------------------------------------------------------------------ simulator bugs
    Known("session-list-order", DELIBERATE,
          "GET /session as a user without session view rules (no role, or the container "
          "role): HQ's OR-of-joins query has no ORDER BY and comes back in SQLite's plan order "
          "(ids 4, 5, 1 here); the simulator lists by id (1, 4, 5)",
          labels=("session list norole", "sweep r_container /session", "sweep norole /session")),
]


def explain(record) -> Optional[Known]:
    return next((k for k in KNOWN if k.explains(record)), None)
