# expect: flag | target: py311 (a module-level loop: every name access is a dict operation)
import sys

total = 0
for line in sys.stdin:
    total += len(line)
print(total)
