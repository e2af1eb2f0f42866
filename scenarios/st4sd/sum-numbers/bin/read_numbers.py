#!/usr/bin/env python3
"""Collect the numbers of the CSV files given as arguments (column "number", or the first column)
into numbers.txt, one per line. Prints how many numbers it found."""
import csv
import sys

numbers = []
for path in sys.argv[1:]:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        continue
    header = [h.strip() for h in rows[0]]
    column = header.index("number") if "number" in header else 0
    numbers += [row[column].strip() for row in rows[1:] if row and row[column].strip()]

with open("numbers.txt", "w") as f:
    f.write("".join(f"{n}\n" for n in numbers))
print(len(numbers))
