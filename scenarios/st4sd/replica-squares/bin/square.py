#!/usr/bin/env python3
"""square.py POINTS_TXT REPLICA SCALE: square the x of row REPLICA, times SCALE; write square.txt
("label y") and print y. A replica past the last point prints nothing and writes no file."""
import os
import sys

path, replica, scale = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
with open(path) as f:
    rows = [line.split() for line in f if line.strip()]
if replica < len(rows):
    label, x = rows[replica][0], float(rows[replica][1])
    y = x * x * scale
    with open("square.txt", "w") as f:
        f.write(f"{label} {y:g} {os.environ.get('SQUARES_UNITS', '')}\n")
    print(f"{y:g}")
