"""Benchmarks for rule ``regex-compile-in-loop``.

Claim: ``re.match(PATTERN, s)`` (and ``re.search``, ``re.sub``, ...,
``re.compile(PATTERN)``) inside a loop finds the compiled pattern in the
``re`` module's cache on every call: a Python-level function call into
``re._compile``, a type and flags check and a dict lookup keyed on
``(type, pattern, flags)``.  Compiling once before the loop (or at module
level) and calling the pattern's method directly skips all of it.  The
module caches compiled patterns, so this is a constant cost per call, not a
recompilation: measured here per version.
"""

from harness import Case

RULE = "regex-compile-in-loop"

_N = 10000
_SETUP = (
    "import re\n"
    "N = %d\n"
    "WORDS = ['w%%d x%%d' %% (k, k) if k %% 3 else 'other text' for k in range(N)]\n" % _N
)
_SCALE = "N = 10**4 calls per execution; short subject strings"

CASES = [
    Case(
        name="module_match",
        setup=_SETUP,
        slow="""
            n = 0
            for w in WORDS:
                if re.match(r"w\\d+", w):
                    n += 1
            return n
        """,
        fast="""
            n = 0
            pattern = re.compile(r"w\\d+")
            for w in WORDS:
                if pattern.match(w):
                    n += 1
            return n
        """,
        scale=_SCALE,
    ),
    Case(
        name="compile_in_loop",
        setup=_SETUP,
        slow="""
            n = 0
            for w in WORDS:
                if re.compile(r"x(\\d+)").search(w):
                    n += 1
            return n
        """,
        fast="""
            n = 0
            pattern = re.compile(r"x(\\d+)")
            for w in WORDS:
                if pattern.search(w):
                    n += 1
            return n
        """,
        scale=_SCALE,
    ),
    Case(
        name="module_sub",
        setup=_SETUP,
        slow="""
            out = []
            for w in WORDS:
                out.append(re.sub(r"\\s+", "_", w))
            return out
        """,
        fast="""
            out = []
            spaces = re.compile(r"\\s+")
            for w in WORDS:
                out.append(spaces.sub("_", w))
            return out
        """,
        scale=_SCALE,
    ),
    Case(
        name="module_findall_flags",
        setup=_SETUP,
        slow="""
            n = 0
            for w in WORDS:
                n += len(re.findall(r"[a-z]\\d", w, re.IGNORECASE))
            return n
        """,
        fast="""
            n = 0
            pair = re.compile(r"[a-z]\\d", re.IGNORECASE)
            for w in WORDS:
                n += len(pair.findall(w))
            return n
        """,
        scale=_SCALE,
        note="with a flags argument the cache key includes the flags (an enum): the lookup costs more",
    ),
]
