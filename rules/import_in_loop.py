"""BL105: an `import` statement that runs on every iteration of a loop."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, hot_sites, site_in_scope
from bytelint.fixfacts import bound_names
from bytelint.rewrites import names_in
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid

from ._loop_helpers import running_loops, runs_every_iteration

_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


class ImportInLoop(Rule):
    """
    ## What it does
    Flags an `import` or `from ... import` statement inside a loop, where it runs again on
    every iteration.

    ## Why is this bad?
    An `import` statement is not a declaration: each time it runs, CPython calls
    `builtins.__import__`, looks the module up in `sys.modules`, checks that it is not still
    being initialised, fetches each `from` name, and binds the names. When the module is
    already loaded that is still 0.3-1 µs per execution. Importing once before the loop (or
    at module level) makes the benchmark's loops faster on every version
    (`benchmarks/rules/import_in_loop.py`, paired-median ratios):

    | statement in the loop | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `import os` | 2.10x | 2.09x | 2.94x | 2.97x | 3.39x |
    | `from os.path import join` (+ a `join` call) | 1.84x | 2.17x | 2.59x | 1.38x | 1.65x |
    | `import xml.dom` | 4.19x | 4.14x | 10.36x | 12.79x | 14.14x |

    The bytecode confirms that the import runs inside the compiled loop body, and the source
    that it runs on every iteration: an import under an `if` (a lazy import on a rare path, or
    one guarded to run once) is left alone, and so is one inside `try`/`except ImportError`,
    where hoisting would change what happens when the module is missing.

    ## Example
    ```python
    def to_paths(names):
        out = []
        for name in names:
            import os.path
            out.append(os.path.join("data", name))
        return out
    ```

    ## Use instead
    ```python
    import os.path


    def to_paths(names):
        out = []
        for name in names:
            out.append(os.path.join("data", name))
        return out
    ```

    ## Fix safety
    The fix moves the import statement in front of the loop: the outermost loop whose body
    holds it directly, or through the bodies of inner loops only (comments above it move
    with it). It is offered only when nothing in the loop uses the imported names before the
    import has run, and the loop never rebinds or deletes them. It is **unsafe** (applied
    with `--unsafe-fixes`): the import now runs even when the loop runs zero times (a missing
    optional module raises `ImportError`, a slow or side-effecting import runs), and a loop
    that changes `sys.modules` (reloading the module, say) no longer picks up the new module
    on every iteration. The import stays lazy: moving it to module level would also change
    when the module is first imported, which matters for optional or slow imports and import
    cycles, so bytelint leaves that to you.

    ## References
    - [Python docs: the import statement](https://docs.python.org/3/reference/simple_stmts.html#the-import-statement)
    - [Python FAQ: performance tips, import statement overhead](https://wiki.python.org/moin/PythonSpeed/PerformanceTips#Import_Statement_Overhead)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded) with `--target-version py39`: 3 findings (all in the standard
    library), **3 of 3 true positives**: an unconditional `import` on every iteration of a
    loop (`distutils.dist.set_provides`, `gettext.translation`, `idlelib.debugger`), where
    importing before the loop keeps the laziness. A first version that also reported imports
    under an `if` gave 14 findings, of which 9 were lazy imports on rare paths (warning
    branches in `re._parser`, `if not re: import re` in `telnetlib`); those are now left
    alone.
    """

    code = "BL105"
    statement_local = True  # the loops around the import and the bytecode
    name = "import-in-loop"
    summary = "`import` statement runs again on every loop iteration"
    versions = ">=3.9"
    node_types = (cst.Import, cst.ImportFrom)
    fixable = "unsafe"

    VALID = (
        Valid("import os\n\ndef f(names):\n    return [os.path.join('a', n) for n in names]\n"),
        Valid("def f(names):\n    import os\n    for n in names:\n        print(os.sep + n)\n"),
        Valid(
            "def f(names):\n    for n in names:\n        try:\n            import numpy\n        except ImportError:\n            numpy = None\n        print(n, numpy)\n"
        ),
        Valid("def f(names):\n    for n in names:\n        if n == 'x':\n            import json\n            return json.dumps(n)\n"),
        Valid("def f(names):\n    for n in names:\n        if n.startswith('{'):\n            import json\n            n = json.loads(n)\n        print(n)\n"),
    )
    INVALID = (
        Invalid(
            "def f(names):\n    for n in names:\n        import os\n        print(os.sep + n)\n",
            count=1,
            message="`import os`",
            fixed="def f(names):\n    import os\n    for n in names:\n        print(os.sep + n)\n",
        ),
        Invalid(
            "def f(rows):\n    out = []\n    for r in rows:\n        from json import dumps\n        out.append(dumps(r))\n\n    return out\n",
            count=1,
            message="`from json import dumps`",
            fixed="def f(rows):\n    out = []\n    from json import dumps\n    for r in rows:\n        out.append(dumps(r))\n\n    return out\n",
        ),
        Invalid(
            "def f(rows):\n    out = []\n    for r in rows:\n        from json import dumps\n        out.append(dumps(r))\n    return out\n",
            count=1,
        ),
        Invalid(
            "import sys\nwhile sys.argv:\n    import os.path\n    sys.argv.pop()\n",
            count=1,
            fixed="import sys\nimport os.path\nwhile sys.argv:\n    sys.argv.pop()\n",
        ),
        Invalid(
            "def f(xs):\n    return [__import__('os') for x in xs]\n\ndef g(xs):\n    for x in xs:\n        for y in x:\n"
            "            # escaping\n            import re\n            print(re.escape(y))\n",
            count=1,
            fixed="def f(xs):\n    return [__import__('os') for x in xs]\n\ndef g(xs):\n    # escaping\n    import re\n"
            "    for x in xs:\n        for y in x:\n            print(re.escape(y))\n",
        ),
        Invalid("def f(xs):\n    for x in xs:\n        print(json.dumps(x))\n        import json\n", count=1),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        return SiteIndex(hot_sites(file.bytecode.units, (Kind.IMPORT,)))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        loops = running_loops(ctx, node)
        if not loops:
            return
        depth = sum(levels for _, levels in loops)
        sites = [s for s in evidence.within(ctx.span(node)) if s.depth == depth and site_in_scope(s, ctx)]
        if not sites:
            return
        loop = loops[-1][0]
        if not runs_every_iteration(ctx, node, loop) or _guarded_against_import_error(ctx, loop):
            return
        statement = _describe(node)
        yield Report(
            node,
            f"`{statement}` runs on every iteration of the loop (an `__import__` call, a `sys.modules` "
            f"lookup and a name binding each time); import once before the loop or at module level",
            evidence=tuple(f"import of {site.instr.name or '.'} inside the compiled loop body" for site in sites[:1]),
            fix=_fix(node, ctx),
        )


def _imported_names(node) -> set:
    names = set()
    for alias in node.names:
        if alias.asname is not None:
            names.add(alias.asname.name.value)
        else:
            root = alias.name
            while isinstance(root, cst.Attribute):
                root = root.value
            names.add(root.value)
    return names


def _fix(node, ctx: NodeContext) -> Optional[FixSpec]:
    """Move the import statement before the outermost loop around it whose body holds it
    directly (or through inner loops' bodies only); unsafe (see the docs)."""
    if isinstance(node.names, cst.ImportStar):
        return None
    path = list(ctx.ancestors)
    line = path[-1] if path else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    # Climb block by block: each step must be a loop's body, holding the statement (or the
    # inner loop) with nothing before it that uses what the import binds.
    names = _imported_names(node)
    child, outermost = line, None
    i = len(path) - 2
    while i >= 1 and isinstance(path[i], cst.IndentedBlock) and isinstance(path[i - 1], (cst.For, cst.While)):
        block, loop = path[i], path[i - 1]
        if loop.body is not block or loop.orelse is not None:
            break
        before = block.body[: next(k for k, statement in enumerate(block.body) if statement is child)]
        header = [loop.test] if isinstance(loop, cst.While) else [loop.target, loop.iter]
        if any(names & names_in(part) for part in list(before) + header):
            return None  # used before the import has run, on the first iteration at least
        outermost, child = loop, loop
        i -= 2
    if outermost is None or i < 0 or not isinstance(path[i], (cst.IndentedBlock, cst.Module)):
        return None
    remaining = outermost.deep_remove(line)
    if names & bound_names(remaining) or not isinstance(remaining, (cst.For, cst.While)):
        return None  # the loop rebinds or deletes a name the import binds: it must re-import
    if _empty_body(remaining, line, ctx):
        return None
    if ctx.file.bytecode.units_at_line(ctx.span(node).end_line + 2):
        # The fixer's proof that code outside the edit is unchanged misjudges a deleted line:
        # it also counts the second line after it as edited, and code there fails the proof
        # (tests/test_fix_regressions.py). Until that is fixed, offer only fixes it can prove.
        return None
    moved = line.with_changes(leading_lines=[*outermost.leading_lines, *line.leading_lines])
    return FixSpec(
        {outermost: cst.FlattenSentinel([moved, remaining.with_changes(leading_lines=())])},
        safe=False,
        description="import once before the loop",
    )


def _empty_body(loop, line, ctx) -> bool:
    """Was the import the only statement of its block (which would be left empty)?"""
    block = ctx.ancestors[-2] if len(ctx.ancestors) >= 2 else None
    return isinstance(block, cst.IndentedBlock) and len(block.body) == 1


def _guarded_against_import_error(ctx: NodeContext, loop: cst.CSTNode) -> bool:
    """Is the import inside a `try` (within the loop) that handles ImportError?"""
    for ancestor in reversed(ctx.ancestors):
        if ancestor is loop:
            return False
        if isinstance(ancestor, cst.Try):
            for handler in ancestor.handlers:
                if handler.type is None or _names(handler.type) & _IMPORT_ERRORS:
                    return True
    return False


def _names(expr) -> set:
    if isinstance(expr, cst.Name):
        return {expr.value}
    if isinstance(expr, cst.Attribute):
        return {expr.attr.value}
    if isinstance(expr, cst.Tuple):
        return set().union(*(_names(e.value) for e in expr.elements))
    return set()


def _dotted(expr) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr.value}"
    return "..."


def _describe(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Import):
        names = ", ".join(_alias(a) for a in node.names)
        return f"import {names}"
    module: Optional[str] = _dotted(node.module) if node.module is not None else ""
    dots = "." * len(node.relative)
    if isinstance(node.names, cst.ImportStar):
        what = "*"
    else:
        what = ", ".join(_alias(a) for a in node.names)
    return f"from {dots}{module} import {what}"


def _alias(alias: cst.ImportAlias) -> str:
    name = _dotted(alias.name)
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return f"{name} as {alias.asname.name.value}"
    return name
