"""BL105: an `import` statement that runs on every iteration of a loop."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, hot_sites, site_in_scope
from bytelint.rule import Invalid, Report, Rule, Valid

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
    No automatic fix yet. Moving the import to just before the loop keeps it lazy (it still
    runs only when the function does); moving it to module level also changes when the module
    is first imported, which matters for optional or slow imports and import cycles.

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
    name = "import-in-loop"
    summary = "`import` statement runs again on every loop iteration"
    versions = ">=3.9"
    node_types = (cst.Import, cst.ImportFrom)

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
        Invalid("def f(names):\n    for n in names:\n        import os\n        print(os.sep + n)\n", count=1, message="`import os`"),
        Invalid(
            "def f(rows):\n    out = []\n    for r in rows:\n        from json import dumps\n        out.append(dumps(r))\n    return out\n",
            count=1,
            message="`from json import dumps`",
        ),
        Invalid("import sys\nwhile sys.argv:\n    import os.path\n    sys.argv.pop()\n", count=1),
        Invalid("def f(xs):\n    return [__import__('os') for x in xs]\n\ndef g(xs):\n    for x in xs:\n        for y in x:\n            import re\n", count=1),
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
        )


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
