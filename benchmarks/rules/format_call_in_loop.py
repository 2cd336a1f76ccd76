"""Benchmarks for rule ``format-call-in-loop``.

Claim: in a loop, ``"...".format(...)`` and ``"..." % (...)`` with a literal
template are slower than the equivalent f-string.  ``str.format`` looks up a
method, builds an argument tuple and parses the template on every call;
``%`` parses the template and builds the tuple; an f-string compiles to
per-field formatting instructions and one string build, with no parsing at
run time.  Measured per version and per kind of field: the rule fires only
for the template forms measured here to gain at least 5 %: ``.format`` with
plain fields on every version, ``%s``/``%r`` with a tuple on 3.9/3.10 (3.11+
compiles that form to f-string code itself).  The controls show the forms
left alone: format specs and ``%d``/``%.3f``, where the f-string is no
faster.
"""

from harness import Case

RULE = "format-call-in-loop"

_N = 10000
_SETUP = (
    "N = %d\n"
    "NAMES = ['name%%d' %% k for k in range(N)]\n"
    "NUMS = list(range(N))\n"
    "FLOATS = [k / 7 for k in range(N)]\n" % _N
)
_SCALE = "N = 10**4 formatted strings per execution"

CASES = [
    Case(
        name="format_method",
        setup=_SETUP,
        slow="""
            out = []
            for name, k in zip(NAMES, NUMS):
                out.append("{}={}".format(name, k))
            return out
        """,
        fast="""
            out = []
            for name, k in zip(NAMES, NUMS):
                out.append(f"{name}={k}")
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="format_method_int",
        setup=_SETUP,
        slow="""
            out = []
            for k in NUMS:
                out.append("item {}".format(k))
            return out
        """,
        fast="""
            out = []
            for k in NUMS:
                out.append(f"item {k}")
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="format_method_spec",
        setup=_SETUP,
        slow="""
            out = []
            for name, x in zip(NAMES, FLOATS):
                out.append("{:>10}: {:.2f}".format(name, x))
            return out
        """,
        fast="""
            out = []
            for name, x in zip(NAMES, FLOATS):
                out.append(f"{name:>10}: {x:.2f}")
            return out
        """,
        scale=_SCALE,
        expect="not-faster",
        note="CONTROL: with format specs the f-string is no faster; the rule skips specs",
    ),
    Case(
        name="percent_s",
        setup=_SETUP,
        slow="""
            out = []
            for name, k in zip(NAMES, NAMES):
                out.append("%s=%s" % (name, k))
            return out
        """,
        fast="""
            out = []
            for name, k in zip(NAMES, NAMES):
                out.append(f"{name}={k}")
            return out
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="3.11+ compiles the slow form to f-string code with !s conversions (still slower for str values)",
    ),
    Case(
        name="percent_s_int",
        setup=_SETUP,
        slow="""
            out = []
            for k in NUMS:
                out.append("item %s" % (k,))
            return out
        """,
        fast="""
            out = []
            for k in NUMS:
                out.append(f"item {k}")
            return out
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="int values: no gain on 3.11+, where the slow form is already f-string code",
    ),
    Case(
        name="percent_d",
        setup=_SETUP,
        slow="""
            out = []
            for k in NUMS:
                out.append("item %d" % k)
            return out
        """,
        fast="""
            out = []
            for k in NUMS:
                out.append(f"item {k:d}")
            return out
        """,
        scale=_SCALE,
        expect="not-faster",
        note="CONTROL: %d is not reported",
    ),
    Case(
        name="percent_float",
        setup=_SETUP,
        slow="""
            out = []
            for x in FLOATS:
                out.append("%.3f" % x)
            return out
        """,
        fast="""
            out = []
            for x in FLOATS:
                out.append(f"{x:.3f}")
            return out
        """,
        scale=_SCALE,
        expect="not-faster",
        note="CONTROL: %.3f is not reported",
    ),
    Case(
        name="percent_r",
        setup=_SETUP,
        slow="""
            out = []
            for name in NAMES:
                out.append("<%r>" % (name,))
            return out
        """,
        fast="""
            out = []
            for name in NAMES:
                out.append(f"<{name!r}>")
            return out
        """,
        scale=_SCALE,
        expect="version-dependent",
        note="3.11+ compiles the slow form to exactly this f-string",
    ),
]
