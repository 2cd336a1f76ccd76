"""Benchmarks for rule ``function-defined-in-loop``.

Claim: a ``def`` or ``lambda`` inside a loop builds a new function object on
every iteration (a code-object constant wrapped into a function: an
allocation, and on the ``def`` form a name binding).  When the function does
not depend on the iteration (it captures no loop variable), defining it once
before the loop gives the same behaviour without the per-iteration
allocation.  The ratio shrinks as the work done per iteration grows; the
cases below span a key function passed to ``sorted`` of a short list, to
``max`` of a pair, and a local helper called once per iteration.
"""

from harness import Case

RULE = "function-defined-in-loop"

_N = 10000
_SETUP = (
    "N = %d\n"
    "PAIRS = [((k, k %% 7), (k + 1, k %% 5)) for k in range(N)]\n"
    "ROWS = [[(k * 7 + j) %% 11 for j in range(5)] for k in range(N)]\n" % _N
)
_SCALE = "N = 10**4 iterations per execution"

CASES = [
    Case(
        name="lambda_key_max",
        setup=_SETUP,
        slow="""
            out = []
            for a, b in PAIRS:
                out.append(max(a, b, key=lambda p: p[1]))
            return out
        """,
        fast="""
            out = []
            second = lambda p: p[1]
            for a, b in PAIRS:
                out.append(max(a, b, key=second))
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="lambda_key_sorted",
        setup=_SETUP,
        slow="""
            out = []
            for row in ROWS:
                out.append(sorted(row, key=lambda v: -v))
            return out
        """,
        fast="""
            out = []
            neg = lambda v: -v
            for row in ROWS:
                out.append(sorted(row, key=neg))
            return out
        """,
        scale=_SCALE + "; sorting 5 items per iteration",
    ),
    Case(
        name="local_def_helper",
        setup=_SETUP,
        slow="""
            total = 0
            for row in ROWS:
                def weight(v):
                    return v * v + 1
                total += weight(row[0])
            return total
        """,
        fast="""
            total = 0
            def weight(v):
                return v * v + 1
            for row in ROWS:
                total += weight(row[0])
            return total
        """,
        scale=_SCALE,
    ),
    Case(
        name="closure_over_outer_local",
        setup=_SETUP,
        slow="""
            scale = 3
            out = []
            for row in ROWS:
                out.append(sorted(row, key=lambda v: v * scale))
            return out
        """,
        fast="""
            scale = 3
            out = []
            key = lambda v: v * scale
            for row in ROWS:
                out.append(sorted(row, key=key))
            return out
        """,
        scale=_SCALE + "; the lambda is a closure over a local of the function, not of the loop",
    ),
]
