"""The end of a run crashed on purpose (``net.faults.crash``): what vantage6's wrapper prints
when the method raises, and exit status 1."""
from __future__ import annotations

import base64
import json

from simulator.vantage6.runtime.executors import RunOutcome


def injected_crash(run: dict, message: str) -> RunOutcome:
    """What the wrapper prints when the method raises: its error line, the traceback, 'None'."""
    try:  # 5.x: the task names the method; 4.x: the input does
        method = (run["task"]["method"] if "arguments" in run
                  else json.loads(base64.b64decode(run["input"]))["method"])
    except Exception:
        method = "<method>"
    log = (f"info > Dispatching ...\nerror > Error encountered while calling {method}: "
           f"{message}\nTraceback (most recent call last):\n  File \"<injected fault>\", line 1, "
           f"in {method}\nRuntimeError: {message}\nerror > None\n")
    return RunOutcome(1, log, b"")
