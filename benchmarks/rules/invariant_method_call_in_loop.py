"""Benchmarks for rule ``invariant-method-call-in-loop``.

Claim: a string method such as ``name.lower()`` or ``prefix.encode()``
called in a loop on a local the loop never changes, with constant
arguments, builds the same new string on every iteration: a method lookup,
a call and an allocation.  Computing it once before the loop is faster on
every version; the saving grows with the length of the string.
"""

from harness import Case

RULE = "invariant-method-call-in-loop"

_N = 10000
_SETUP = (
    "N = %d\n"
    "HEADERS = ['X-Header-%%d' %% k for k in range(N)]\n" % _N
)
_SCALE = "N = 10**4 iterations per execution"

CASES = [
    Case(
        name="lower_compare",
        setup=_SETUP,
        slow="""
            name = "Content-Type"
            n = 0
            for h in HEADERS:
                if h.lower() == name.lower():
                    n += 1
            return n
        """,
        fast="""
            name = "Content-Type"
            n = 0
            lname = name.lower()
            for h in HEADERS:
                if h.lower() == lname:
                    n += 1
            return n
        """,
        scale=_SCALE,
    ),
    Case(
        name="encode_prefix",
        setup=_SETUP,
        slow="""
            prefix = "header:"
            out = []
            for h in HEADERS:
                out.append(prefix.encode("ascii") + h.encode("ascii"))
            return out
        """,
        fast="""
            prefix = "header:"
            out = []
            bprefix = prefix.encode("ascii")
            for h in HEADERS:
                out.append(bprefix + h.encode("ascii"))
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="strip_startswith",
        setup=_SETUP,
        slow="""
            marker = "  X-Header-1  "
            n = 0
            for h in HEADERS:
                if h.startswith(marker.strip()):
                    n += 1
            return n
        """,
        fast="""
            marker = "  X-Header-1  "
            n = 0
            m = marker.strip()
            for h in HEADERS:
                if h.startswith(m):
                    n += 1
            return n
        """,
        scale=_SCALE,
    ),
]
