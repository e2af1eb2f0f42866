"""The agreement figures of a run and the readable list of its differences (docs/v5/
differential.md is made from it: ``UPDATE_V5_DIFFERENTIAL=1`` rewrites the generated part)."""
from __future__ import annotations

import json
from collections import Counter
from typing import Any, Iterable

from tests.oracle.differ import MISSING
from tests.v5.oracle.known import KNOWN, explain


def _short(value: Any, n: int = 240) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= n else text[:n] + "..."


def describe(record, n: int = 240) -> str:
    """One line per side: the request, the real answer, the simulator's."""
    call = record.call
    request = f"{call.method} {call.path}"
    if record.params:
        request += f" params={_short(record.params, 120)}"
    if record.body is not MISSING:
        request += f" body={_short(record.body, n)}"
    return (f"{record.label}: {request}\n"
            f"      real {record.real.status} {_short(record.real.body, n)}\n"
            f"      sim  {record.sim.status} {_short(record.sim.body, n)}")


def report_unexplained(records: Iterable) -> str:
    out = [describe(r) + "\n      " + "\n      ".join(r.call.problems[:6])
           for r in records if r.call.problems and explain(r) is None]
    return f"{len(out)} calls differ with no entry in known.py:\n" + "\n".join(out) if out else ""


class Figures:
    def __init__(self, records: list) -> None:
        self.records = records
        self.calls = len(records)
        self.differing = [r for r in records if r.call.problems]
        self.identical = self.calls - len(self.differing)
        self.by_entry: dict[str, list] = {}
        self.unexplained = []
        for r in self.differing:
            entry = explain(r)
            if entry is None:
                self.unexplained.append(r)
            else:
                self.by_entry.setdefault(entry.key, []).append(r)
        kinds = {k.key: k.kind for k in KNOWN}
        self.by_kind = Counter({kind: 0 for kind in set(kinds.values())})
        for key, rs in self.by_entry.items():
            self.by_kind[kinds[key]] += len(rs)
        labels = {r.label for r in records}
        self.stale = [k.key for k in KNOWN if k.labels and k.key not in self.by_entry
                      and any(label in labels for label in k.labels)]

    def text(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.by_kind.items()))
        return (f"{self.calls} calls compared: {self.identical} identical, "
                f"{len(self.differing)} differing ({kinds}"
                + (f", {len(self.unexplained)} UNEXPLAINED" if self.unexplained else "")
                + ")")

    def markdown(self, title: str) -> str:
        rows = [f"### {title}", "", f"**{self.text()}**", ""]
        if not self.by_entry:
            return "\n".join(rows) + "\n"
        rows += ["| Calls | Kind | Entry | Reason |", "|---:|---|---|---|"]
        for k in KNOWN:
            if k.key in self.by_entry:
                rows.append(f"| {len(self.by_entry[k.key])} | {k.kind} | `{k.key}` | "
                            f"{k.reason} |")
        rows.append("")
        for k in KNOWN:
            if k.key not in self.by_entry or k.kind == "not yet":
                continue
            rows += [f"#### `{k.key}` ({k.kind})", "", k.reason, "", "```text"]
            rows += [describe(r, 400) for r in self.by_entry[k.key]]
            rows += ["```", ""]
        not_yet = [r for k in KNOWN if k.kind == "not yet" for r in self.by_entry.get(k.key, [])]
        if not_yet:
            routes = Counter(f"{r.call.method} {_route(r.call.path)}" for r in not_yet)
            rows += ["#### not yet served (501), calls per route", "", "```text"]
            rows += [f"{n:4d}  {route}" for route, n in sorted(routes.items())]
            rows += ["```", ""]
        return "\n".join(rows) + "\n"


def _route(path: str) -> str:
    import re

    return re.sub(r"/\d+", "/<id>", path.split("?")[0])
