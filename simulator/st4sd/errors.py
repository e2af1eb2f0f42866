"""Typed errors the ST4SD model raises; the platform turns each into the real flask-restx body.

Every error body of the real services is ``api.abort(code, message, **extra)``, i.e.
``{"message": str, <extraKey>: ...}``; the extra keys are what the real client keys its typed
exceptions on (``unknownExperiment``, ``invalidStartPayload``, ...), so they are part of the contract.
"""
from __future__ import annotations

from typing import Any

from simulator.core.errors import PlatformError


class ST4SDError(PlatformError):
    """An error with the HTTP status and the exact body the real service answers."""

    status = 400

    def __init__(self, message: str, status: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"message": self.message, **self.extra}


class BadRequest(ST4SDError):
    status = 400


class Unauthorized(ST4SDError):
    status = 401


class Forbidden(ST4SDError):
    status = 403


class NotFound(ST4SDError):
    status = 404


class InternalError(ST4SDError):
    """flask-restx's answer to an unhandled exception (and the services' own ``abort(500, ...)``)."""

    status = 500

    def __init__(self, message: str = "Internal Server Error", **extra: Any) -> None:
        super().__init__(message, **extra)


class NotImplementedInSimulator(ST4SDError):
    """A route or feature of the real platform the simulator does not serve (see COVERAGE.md)."""

    status = 501

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not implemented in the ST4SD simulator (see COVERAGE.md)",
                         notImplementedInSimulator=True)


# ---------------------------------------------------------------- model errors (no HTTP status)
# These mirror apis/models/errors.py of st4sd-runtime-service: the routes map them to the status
# and message prefix the real resource uses (e.g. start answers "Invalid request. <ApiError>").

class ApiError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UnknownVariableError(ApiError):
    def __init__(self, variable: str, platform: str) -> None:
        super().__init__(f"There is no {variable} variable in platform {platform}")


class OverrideVariableError(ApiError):
    pass


class OverrideResourcesError(ApiError):
    def __init__(self, offending: str, overridden: str) -> None:
        super().__init__(f"{offending} overrides {overridden}")


class InvalidElaunchParameterChoices(ApiError):
    pass


class InvalidPayloadExperimentStartError(ApiError):
    pass


class OverrideDataFilesError(InvalidPayloadExperimentStartError):
    def __init__(self, names: list[str], message: str) -> None:
        if names:
            message += f". Filenames are {names}"
        super().__init__(message)


class OverridePlatformError(InvalidPayloadExperimentStartError):
    pass


class InvalidInputsError(InvalidPayloadExperimentStartError):
    def __init__(self, missing: list[str], extra: list[str]) -> None:
        self.missing_inputs = list(missing)
        self.extra_inputs = list(extra)
        message = "Invalid experiment start payload."
        if missing:
            message += f" Missing inputs: {missing}."
        if extra:
            message += f" Extra inputs: {extra}"
        super().__init__(message)


class PackageNotFoundError(ApiError):
    def __init__(self, identifier: str) -> None:
        self.identifier = identifier
        super().__init__(f"Cannot find Parameterised Virtual Experiment Package \"{identifier}\"")


class WorkflowError(ApiError):
    """The workflow definition of a base package cannot be loaded or is inconsistent."""


class UnsupportedWorkflowFeature(Exception):
    """A FlowIR/DSL feature outside the simulator's documented subset (answered with 501)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what
