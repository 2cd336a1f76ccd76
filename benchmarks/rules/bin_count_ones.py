"""Benchmarks for rule ``bin-count-ones``.

Claim: ``bin(n).count("1")`` counts the set bits of an integer by building
its binary text and scanning it; ``n.bit_count()`` (Python 3.10+) counts
them directly on the integer's digits.  Measured 12-16x on 3.11-3.13 for
32-bit values.  Python 3.9 has no ``int.bit_count``: there the fast form
falls back to the slow one (ratio about 1, marked version-dependent) and
the rule does not apply to 3.9 targets.
"""

from harness import Case

RULE = "bin-count-ones"

_N = 10000
_SETUP = (
    "N = %d\n"
    "NUMS = [k * 2654435761 %% (1 << 32) for k in range(N)]\n"
    "SMALL = [k %% 256 for k in range(N)]\n"
    "HAVE_BIT_COUNT = hasattr(int, 'bit_count')\n" % _N
)
_SCALE = "N = 10**4 integers per execution"

CASES = [
    Case(
        name="u32",
        setup=_SETUP,
        slow="""
            return [bin(n).count("1") for n in NUMS]
        """,
        fast="""
            if HAVE_BIT_COUNT:
                return [n.bit_count() for n in NUMS]
            return [bin(n).count("1") for n in NUMS]
        """,
        scale=_SCALE + "; 32-bit values",
        expect="version-dependent",
        note="3.9 has no int.bit_count: both forms are the same there",
    ),
    Case(
        name="byte",
        setup=_SETUP,
        slow="""
            t = 0
            for n in SMALL:
                t += bin(n).count("1")
            return t
        """,
        fast="""
            t = 0
            if HAVE_BIT_COUNT:
                for n in SMALL:
                    t += n.bit_count()
                return t
            for n in SMALL:
                t += bin(n).count("1")
            return t
        """,
        scale=_SCALE + "; 8-bit values (the shortest strings)",
        expect="version-dependent",
        note="3.9 has no int.bit_count: both forms are the same there",
    ),
]
