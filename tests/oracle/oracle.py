"""The real vantage6 server 4.15.2 as a child process: installed (once) by tools/oracle/install.sh,
started by tools/oracle/serve.py on a free loopback port, rewound with its snapshot hook.

    oracle = OracleServer.start()      # installs if needed; READY within ~10 s
    oracle.api                         # http://127.0.0.1:PORT/api
    oracle.restore("fresh")            # back to root/root and nothing else, ids from 1 again
    oracle.stop()
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional

import requests

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "oracle"
INSTALL_SH = TOOLS / "install.sh"
SERVE_PY = TOOLS / "serve.py"
START_TIMEOUT = 120  # seconds; a start takes ~8 s on the 2-core machine, more under load


class OracleError(RuntimeError):
    """The oracle could not be installed or started: the differential tests cannot run."""


def oracle_python(progress=sys.stderr, install_sh: Path = INSTALL_SH,
                  override: str = "V6_ORACLE_PYTHON") -> str:
    """The oracle venv's python, installing the venv first if it is not there
    (``$V6_ORACLE_VENV`` or ``~/.cache/v6-oracle/venv``; ``$V6_ORACLE_PYTHON`` names one).
    ``install_sh``/``override``: another oracle's install script and variable (5.x)."""
    given = os.environ.get(override)
    if given:
        return given
    proc = subprocess.run(["bash", str(install_sh)], stdout=subprocess.PIPE, stderr=progress,
                          text=True, timeout=1800)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not os.path.exists(lines[-1]):
        raise OracleError(f"installing the vantage6 oracle failed (exit {proc.returncode}); "
                          f"run {install_sh} by hand to see why")
    return lines[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OracleServer:
    def __init__(self, proc: subprocess.Popen, api: str) -> None:
        self.proc = proc
        self.api = api  # http://127.0.0.1:PORT/api
        self.origin = api[: -len("/api")]
        self._http = requests.Session()
        self._http.trust_env = False

    @classmethod
    def start(cls, python: Optional[str] = None, progress=sys.stderr) -> "OracleServer":
        python = python or oracle_python(progress)
        last = "no attempt"
        for _ in range(3):  # a free port can be taken between the probe and the bind
            port = free_port()
            proc = subprocess.Popen([python, str(SERVE_PY), "--port", str(port)],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            ready = _wait_ready(proc, START_TIMEOUT)
            if ready:
                return cls(proc, ready)
            proc.kill()
            proc.wait(timeout=10)
            last = f"exit {proc.returncode}"
        raise OracleError(f"the vantage6 oracle did not start ({last})")

    def snapshot(self, name: str) -> None:
        self._hook("snapshot", name)

    def restore(self, name: str = "fresh") -> None:
        self._hook("restore", name)

    def _hook(self, what: str, name: str) -> None:
        r = self._http.post(f"{self.origin}/_oracle/{what}/{name}", timeout=60)
        if r.status_code != 200:
            raise OracleError(f"oracle {what} {name!r}: {r.status_code} {r.text[:200]}")

    def stop(self) -> None:
        self._http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _wait_ready(proc: subprocess.Popen, timeout: float) -> Optional[str]:
    """The URL serve.py prints on its READY line, or None if it exits or takes too long."""
    found: list[str] = []

    def read() -> None:
        for line in proc.stdout:  # keep reading: a full pipe would block the server
            if line.startswith("READY ") and not found:
                found.append(line.split()[1])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not found and proc.poll() is None:
        reader.join(0.1)
    return found[0] if found else None
