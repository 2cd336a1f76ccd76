"""Benchmarks for rule ``module-level-loop``.

Claim: a hot loop at module level (``LOAD_NAME``/``STORE_NAME``: a dict
lookup or store per access, never specialized) is slower than the same loop
moved into a function that is called once (``LOAD_FAST``/``STORE_FAST``).
See docs/bytecode.md section 8.

Both forms run as *module code* (``mode="module"``: exec in a fresh dict):
the slow form is the bare loop, the fast form is the suggested fix, i.e.
the same loop inside ``def main(): ...`` followed by ``main()``.  The fixed
form therefore pays for defining and calling the function, as a real fix
would.
"""

from harness import Case

RULE = "module-level-loop"

_SETUP = """
N = 1000000
s = "abc"
"""

_SCALE = "N = 10**6 iterations per execution (docs/bytecode.md used 10**7)"

CASES = [
    Case(
        name="assign",
        mode="module",
        setup=_SETUP,
        slow="""
            for i in range(N):
                x = i
        """,
        fast="""
            def main():
                for i in range(N):
                    x = i
            main()
        """,
        scale=_SCALE,
    ),
    Case(
        name="accumulate",
        mode="module",
        setup=_SETUP,
        slow="""
            total = 0
            for i in range(N):
                total += i
        """,
        fast="""
            def main():
                total = 0
                for i in range(N):
                    total += i
                return total
            main()
        """,
        scale=_SCALE,
    ),
    Case(
        name="accumulate_len",
        mode="module",
        setup=_SETUP,
        slow="""
            total = 0
            for i in range(N):
                total += len(s)
        """,
        fast="""
            def main():
                total = 0
                for i in range(N):
                    total += len(s)
                return total
            main()
        """,
        scale=_SCALE,
    ),
]
