"""Benchmarks for rule ``try-in-loop``.

Claim: on Python 3.9 and 3.10 a ``try`` statement inside a loop costs a
block setup and a block pop on every iteration even when nothing is raised;
moving the ``try`` around the whole loop (equivalent when the handler leaves
the loop anyway) removes that cost.  From 3.11 exception handling is
zero-cost until something is raised and the two forms run the same
(docs/bytecode.md section 7: +11-14 % on 3.9/3.10, noise on 3.11+), hence
``expect="version-dependent"``.

No exception is raised in any case below: this is the cost of the ``try``
itself.  The cases grow the loop body to show how the share shrinks.
"""

from harness import Case

RULE = "try-in-loop"

_N = 100000
_SETUP = (
    "N = %d\n"
    "D = {k: k for k in range(N)}\n"
    "KEYS = list(range(N))\n"
    "WORDS = [str(k) for k in range(N)]\n" % _N
)
_SCALE = "N = 10**5 iterations per execution, nothing raised"

CASES = [
    Case(
        name="subscript_body",
        setup=_SETUP,
        slow="""
            t = 0
            for k in KEYS:
                try:
                    t += D[k]
                except KeyError:
                    raise ValueError(k)
            return t
        """,
        fast="""
            t = 0
            try:
                for k in KEYS:
                    t += D[k]
            except KeyError as e:
                raise ValueError(e.args[0])
            return t
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="iteration weight about 10 (evidence.iteration_weight)",
    ),
    Case(
        name="call_body",
        setup=_SETUP,
        slow="""
            out = []
            for w in WORDS:
                try:
                    out.append(int(w))
                except ValueError:
                    return None
            return out
        """,
        fast="""
            out = []
            try:
                for w in WORDS:
                    out.append(int(w))
            except ValueError:
                return None
            return out
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="two calls per iteration: iteration weight about 14",
    ),
    Case(
        name="bigger_body",
        setup=_SETUP,
        slow="""
            out = []
            for w in WORDS:
                try:
                    v = int(w)
                    out.append(v * 2 + len(w) - (v % 3))
                except ValueError:
                    return None
            return out
        """,
        fast="""
            out = []
            try:
                for w in WORDS:
                    v = int(w)
                    out.append(v * 2 + len(w) - (v % 3))
            except ValueError:
                return None
            return out
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="three calls and arithmetic: iteration weight about 28",
    ),
]
