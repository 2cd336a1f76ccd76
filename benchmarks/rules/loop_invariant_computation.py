"""Benchmarks for rule ``loop-invariant-computation``.

Claim: a call of a pure builtin (``len``, ``max``, ``sorted``, ...) or a
``math`` function whose arguments the loop never changes computes the same
value on every iteration; computing it once before the loop is faster.  For
``len`` and ``math.sqrt`` the saving is a constant per iteration (a global
lookup and a call); for ``max``/``min``/``sum``/``sorted``/``tuple`` of a
collection it is the whole pass over the collection, so the slow form is
quadratic (case ``max_of_list``: the ratio grows with the list length).
"""

from harness import Case

RULE = "loop-invariant-computation"

_N = 100000
_SETUP = (
    "import math\n"
    "N = %d\n"
    "TEXT = 'abcdefghij' * (N // 10)\n"
    "VALUES = [float(k %% 97) for k in range(N)]\n"
    "SMALL = [k * 37 %% 1000 for k in range(1000)]\n" % _N
)

CASES = [
    Case(
        name="while_len",
        setup=_SETUP,
        slow="""
            s = TEXT
            i = 0
            n = 0
            while i < len(s):
                if s[i] == "a":
                    n += 1
                i += 1
            return n
        """,
        fast="""
            s = TEXT
            i = 0
            n = 0
            size = len(s)
            while i < size:
                if s[i] == "a":
                    n += 1
                i += 1
            return n
        """,
        scale="N = 10**5 characters scanned with an index",
    ),
    Case(
        name="math_sqrt_of_local",
        setup=_SETUP,
        slow="""
            total = 2.0
            out = []
            for v in VALUES:
                out.append(v / math.sqrt(total))
            return out
        """,
        fast="""
            total = 2.0
            out = []
            norm = math.sqrt(total)
            for v in VALUES:
                out.append(v / norm)
            return out
        """,
        scale="N = 10**5 iterations",
    ),
    Case(
        name="max_of_list",
        setup=_SETUP,
        slow="""
            xs = SMALL
            n = 0
            for v in xs:
                if v * 2 > max(xs):
                    n += 1
            return n
        """,
        fast="""
            xs = SMALL
            n = 0
            top = max(xs)
            for v in xs:
                if v * 2 > top:
                    n += 1
            return n
        """,
        scale="a 1,000-item list: max() walks it on every iteration (quadratic)",
    ),
]
