#!/usr/bin/env python3
"""read_points.py POINTS_CSV: write points.txt, one "label x" line per row of POINTS_CSV."""
import csv
import sys

with open(sys.argv[1], newline="") as f:
    rows = list(csv.DictReader(f))
with open("points.txt", "w") as f:
    f.write("".join(f"{row['label']} {row['x']}\n" for row in rows))
print(len(rows))
