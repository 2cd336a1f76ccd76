"""Benchmarks for rule ``list-copy-in-for``.

Claim: ``for x in list(y)`` / ``for x in tuple(y)`` copies ``y`` into a new
list before iterating; when the loop body cannot change ``y`` the copy is
wasted work: one allocation plus one reference-count increment and decrement
per element.  Iterating ``y`` directly skips it.

What the copy costs relative to the loop depends on how much work each
iteration does: in a tight loop (``total += x``) it is a measurable share; in
a loop that calls a function per element it disappears in the noise (case
``call_body``, a control).  The rule therefore weighs the iteration (see the
rule's docs).
"""

from harness import Case

RULE = "list-copy-in-for"

_SETUP = "Y = list(range(10000))\nD = dict.fromkeys(range(10000))\nS = set(range(10000))\n"
_SCALE = "10,000 elements per execution"

CASES = [
    Case(
        name="list_of_list",
        setup=_SETUP,
        slow="""
            y = Y
            t = 0
            for x in list(y):
                t += x
            return t
        """,
        fast="""
            y = Y
            t = 0
            for x in y:
                t += x
            return t
        """,
        scale=_SCALE,
        expect="version-dependent",
    ),
    Case(
        name="tuple_of_list",
        setup=_SETUP,
        slow="""
            y = Y
            t = 0
            for x in tuple(y):
                t += x
            return t
        """,
        fast="""
            y = Y
            t = 0
            for x in y:
                t += x
            return t
        """,
        scale=_SCALE,
        expect="version-dependent",
    ),
    Case(
        name="list_of_dict",
        setup=_SETUP,
        slow="""
            d = D
            t = 0
            for k in list(d):
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
        expect="version-dependent",
    ),
    Case(
        name="list_of_set",
        setup=_SETUP,
        slow="""
            s = S
            t = 0
            for k in list(s):
                t += k
            return t
        """,
        fast="""
            s = S
            t = 0
            for k in s:
                t += k
            return t
        """,
        scale=_SCALE,
        expect="version-dependent",
    ),
    Case(
        name="call_body",
        setup=_SETUP + "def g(x):\n    return x\n",
        slow="""
            y = Y
            for x in list(y):
                g(x)
        """,
        fast="""
            y = Y
            for x in y:
                g(x)
        """,
        scale=_SCALE,
        expect="not-faster",
        note="a call per iteration: the copy is a small share of the loop",
    ),
    Case(
        name="medium_body",
        setup=_SETUP,
        slow="""
            y = Y
            t = 0
            for x in list(y):
                if x % 3:
                    t += x * 2
                else:
                    t -= x
            return t
        """,
        fast="""
            y = Y
            t = 0
            for x in y:
                if x % 3:
                    t += x * 2
                else:
                    t -= x
            return t
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="a branch and arithmetic per iteration (iteration weight about 15)",
    ),
]
