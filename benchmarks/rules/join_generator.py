"""Benchmarks for rule ``join-generator``.

Question: is ``"".join(<generator expression>)`` slower than
``"".join([<list comprehension>])``?  ``str.join`` first turns any
non-list argument into a list (``PySequence_Fast``), so a generator is run
to exhaustion into a temporary list anyway; the generator adds a frame
switch per item.  Measured before deciding whether to have a rule.
"""

from harness import Case

RULE = "join-generator"

CASES = [
    Case(
        name="str_1000",
        setup="XS = list(range(1000))\n",
        slow='return ",".join(str(x) for x in XS)',
        fast='return ",".join([str(x) for x in XS])',
        scale="1,000 items, str() per item",
        expect="version-dependent",
    ),
    Case(
        name="plain_1000",
        setup="XS = [str(x) for x in range(1000)]\n",
        slow='return "".join(s for s in XS if s)',
        fast='return "".join([s for s in XS if s])',
        scale="1,000 strings, filter only (the generator overhead is the largest share)",
        expect="version-dependent",
    ),
    Case(
        name="plain_10",
        setup="XS = [str(x) for x in range(10)]\n",
        slow='return "".join(s for s in XS if s)',
        fast='return "".join([s for s in XS if s])',
        scale="10 strings",
        expect="version-dependent",
    ),
    Case(
        name="method_1000",
        setup="XS = [' %d ' % x for x in range(1000)]\n",
        slow='return "".join(s.strip() for s in XS)',
        fast='return "".join([s.strip() for s in XS])',
        scale="1,000 strings, a method call per item",
        expect="version-dependent",
    ),
    Case(
        name="fstring_1000",
        setup="XS = list(range(1000))\n",
        slow='return "\\n".join(f"<{x}>" for x in XS)',
        fast='return "\\n".join([f"<{x}>" for x in XS])',
        scale="1,000 items, an f-string per item",
        expect="version-dependent",
    ),
]
