"""Load a base package with the real st4sd-runtime-core, as the runtime service does at push time
(apis/runtime/package.py get_and_validate_parameterised_package), and print what the registry
needs as one JSON document on stdout:

    python describe.py LOCATION [--manifest PATH] [--platform P ...]

    {"flowir": <the FlowIR of the package; a DSL 2.0 package is converted as elaunch converts it>,
     "platforms": [...], "top_level_folders": [...], "data_files": [...],
     "errors": {platform: [validation problem, ...]}}
or  {"error": "<why the definition cannot be loaded>"}
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys


def describe(location: str, manifest: str | None, platforms: list[str]) -> dict:
    import experiment.model.errors
    import experiment.model.storage

    package = experiment.model.storage.ExperimentPackage.packageFromLocation(
        location, manifest=manifest, validate=False)
    concrete = package.configuration.get_flowir_concrete(return_copy=True)
    folders = list(package.configuration.top_level_folders)
    errors: dict[str, list[str]] = {}
    for platform in platforms or list(concrete.platforms):
        try:
            concrete.configure_platform(platform)
            found = concrete.validate(folders)
        except Exception as exc:
            found = [exc]
        if found and all(isinstance(e, experiment.model.errors.FlowIRPlatformUnknown)
                         for e in found):
            continue  # the runtime service skips platforms a base package does not have
        errors[platform] = [str(e) for e in found]
    return {"flowir": concrete.raw(), "platforms": list(concrete.platforms),
            "top_level_folders": folders, "data_files": _data_files(location, package),
            "errors": errors}


def _data_files(location: str, package) -> list[str]:
    """The files of the package's data folder (the manifest may map it elsewhere)."""
    source = (package.configuration.manifestData or {}).get("data")
    if source:
        source = source.rsplit(":", 1)[0] if source.endswith((":copy", ":link")) else source
        root = os.path.dirname(location) if os.path.isfile(location) else location
        folder = source if os.path.isabs(source) else os.path.join(root, source)
    else:
        folder = os.path.join(location, "data") if os.path.isdir(location) else None
    if not folder or not os.path.isdir(folder):
        return []
    return sorted(n for n in os.listdir(folder) if os.path.isfile(os.path.join(folder, n)))


def main() -> None:
    logging.disable(logging.CRITICAL)  # the core logs freely; stdout carries the answer only
    parser = argparse.ArgumentParser()
    parser.add_argument("location")
    parser.add_argument("--manifest")
    parser.add_argument("--platform", action="append", default=[])
    args = parser.parse_args()
    try:
        answer = describe(args.location, args.manifest, args.platform)
    except Exception as exc:
        answer = {"error": f"{type(exc).__name__}: {exc}"}
    json.dump(answer, sys.stdout, default=str)


if __name__ == "__main__":
    main()
