"""BL203: `re.match(CONST, ...)`, `re.compile(CONST)` and friends called in a loop."""

from __future__ import annotations

from typing import Iterable, List, Optional

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, site_in_scope
from bytelint.rule import Invalid, Report, Rule, Valid

from ._loop_helpers import cold_branch, running_loops

_FUNCTIONS = frozenset({"compile", "match", "search", "fullmatch", "sub", "subn", "split", "findall", "finditer"})
_NAME_LOADS = (Kind.GLOBAL_LOAD, Kind.NAME_LOAD)
_ATTR_LOADS = (Kind.ATTR_LOAD, Kind.METHOD_LOAD)


class RegexCompileInLoop(Rule):
    """
    ## What it does
    Flags a call of the `re` module with a constant pattern inside a loop: `re.compile(r"...")`
    and `re.match`, `re.search`, `re.fullmatch`, `re.sub`, `re.subn`, `re.split`, `re.findall`
    and `re.finditer` with a string literal as the pattern.

    ## Why is this bad?
    The module-level functions compile their pattern through `re._compile`, which keeps a
    cache, so the pattern is not recompiled; but every call still runs that Python function:
    a type and flags check and a dictionary lookup keyed on the pattern, before the matching
    starts. Compiling the pattern once (before the loop, or at module level) and calling the
    compiled pattern's method skips all of it (`benchmarks/rules/regex_compile_in_loop.py`,
    short subject strings, paired-median ratios):

    | call in the loop | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `re.match(r"w\\d+", w)` | 3.30x | 3.22x | 2.60x | 2.60x | 2.53x |
    | `re.compile(r"x(\\d+)").search(w)` | 3.33x | 3.25x | 2.57x | 2.67x | 2.53x |
    | `re.sub(r"\\s+", "_", w)` | 1.95x | 1.91x | 1.66x | 1.68x | 1.74x |
    | `re.findall(r"[a-z]\\d", w, re.IGNORECASE)` | 2.30x | 2.29x | 1.87x | 1.79x | 1.76x |

    The bytecode confirms both halves: the name is the standard `re` module (imported at
    module level with `import re` or `from re import ...` and never rebound) and the call runs
    inside the compiled loop body with a constant pattern.

    ## Example
    ```python
    import re


    def count_numbers(lines):
        n = 0
        for line in lines:
            if re.match(r"\\d+", line):
                n += 1
        return n
    ```

    ## Use instead
    ```python
    import re

    NUMBER = re.compile(r"\\d+")


    def count_numbers(lines):
        n = 0
        for line in lines:
            if NUMBER.match(line):
                n += 1
        return n
    ```

    ## Fix safety
    No automatic fix yet. The compiled pattern's methods take the same arguments minus the
    pattern and the flags (pass the flags to `re.compile`); `re.split(p, s, maxsplit)` becomes
    `P.split(s, maxsplit)`. Compiling at module level moves the compilation (and any error in
    the pattern) to import time.

    ## References
    - [Python docs: re, module contents](https://docs.python.org/3/library/re.html#module-contents)
    - [Python docs: re.compile, "the compiled versions of the most recent patterns are cached"](https://docs.python.org/3/library/re.html#re.compile)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded) with `--target-version py39`: 28 findings (27 in the standard
    library, 1 in sqlparse), all read: **28 of 28 true positives**, a constant pattern
    passed to the `re` module inside a loop (line parsers in `lib2to3.pgen2.conv`, header
    parsing in `http.cookiejar` and `smtplib`, flag rewriting in `_osx_support`, ...).
    """

    code = "BL203"
    name = "regex-compile-in-loop"
    summary = "re.match/search/sub/compile(... constant pattern ...) called in a loop"
    versions = ">=3.9"
    node_types = (cst.Call,)

    VALID = (
        Valid("import re\nNUM = re.compile(r'\\d+')\n\ndef f(xs):\n    return [x for x in xs if NUM.match(x)]\n"),
        Valid("import re\n\ndef f(xs, pattern):\n    return [x for x in xs if re.match(pattern, x)]\n"),
        Valid("import regex as re\n\ndef f(xs):\n    return [x for x in xs if re.match('a', x)]\n"),
        Valid("import re\n\ndef f(x):\n    return re.match('a', x)\n"),
        Valid("def f(xs):\n    import re\n    return [x for x in xs if re.match('a', x)]\n"),
        Valid("import re\nre = None\n\ndef f(xs):\n    return [x for x in xs if re.match('a', x)]\n"),
    )
    INVALID = (
        Invalid(
            "import re\n\ndef f(lines):\n    n = 0\n    for line in lines:\n        if re.match(r'\\d+', line):\n            n += 1\n    return n\n",
            count=1,
            message="`re.match()`",
        ),
        Invalid("import re\n\ndef f(lines):\n    return [re.sub(r'\\s+', ' ', s) for s in lines]\n", count=1, message="compile it once"),
        Invalid(
            "import re\n\ndef f(lines):\n    for line in lines:\n        pat = re.compile('a(b)', re.I)\n        print(pat.search(line))\n",
            count=1,
            message="`re.compile()`",
        ),
        Invalid("from re import findall\n\ndef f(lines):\n    for line in lines:\n        print(findall('[0-9]', line))\n", count=1, message="`findall()`"),
        Invalid("import re\nfor line in open('f'):\n    print(re.split(',', line))\n", count=1),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        namespace = file.bytecode.namespace
        modules = {name for name, module in namespace.imported_modules.items() if module == "re"}
        functions = {
            name
            for name, qualified in namespace.from_imports.items()
            if qualified.startswith("re.") and qualified[3:] in _FUNCTIONS
        }
        modules -= namespace.rebound
        functions -= namespace.rebound
        if not modules and not functions:
            return SiteIndex(())
        sites: List[Site] = []
        for unit in file.bytecode.units:
            if not unit.loops and unit.inherited_depth() == 0:
                continue
            instrs = unit.match_instrs
            for k, instr in enumerate(instrs):
                if instr.kind not in _NAME_LOADS:
                    continue
                if instr.name in modules:
                    attr = instrs[k + 1] if k + 1 < len(instrs) else None
                    if attr is None or attr.kind not in _ATTR_LOADS or attr.name not in _FUNCTIONS:
                        continue
                    call, following = attr, k + 2
                elif instr.name in functions:
                    call, following = instr, k + 1
                else:
                    continue
                pattern = instrs[following] if following < len(instrs) else None
                if pattern is None or pattern.kind is not Kind.CONST_LOAD or not isinstance(pattern.argval, (str, bytes)):
                    continue
                loop = unit.hot_loop_of(call)
                if loop is None and unit.inherited_depth() == 0:
                    continue
                sites.append(Site(unit, call, loop, instr.name))
        return SiteIndex(sites)

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        function = _called(node)
        if function is None or not node.args or node.args[0].keyword is not None or node.args[0].star:
            return
        if not isinstance(node.args[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            return
        loops = running_loops(ctx, node)
        if not loops:
            return
        if cold_branch(ctx, node, loops[0][0]):
            return  # a debugging switch or a first-iteration-only branch
        depth = sum(levels for _, levels in loops)
        root, _, attr = function.rpartition(".")
        sites = [
            s
            for s in evidence.within(ctx.span(node.func))
            if s.depth == depth and s.instr.name == attr and s.extra == (root or attr) and site_in_scope(s, ctx)
        ]
        if not sites:
            return
        name = function.rsplit(".", 1)[-1]
        if name == "compile":
            advice = "compile it once, before the loop or at module level"
        else:
            advice = f"compile it once, before the loop or at module level, and call the pattern's `.{name}()`"
        yield Report(
            node,
            f"`{function}()` with a constant pattern in a loop looks the compiled pattern up in the `re` "
            f"module's cache on every call; {advice}",
            evidence=(f"{sites[0].instr.name} of the re module with a constant pattern inside the compiled loop body",),
        )


def _called(node: cst.Call) -> Optional[str]:
    func = node.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _FUNCTIONS:
        return f"{func.value.value}.{func.attr.value}"
    if isinstance(func, cst.Name):
        return func.value
    return None
