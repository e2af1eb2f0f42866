"""The experiments registry of the runtime service: push (validate, derive metadata.registry,
digest, tags), list, get, delete, retag and the start-payload skeleton. No HTTP here."""
from __future__ import annotations

import copy
import difflib
import threading
from typing import Any, Callable, Optional

import pydantic

from simulator.st4sd import models
from simulator.st4sd.errors import (ApiError, BadRequest, NotFound, NotImplementedInSimulator,
                                    PackageNotFoundError, UnknownVariableError)
from simulator.st4sd.identifiers import PackageIdentifier, created_on
from simulator.st4sd.models import ParameterisedPackage
from simulator.st4sd.parameterisation import parse_elaunch_args
from simulator.st4sd.flowir import DEFAULT, FlowIR
from simulator.st4sd.sources import Definition, PackageSources


class Registry:
    """PVEP documents as the runtime service's database holds them (plain dicts)."""

    def __init__(self, sources: PackageSources, now: Callable[[], Any], venv: Any = None) -> None:
        """``venv``: the real runtime's virtualenv loads packages (elaunch runtime)."""
        self.sources = sources
        self._now = now
        self._venv = venv
        self._lock = threading.RLock()
        self._docs: list[dict] = []
        self._definitions: dict[str, Definition] = {}  # digest -> loaded definition

    # ------------------------------------------------------------------ push
    def push(self, body: Any) -> dict:
        """POST /experiments/. Raises pydantic.ValidationError, ApiError or NotImplementedInSimulator."""
        ve = ParameterisedPackage.model_validate(body)
        name = ve.metadata.package.name
        if not name:
            raise ApiError("The parameterised package has no metadata.package.name")
        try:
            parse_elaunch_args(ve.parameterisation.presets.runtime.args)
        except ApiError as exc:
            raise ApiError(f"Invalid parameterisation.presets.runtime.args {exc}")
        if len(ve.base.packages) != 1:
            raise NotImplementedInSimulator("Parameterised packages with more than one base package "
                                            "(derived packages)")
        base = ve.base.packages[0]
        definition = self.sources.load(base, self._venv, ve.known_platforms() or ())
        workflow = definition.facts
        known = ve.known_platforms() or list(workflow.platforms)
        for platform in known:
            if platform not in workflow.platforms:
                continue  # the real service skips platforms a base package does not have
            problems = definition.problems(platform, self._default_user_variables(ve))
            if problems:
                raise ApiError(f"Invalid platform {platform} in base package {base.name}. Consider "
                               f"updating the parameterisation configuration to exclude invalid "
                               f"platforms - {chr(10).join(problems)}")
        ve.metadata.registry = self._registry_metadata(ve, workflow)
        self._test(ve)
        ve.metadata.registry.digest = ve.compute_digest()
        ve.metadata.registry.createdOn = created_on(self._now())
        tags = [t for t in (ve.metadata.package.tags or [])]
        if "latest" not in tags:
            tags.append("latest")
        ve.metadata.registry.tags = tags
        doc = ve.dump()
        with self._lock:
            digest = doc["metadata"]["registry"]["digest"]
            kept = []
            for other in self._docs:
                if other["metadata"]["package"]["name"] != name:
                    kept.append(other)
                    continue
                if other["metadata"]["registry"].get("digest") == digest:
                    continue  # same content again: upsert
                reg = other["metadata"]["registry"]
                reg["tags"] = [t for t in reg.get("tags") or [] if t not in tags]
                kept.append(other)
            kept.append(doc)
            self._docs = kept
            self._definitions[digest] = definition
        return copy.deepcopy(doc)

    @staticmethod
    def _default_user_variables(ve: ParameterisedPackage) -> dict[str, str]:
        values = {v.name: v.value for v in ve.parameterisation.presets.variables if v.value is not None}
        for v in ve.parameterisation.executionOptions.variables:
            if v.value is not None:
                values.setdefault(v.name, v.value)
            elif v.valueFrom:
                values.setdefault(v.name, v.valueFrom[0].value or "")
        return values

    def _registry_metadata(self, ve: ParameterisedPackage, wf: FlowIR) -> models.MetadataRegistry:
        """MetadataRegistry.from_flowir_concrete_and_data + inherit_defaults (virtual_experiment.py)."""
        available = ve.parameterisation.available_platforms()
        platforms = [p for p in (available or wf.platforms) if p in wf.platforms]
        names = [v.name for v in ve.parameterisation.executionOptions.variables]
        defaults: dict[str, list[dict]] = {}
        images: set[str] = set()
        default_globals = wf.global_variables(DEFAULT)
        for platform in platforms:
            own = wf.platform_global_variables(platform)
            for name in names:
                if name in own:
                    value = own[name]
                elif name in default_globals:
                    value = default_globals[name]
                else:
                    raise UnknownVariableError(name, platform)
                defaults.setdefault(name, []).append({"value": str(value), "platform": platform})
            images.update(wf.container_images(platform))
        inherit = available or [DEFAULT]
        for v in ve.parameterisation.executionOptions.variables:
            value = v.value or (v.valueFrom[0].value if v.valueFrom else None)
            if value is not None:
                defaults[v.name] = [{"value": value, "platform": p} for p in inherit]
        for v in ve.parameterisation.presets.variables:
            defaults[v.name] = [{"value": v.value, "platform": p} for p in inherit]
        # then every platform's own global variables that no rule above mentions
        for platform in list(ve.known_platforms() or wf.platforms) + [DEFAULT]:
            if platform not in wf.platforms:
                continue
            for key, value in wf.platform_global_variables(platform).items():
                entries = defaults.setdefault(key, [])
                if not any(e["platform"] == platform for e in entries):
                    entries.append({"value": str(value), "platform": platform})
        return models.MetadataRegistry(
            inputs=[{"name": f} for f in wf.input_files()],
            data=[{"name": f} for f in wf.data_files()],
            containerImages=[{"name": i} for i in sorted(images)],
            executionOptionsDefaults={"variables": [{"name": k, "valueFrom": v}
                                                    for k, v in defaults.items()]},
            platforms=list(wf.platforms),
            interface=dict(wf.interface),
            output=[{"name": k} for k in wf.outputs],
            applicationDependencies={p: [{"name": d} for d in wf.application_dependencies(p)]
                                     for p in wf.platforms})

    @staticmethod
    def _test(ve: ParameterisedPackage) -> None:
        names = [d.name for d in ve.metadata.registry.data or []]
        problems = []
        for i, d in enumerate(ve.parameterisation.executionOptions.data):
            if d.name not in names:
                msg = (f"The data file parameterisation.executionOptions.data[{i}].name={d.name} is "
                       f"not part of metadata.registry.data")
                close = difflib.get_close_matches(d.name or "", names)
                if close:
                    msg += f" - did you mean {close[0]}"
                problems.append(msg)
        if problems:
            raise ApiError("Invalid parameterised package due to " + "\n".join(problems))

    # ------------------------------------------------------------------ queries
    def _matching(self, identifier: str) -> list[dict]:
        ident = PackageIdentifier(identifier)
        out = []
        for doc in self._docs:
            if doc["metadata"]["package"]["name"] != ident.name:
                continue
            reg = doc["metadata"]["registry"]
            if ident.is_tag and ident.tag in (reg.get("tags") or []):
                out.append(doc)
            elif ident.is_digest and reg.get("digest") == ident.digest:
                out.append(doc)
        return out

    def query_identifier(self, identifier: str) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(d) for d in self._matching(identifier)]

    def get(self, identifier: str) -> dict:
        identifier = PackageIdentifier(identifier).identifier
        docs = self.query_identifier(identifier)
        if not docs:
            raise PackageNotFoundError(identifier)
        return docs[0]

    def list(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._docs)

    def delete(self, identifier: str) -> int:
        with self._lock:
            doomed = self._matching(PackageIdentifier(identifier).identifier)
            self._docs = [d for d in self._docs if all(d is not x for x in doomed)]
            return len(doomed)

    def retag(self, identifier: str, tags: list[str]) -> None:
        with self._lock:
            docs = self._matching(PackageIdentifier(identifier).identifier)
            if not docs:
                raise NotFound(f"Unknown parameterised package {identifier}",
                               unknownExperiment=identifier)
            doc = docs[0]
            if "latest" in (doc["metadata"]["registry"].get("tags") or []) and "latest" not in tags:
                raise BadRequest(f"Cannot untag the latest tag from {identifier}",
                                 cannotUntagLatestFrom=identifier)
            name = doc["metadata"]["package"]["name"]
            for other in self._docs:
                if other is not doc and other["metadata"]["package"]["name"] == name:
                    reg = other["metadata"]["registry"]
                    reg["tags"] = [t for t in reg.get("tags") or [] if t not in tags]
            doc["metadata"]["registry"]["tags"] = list(dict.fromkeys(tags))

    def definition_for(self, doc: dict) -> Definition:
        digest = doc["metadata"]["registry"]["digest"]
        with self._lock:
            definition = self._definitions.get(digest)
        if definition is None:  # e.g. a document restored without its files: load again
            ve = ParameterisedPackage.model_validate(doc)
            definition = self.sources.load(ve.base.packages[0], self._venv)
        return definition

    def record_execution(self, name: str, digest: str) -> dict:
        """Each start increments timesExecuted (experiments.py); returns the stored document."""
        with self._lock:
            for doc in self._docs:
                reg = doc["metadata"]["registry"]
                if doc["metadata"]["package"]["name"] == name and reg.get("digest") == digest:
                    reg["timesExecuted"] = int(reg.get("timesExecuted") or 0) + 1
                    return copy.deepcopy(doc)
        return {}

    def find_by_digest(self, name: str, digest: str) -> Optional[dict]:
        docs = self.query_identifier(f"{name}@{digest}")
        return docs[0] if len(docs) == 1 else None


