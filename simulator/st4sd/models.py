"""The data models of the runtime service: parameterised virtual experiment packages (PVEPs). No
HTTP here. The start payload is in ``start_payload.py``, identifiers and digests in
``identifiers.py``.

The pydantic models mirror st4sd-runtime-service ``apis/models/virtual_experiment.py`` and
``apis/models/common.py``: same class names, fields, defaults and ``extra="forbid"``, so that
validation errors read the same (``str(ValidationError)`` is what the service puts in
``invalidVirtualExperimentDefinition`` / ``invalidStartPayload``) and ``model_dump()`` has the
same shape, which is what the digest is computed over.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

import pydantic
from pydantic import ConfigDict

from simulator.st4sd.identifiers import digest_of

# apis/models/common.py: K8S_PATTERN_OBJECT_NAME (its "\\." is a literal backslash in the real regex)
_K8S_OBJECT_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
MAX_NAME = 64 - (1 + 6)


class Digestable(pydantic.BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def dump(self) -> dict[str, Any]:
        """The real ``Digestable.dict()``: None fields dropped, aliases used."""
        return self.model_dump(exclude_none=True, by_alias=True)


# ------------------------------------------------------------------ options
class OptionFromSecretKeyRef(Digestable):
    key: Optional[str] = None
    name: str


class OptionFromS3Values(Digestable):
    accessKeyID: Optional[str] = None
    secretAccessKey: Optional[str] = None
    bucket: Optional[str] = None
    endpoint: Optional[str] = None
    path: Optional[str] = None
    region: Optional[str] = None
    rename: Optional[str] = None


class OptionFromDatasetRef(Digestable):
    name: str
    path: Optional[str] = None
    rename: Optional[str] = None


class OptionFromUsernamePassword(Digestable):
    username: Optional[str] = None
    password: Optional[str] = None


class OptionFromS3SecretKeyRef(Digestable):
    keyAccessKeyID: Optional[str] = None
    keySecretAccessKey: Optional[str] = None
    keyBucket: Optional[str] = None
    keyEndpoint: Optional[str] = None
    keyPath: Optional[str] = None


class OptionValueFrom(Digestable):
    secretKeyRef: Optional[OptionFromSecretKeyRef] = None
    datasetRef: Optional[OptionFromDatasetRef] = None
    usernamePassword: Optional[OptionFromUsernamePassword] = None
    s3Ref: Optional[OptionFromS3Values] = None
    s3SecretKeyRef: Optional[OptionFromS3SecretKeyRef] = None


class OptionValueFromMany(Digestable):
    value: Optional[str] = None
    secretKeyRef: Optional[OptionFromSecretKeyRef] = None
    datasetRef: Optional[OptionFromDatasetRef] = None
    usernamePassword: Optional[OptionFromUsernamePassword] = None
    s3Ref: Optional[OptionFromS3Values] = None
    s3SecretKeyRef: Optional[OptionFromS3SecretKeyRef] = None


class Option(Digestable):
    name: Optional[str] = None
    value: Optional[str] = None
    valueFrom: Optional[OptionValueFrom] = None


class OptionMany(Digestable):
    name: Optional[str] = None
    value: Optional[str] = None
    valueFrom: Optional[List[OptionValueFromMany]] = None

    @pydantic.model_validator(mode="after")
    def _exactly_one(self) -> "OptionMany":
        if self.value and self.valueFrom:
            raise ValueError("Cannot provide both value and valueFrom")
        return self


# ------------------------------------------------------------------ base packages
class SourceGitSecurityOAuth(Option):
    pass


class BasePackageSourceGitSecurity(Digestable):
    oauth: Optional[SourceGitSecurityOAuth] = None


class SourceGitLocation(Digestable):
    url: str
    branch: Optional[str] = None
    tag: Optional[str] = None
    commit: Optional[str] = None


class BasePackageSourceGit(Digestable):
    security: Optional[BasePackageSourceGitSecurity] = None
    location: SourceGitLocation
    version: Optional[str] = None

    @pydantic.field_validator("location")
    @classmethod
    def _single_location(cls, value: SourceGitLocation) -> SourceGitLocation:
        raw = {k: v for k, v in value.dump().items() if k != "url"}
        if len(raw) > 1:
            raise ValueError("location must not contain more than 1 of branch, tag, or commit")
        return value


class DatasetInfo(Digestable):
    dataset: str


class BasePackageSourceDataset(Digestable):
    location: DatasetInfo
    version: Optional[str] = None
    security: Optional[DatasetInfo] = None


class BasePackageSourceS3Location(Digestable):
    bucket: str
    endpoint: str
    region: Optional[str] = None


class BasePackageSourceS3(Digestable):
    security: Optional[Dict[str, Any]] = None
    location: BasePackageSourceS3Location
    version: Optional[str] = None


class BaseSource(Digestable):
    git: Optional[BasePackageSourceGit] = None
    dataset: Optional[BasePackageSourceDataset] = None
    s3: Optional[BasePackageSourceS3] = None


class DependencyImageRegistry(Digestable):
    serverUrl: str
    security: Optional[Option] = None


class BasePackageDependencies(Digestable):
    imageRegistries: List[DependencyImageRegistry] = []


class BasePackageConfig(Digestable):
    path: Optional[str] = None
    manifestPath: Optional[str] = None


class BasePackage(Digestable):
    name: str = "main"
    source: BaseSource = BaseSource()
    dependencies: BasePackageDependencies = BasePackageDependencies()
    config: BasePackageConfig = BasePackageConfig()
    # graphs/connections/includePaths/output/interface belong to multi-package (derived) PVEPs,
    # which the simulator does not run; they are kept as given (no nested validation).
    graphs: List[Dict[str, Any]] = []


class VirtualExperimentBase(Digestable):
    packages: List[BasePackage] = []
    connections: List[Dict[str, Any]] = []
    includePaths: List[Dict[str, Any]] = []
    output: List[Dict[str, Any]] = []
    interface: Optional[Dict[str, Any]] = None

    @pydantic.field_validator("packages")
    @classmethod
    def _at_least_one(cls, value: List[BasePackage]) -> List[BasePackage]:
        if len(value) == 0:
            raise ValueError("There must be at least 1 base package")
        return value


# ------------------------------------------------------------------ parameterisation
class OrchestratorResources(Digestable):
    cpu: Optional[str] = None
    memory: Optional[str] = None


class ParameterisationRuntime(Digestable):
    resources: OrchestratorResources = OrchestratorResources()
    args: List[str] = []


class ParameterisationPresets(Digestable):
    variables: List[Option] = []
    runtime: ParameterisationRuntime = ParameterisationRuntime()
    data: List[Option] = []
    environmentVariables: List[Option] = []
    platform: Optional[str] = None


class ParameterisationExecutionOptions(Digestable):
    variables: List[OptionMany] = []
    data: List[OptionMany] = []
    runtime: ParameterisationRuntime = ParameterisationRuntime()
    platform: List[str] = []


class Parameterisation(Digestable):
    presets: ParameterisationPresets = ParameterisationPresets()
    executionOptions: ParameterisationExecutionOptions = ParameterisationExecutionOptions()

    def available_platforms(self) -> Optional[List[str]]:
        if self.presets.platform:
            return [self.presets.platform]
        if self.executionOptions.platform:
            return list(self.executionOptions.platform)
        return None


# ------------------------------------------------------------------ metadata
class MetadataPackage(Digestable):
    name: Optional[str] = None
    tags: Optional[List[str]] = []
    keywords: List[str] = []
    license: Optional[str] = None
    maintainer: Optional[str] = None
    description: Optional[str] = None

    @pydantic.field_validator("name")
    @classmethod
    def _k8s_name(cls, name: Optional[str]) -> Optional[str]:
        if name is None:
            return name
        if _K8S_OBJECT_NAME.fullmatch(name) is None or len(name) > 63 or len(name) > MAX_NAME:
            rules = ("Valid names must match the regular expression "
                     "\"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\" and be less "
                     "than %d characters long" % MAX_NAME)
            raise ValueError(f"Invalid metadata.package.name {name}. {rules}")
        return name


class ValueInPlatform(Digestable):
    value: str
    platform: Optional[str] = None


class VariableWithDefaultValues(Digestable):
    name: str
    valueFrom: List[ValueInPlatform] = []


class ExecutionOptionDefaults(Digestable):
    variables: List[VariableWithDefaultValues] = []


class NameOnly(Digestable):
    name: str


class MetadataRegistry(Digestable):
    createdOn: Optional[str] = None
    digest: Optional[str] = None
    tags: Optional[List[str]] = []
    timesExecuted: int = 0
    interface: Dict[str, Any] = {}
    inputs: Optional[List[NameOnly]] = []
    data: Optional[List[NameOnly]] = []
    containerImages: Optional[List[NameOnly]] = []
    executionOptionsDefaults: ExecutionOptionDefaults = ExecutionOptionDefaults()
    platforms: List[str] = []
    output: List[NameOnly] = []
    applicationDependencies: Dict[str, List[NameOnly]] = {}


class Metadata(Digestable):
    package: MetadataPackage = MetadataPackage()
    registry: MetadataRegistry = MetadataRegistry()


class ParameterisedPackage(Digestable):
    base: VirtualExperimentBase = VirtualExperimentBase()
    metadata: Metadata = Metadata()
    parameterisation: Parameterisation = Parameterisation()

    @pydantic.field_validator("base")
    @classmethod
    def _unique_base_names(cls, value: VirtualExperimentBase) -> VirtualExperimentBase:
        names: set[str] = set()
        for base in value.packages:
            if base.name in names:
                raise ValueError(f"Multiple definitions of base package {base.name}")
            names.add(base.name)
        return value

    def known_platforms(self) -> Optional[List[str]]:
        return self.parameterisation.available_platforms()

    def compute_digest(self) -> str:
        """``ParameterisedPackage.update_digest()``: name, tags and maintainer are not digested."""
        return digest_of({"base": self.base.dump(),
                          "parameterisation_presets": self.parameterisation.presets.dump(),
                          "parameterisation_executionOptions":
                              self.parameterisation.executionOptions.dump()})
