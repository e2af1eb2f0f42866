"""Where the real ST4SD runtime lives: the virtualenv tools/st4sd_runtime/install.sh builds."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

CHECKOUT = Path(__file__).resolve().parents[3]
INSIDE = Path(__file__).resolve().parent / "inside"
ENV_VAR = "ST4SD_RUNTIME_VENV"


@dataclass(frozen=True)
class RuntimeVenv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def elaunch(self) -> Path:
        return self.root / "bin" / "elaunch.py"

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    def script(self, name: str) -> str:
        """A script of ``inside/`` (run with this virtualenv's python)."""
        return str(INSIDE / name)


def find_runtime(path: Optional[str | Path] = None) -> Optional[RuntimeVenv]:
    """The runtime virtualenv: ``path``, else $ST4SD_RUNTIME_VENV, else <checkout>/.venv-st4sd;
    None when it is not (completely) installed (install.sh writes ``.ready`` last)."""
    candidates = [path] if path else [os.environ.get(ENV_VAR) or CHECKOUT / ".venv-st4sd"]
    for candidate in candidates:
        venv = RuntimeVenv(Path(candidate))
        if (venv.root / ".ready").is_file() and venv.python.exists() and venv.elaunch.exists():
            return venv
    return None
