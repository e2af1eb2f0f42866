"""The agreement figures of a run and the readable list of its differences. docs/v5/
differential.md carries one generated section per test module (between ``<!-- generated:
NAME -->`` and ``<!-- end: NAME -->``); the tests fail when it is stale, and
``UPDATE_V5_DIFFERENTIAL=1`` rewrites it."""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from tests.oracle.differ import MISSING
from tests.v5.oracle.harness import norm5
from tests.v5.oracle.known import KNOWN, NOT_YET, explain

DOC = Path(__file__).resolve().parents[3] / "docs" / "v5" / "differential.md"


def _short(value: Any, n: int = 240) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= n else text[:n] + "..."


def describe(record, n: int = 240, normalise: Callable[[Any], Any] = lambda x: x) -> str:
    """The request, then one line per answer: the real one, the simulator's."""
    call = record.call
    request = f"{call.method} {call.path}"
    if record.params:
        request += f" params={_short(record.params, 120)}"
    if record.body is not MISSING:
        request += f" body={_short(normalise(record.body), n)}"
    return (f"{record.label}: {request}\n"
            f"      real {record.real.status} {_short(normalise(record.real.body), n)}\n"
            f"      sim  {record.sim.status} {_short(normalise(record.sim.body), n)}")


def report_unexplained(records: Iterable) -> str:
    out = [describe(r) + "\n      " + "\n      ".join(r.call.problems[:6])
           for r in records if r.call.problems and explain(r) is None]
    return f"{len(out)} calls differ with no entry in known.py:\n" + "\n".join(out) if out else ""


class Figures:
    def __init__(self, records: list, aliases: Optional[dict] = None) -> None:
        self.records = records
        self.aliases = aliases or {}
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
        self.by_kind = Counter()
        for k in KNOWN:
            self.by_kind[k.kind] += len(self.by_entry.get(k.key, []))
        labels = {r.label for r in records}
        self.stale = [k.key for k in KNOWN if k.labels and k.key not in self.by_entry
                      and any(label in labels for label in k.labels)]

    def text(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.by_kind.items()))
        return (f"{self.calls} calls compared: {self.identical} identical, "
                f"{len(self.differing)} differing ({kinds}"
                + (f", {len(self.unexplained)} UNEXPLAINED" if self.unexplained else "")
                + ")")

    def _normalise(self, value: Any) -> Any:
        return norm5(value, aliases=self.aliases)

    def markdown(self) -> str:
        rows = [f"**{self.text()}**", ""]
        if not self.by_entry:
            return "\n".join(rows)
        rows += ["| Calls | Kind | Entry | Reason |", "|---:|---|---|---|"]
        for k in KNOWN:
            if k.key in self.by_entry:
                rows.append(f"| {len(self.by_entry[k.key])} | {k.kind} | `{k.key}` | "
                            f"{k.reason} |")
        rows.append("")
        for k in KNOWN:
            if k.key not in self.by_entry or not k.labels:  # pattern-only: counted below
                continue
            rows += [f"#### `{k.key}` ({k.kind}, {len(self.by_entry[k.key])} calls)", "",
                     "```text"]
            rows += [describe(r, 300, self._normalise) for r in self.by_entry[k.key]]
            rows += ["```", ""]
        not_yet = [r for k in KNOWN if k.kind == NOT_YET and not k.labels
                   for r in self.by_entry.get(k.key, [])]
        if not_yet:
            routes = Counter(f"{r.call.method} {_route(r.call.path)}" for r in not_yet)
            rows += ["#### Not yet served (501): calls per route", "", "```text"]
            rows += [f"{n:4d}  {route}" for route, n in sorted(routes.items(),
                                                                key=lambda x: x[0].split()[::-1])]
            rows += ["```"]
        return "\n".join(rows)


def _route(path: str) -> str:
    return re.sub(r"/\d+", "/<id>", path.split("?")[0])


def check_doc_section(name: str, text: str) -> Optional[str]:
    """None if docs/v5/differential.md's section ``name`` is ``text`` (rewritten first with
    ``UPDATE_V5_DIFFERENTIAL=1``), else what is wrong."""
    start, end = f"<!-- generated: {name} -->", f"<!-- end: {name} -->"
    doc = DOC.read_text() if DOC.exists() else ""
    if start not in doc or end not in doc:
        return f"{DOC} has no section {start} ... {end}"
    head, rest = doc.split(start, 1)
    current, tail = rest.split(end, 1)
    wanted = f"\n{text.strip()}\n"
    if current == wanted:
        return None
    if os.environ.get("UPDATE_V5_DIFFERENTIAL"):
        DOC.write_text(head + start + wanted + end + tail)
        return None
    return f"{DOC} section {name!r} is stale: rerun with UPDATE_V5_DIFFERENTIAL=1"
