"""Applying a parameterised package's rules to a start payload, in the real order
(st4sd-runtime-service ``apis/runtime/package.py`` NamedPackage and ``PayloadExecutionOptions
.from_old_payload``). The first failure wins. No HTTP here: the start route maps

- ``pydantic.ValidationError``  -> 400 ``invalidStartPayload``
- :class:`PayloadConversionError` -> 400 ``"Invalid payload: ..."`` with ``reason``
- ``ValueError``                -> 400 ``"<error> - experiment start payload is invalid"`` with ``reason``
- :class:`InvalidInputsError`   -> 400 with ``missingInputs`` / ``extraInputs``
- :class:`ApiError`             -> 400 ``"Invalid request. <error>"``
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any, Optional

from simulator.st4sd import models, start_payload
from simulator.st4sd.errors import (ApiError, InvalidElaunchParameterChoices, InvalidInputsError,
                                    NotImplementedInSimulator, OverrideDataFilesError,
                                    OverridePlatformError, OverrideResourcesError,
                                    OverrideVariableError)

BOOLEAN_FLAGS = ["noKubernetesSecurityContext", "useMemoization", "registerWorkflow",
                 "fuzzyMemoization", "restageData", "noRestartHooks", "ignoreTestExecutablesError",
                 "ignoreInitializeBackendError", "failSafeDelays"]
STRING_FLAGS = ["executionMode"]
_POSITIVE, _NEGATIVE = ["yes", "true", "y"], ["no", "false", "n"]


class PayloadConversionError(Exception):
    """from_old_payload failed (e.g. a file with neither content nor S3 configuration)."""


class _Problem:
    def __init__(self, name: str, value: str) -> None:
        self.text = (f"Invalid additionalOption --{name}={value}, set it to one from "
                     f"{_POSITIVE + _NEGATIVE}")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        raise ApiError(message)

    def exit(self, status: int = 0, message: Optional[str] = None):  # type: ignore[override]
        raise ApiError(f"{status}: {message}")


def parse_elaunch_args(args: list[str]) -> argparse.Namespace:
    """``parser_important_elaunch_arguments().parse_known_args(args)``: only the flags the runtime
    service guards; boolean flags must be yes/no/true/false/y/n (case-insensitive)."""
    parser = _Parser(add_help=False)

    def decode(name: str):
        def closure(value: str):
            low = value.lower()
            if low in _NEGATIVE:
                return False
            if low in _POSITIVE:
                return True
            return _Problem(name, low)
        return closure

    for name in BOOLEAN_FLAGS:
        parser.add_argument(f"--{name}", required=False, type=decode(name), default=None)
    for name in STRING_FLAGS:
        parser.add_argument(f"--{name}", required=False, type=str, default=None)
    namespace, _ = parser.parse_known_args(list(args))
    problems = [v.text for v in vars(namespace).values() if isinstance(v, _Problem)]
    if problems:
        raise ApiError(f"{len(problems)} elaunch argument problems: " + ". ".join(problems))
    return namespace


def _overrides(name: str, base: argparse.Namespace, extend: argparse.Namespace) -> bool:
    a, b = getattr(extend, name), getattr(base, name)
    return a is not None and b is not None and a != b


@dataclass
class LaunchPlan:
    """Everything a run needs, resolved: what elaunch would receive."""

    ve: models.ParameterisedPackage
    platform: str
    variables: dict[str, str]
    inputs: dict[str, str]
    data: dict[str, str]
    user_metadata: dict[str, str]
    environment: dict[str, str]
    runtime_args: list[str]
    orchestrator_resources: dict[str, str]
    register_workflow: bool = False
    use_memoization: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def plan_start(ve: models.ParameterisedPackage, body: Any,
               namespace_args: Optional[list[str]] = None) -> LaunchPlan:
    """Validate ``body`` against ``ve`` and resolve it. Raises the errors listed in the module doc."""
    old = start_payload.DeprecatedExperimentStartPayload.model_validate(body)
    _convert_old_payload(old)
    if old.runtimePolicy is not None:
        raise NotImplementedInSimulator("Start payloads with a runtimePolicy (surrogate policies)")
    pre = ve.parameterisation.presets

    runtime_args = _aggregate_runtime_args(ve, old.additionalOptions, namespace_args or [])
    variables = _extract_workflow_variables(ve, old.variables)
    payload_data = {f.filename: f.content or "" for f in old.data}
    payload_inputs = {f.filename: f.content or "" for f in old.inputs}
    _check_overriding_data_files(ve, payload_data, payload_inputs)
    if old.volumes:
        raise NotImplementedInSimulator("Start payloads with volumes")
    platform = _extract_platform(ve, old.platform)

    env = {}
    for option in pre.environmentVariables:
        if option.value is None:
            raise NotImplementedInSimulator("Environment variables from secrets (valueFrom)")
        env[str(option.name)] = option.value
    overriding = set(old.environmentVariables).intersection(env)
    if overriding:
        raise ValueError("Payload overrides environment variables of parameterisation.presets: "
                         f"{', '.join(overriding)}")
    env.update(old.environmentVariables)

    resources = _orchestrator_resources(ve, old.orchestrator_resources)

    expected = {i.name for i in ve.metadata.registry.inputs or []}
    given = set(payload_inputs)
    if expected != given:
        raise InvalidInputsError(sorted(expected - given), sorted(given - expected))

    data = {}
    for option in pre.data:
        if option.value is None:
            raise NotImplementedInSimulator("Preset data files from S3 or datasets (valueFrom)")
        data[str(option.name)] = option.value
    data.update(payload_data)
    flags = parse_elaunch_args(runtime_args)
    return LaunchPlan(ve=ve, platform=platform or "default", variables=variables,
                      inputs=payload_inputs, data=data, user_metadata=dict(old.metadata),
                      environment=env, runtime_args=runtime_args,
                      orchestrator_resources=resources,
                      register_workflow=bool(flags.registerWorkflow),
                      use_memoization=bool(flags.useMemoization))


def _convert_old_payload(old: start_payload.DeprecatedExperimentStartPayload) -> None:
    """The checks of ``PayloadExecutionOptions.from_old_payload`` that concern files."""
    if old.s3Store is not None or old.datasetStoreURI:
        raise NotImplementedInSimulator("Storing key-outputs to S3 or datasets (s3Store, "
                                        "datasetStoreURI)")
    s3_configured = old.s3 is not None
    for kind, files in (("inputs", old.inputs), ("data", old.data)):
        for fc in files:
            shown = fc.dump()
            if fc.content:
                if not fc.filename:
                    raise PayloadConversionError(f"payload configuration for {kind} file {shown} is "
                                                 "invalid because .filename is empty")
                continue
            if fc.filename:
                name = fc.filename.rsplit("/", 1)[-1]
            else:
                name = fc.targetFilename
                if fc.sourceFilename and not fc.targetFilename:
                    raise PayloadConversionError(f"payload configuration for {kind} file {shown} is "
                                                 "invalid. .sourceFilename is set but .targetFilename "
                                                 "is empty")
            if not name:
                raise PayloadConversionError(f"payload configuration for {kind} file {shown} is "
                                             "invalid. Could not determine the name of the "
                                             f"{kind} file in the experiment scope")
            if not s3_configured:
                raise PayloadConversionError(f"payload configuration for {kind} file {shown} is "
                                             "invalid because there is no S3/Dataset security "
                                             "configuration")
            raise NotImplementedInSimulator("Fetching input and data files from S3 or datasets")
    if s3_configured:
        raise NotImplementedInSimulator("Fetching input and data files from S3 or datasets (s3)")


def _aggregate_runtime_args(ve: models.ParameterisedPackage, payload_args: list[str],
                            namespace_args: list[str]) -> list[str]:
    opt_ns = parse_elaunch_args(namespace_args)
    pre_args = list(ve.parameterisation.presets.runtime.args)
    exec_args = list(ve.parameterisation.executionOptions.runtime.args)
    try:
        opt_pre = parse_elaunch_args(pre_args)
    except ApiError as exc:
        raise ApiError(f"Invalid parameterisation.presets.runtime.args: {exc}")
    try:
        opt_exec = parse_elaunch_args(exec_args)
    except ApiError as exc:
        raise ApiError(f"Invalid parameterisation.executionOptions.runtime.args: {exc}")
    for name in vars(opt_pre):
        if _overrides(name, opt_ns, opt_pre):
            raise InvalidElaunchParameterChoices(
                f"parameterisation.presets.runtime.args override commandline argument "
                f"--{name}={getattr(opt_ns, name)} which is part of the experiment namespace presets")
    for name in vars(opt_exec):
        if _overrides(name, opt_ns, opt_exec):
            raise InvalidElaunchParameterChoices(
                f"parameterisation.executionOptions.runtime.args override commandline argument "
                f"--{name}={getattr(opt_ns, name)} which is part of the experiment namespace presets")
        if _overrides(name, opt_pre, opt_exec):
            raise InvalidElaunchParameterChoices(
                f"parameterisation.executionOptions.runtime.args override commandline argument "
                f"--{name}={getattr(opt_ns, name)} which is part of "
                f"parameterisation.executionOptions.runtime.args")
    try:
        opt_pay = parse_elaunch_args(payload_args)
    except ApiError as exc:
        raise ValueError(f"Payload contains invalid runtime.args: {exc}")
    for name in vars(opt_pay):
        if _overrides(name, opt_pre, opt_pay):
            raise InvalidElaunchParameterChoices(
                f"The payload runtime.args override commandline argument override commandline "
                f"argument --{name}={getattr(opt_pre, name)} which is part of "
                f"parameterisation.presets.runtime.args")
        if _overrides(name, opt_exec, opt_pay):
            raise InvalidElaunchParameterChoices(
                f"The payload runtime.args override commandline arguments override commandline "
                f"argument --{name}={getattr(opt_pre, name)} which is part of "
                f"parameterisation.executionOptions.runtime.args")
        if _overrides(name, opt_ns, opt_pay):
            raise InvalidElaunchParameterChoices(
                f"The payload runtime.args override commandline argument override commandline "
                f"argument --{name}={getattr(opt_ns, name)} which is part of the experiment "
                f"namespace presets")
    return namespace_args + pre_args + exec_args + list(payload_args)


def _extract_workflow_variables(ve: models.ParameterisedPackage,
                                payload_vars: dict[str, str]) -> dict[str, str]:
    presets = {}
    for option in ve.parameterisation.presets.variables:
        if option.value is None:
            raise NotImplementedInSimulator("Preset variables from secrets (valueFrom)")
        presets[str(option.name)] = option.value
    overriding = set(presets).intersection(payload_vars)
    if overriding:
        raise ValueError("Payload overrides workflow variables of parameterisation.presets: "
                         f"{', '.join(overriding)}")
    rules = ve.parameterisation.executionOptions.variables
    for name, value in payload_vars.items():
        for rule in rules:
            if rule.name != name:
                continue
            if rule.value is None and not rule.valueFrom:
                break  # any value
            if rule.value is not None:
                break  # a default: any value
            choices = [x.value for x in rule.valueFrom or []]
            if value in choices:
                break
            shown = [x.dump() for x in rule.valueFrom or []]
            raise OverrideVariableError(f"Payload variable {name} = {value} does not have an "
                                        f"allowed value. Valid choices are {shown}")
        else:
            raise OverrideVariableError(f"Payload sets variable {name} = {value} for which "
                                        "parameterisation.executionOptions.variables has no rule.")
    merged = dict(presets)
    merged.update(payload_vars)
    for rule in rules:
        if rule.value is None and not rule.valueFrom:
            continue
        if rule.name not in payload_vars:
            merged[str(rule.name)] = rule.value if rule.value is not None else (
                rule.valueFrom[0].value or "")
    return merged


def _check_overriding_data_files(ve: models.ParameterisedPackage, payload_data: dict,
                                 payload_inputs: dict) -> None:
    overlapping = set(payload_data).intersection(payload_inputs)
    if overlapping:
        raise ValueError(f"Input and Data files with conflicting names: {list(overlapping)}")
    preset = {x.name for x in ve.parameterisation.presets.data}
    allowed = [x.name for x in ve.parameterisation.executionOptions.data]
    overlapping = preset.intersection(payload_data)
    if overlapping:
        raise OverrideDataFilesError(list(overlapping), "Payload overrides data files specified in "
                                                        "parameterisation.presets.data")
    cannot = set(payload_data).difference(allowed)
    if cannot:
        raise OverrideDataFilesError(sorted(cannot), "Payload overrides data files which are not "
                                     "specified in parameterisation.executionOptions.data")


def _extract_platform(ve: models.ParameterisedPackage, payload: Optional[str]) -> Optional[str]:
    preset = ve.parameterisation.presets.platform
    options = ve.parameterisation.executionOptions.platform
    if preset is None and not options:
        return payload
    if preset is not None and payload is not None and payload != preset:
        raise OverridePlatformError(f"Payload overrides parameterisation.presets.platform={preset}")
    if preset:
        return preset
    if payload is None:
        return options[0] if options else None
    if options and payload not in options:
        raise OverridePlatformError(
            f"Payload overrides parameterisation.executionOptions.platform={options}")
    return payload


def _orchestrator_resources(ve: models.ParameterisedPackage,
                            payload: models.OrchestratorResources) -> dict[str, str]:
    named = [("namespace.runtime.resources", models.OrchestratorResources()),
             ("parameterisation.presets.runtime.resources",
              ve.parameterisation.presets.runtime.resources),
             ("parameterisation.executionOptions.runtime.resources",
              ve.parameterisation.executionOptions.runtime.resources),
             ("payload.orchestrator_resources", payload)]
    for i, (label, me) in enumerate(named):
        for higher_label, higher in named[:i]:
            if me.cpu is not None and higher.cpu is not None and me.cpu != higher.cpu:
                raise OverrideResourcesError(f"{label}.cpu", f"{higher_label}.cpu")
            if me.memory is not None and higher.memory is not None and me.memory != higher.memory:
                raise OverrideResourcesError(f"{label}.memory", f"{higher_label}.memory")
    cpu = next((r.cpu for _, r in named if r.cpu), None) or "1"
    memory = next((r.memory for _, r in named if r.memory), None) or "1Gi"
    return {"cpu": str(cpu), "memory": str(memory)}
