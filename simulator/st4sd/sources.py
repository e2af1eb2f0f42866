"""Where the simulator finds the files of base packages. Base packages are never cloned:
:class:`PackageSources` maps a git URL (optionally a branch, tag or commit) or a dataset name to a
local folder, declared by the scenario (``st4sd.packages``) or ``platform.add_package()``."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

from simulator.st4sd.errors import (ApiError, NotImplementedInSimulator, UnsupportedWorkflowFeature,
                                    WorkflowError)
from simulator.st4sd.flowir import FlowIR

if TYPE_CHECKING:
    from simulator.st4sd import models
    from simulator.st4sd.elaunch import RuntimeVenv
    from simulator.st4sd.workflow import Workflow


@dataclass
class Definition:
    """A base package as the registry reads it and a start runs it."""

    facts: FlowIR                 # platforms, variables, key-outputs, interface, inputs, data
    location: Path                # the package folder or standalone YAML file
    manifest: Optional[Path] = None
    workflow: Optional["Workflow"] = None  # the interpreter's model; None: elaunch runs it
    errors: dict[str, list[str]] = field(default_factory=dict)  # the real core's, per platform

    def problems(self, platform: str, user_variables: dict[str, Any]) -> list[str]:
        """What stops the definition from running on ``platform`` (empty: nothing)."""
        if self.workflow is not None:
            return self.workflow.validate(platform, user_variables)
        return list(self.errors.get(platform, []))


@dataclass
class PackageSource:
    folder: Path
    git: Optional[str] = None
    dataset: Optional[str] = None
    ref: Optional[str] = None  # branch, tag or commit; None matches any


def _norm_url(url: str) -> str:
    url = url.strip().rstrip("/")
    return url[:-4] if url.endswith(".git") else url


class PackageSources:
    """Where the simulator finds the files of base packages (instead of git clone / datasets)."""

    def __init__(self) -> None:
        self._sources: list[PackageSource] = []

    def add(self, folder: str | Path, *, git: Optional[str] = None, dataset: Optional[str] = None,
            ref: Optional[str] = None) -> None:
        if (git is None) == (dataset is None):
            raise ValueError("a package source maps exactly one of git or dataset to a folder")
        self._sources.insert(0, PackageSource(Path(folder), git, dataset, ref))  # latest wins

    def locate(self, package: "models.BasePackage") -> Path:
        source = package.source
        if source.git is not None:
            loc = source.git.location
            ref = loc.branch or loc.tag or loc.commit
            for s in self._sources:
                if s.git and _norm_url(s.git) == _norm_url(loc.url) and s.ref in (None, ref):
                    return self._within(s.folder, package)
            raise ApiError(f"Unable to retrieve base package {package.name} from git {loc.url}"
                           + (f" ({ref})" if ref else "") + ": the simulator maps no local folder to "
                           "this git URL (declare it under st4sd.packages in the scenario)")
        if source.dataset is not None:
            name = source.dataset.location.dataset
            for s in self._sources:
                if s.dataset == name:
                    return self._within(s.folder, package)
            raise ApiError(f"Unable to retrieve base package {package.name} from dataset {name}: "
                           "the simulator maps no local folder to this dataset")
        if source.s3 is not None:
            raise NotImplementedInSimulator("Base packages on S3")
        raise ApiError(f"Base package {package.name} has no source")

    @staticmethod
    def _within(folder: Path, package: "models.BasePackage") -> Path:
        path = folder
        if package.config.path:
            path = folder / package.config.path.lstrip("/")
        return path

    def load(self, package: "models.BasePackage", venv: Optional["RuntimeVenv"] = None,
             platforms: Sequence[str] = ()) -> Definition:
        """With ``venv``, the real st4sd-runtime-core loads and validates the package (elaunch
        runtime); without, the interpreter does (its FlowIR subset, else 501)."""
        from simulator.st4sd import models
        from simulator.st4sd.workflow import Workflow

        path = self.locate(package)
        manifest = None
        if package.config.manifestPath:
            manifest = self.locate(models.BasePackage(
                name=package.name, source=package.source,
                config=models.BasePackageConfig(path=package.config.manifestPath)))
        try:
            if venv is not None:
                from simulator.st4sd.elaunch.describe import describe

                facts, errors = describe(venv, path, manifest, list(platforms))
                return Definition(facts, path, manifest, errors=errors)
            workflow = Workflow.load(path, manifest)
            return Definition(workflow, path, manifest, workflow=workflow)
        except UnsupportedWorkflowFeature as exc:
            raise NotImplementedInSimulator(exc.what)
        except WorkflowError as exc:
            raise ApiError(f"Invalid virtual experiment definition at base.config="
                           f"{package.config.dump()} please fix the definition of the package, test it "
                           f"using etest.py, and then retry pushing it. The error was: {exc}")
