"""BL203: `re.match(CONST, ...)`, `re.compile(CONST)` and friends called in a loop."""

from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, site_in_scope
from bytelint.fixfacts import function_scope_of, importable, keeps_comments, owner_unit, statement_of, with_import
from bytelint.rewrites import fresh_name, scope_names
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid

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
    The fix compiles the pattern once, bound to a fresh name (a private one at module level)
    before the loop (the outermost loop around the call in its function, or the statement
    holding a comprehension), and calls the compiled pattern's method with the other
    arguments; `flags` go to `re.compile`: `re.sub(r"\\s+", " ", s, 2, flags=re.M)` becomes
    `sub_pattern.sub(" ", s, 2)` after `sub_pattern = re.compile(r"\\s+", re.M)`. It is
    offered when the flags are constants (`re.I | re.M`); with only `from re import ...`,
    `import re` is added at the top of the function. It is **unsafe** (applied with
    `--unsafe-fixes`): the pattern is now compiled even when the loop runs zero times (an
    invalid pattern raises `re.error` there), and code the loop runs could replace the `re`
    module's functions, which the loop would no longer call. bytelint does not move the
    compilation to module level, which would also move that error to import time.

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
    # the call, its loops and the bytecode; for `from re import sub` the function's whole body
    # too (context: where the fix may import `re`)
    statement_local = True
    name = "regex-compile-in-loop"
    summary = "re.match/search/sub/compile(... constant pattern ...) called in a loop"
    versions = ">=3.9"
    node_types = (cst.Call,)
    fixable = "unsafe"

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
            fixed="import re\n\ndef f(lines):\n    n = 0\n    match_pattern = re.compile(r'\\d+')\n    for line in lines:\n"
            "        if match_pattern.match(line):\n            n += 1\n    return n\n",
        ),
        Invalid(
            "import re\n\ndef f(lines):\n    return [re.sub(r'\\s+', ' ', s, 1, flags=re.M) for s in lines]\n",
            count=1,
            message="compile it once",
            fixed="import re\n\ndef f(lines):\n    sub_pattern = re.compile(r'\\s+', re.M)\n    return [sub_pattern.sub(' ', s, 1) for s in lines]\n",
        ),
        Invalid(
            "import re\n\ndef f(lines):\n    for line in lines:\n        pat = re.compile('a(b)', re.I)\n        print(pat.search(line))\n",
            count=1,
            message="`re.compile()`",
            fixed="import re\n\ndef f(lines):\n    pattern = re.compile('a(b)', re.I)\n    for line in lines:\n        pat = pattern\n        print(pat.search(line))\n",
        ),
        Invalid(
            "from re import findall\n\ndef f(lines):\n    for line in lines:\n        print(findall('[0-9]', line))\n",
            count=1,
            message="`findall()`",
            fixed="from re import findall\n\ndef f(lines):\n    import re\n    findall_pattern = re.compile('[0-9]')\n    for line in lines:\n"
            "        print(findall_pattern.findall(line))\n",
        ),
        Invalid(
            "import re\nfor line in open('f'):\n    print(re.split(',', line))\n",
            count=1,
            fixed="import re\n_split_pattern = re.compile(',')\nfor line in open('f'):\n    print(_split_pattern.split(line))\n",
        ),
        Invalid("import re\n\ndef f(lines, flags):\n    return [re.match('a', s, flags) for s in lines]\n", count=1),
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
        return SiteIndex(sites, _imported_functions)

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
        if "." not in function:  # `from re import sub as substitute`: the pattern's method is `.sub()`
            name = ctx.file.bytecode.namespace.from_imports.get(name, f"re.{name}").rpartition(".")[2]
        if name == "compile":
            advice = "compile it once, before the loop or at module level"
        else:
            advice = f"compile it once, before the loop or at module level, and call the pattern's `.{name}()`"
        yield Report(
            node,
            f"`{function}()` with a constant pattern in a loop looks the compiled pattern up in the `re` "
            f"module's cache on every call; {advice}",
            evidence=(f"{sites[0].instr.name} of the re module with a constant pattern inside the compiled loop body",),
            fix=_fix(node, function, ctx, sites[0]),
        )


def _imported_functions(sites: List[Site]) -> Tuple[Tuple[int, ...], List[int]]:
    """The context of the sites (``Rule.statement_local``): a call of a function imported from
    `re` (the site is the name's own load) has the fix look for, or add, `import re` in its
    function, which reads the function whole."""
    return (), [s.instr.line for s in sites if s.instr.kind in _NAME_LOADS]


