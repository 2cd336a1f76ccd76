"""Benchmarks for rule ``membership-in-invariant-list``.

Claim: ``x in lst`` scans the list (O(len)) on every test; when ``lst`` is
built before the loop and never changed in it, building ``set(lst)`` once
makes each test a hash lookup.  The set costs one pass to build, so the case
``tiny_list`` (5 items, 1,000 tests) shows where the gain is smallest.
"""

from harness import Case

RULE = "membership-in-invariant-list"

CASES = [
    Case(
        name="list_100",
        setup="XS = list(range(0, 2000, 2))\nALLOWED = list(range(0, 200, 2))\n",
        slow="""
            allowed = list(ALLOWED)
            n = 0
            for x in XS:
                if x in allowed:
                    n += 1
            return n
        """,
        fast="""
            allowed = set(ALLOWED)
            n = 0
            for x in XS:
                if x in allowed:
                    n += 1
            return n
        """,
        scale="100-item list, 1,000 tests; cost grows with len(list) x tests",
    ),
    Case(
        name="list_1000",
        setup="XS = list(range(0, 2000, 2))\nALLOWED = list(range(0, 2000, 2))\n",
        slow="""
            allowed = list(ALLOWED)
            n = 0
            for x in XS:
                if x in allowed:
                    n += 1
            return n
        """,
        fast="""
            allowed = set(ALLOWED)
            n = 0
            for x in XS:
                if x in allowed:
                    n += 1
            return n
        """,
        scale="1,000-item list, 1,000 tests",
    ),
    Case(
        name="tiny_list",
        setup="XS = list(range(1000))\n",
        slow="""
            allowed = ["a", "b", "c", "d", "e"]
            n = 0
            for x in XS:
                if x in allowed:
                    n += 1
            return n
        """,
        fast="""
            allowed = {"a", "b", "c", "d", "e"}
            n = 0
            for x in XS:
                if x in allowed:
                    n += 1
            return n
        """,
        scale="5 strings, 1,000 misses (int vs str: every comparison fails)",
        expect="version-dependent",
    ),
]
