"""Write the OpenAPI document the package ships (simulator/vantage6/data/openapi.json).

usage: .venv/bin/python tools/gen_openapi.py      (tests/vantage6/test_openapi.py fails while it is stale)
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.vantage6.openapi import build_document  # noqa: E402

OUT = ROOT / "simulator" / "vantage6" / "data" / "openapi.json"

if __name__ == "__main__":
    OUT.write_text(json.dumps(build_document(), indent=1) + "\n")
    print(f"{len(build_document()['paths'])} paths -> {OUT}")
