"""The files and datastore documents of an interpreted instance, as elaunch.py and the datastore's
reporter write them: output/status.txt, output.json, output.txt, experiment.log and the
experiment, user-metadata and component documents. No HTTP here."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.st4sd.errors import WorkflowError
from simulator.st4sd.workflow import Task, parse_reference

if TYPE_CHECKING:
    from simulator.core.clock import Clock
    from simulator.st4sd.datastore import Datastore
    from simulator.st4sd.interpreter import Instance


class Records:
    def __init__(self, clock: "Clock", datastore: "Datastore") -> None:
        self.clock = clock
        self.datastore = datastore

    def touch(self, inst: "Instance", **changes: Any) -> None:
        with inst.lock:
            for key, value in changes.items():
                setattr(inst, key, value)
            inst.updated = self.clock.now()
        self.write_status(inst)

    def record_outputs(self, inst: "Instance", task: Task) -> None:
        wf = inst.workflow
        for key in wf.outputs:
            try:
                ref = wf.output_reference(key)
            except WorkflowError:
                continue
            if ref.direct:
                continue
            stage = ref.stage if ref.stage is not None else task.stage
            if (stage, ref.producer) != (task.stage, task.template.name) or task.replica not in (None, 0):
                continue
            rel = Path("stages") / f"stage{stage}" / task.name
            if ref.path:
                rel = rel / ref.path
            with inst.lock:
                version = int(inst.outputs_.get(key, {}).get("version", "0")) + 1
                inst.outputs_[key] = {
                    "creationtime": str(self.clock.timestamp()), "description": "",
                    "filename": rel.name, "filepath": str(rel), "final": "yes",
                    "production": "yes", "type": "", "version": str(version)}
        self.write_outputs(inst)

    def write_outputs(self, inst: "Instance") -> None:
        out = inst.directory / "output"
        outputs = inst.outputs()
        (out / "output.json").write_text(json.dumps(outputs, indent=2))
        lines = []
        for key, values in outputs.items():
            lines.append(f"[{key}]")
            lines += [f"{k} = {v}" for k, v in values.items()]
        (out / "output.txt").write_text("\n".join(lines) + "\n")

    def write_status(self, inst: "Instance") -> None:
        out = inst.directory / "output"
        if not out.is_dir():
            return
        status = self.status_strings(inst)
        (out / "status.txt").write_text("".join(f"{k}={v}\n" for k, v in status.items()))

    def status_strings(self, inst: "Instance", document: bool = False) -> dict[str, str]:
        """status.txt's lines (times as str(datetime)), or the experiment document's status
        (ISO times, ``updated`` as %Y-%m-%dT%H%M%S.%f), as elaunch and the reporter write them."""
        def fmt(when: dt.datetime) -> str:
            when = when.replace(tzinfo=None)
            return when.isoformat() if document else str(when)

        with inst.lock:
            status = {"experiment-state": inst.experiment_state or "Initialising",
                      "stage-state": inst.stage_state or "Initialising",
                      "exit-status": inst.exit_status or "N/A",
                      "current-stage": inst.current_stage or "stage0",
                      "stages": str(inst.stages), "total-progress": str(inst.total_progress),
                      "stage-progress": str(inst.stage_progress), "cost": "0",
                      "created-on": fmt(inst.created),
                      "updated-on": fmt(inst.updated or inst.created),
                      "updated": fmt(inst.updated or inst.created)}
            if document:
                status["updated"] = (inst.updated or inst.created).strftime("%Y-%m-%dT%H%M%S.%f")
            if inst.completed is not None:
                status["completed-on"] = fmt(inst.completed)
            if inst.error_description:
                # newlines escaped twice in status.txt, its backslashes once more in the document
                error = inst.error_description.replace("\n", "\\\\n")
                status["error-description"] = error.replace("\\", "\\\\") if document else error
        return status

    def log(self, inst: "Instance", line: str) -> None:
        path = inst.directory / "output" / "experiment.log"
        if path.parent.is_dir():
            stamp = self.clock.now().strftime("%Y-%m-%d %H:%M:%S,%f")[:-3]
            with open(path, "a") as f:
                f.write(f"{stamp} {line}\n")

    # ------------------------------------------------------------------ datastore documents
    def experiment_doc(self, inst: "Instance") -> dict:
        interface = dict(inst.workflow.interface)
        with inst.lock:
            meta = json.loads(json.dumps(inst.meta))
        return {"type": "experiment", "instance": inst.uri,
                # elaunch generates it with no datastore label: file://<path>
                "uid": f"file://{inst.directory}".replace("%", "%%").replace("&", "%&"),
                "name": inst.plan.ve.metadata.package.name, "interface": interface,
                "output": self.doc_outputs(inst), "status": self.status_strings(inst, True),
                "metadata": meta}

    def doc_outputs(self, inst: "Instance") -> dict:
        out = {}
        with inst.lock:
            for key, o in inst.outputs_.items():
                created = dt.datetime.fromtimestamp(float(o["creationtime"]), dt.timezone.utc)
                out[key] = {"creationtime": created.strftime("%Y-%m-%dT%H%M%S.%f"),
                            "description": "", "filename": o["filename"],
                            "filepath": o["filepath"], "final": o["final"], "production": "yes",
                            "type": "", "version": int(o["version"])}
        return out

    def update_experiment_doc(self, inst: "Instance") -> None:
        if not inst.plan.register_workflow or not (inst.directory / "output").is_dir():
            return
        self.datastore.upsert([self.experiment_doc(inst)])

    def user_metadata_doc(self, inst: "Instance") -> dict:
        with inst.lock:
            meta = dict(inst.meta["userMetadata"])
        return {"type": "user-metadata", "instance": inst.uri, "uid": f"{inst.uri}&user-metadata",
                **meta}

    def component_doc(self, inst: "Instance", task: Task, state: str) -> None:
        if not inst.plan.register_workflow:
            return
        workdir = inst.directory / "stages" / f"stage{task.stage}" / task.name
        files = sorted(str(p) for p in workdir.rglob("*") if p.is_file())
        producers: dict[str, list[str]] = {}
        for text, targets in task.producers.items():
            ref = parse_reference(text, inst.workflow.directs)
            for s, name in targets:
                producers.setdefault(f"{inst.uri}&stage{s}.{name}", []).append(
                    ref.path or "out.stdout")
        flowir = json.loads(json.dumps(task.template.raw, default=str))
        flowir["name"] = task.name
        self.datastore.upsert([{
            "type": "component", "instance": inst.uri,
            "uid": f"{inst.uri}&{task.identifier}", "name": task.name, "stage": task.stage,
            "location": str(workdir), "files": files, "flowir": flowir,
            "component-identifier": task.identifier, "producers": producers,
            "component-state": state, "memoization-hash": "", "memoization-hash-fuzzy": ""}])
        self.update_experiment_doc(inst)