# ---------------------------------------------------------------------- formatting
def format_package(doc: dict, hide_none: bool = True, hide_beta: bool = True,
                   hide_registry: bool = False, output_format: str = "json") -> Any:
    """``do_format_parameterised_package`` with the list/get query options."""
    try:
        what = ParameterisedPackage.model_validate(doc).model_dump(exclude_none=hide_none,
                                                                   by_alias=True)
    except pydantic.ValidationError:
        what = copy.deepcopy(doc)
    if hide_registry:
        what.get("metadata", {}).pop("registry", None)
    if hide_beta and "base" in what:
        for key in ("connections", "includePaths", "output", "interface"):
            what["base"].pop(key, None)
        for bp in what["base"].get("packages", []):
            bp.pop("graphs", None)
    if output_format == "python":
        return str(what)
    if output_format == "python-pretty":
        import pprint
        return pprint.pformat(what, width=120)
    return what


def start_skeleton(ve: ParameterisedPackage) -> dict:
    """``generate_experiment_start_skeleton_payload`` (apis/kernel/experiments.py)."""
    payload: dict[str, Any] = {}
    magic: dict[str, Any] = {}
    any_s3 = "{{OptionalS3OrDatasetDownload}}"
    ds, s3 = "{{OptionalDatasetForDownload}}", "{{OptionalS3ForDownload}}"
    for kind, collection in (("inputs", ve.metadata.registry.inputs or []),
                             ("data", ve.parameterisation.executionOptions.data)):
        if not collection:
            continue
        payload[kind] = []
        singular = kind.rstrip("s")
        for idx, f in enumerate(sorted(collection, key=lambda x: x.name)):
            if kind == "inputs":
                content = "{{Required" + kind.capitalize() + "_" + f.name + "}}"
                magic[content] = {"message": f"You **must** set the content of the {singular} file "
                                  f"{f.name} either directly, via {kind}[{idx}].content or by omitting "
                                  "the content dictionary and configuring the payload to find the "
                                  f"{singular} file in a S3 bucket. For the latter consult the "
                                  f"magicValue {any_s3}"}
            else:
                content = "{{Optional" + kind.capitalize() + "_" + f.name + "}}"
                magic[content] = {"message": f"You **may** set the content of the {singular} file "
                                  f"{f.name} either directly, via {kind}[{idx}].content or by omitting "
                                  "the content dictionary and configuring the payload to find the "
                                  f"{singular} file in a S3 bucket. For the latter consult the "
                                  f"magicValue {any_s3}. If you remove the field {kind}[{idx}] then the "
                                  "experiment will use the file that is in the workflow package of the "
                                  "experiment."}
            payload[kind].append({"filename": f.name, "content": content})
    if "inputs" in payload or "data" in payload:
        payload["s3"] = {"dataset": ds, "accessKeyID": s3, "secretAccessKey": s3, "bucket": s3,
                         "endpoint": s3, "region": s3}
        magic[s3] = {"message": "You **may** ask the runtime to download files from S3 if you do not "
                     "use the .content field of entries in the inputs and data array. If you pick to "
                     f"set {s3} fields then you must not set {ds} fields. If you decide not to set {s3} "
                     f"fields then simply remove the fields from your payload. See also {any_s3}."}
        magic[ds] = {"message": "You **may** ask the runtime to download files from an existing "
                     "Datashim Dataset, if you do not use the .content field of entries in the inputs "
                     f"and data array. If you pick to set {ds} fields then you must not set {s3} "
                     f"fields. If you decide not to set {ds} fields then simply remove the fields "
                     f"from your payload. See also {any_s3}."}
        if "inputs" in payload and "data" in payload:
            prologue = "You **must** fill in the inputs field and **may** fill in the data field. "
        elif "inputs" in payload:
            prologue = "You **must** fill in the inputs field. "
        else:
            prologue = "You **may** fill in the inputs field. "
        magic[any_s3] = {"message": prologue + "You **may** use the respective [$index].content field "
                         "to provide the value of the filename OR you may ask the runtime to retrieve "
                         "the contents of the files from S3/Dataset. The .content field is mutually "
                         "exclusive with the S3/Dataset settings. When you use S3/Dataset then the "
                         ".filename field is used as the relative path to the file inside the S3 "
                         "bucket/Dataset."}
    options = ve.parameterisation.executionOptions
    if options.variables:
        payload["variables"] = {}
    platforms = ([ve.parameterisation.presets.platform] if ve.parameterisation.presets.platform
                 else list(options.platform))
    if platforms:
        if len(platforms) > 1:
            payload["platform"] = "{{OptionalPlatform}}"
            magic["{{OptionalPlatform}}"] = {"message": "You **may** configure the experiment "
                                             f"platform using one of the values {platforms}",
                                             "choices": platforms}
    else:
        platforms = [DEFAULT]
    for variable in options.variables:
        choices = default = None
        if variable.value is not None:
            default = variable.value
        elif variable.valueFrom:
            default = variable.valueFrom[0].value
            choices = [x.value for x in variable.valueFrom]
        from_platform = {}
        for v in ve.metadata.registry.executionOptionsDefaults.variables:
            if v.name == variable.name:
                from_platform = {vp.platform: vp.value for vp in v.valueFrom if vp.platform in platforms}
                break
        key = "{{OptionalVariable_" + str(variable.name) + "}}"
        message = f"You **may** set the field variables.{variable.name} to override its default value."
        message += (f" You **must** set the value of the field to one of {choices}." if choices
                    else " You **may** set the value of the field to any string.")
        entry: dict[str, Any] = {"choices": choices, "defaultFromPlatform": from_platform}
        if default is not None:
            entry["default"] = default
            message += f" The default value of this variable is {default}"
        elif len(from_platform) > 1:
            message += (" The default value of this variable depends on experiment platform you "
                        f"select: {from_platform}")
        magic[key] = {"message": message, **entry}
        payload["variables"][variable.name] = key
    return {"payload": payload, "magicValues": magic, "problems": [],
            "message": "Read the skeleton payload in .payload and consult the .magicValues for "
                       "instructions on how to construct the payload that you will submit to start "
                       "the experiment."}
