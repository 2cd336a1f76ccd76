"""Benchmarks for rule ``dict-items-half-unused``.

Claim: ``for k, _ in d.items()`` builds (or refills) a (key, value) tuple per
item and unpacks it, only to drop one half; ``for k in d`` /
``for v in d.values()`` hands out the wanted half directly.
"""

from harness import Case

RULE = "dict-items-half-unused"

_SETUP = "D = {i: i for i in range(10000)}\n"
_SCALE = "10,000 items per execution"

CASES = [
    Case(
        name="keys_only",
        setup=_SETUP,
        slow="""
            d = D
            t = 0
            for k, _ in d.items():
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
        scale=_SCALE,
    ),
    Case(
        name="values_only",
        setup=_SETUP,
        slow="""
            d = D
            t = 0
            for _, v in d.items():
                t += v
            return t
        """,
        fast="""
            d = D
            t = 0
            for v in d.values():
                t += v
            return t
        """,
        scale=_SCALE,
    ),
    Case(
        name="values_call_body",
        setup=_SETUP + "def g(x):\n    return x\n",
        slow="""
            d = D
            for _, v in d.items():
                g(v)
        """,
        fast="""
            d = D
            for v in d.values():
                g(v)
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="a call per iteration dilutes the saving",
    ),
    Case(
        name="values_two_calls",
        setup=_SETUP + "def g(x):\n    return x\n",
        slow="""
            d = D
            t = 0
            for _, v in d.items():
                t += g(g(v))
            return t
        """,
        fast="""
            d = D
            t = 0
            for v in d.values():
                t += g(g(v))
            return t
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="two calls per iteration (iteration weight about 20)",
    ),
]