def _called(node: cst.Call) -> Optional[str]:
    func = node.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _FUNCTIONS:
        return f"{func.value.value}.{func.attr.value}"
    if isinstance(func, cst.Name):
        return func.value
    return None


# --- fix ------------------------------------------------------------------------------------

# Arguments of the module function after the pattern, in order: the compiled pattern's
# method takes the same ones, without `flags` (which goes to `re.compile`).
_PARAMETERS = {
    "compile": ("flags",),
    "match": ("string", "flags"),
    "search": ("string", "flags"),
    "fullmatch": ("string", "flags"),
    "findall": ("string", "flags"),
    "finditer": ("string", "flags"),
    "split": ("string", "maxsplit", "flags"),
    "sub": ("repl", "string", "count", "flags"),
    "subn": ("repl", "string", "count", "flags"),
}


def _constant_flags(expr, module: Optional[str]) -> bool:
    """Is ``expr`` a flags value fixed before the loop: an integer, `re.I`, `re.I | re.M`?"""
    if isinstance(expr, cst.Integer):
        return True
    if isinstance(expr, cst.Attribute):
        return module is not None and isinstance(expr.value, cst.Name) and expr.value.value == module
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        return _constant_flags(expr.left, module) and _constant_flags(expr.right, module)
    return False


def _fix(node: cst.Call, function: str, ctx: NodeContext, site: Site) -> Optional[FixSpec]:
    """`re.f(PATTERN, args..., flags=F)` in a loop -> `pattern = re.compile(PATTERN, F)` before
    the loop and `pattern.f(args...)` in it; unsafe (see the docs). The new loop is built only
    when the fix's text is needed."""
    root, _, name = function.rpartition(".")
    module = root or None
    if module is None:  # `from re import sub as substitute`: the function it names
        name = ctx.file.bytecode.namespace.from_imports.get(name, "").rpartition(".")[2]
    if name not in _PARAMETERS:
        return None
    scope = function_scope_of(ctx)
    loops = running_loops(ctx, node)
    if scope is None or not loops:
        return None
    outermost = loops[0][0]
    anchor = outermost if isinstance(outermost, (cst.For, cst.While)) else statement_of(ctx)
    chain = list(ctx.ancestors)
    index = next((i for i, a in enumerate(chain) if a is anchor), None)
    if anchor is None or index is None or not isinstance(chain[index - 1], (cst.IndentedBlock, cst.Module)):
        return None
    names = _PARAMETERS[name]
    rest = list(node.args[1:])
    flags = None
    kept = []
    for position, arg in enumerate(rest):
        if arg.star:
            return None
        keyword = arg.keyword.value if arg.keyword is not None else (names[position] if position < len(names) else None)
        if keyword == "flags":
            flags = arg.value
        elif keyword is None or keyword not in names:
            return None
        elif arg.keyword is None and any(a.keyword is not None for a in kept):
            return None
        else:
            kept.append(arg)
    if flags is not None and not _constant_flags(flags, module):
        return None  # flags computed in the loop cannot move before it
    if module is None:
        found = importable(ctx, scope, "re", "compile", prefer_module=True)
        if found is None:
            return None
        compile_call, imports = found
        if imports is not None and not (isinstance(scope, cst.FunctionDef) and isinstance(scope.body, cst.IndentedBlock)):
            return None  # `with_import` adds a module-level import only before another statement
    else:
        compile_call, imports = f"{module}.compile", None
    namespace = ctx.file.bytecode.namespace
    taken = scope_names(owner_unit(site.unit)) | set(namespace.bound) | set(namespace.imported_modules) | set(namespace.from_imports)
    local = "pattern" if name == "compile" else f"{name}_pattern"
    # a module global: private, so that `from module import *` does not export it
    local = fresh_name(f"_{local}" if isinstance(scope, cst.Module) else local, taken)
    compile_args = [cst.Arg(node.args[0].value)] + ([cst.Arg(flags)] if flags is not None else [])
    compiled = cst.Call(func=cst.parse_expression(compile_call), args=compile_args)
    binding = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(local))], value=compiled)],
        leading_lines=anchor.leading_lines,
    )
    if name == "compile":
        new_call = cst.Name(local)
    else:
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        new_call = node.with_changes(func=cst.Attribute(value=cst.Name(local), attr=cst.Name(name)), args=kept)
    if not keeps_comments(node, new_call):
        return None

    def build():
        moved = anchor.deep_replace(node, new_call)
        replacements = {anchor: cst.FlattenSentinel([binding, moved.with_changes(leading_lines=())])}
        return with_import(scope, anchor, replacements, imports) if imports is not None else replacements

    return FixSpec({}, safe=False, description=f"compile the pattern once, as {local}, before the loop", build=build)
