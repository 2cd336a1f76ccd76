"""Benchmarks for rule ``empty-collection-call``.

Claim: ``list()`` / ``dict()`` / ``tuple()`` look up a builtin name and call
the type, where ``[]`` / ``{}`` / ``()`` are one instruction (``()`` is a
constant).  The saving is per evaluation, tens of nanoseconds, so it only
adds up where the call runs many times: in a loop.
"""

from harness import Case

RULE = "empty-collection-call"

_SETUP = "N = 10000\n"
_SCALE = "10,000 iterations per execution"

CASES = [
    Case(
        name="dict_in_loop",
        setup=_SETUP,
        slow="""
            out = []
            for i in range(N):
                row = dict()
                row["i"] = i
                out.append(row)
            return out
        """,
        fast="""
            out = []
            for i in range(N):
                row = {}
                row["i"] = i
                out.append(row)
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="list_in_loop",
        setup=_SETUP,
        slow="""
            out = []
            for i in range(N):
                acc = list()
                acc.append(i)
                out.append(acc)
            return out
        """,
        fast="""
            out = []
            for i in range(N):
                acc = []
                acc.append(i)
                out.append(acc)
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="tuple_in_loop",
        setup=_SETUP + "def g(i, extra):\n    return i\n",
        slow="""
            t = 0
            for i in range(N):
                t += g(i, tuple())
            return t
        """,
        fast="""
            t = 0
            for i in range(N):
                t += g(i, ())
            return t
        """,
        scale=_SCALE,
    ),
    Case(
        name="dict_once",
        setup="def g(i):\n    return i\n",
        slow="""
            d = dict()
            d[1] = g(1)
            return d
        """,
        fast="""
            d = {}
            d[1] = g(1)
            return d
        """,
        scale="one evaluation outside a loop: tens of nanoseconds",
        expect="version-dependent",
    ),
    Case(
        name="dict_discarded",
        setup=_SETUP,
        slow="""
            t = 0
            for i in range(N):
                row = dict()
                row["i"] = i
                t += len(row)
            return t
        """,
        fast="""
            t = 0
            for i in range(N):
                row = {}
                row["i"] = i
                t += len(row)
            return t
        """,
        scale=_SCALE + "; each container is freed (allocator free lists help both forms)",
    ),
    Case(
        name="list_discarded",
        setup=_SETUP,
        slow="""
            t = 0
            for i in range(N):
                acc = list()
                acc.append(i)
                t += len(acc)
            return t
        """,
        fast="""
            t = 0
            for i in range(N):
                acc = []
                acc.append(i)
                t += len(acc)
            return t
        """,
        scale=_SCALE + "; each container is freed",
    ),
]
