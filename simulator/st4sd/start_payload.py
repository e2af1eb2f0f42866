"""The body of ``POST /experiments/<identifier>/start`` (st4sd-runtime-service
``apis/models/virtual_experiment.py``: ``DeprecatedExperimentStartPayload`` and its parts)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pydantic

from simulator.st4sd.models import Digestable, OrchestratorResources


class OldFileContent(Digestable):
    filename: Optional[str] = None
    content: Optional[str] = None
    sourceFilename: Optional[str] = None
    targetFilename: Optional[str] = None

    @pydantic.field_validator("targetFilename")
    @classmethod
    def _no_directories(cls, value: Optional[str]) -> Optional[str]:
        if isinstance(value, str) and "/" in value:
            raise ValueError("Cannot contain / character")
        return value

    @pydantic.model_validator(mode="after")
    def _exclusive(self) -> "OldFileContent":
        if (self.filename is not None or self.content is not None) and \
                (self.sourceFilename is not None or self.targetFilename is not None):
            raise ValueError("filename/content are mutually exclusive with sourceFilename/targetFilename")
        if (self.sourceFilename is None) != (self.targetFilename is None):
            raise ValueError("If either targetFilename and sourceFilename is set, then both must be set")
        return self


class OldVolumeType(Digestable):
    persistentVolumeClaim: Optional[str] = None
    configMap: Optional[str] = None
    dataset: Optional[str] = None
    secret: Optional[str] = None


class OldVolume(Digestable):
    type: OldVolumeType
    applicationDependency: str
    subPath: Optional[str] = None
    mountPath: Optional[str] = None
    readOnly: bool = True


class OldS3Credentials(Digestable):
    dataset: Optional[str] = None
    accessKeyID: Optional[str] = None
    secretAccessKey: Optional[str] = None
    bucket: Optional[str] = None
    endpoint: Optional[str] = None
    region: Optional[str] = None


class OldS3Store(Digestable):
    credentials: Optional[OldS3Credentials] = None
    bucketPath: Optional[str] = "workflow_instances/"


class PayloadExecutionRuntimePolicy(Digestable):
    name: Optional[str] = None
    config: Dict[str, Any] = {}


class DeprecatedExperimentStartPayload(Digestable):
    inputs: List[OldFileContent] = []
    data: List[OldFileContent] = []
    volumes: List[OldVolume] = []
    variables: Dict[str, Any] = {}
    additionalOptions: List[str] = []
    environmentVariables: Dict[str, Any] = {}
    orchestrator_resources: OrchestratorResources = OrchestratorResources(cpu="1", memory="500Mi")
    metadata: Dict[str, Any] = {}
    s3: Optional[OldS3Credentials] = None
    s3Store: Optional[OldS3Store] = None
    datasetStoreURI: Optional[str] = None
    platform: Optional[str] = None
    runtimePolicy: Optional[PayloadExecutionRuntimePolicy] = None

    @pydantic.field_validator("metadata", "variables", "environmentVariables")
    @classmethod
    def _strings(cls, value: Dict[str, Any]) -> Dict[str, str]:
        return {str(k): str(v) for k, v in (value or {}).items()}


