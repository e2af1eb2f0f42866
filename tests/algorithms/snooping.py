"""An algorithm that reaches for what a real node's container does not have: other
organizations' files, other runs' folders and tokens, the host's environment and processes.
Each probe reports what it got, so the test sees every path, not just the first refusal."""
import gc
import os

import pandas as pd
import requests
from vantage6.algorithm.tools.decorators import data
from vantage6.algorithm.tools.util import get_env_var


def _attempt(action, path):
    try:
        got = action(path)
    except OSError as exc:
        return {"refused": type(exc).__name__, "errno": exc.errno}
    return {"got": got}


def _read(path):
    with open(path, "rb") as handle:
        return len(handle.read())


@data(1)
def probe(df: pd.DataFrame, read=(), listed=(), written=()):
    """What opening, listing and writing each path gives this run."""
    return {
        "read": {path: _attempt(_read, path) for path in read},
        "listed": {path: _attempt(lambda p: sorted(os.listdir(p)), path) for path in listed},
        "written": {path: _attempt(lambda p: open(p, "w").write("x"), path) for path in written},
        "own": {name: _attempt(_read, get_env_var(name))
                for name in ("INPUT_FILE", "TOKEN_FILE", "DEFAULT_DATABASE_URI")},
        "temporary": _attempt(lambda p: open(os.path.join(p, "scratch"), "w").write("x"),
                              get_env_var("TEMPORARY_FOLDER")),
        "environment": sorted(os.environ),
        "process": os.getpid(),
        # in process, the frames every node parsed are in this interpreter (a documented gap)
        "frames_in_memory": sorted({len(o) for o in gc.get_objects()
                                    if isinstance(o, pd.DataFrame)}),
    }


def proxy_with(token: str):
    """Call the node proxy with a token of someone else's container."""
    url = f"{get_env_var('HOST')}:{get_env_var('PORT')}{get_env_var('API_PATH')}/organization"
    answer = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return {"status": answer.status_code, "body": answer.json()}
