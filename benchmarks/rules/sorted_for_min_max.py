"""Benchmarks for rule ``sorted-for-min-max``.

Claim: ``sorted(x)[0]`` / ``sorted(x)[-1]`` copy and sort all of ``x``
(O(n log n) time, O(n) memory) to read one end; ``min(x)`` / ``max(x)`` make
one pass.
"""

from harness import Case

RULE = "sorted-for-min-max"

_SETUP = "import random\nrandom.seed(1)\nXS = [random.random() for _ in range(%d)]\n"

CASES = [
    Case(name="min_1000", setup=_SETUP % 1000,
         slow="return sorted(XS)[0]", fast="return min(XS)",
         scale="1,000 random floats"),
    Case(name="max_1000", setup=_SETUP % 1000,
         slow="return sorted(XS)[-1]", fast="return max(XS)",
         scale="1,000 random floats"),
    Case(name="min_10", setup=_SETUP % 10,
         slow="return sorted(XS)[0]", fast="return min(XS)",
         scale="10 random floats: the smallest input where it still matters",
         expect="version-dependent"),
    Case(name="max_key_1000", setup=_SETUP % 1000,
         slow="return sorted(XS, key=abs)[-1]", fast="return max(XS, key=abs)",
         scale="1,000 random floats with a key function"),
]
