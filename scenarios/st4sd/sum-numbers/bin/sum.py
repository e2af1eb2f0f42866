#!/usr/bin/env python3
"""sum.py NUMBERS_FILE ADD_TO_SUM PLATFORM [SLEEP_SECONDS]: write total_sum.csv
(total,count,platform) and print the total."""
import sys
import time

path, add, platform = sys.argv[1], float(sys.argv[2]), sys.argv[3]
if len(sys.argv) > 4 and float(sys.argv[4]) > 0:
    time.sleep(float(sys.argv[4]))
with open(path) as f:
    numbers = [float(line) for line in f if line.strip()]
total = sum(numbers) + add
text = f"{total:g}"
with open("total_sum.csv", "w") as f:
    f.write(f"total,count,platform\n{text},{len(numbers)},{platform}\n")
print(text)
