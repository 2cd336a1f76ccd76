"""Benchmarks for rule ``attribute-lookup-in-loop``.

Claim: an attribute looked up on every iteration of a hot loop
(``module.func``, ``pkg.sub.func``, ``self.v``) is slower than binding it to
a local before the loop.  See docs/bytecode.md section 9: 1.37-1.59x for
``math.sqrt`` on 3.9/3.10 but only 1.05-1.10x on 3.11+; ``self.v``
1.3-1.4x on 3.9/3.10 and 1.04-1.21x on 3.11+.

Case ``list_append`` is documented counter-evidence: ``app = lst.append``
is expected to be SLOWER on 3.11+ (the specialized ``CALL_LIST_APPEND``
beats calling a bound builtin method), which is why the rule refuses to
suggest that fix for method calls on builtin containers.

All forms run as a function whose globals are the setup's namespace.
"""

from harness import Case

RULE = "attribute-lookup-in-loop"

_N = 1000000
_SCALE = "N = 10**6 iterations per execution"

CASES = [
    Case(
        name="module_attr_call",
        setup="import math\nN = %d\n" % _N,
        slow="""
            for i in range(N):
                math.sqrt(i)
        """,
        fast="""
            sqrt = math.sqrt
            for i in range(N):
                sqrt(i)
        """,
        scale=_SCALE,
        note="math.sqrt(i) vs sqrt = math.sqrt",
    ),
    # Two-level module attribute with a cheap (C) leaf, like os.path.join but
    # without a Python-level callee dominating the loop.
    Case(
        name="two_level_module_attr",
        setup="""
import types
N = %d
pkg = types.ModuleType("pkg")
pkg.sub = types.ModuleType("pkg.sub")
pkg.sub.f = abs
""" % _N,
        slow="""
            for i in range(N):
                pkg.sub.f(i)
        """,
        fast="""
            f = pkg.sub.f
            for i in range(N):
                f(i)
        """,
        scale=_SCALE,
        note="pkg.sub.f(i) (module.submodule.C-function) vs f = pkg.sub.f",
    ),
    # The real os.path.join: the Python-level callee dominates, so the saving
    # of two attribute loads is a small fraction.
    Case(
        name="os_path_join",
        setup="import os\nN = %d\n" % (_N // 5),
        slow="""
            for i in range(N):
                os.path.join("a", "b")
        """,
        fast="""
            join = os.path.join
            for i in range(N):
                join("a", "b")
        """,
        scale="N = %d (os.path.join itself costs ~0.2-0.5 us)" % (_N // 5),
        expect="version-dependent",
        note="real os.path.join: the call dominates; small relative gain",
    ),
    Case(
        name="self_attr",
        setup="N = %d\n" % _N + """
class Slow:
    def __init__(self):
        self.v = 3
    def run(self):
        t = 0
        for i in range(N):
            t = i + self.v
        return t

class Fast:
    def __init__(self):
        self.v = 3
    def run(self):
        t = 0
        v = self.v
        for i in range(N):
            t = i + v
        return t

slow_obj = Slow()
fast_obj = Fast()
""",
        slow="""
            slow_obj.run()
        """,
        fast="""
            fast_obj.run()
        """,
        scale=_SCALE,
        note="self.v read in a method's loop vs v = self.v before the loop",
    ),
    Case(
        name="list_append",
        setup="N = %d\n" % _N,
        slow="""
            lst = []
            for i in range(N):
                lst.append(i)
        """,
        fast="""
            lst = []
            app = lst.append
            for i in range(N):
                app(i)
        """,
        scale=_SCALE,
        expect="version-dependent",
        note=("COUNTER-EVIDENCE: app = lst.append is expected to be slower on "
              "3.11+ (CALL_LIST_APPEND); the rule must not suggest it there"),
    ),
]
