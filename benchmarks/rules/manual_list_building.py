"""Benchmarks for rule ``manual-list-building``.

Claim: filling a fresh list, set or dict with ``.append`` / ``.add`` /
``d[k] = v`` in a ``for`` loop is slower than the equivalent comprehension,
which adds each item with a dedicated instruction instead of a method call
(or item store) and keeps the container on the stack.

Up to 3.11 a comprehension is a separate function called once (a fixed cost,
visible on tiny inputs: case ``append_tiny``); from 3.12 it is inlined
(PEP 709).  From 3.11 the specialising interpreter also speeds up
``lst.append(x)``, so the gain shrinks there.  Every case is measured on all
five versions and the rule's ``versions`` follows the data.
"""

from harness import Case

RULE = "manual-list-building"

_SETUP = "XS = list(range(10000))\n"
_SCALE = "10,000 items per execution"

CASES = [
    Case(
        name="append_transform",
        setup=_SETUP,
        slow="""
            out = []
            for x in XS:
                out.append(x * 2)
            return out
        """,
        fast="""
            out = [x * 2 for x in XS]
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="append_filtered",
        setup=_SETUP,
        slow="""
            out = []
            for x in XS:
                if x % 3:
                    out.append(x)
            return out
        """,
        fast="""
            out = [x for x in XS if x % 3]
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="set_add",
        setup=_SETUP,
        slow="""
            seen = set()
            for x in XS:
                seen.add(x % 1000)
            return seen
        """,
        fast="""
            seen = {x % 1000 for x in XS}
            return seen
        """,
        scale=_SCALE,
    ),
    Case(
        name="dict_store",
        setup=_SETUP,
        slow="""
            d = {}
            for x in XS:
                d[x] = x + 1
            return d
        """,
        fast="""
            d = {x: x + 1 for x in XS}
            return d
        """,
        scale=_SCALE,
        expect="version-dependent",
    ),
    Case(
        name="append_call_body",
        setup=_SETUP + "def g(x):\n    return x\n",
        slow="""
            out = []
            for x in XS:
                out.append(g(x))
            return out
        """,
        fast="""
            out = [g(x) for x in XS]
            return out
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="a call per item dilutes the saving",
    ),
    Case(
        name="append_tiny",
        setup="XS = [1, 2, 3]\n",
        slow="""
            out = []
            for x in XS:
                out.append(x * 2)
            return out
        """,
        fast="""
            out = [x * 2 for x in XS]
            return out
        """,
        scale="3 items: the comprehension's fixed cost (a function call up to 3.11)",
        expect="version-dependent",
    ),
    Case(
        name="append_two_calls",
        setup=_SETUP + "def g(x):\n    return x\n",
        slow="""
            out = []
            for x in XS:
                out.append(g(g(x)))
            return out
        """,
        fast="""
            out = [g(g(x)) for x in XS]
            return out
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="two calls per item (iteration weight about 21)",
    ),
]
