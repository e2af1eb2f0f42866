"""What the runtime service answers about an instance elaunch.py runs: its files read as the
st4sd-runtime-k8s-monitoring sidecar reads them (app.py parse_elaunch_status_report and its
exit-code rules) and mapped to the REST status as st4sd-runtime-service does (instances.py
postprocess_workflow_dictionary). No HTTP here."""
from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, Optional

import yaml

_STATES = ("current-stage", "exit-status", "experiment-state", "stage-state")
_NUMBERS = ("cost", "stage-progress", "total-progress", "error-description")


def parse_status_report(instance: Path) -> Optional[dict[str, Any]]:
    """The sidecar's view of ``output/status.txt``, ``output/output.json`` and ``elaunch.yaml``:
    {} before status.txt exists, None on a transient read error (keep the last view)."""
    status_file = instance / "output" / "status.txt"
    if not status_file.is_file():
        return {}
    status: dict[str, Any] = {}
    try:
        for line in status_file.read_text().splitlines(keepends=True):
            key, value = line.split("=", 1)
            if key == "stages":
                status[key] = ast.literal_eval(value)
            elif key in _STATES:
                status[key.replace("-", "")] = value[:-1].strip()
            elif key == "updated":
                status[key] = value.strip()
            elif key in _NUMBERS:
                status[key.replace("-", "")] = value.strip()
        if "errordescription" in status:
            try:
                status["errordescription"] = status["errordescription"].encode(
                    "utf-8").decode("unicode_escape")
            except Exception:
                pass  # the sidecar keeps it as it is
        output = instance / "output" / "output.json"
        status["outputfiles"] = json.loads(output.read_text()) if output.is_file() else None
        meta = instance / "elaunch.yaml"
        status["meta"] = meta.read_text() if meta.is_file() else None
    except Exception:  # a file half-written: "assume transient error"
        return None
    return status


def apply_exit_code(status: dict[str, Any], exit_code: Optional[int]) -> dict[str, Any]:
    """The sidecar's rule for an elaunch that ended without a final state in status.txt."""
    state = str(status.get("experimentstate", "")).lower()
    if exit_code not in (None, 0) and state not in ("finished", "failed"):
        reason = ("this indicates invalid arguments to workflow. Please check the logs"
                  if exit_code == 2 else "This is an unexpected issue. Please check the logs")
        sep = ", " if exit_code == 2 else "."
        status = dict(status, currentstage="", exitstatus="Failed", outputfiles={},
                      stageprogress="", stagestate="initialising", stages=[], totalprogress="",
                      meta="", exitstate="failed", experimentstate="failed",
                      errordescription=f"workflow has terminated with exit error {exit_code} but "
                                       f"there is no detailed status report{sep}{reason}")
    if status.get("meta") is None:
        status["meta"] = ""
    if status.get("outputfiles") is None:
        status["outputfiles"] = {}
    return status


def rest_status(crd_status: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(status, outputs) as ``GET /instances/<id>`` answers them for the Workflow's status."""
    plain = dict(crd_status)
    outputs = plain.pop("outputfiles", {}) or {}
    status: dict[str, Any] = {
        "experiment-state": plain.get("experimentstate"), "stage-state": plain.get("stagestate"),
        "stages": plain.get("stages", []), "current-stage": plain.get("currentstage"),
        "exit-status": plain.get("exitstatus"), "meta": None, "total-progress": 0.0,
        "stage-progress": 0.0, "error-description": plain.get("errordescription", "")}
    if plain.get("meta"):
        try:
            status["meta"] = yaml.load(plain["meta"], Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            pass  # the service logs and ignores it
    for key, field in (("total-progress", "totalprogress"), ("stage-progress", "stageprogress")):
        try:
            if plain.get(field):
                status[key] = float(plain[field])
        except ValueError:
            pass
    return status, outputs


class DocumentFeed:
    """Reads the lines ``inside/reporter.py`` appends to documents.jsonl, once each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        with open(self.path, "rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1  # whole lines only; a line still being written waits
        self._offset += end
        return [json.loads(line) for line in chunk[:end].splitlines() if line.strip()]


def is_final(state: Optional[str]) -> bool:
    return (state or "").lower() in ("finished", "failed")
