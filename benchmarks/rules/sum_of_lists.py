"""Benchmarks for rule ``sum-of-lists``.

Claim: ``sum(lists, [])`` adds lists with ``+``, copying the growing result
for every element: quadratic in the total length.  ``list(itertools.chain.
from_iterable(lists))`` (or a nested comprehension) copies each item once.
Measured at two sizes: the ratio roughly doubles with the number of lists.
"""

from harness import Case

RULE = "sum-of-lists"

_SETUP = "from itertools import chain\nLISTS = [list(range(10)) for _ in range(%d)]\n"

CASES = [
    Case(name="lists_500", setup=_SETUP % 500,
         slow="return sum(LISTS, [])",
         fast="return list(chain.from_iterable(LISTS))",
         scale="500 lists of 10"),
    Case(name="lists_1000", setup=_SETUP % 1000,
         slow="return sum(LISTS, [])",
         fast="return list(chain.from_iterable(LISTS))",
         scale="1,000 lists of 10: the ratio should about double"),
    Case(name="comprehension_1000", setup=_SETUP % 1000,
         slow="return sum(LISTS, [])",
         fast="return [x for xs in LISTS for x in xs]",
         scale="1,000 lists of 10, nested comprehension as the fix"),
    Case(name="lists_5", setup=_SETUP % 5,
         slow="return sum(LISTS, [])",
         fast="return list(chain.from_iterable(LISTS))",
         scale="5 lists: quadratic growth has not started",
         expect="version-dependent"),
]
