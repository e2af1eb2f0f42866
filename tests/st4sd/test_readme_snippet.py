"""The README's ST4SD snippet, as written, run from a folder that is not the repository's (as a
user's project would): it pushes the bundled package, starts it and reads its key output."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_st4sd_snippet_runs_from_any_folder(tmp_path):
    section = README.read_text().split("\n## ST4SD\n", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    script = tmp_path / "snippet.py"
    script.write_text(snippet + "print(filename)\n")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1].endswith("total_sum.csv")
