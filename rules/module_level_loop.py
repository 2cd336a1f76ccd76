"""BL101: a loop that runs in module or class-body code."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, List

import libcst as cst

from bytelint.bytecode import Kind, ScopeKind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import header_span, plural
from bytelint.rule import Invalid, Report, Rule, Valid

# Per-iteration name accesses that go through a dict at module or class level.
_DICT_ACCESS = frozenset({Kind.NAME_LOAD, Kind.NAME_STORE, Kind.GLOBAL_LOAD, Kind.GLOBAL_STORE})
# Loops over a literal sequence or range() of at most this many items run too few times to matter.
_SMALL_LOOP = 100


class ModuleLevelLoop(Rule):
    """
    ## What it does
    Flags a `for` or `while` loop that runs in module code (including an
    `if __name__ == "__main__":` block) or in a class body.

    ## Why is this bad?
    Outside a function, every variable is an entry in a dictionary: the compiled loop reads
    and writes its loop variable, its accumulators and every name it uses with dictionary
    lookups and stores that CPython never specialises. Inside a function the same names are
    fast locals. The same loop runs 1.6-2.3x slower at module level on Python 3.9/3.10 and
    1.9-3.2x slower on 3.11-3.13, where functions got faster and module code did not
    (`benchmarks/rules/module_level_loop.py`).

    bytelint reports a loop only when its compiled body really does those dictionary accesses
    (the message counts them), and leaves alone loops that run too few times to matter: over a
    literal collection of at most 100 items (directly, or through a module-level name bound
    once to one, or its `.items()`, `.keys()` or `.values()`), or over a constant `range()` of
    at most 100 numbers. Registration loops at import time usually look like that.

    ## Example
    ```python
    import sys

    total = 0
    for line in sys.stdin:
        total += len(line)
    print(total)
    ```

    ## Use instead
    ```python
    import sys


    def main():
        total = 0
        for line in sys.stdin:
            total += len(line)
        print(total)


    main()
    ```

    ## Fix safety
    No automatic fix yet. Moving a loop into a function changes which names are globals: any
    name the loop assigns and other module code reads later must be returned or declared
    `global`, so review the move by hand.

    ## References
    - [Python docs: Naming and binding](https://docs.python.org/3/reference/executionmodel.html#naming-and-binding)
    - [Python FAQ: performance tips](https://wiki.python.org/moin/PythonSpeed/PerformanceTips#Local_Variables)
    """

    code = "BL101"
    name = "module-level-loop"
    summary = "Loop runs at module or class level, where every name access is a dict operation"
    versions = ">=3.9"
    node_types = (cst.For, cst.While)
    needs_module = True  # literal collections bound at module level decide "runs few times"

    VALID = (
        Valid("def main():\n    total = 0\n    for i in range(10**6):\n        total += i\n    return total\n"),
        Valid("for name in ('a', 'b', 'c'):\n    print(name)\n"),
        Valid("for i in range(10):\n    print(i)\n"),
        Valid("HANDLERS = {'a': 1, 'b': 2}\nfor key, value in HANDLERS.items():\n    print(key, value)\n"),
        Valid("x = [i * 2 for i in range(10**6)]\n"),
        Valid("class C:\n    def m(self, xs):\n        for x in xs:\n            print(x)\n"),
    )
    INVALID = (
        Invalid("total = 0\nfor i in range(10**6):\n    total += i\n", count=1, message="module level"),
        Invalid("import sys\nwhile True:\n    line = sys.stdin.readline()\n    if not line:\n        break\n", count=1),
        Invalid("if __name__ == '__main__':\n    for arg in __import__('sys').argv:\n        print(arg)\n", count=1),
        Invalid("class Table:\n    rows = []\n    for i in range(1000):\n        rows.append(i * i)\n", count=1, message="class body"),
        Invalid("for a in range(1000):\n    for b in range(1000):\n        pass\n", count=1),
    )

    def evidence(self, file: FileContext) -> List:
        loops = []
        for unit in file.bytecode.units:
            if unit.kind not in (ScopeKind.MODULE, ScopeKind.CLASS):
                continue
            for loop in unit.loops:
                if loop.parent is not None:
                    continue
                accesses = Counter(
                    instr.name for instr in loop.hot_instrs() if instr.kind in _DICT_ACCESS and instr.name
                )
                if accesses:
                    loops.append((unit, loop, accesses))
        return loops

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence) -> Iterable[Report]:
        if ctx.scope_kind not in ("module", "class") or ctx.loops:
            return
        if _runs_few_times(node, _literal_bindings(ctx.scopes[0][0])):
            return
        span = ctx.span(node)
        wanted = ScopeKind.MODULE if ctx.scope_kind == "module" else ScopeKind.CLASS
        for unit, loop, accesses in evidence:
            if unit.kind != wanted or loop.first_line is None:
                continue
            if not (span.line <= loop.first_line and loop.last_line <= span.end_line):
                continue
            total = sum(accesses.values())
            names = ", ".join(name for name, _ in accesses.most_common(4))
            if len(accesses) > 4:
                names += ", ..."
            where = "module level" if wanted == ScopeKind.MODULE else "class body"
            yield Report(
                node,
                f"loop at {where}: its body does {plural(total, 'dict lookup')} or stores of "
                f"names ({names}) on each pass instead of fast local accesses; move the loop into a function",
                span=header_span(ctx, node),
                evidence=tuple(f"{name}: {count}x per pass" for name, count in accesses.most_common()),
            )
            return


_LITERALS = (cst.Tuple, cst.List, cst.Set, cst.Dict)
_VIEWS = ("items", "keys", "values")


def _literal_bindings(module: cst.Module) -> dict:
    """Module-level names bound exactly once, to a literal collection: ``NAMES = ("a", "b")``."""
    bound: dict = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
                value = small.value
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                targets, value = [small.target], getattr(small, "value", None)
            else:
                continue
            for target in targets:
                if isinstance(target, cst.Name):
                    name = target.value
                    if name in bound or not isinstance(value, _LITERALS) or isinstance(small, cst.AugAssign):
                        bound[name] = None  # rebound or not a literal: unknown size
                    else:
                        bound[name] = value
    return {name: value for name, value in bound.items() if value is not None}


def _runs_few_times(node: cst.CSTNode, literals: dict) -> bool:
    """A `for` over a short literal collection (directly, through a module-level name bound to
    one, or through its .items()/.keys()/.values()) or a small constant range()."""
    if not isinstance(node, cst.For):
        return False
    iterable = node.iter
    if (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Attribute)
        and iterable.func.attr.value in _VIEWS
        and not iterable.args
    ):
        iterable = iterable.func.value
    if isinstance(iterable, cst.Subscript):  # a slice of a literal: no longer than it
        iterable = iterable.value
    if isinstance(iterable, cst.Name) and iterable.value in literals:
        iterable = literals[iterable.value]
    if isinstance(iterable, _LITERALS):
        return len(iterable.elements) <= _SMALL_LOOP
    if isinstance(iterable, cst.SimpleString):
        return len(iterable.value) <= _SMALL_LOOP + 3
    if (
        isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Name)
        and iterable.func.value == "range"
        and iterable.args
        and all(isinstance(arg.value, cst.Integer) and arg.keyword is None for arg in iterable.args)
    ):
        bounds = [int(arg.value.value.replace("_", ""), 0) for arg in iterable.args]
        start, stop = (0, bounds[0]) if len(bounds) == 1 else (bounds[0], bounds[1])
        return stop - start <= _SMALL_LOOP
    return False
