"""Benchmarks for rule ``import-in-loop``.

Claim: an ``import`` statement inside a loop runs the import protocol on
every iteration even when the module is already loaded: a call of
``builtins.__import__``, a ``sys.modules`` lookup, a check that the module
is not being initialised, and (for ``from m import a``) an attribute fetch,
before the name is bound.  Importing once before the loop and using the
bound name is faster on every version.

The module imported is ``os`` (always in ``sys.modules`` already), so the
benchmark measures the cheapest possible repeated import.
"""

from harness import Case

RULE = "import-in-loop"

_N = 10000
_SETUP = "N = %d\nVALUES = [str(k) for k in range(N)]\n" % _N
_SCALE = "N = 10**4 iterations per execution; the module is already imported"

CASES = [
    Case(
        name="import_module",
        setup=_SETUP,
        slow="""
            out = []
            for v in VALUES:
                import os
                out.append(os.sep + v)
            return out
        """,
        fast="""
            import os
            out = []
            for v in VALUES:
                out.append(os.sep + v)
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="from_import",
        setup=_SETUP,
        slow="""
            out = []
            for v in VALUES:
                from os.path import join
                out.append(join("a", v))
            return out
        """,
        fast="""
            from os.path import join
            out = []
            for v in VALUES:
                out.append(join("a", v))
            return out
        """,
        scale=_SCALE,
        note="the loop body also calls os.path.join (about 0.5 us), so the import is a smaller share",
    ),
    Case(
        name="dotted_import",
        setup=_SETUP,
        slow="""
            out = []
            for v in VALUES:
                import xml.dom
                out.append(xml.dom.Node)
            return out
        """,
        fast="""
            import xml.dom
            out = []
            for v in VALUES:
                out.append(xml.dom.Node)
            return out
        """,
        scale=_SCALE,
    ),
]
