#!/usr/bin/env python3
"""aggregate.py REPLICA_DIR... OFFSET_TXT: gather the square.txt of every replica folder into
squares.csv (label,y,units), adding the offset read from OFFSET_TXT."""
import os
import sys

*folders, offset_path = sys.argv[1:]
with open(offset_path) as f:
    offset = float(f.read().strip())
rows = []
for folder in sorted(folders):
    path = os.path.join(folder, "square.txt")
    if os.path.exists(path):
        with open(path) as f:
            label, y, *units = f.read().split()
        rows.append((label, float(y) + offset, units[0] if units else ""))
with open("squares.csv", "w") as f:
    f.write("label,y,units\n" + "".join(f"{label},{y:g},{units}\n" for label, y, units in rows))
print(f"{len(rows)} squares")
