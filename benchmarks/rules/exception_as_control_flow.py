"""Benchmarks for rule ``exception-as-control-flow``.

Claim: a ``try``/``except KeyError`` (or ``IndexError``) around a lookup in a
loop, whose handler only skips the item or supplies a default, is 3-4x
slower than ``dict.get`` or a membership test *on the iterations where the
key is missing*: raising and catching an exception costs about 100-150 ns on
every version (docs/bytecode.md section 7.2).  When the key is always
present the ``try`` form is as fast or faster (the control case, marked
``not-faster``): the rule is a hint for loops where misses are common.
"""

from harness import Case

RULE = "exception-as-control-flow"

_N = 100000
_SETUP = (
    "N = %d\n"
    "D = {k: k for k in range(0, N, 2)}\n"
    "FULL = {k: k for k in range(N)}\n"
    "KEYS = list(range(N))\n"
    "ROWS = [[k, k + 1, k + 2, k + 3] if k %% 2 else [k, k + 1] for k in range(N)]\n" % _N
)
_SCALE = "N = 10**5 lookups per execution"

CASES = [
    Case(
        name="keyerror_continue_half_missing",
        setup=_SETUP,
        slow="""
            t = 0
            for k in KEYS:
                try:
                    v = D[k]
                except KeyError:
                    continue
                t += v
            return t
        """,
        fast="""
            t = 0
            for k in KEYS:
                if k not in D:
                    continue
                v = D[k]
                t += v
            return t
        """,
        scale=_SCALE + "; half the keys are missing",
    ),
    Case(
        name="keyerror_default_half_missing",
        setup=_SETUP,
        slow="""
            t = 0
            for k in KEYS:
                try:
                    v = D[k]
                except KeyError:
                    v = 0
                t += v
            return t
        """,
        fast="""
            t = 0
            for k in KEYS:
                v = D.get(k, 0)
                t += v
            return t
        """,
        scale=_SCALE + "; half the keys are missing",
    ),
    Case(
        name="indexerror_default_half_missing",
        setup=_SETUP,
        slow="""
            t = 0
            for row in ROWS:
                try:
                    v = row[3]
                except IndexError:
                    v = 0
                t += v
            return t
        """,
        fast="""
            t = 0
            for row in ROWS:
                v = row[3] if len(row) > 3 else 0
                t += v
            return t
        """,
        scale=_SCALE + "; half the rows are too short",
    ),
    Case(
        name="keyerror_default_never_missing",
        setup=_SETUP,
        slow="""
            t = 0
            for k in KEYS:
                try:
                    v = FULL[k]
                except KeyError:
                    v = 0
                t += v
            return t
        """,
        fast="""
            t = 0
            for k in KEYS:
                v = FULL.get(k, 0)
                t += v
            return t
        """,
        scale=_SCALE + "; no key is missing",
        expect="not-faster",
        note="CONTROL: without misses the try form costs nothing extra on 3.11+",
    ),
]
