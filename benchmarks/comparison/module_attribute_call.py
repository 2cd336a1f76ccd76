# expect: flag | target: py39 (math.sqrt looked up on every iteration; 1.5x on 3.9/3.10)
import math


def norms(values):
    out = []
    for v in values:
        out.append(math.sqrt(v))
    return out
