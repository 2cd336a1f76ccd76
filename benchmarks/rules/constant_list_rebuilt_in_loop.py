"""Benchmarks for rule ``constant-list-rebuilt-in-loop``.

Claim: a list or tuple display of loop-invariant names (``x in [a, b, c]``,
``for t in (a, b)``) is built again on every iteration (the compiler folds
displays of constants, not of names); building it once before the loop saves
the loads and the allocation per iteration, and a set built once also makes
the membership test a hash lookup.
"""

from harness import Case

RULE = "constant-list-rebuilt-in-loop"

_SETUP = "XS = list(range(10000))\nA, B, C = 5, 50, 500\n"
_SCALE = "10,000 iterations per execution"

CASES = [
    Case(
        name="membership_tuple",
        setup=_SETUP,
        slow="""
            a, b, c = A, B, C
            n = 0
            for x in XS:
                if x in [a, b, c]:
                    n += 1
            return n
        """,
        fast="""
            a, b, c = A, B, C
            wanted = (a, b, c)
            n = 0
            for x in XS:
                if x in wanted:
                    n += 1
            return n
        """,
        scale=_SCALE,
    ),
    Case(
        name="membership_set",
        setup=_SETUP,
        slow="""
            a, b, c = A, B, C
            n = 0
            for x in XS:
                if x in [a, b, c]:
                    n += 1
            return n
        """,
        fast="""
            a, b, c = A, B, C
            wanted = {a, b, c}
            n = 0
            for x in XS:
                if x in wanted:
                    n += 1
            return n
        """,
        scale=_SCALE,
    ),
    Case(
        name="inner_for",
        setup="XS = list(range(3000))\nA, B = 1, 2\n",
        slow="""
            a, b = A, B
            t = 0
            for x in XS:
                for m in [a, b]:
                    t += x * m
            return t
        """,
        fast="""
            a, b = A, B
            ms = (a, b)
            t = 0
            for x in XS:
                for m in ms:
                    t += x * m
            return t
        """,
        scale="3,000 outer iterations, 2 inner",
        expect="version-dependent",
    ),
    Case(
        name="folded_constant",
        setup=_SETUP,
        slow="""
            n = 0
            for x in XS:
                if x in [5, 50, 500]:
                    n += 1
            return n
        """,
        fast="""
            wanted = (5, 50, 500)
            n = 0
            for x in XS:
                if x in wanted:
                    n += 1
            return n
        """,
        scale="a display of constants is folded to one tuple constant: nothing to gain",
        expect="not-faster",
    ),
]
