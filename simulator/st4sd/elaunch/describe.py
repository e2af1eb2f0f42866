"""Push time in the elaunch runtime: the base package is loaded by the real st4sd-runtime-core
(``inside/describe.py``), so DSL 2.0 and every FlowIR feature validate as the service validates
them. No HTTP here."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Optional

from simulator.st4sd.elaunch.venv import RuntimeVenv
from simulator.st4sd.errors import WorkflowError
from simulator.st4sd.flowir import FlowIR

TIMEOUT = 120.0


def describe(venv: RuntimeVenv, location: Path, manifest: Optional[Path],
             platforms: list[str]) -> tuple[FlowIR, dict[str, list[str]]]:
    """The package's FlowIR facts and the real validation problems of each platform."""
    command = [str(venv.python), venv.script("describe.py"), str(location)]
    if manifest is not None:
        command += ["--manifest", str(manifest)]
    for platform in platforms:
        command += ["--platform", platform]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL)
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise RuntimeError(f"describe.py failed ({done.returncode}): {done.stderr[-2000:]}")
    if "error" in answer:
        raise WorkflowError(answer["error"])
    return FlowIR(answer["flowir"], answer["data_files"]), answer["errors"]
