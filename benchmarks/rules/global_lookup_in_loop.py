"""Benchmarks for rule ``global-lookup-in-loop``.

Claim: reading a builtin or module global in a hot loop (``LOAD_GLOBAL``)
is slower than binding it to a local before the loop (``LOAD_FAST``).
See docs/bytecode.md section 9: 1.08-1.35x on 3.9/3.10, but on 3.11+
``LOAD_GLOBAL_BUILTIN``/``LOAD_GLOBAL_MODULE`` cost about as much as
``LOAD_FAST`` (0.95-1.17x, noise level) -- hence ``expect="version-dependent"``.

All forms run as a function (``mode="function"``) whose globals are the
module namespace built by the setup, so every global read is a real
``LOAD_GLOBAL``.
"""

from harness import Case

RULE = "global-lookup-in-loop"

_N = 1000000
_SCALE = "N = 10**6 iterations per execution"

CASES = [
    Case(
        name="builtin_len",
        setup="N = %d\n" % _N,
        slow="""
            s = "abc"
            n = 0
            for i in range(N):
                n += len(s)
            return n
        """,
        fast="""
            s = "abc"
            n = 0
            _len = len
            for i in range(N):
                n += _len(s)
            return n
        """,
        scale=_SCALE,
        expect="version-dependent",
    ),
    Case(
        name="module_function",
        setup="N = %d\n" % _N + """
def helper(i):
    return i
""",
        slow="""
            for i in range(N):
                helper(i)
        """,
        fast="""
            _helper = helper
            for i in range(N):
                _helper(i)
        """,
        scale=_SCALE,
        expect="version-dependent",
    ),
    Case(
        name="module_constant",
        setup="N = %d\nK = 7\n" % _N,
        slow="""
            for i in range(N):
                t = i + K
        """,
        fast="""
            k = K
            for i in range(N):
                t = i + k
        """,
        scale=_SCALE,
        expect="version-dependent",
    ),
]
