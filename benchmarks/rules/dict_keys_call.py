"""Benchmarks for rule ``dict-keys-call``.

Claim: ``k in d.keys()`` calls a method and builds a keys view on every
test before doing the same hash lookup as ``k in d``.  ``for k in d.keys()``
pays the method call and view once per loop, not per item: it only shows on
very small dicts (cases ``iterate_*``).
"""

from harness import Case

RULE = "dict-keys-call"

CASES = [
    Case(
        name="membership",
        setup="D = {i: i for i in range(100)}\nXS = list(range(0, 200, 2)) * 10\n",
        slow="""
            d = D
            n = 0
            for x in XS:
                if x in d.keys():
                    n += 1
            return n
        """,
        fast="""
            d = D
            n = 0
            for x in XS:
                if x in d:
                    n += 1
            return n
        """,
        scale="1,000 membership tests per execution",
    ),
    Case(
        name="iterate_small",
        setup="D = {i: i for i in range(5)}\n",
        slow="""
            d = D
            t = 0
            for k in d.keys():
                t += k
            return t
        """,
        fast="""
            d = D
            t = 0
            for k in d:
                t += k
            return t
        """,
        scale="a 5-item dict: the per-loop method call is a visible share",
        expect="version-dependent",
    ),
    Case(
        name="iterate_large",
        setup="D = {i: i for i in range(1000)}\n",
        slow="""
            d = D
            t = 0
            for k in d.keys():
                t += k
            return t
        """,
        fast="""
            d = D
            t = 0
            for k in d:
                t += k
            return t
        """,
        scale="a 1,000-item dict: same iterator, one extra call per loop",
        expect="not-faster",
    ),
]
