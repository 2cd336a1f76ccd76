"""Benchmarks for rule ``list-pop-front-in-loop``.

Claim: ``lst.pop(0)`` and ``lst.insert(0, x)`` move every other element of the
list, so draining or filling a list from the front in a loop is quadratic;
``collections.deque`` does ``popleft()`` / ``appendleft()`` in constant time.
Each pattern is measured at two sizes: the ratio grows with N (2x N -> about
2x ratio once the moves dominate).
"""

from harness import Case

RULE = "list-pop-front-in-loop"

_POP_SLOW = """
    q = list(range(N))
    t = 0
    while q:
        t += q.pop(0)
    return t
"""
_POP_FAST = """
    q = deque(range(N))
    t = 0
    while q:
        t += q.popleft()
    return t
"""
_INSERT_SLOW = """
    q = []
    for i in range(N):
        q.insert(0, i)
    return q
"""
_INSERT_FAST = """
    q = deque()
    for i in range(N):
        q.appendleft(i)
    return q
"""


def _setup(n):
    return "from collections import deque\nN = %d\n" % n


CASES = [
    Case(name="pop0_20k", setup=_setup(20000), slow=_POP_SLOW, fast=_POP_FAST,
         scale="N = 20,000 pops"),
    Case(name="pop0_40k", setup=_setup(40000), slow=_POP_SLOW, fast=_POP_FAST,
         scale="N = 40,000 pops: the ratio should about double"),
    Case(name="insert0_20k", setup=_setup(20000), slow=_INSERT_SLOW, fast=_INSERT_FAST,
         scale="N = 20,000 inserts"),
    Case(name="insert0_40k", setup=_setup(40000), slow=_INSERT_SLOW, fast=_INSERT_FAST,
         scale="N = 40,000 inserts: the ratio should about double"),
    Case(name="pop0_small", setup=_setup(50), slow=_POP_SLOW, fast=_POP_FAST,
         scale="N = 50: a short queue, where the moves are cheap",
         expect="version-dependent"),
]
