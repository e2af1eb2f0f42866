#!/usr/bin/env python3
"""count.py WORDS_CSV WHAT ALPHABET: for every word of the column "word" of WORDS_CSV count its
vowels or its letters (WHAT) and write WHAT.csv (word;WHAT, ";"-separated as ST4SD's tutorials
do). ALPHABET "latin" counts a-z only; any other value counts every alphabetic character."""
import csv
import sys

path, what, alphabet = sys.argv[1], sys.argv[2], sys.argv[3]
if what not in ("vowels", "letters"):
    sys.exit(f"unknown measure {what!r}")
latin = set("abcdefghijklmnopqrstuvwxyz")
with open(path, newline="") as f:
    words = [row["word"] for row in csv.DictReader(f)]
with open(f"{what}.csv", "w", newline="") as f:
    out = csv.writer(f, delimiter=";")
    out.writerow(["word", what])
    for word in words:
        letters = [c for c in word.lower() if (c in latin if alphabet == "latin" else c.isalpha())]
        out.writerow([word, sum(c in "aeiou" for c in letters) if what == "vowels" else len(letters)])
print(f"counted the {what} of {len(words)} words")
