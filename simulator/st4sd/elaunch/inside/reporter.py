"""The datastore's reporter for one instance: st4sd-datastore's drivers/reporter.py
(consume_file) with the real st4sd-runtime-core, writing documents to a file instead of MongoDB.

elaunch.py --registerWorkflow=yes --discovererMonitorDir=DIR writes trigger files into DIR:
``<id>-begin.json`` (register the whole instance), ``<id>-<N>.json`` after stage N with
``upsert-documents`` and, after consolidation, one more with the final experiment document. They
are consumed in order, as the real reporter does, and each becomes one line of
DIR/documents.jsonl: ``{"trigger": name, "upsert": [documents]}`` or
``{"trigger": name, "may-insert": [{"doc": ..., "query": ...}]}``. Consumed triggers move to
DIR/processed, unreadable ones to DIR/invalid (as the real reporter does).
"""
from __future__ import annotations

import glob
import json
import os
from typing import Any

import experiment.model.conf
import experiment.model.data
import experiment.model.storage


def _step(path: str) -> int:
    tail = os.path.splitext(os.path.basename(path))[0].rsplit("-", 1)[1]
    return -1 if tail == "begin" else int(tail)


class Reporter:
    def __init__(self, monitor_dir: str, gateway_id: str) -> None:
        self.dir = monitor_dir
        self.gateway_id = gateway_id
        for sub in ("processed", "invalid"):
            os.makedirs(os.path.join(monitor_dir, sub), exist_ok=True)
        self.out = os.path.join(monitor_dir, "documents.jsonl")

    def poll(self) -> int:
        """Consume every pending trigger file; returns how many."""
        pending = []
        for path in glob.glob(os.path.join(self.dir, "*.json")):
            try:
                pending.append((_step(path), path))
            except (IndexError, ValueError):
                os.rename(path, os.path.join(self.dir, "invalid", os.path.basename(path)))
        if not pending:
            return 0
        pending.sort()
        updates = []
        for _, path in pending:
            with open(path) as f:
                updates.append((path, json.load(f)))
        exp = self._experiment(updates[0][1])
        for path, update in updates:
            line = self._consume(exp, update)
            line["trigger"] = os.path.basename(path)
            with open(self.out, "a") as f:  # one write per line: the reader sees whole lines
                f.write(json.dumps(line, default=str) + "\n")
            os.rename(path, os.path.join(self.dir, "processed", os.path.basename(path)))
        return len(updates)

    @staticmethod
    def _experiment(update: dict) -> "experiment.model.data.Experiment":
        others = [x for x in experiment.model.conf.ExperimentConfigurationFactory.default_priority
                  if x != "flowir"]
        directory = experiment.model.storage.ExperimentInstanceDirectory(
            update["experiment-location"], attempt_shadowdir_repair=False)
        return experiment.model.data.Experiment(
            directory, platform=update.get("platform"), updateInstanceConfiguration=False,
            is_instance=True, format_priority=["flowir"] + others)

    def _consume(self, exp, update: dict) -> dict[str, Any]:
        gateway = self.gateway_id
        if update.get("upsertExperimentDocument") is True:
            return {"upsert": [exp.generate_experiment_document_description(gateway)]}
        documents = update.get("upsert-documents") or []
        if documents:
            uri = exp.generate_instance_location(gateway)
            for doc in documents:
                doc["instance"] = uri
                if doc.get("type") == "component":
                    experiment.model.data.Job.annotate_document(doc, uri)
            return {"upsert": documents}
        if "finished-components" in update:
            inserts = []
            uri = exp.generate_instance_location(gateway)
            for comp in update["finished-components"]:
                job = exp.findJob(comp["stage"], comp["name"])
                if job is None:
                    raise ValueError(f"Could not find component {comp['name']} in stage "
                                     f"{comp['stage']} of experiment at {uri}")
                doc = exp.annotate_component_documents(gateway, [job.documentDescription])[0]
                inserts.append({"doc": doc, "query": {"instance": uri, "name": comp["name"],
                                                      "stage": comp["stage"]}})
            return {"may-insert": inserts}
        return {"upsert": exp.generate_document_description(gateway)}
