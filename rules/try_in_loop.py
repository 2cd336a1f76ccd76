"""BL501: a `try` statement entered on every iteration of a small loop (Python 3.9-3.11)."""

from __future__ import annotations

import ast
from typing import Iterable, List

import libcst as cst

from bytelint.bytecode.blocks import block_setups
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, iteration_weight, site_in_scope
from bytelint.results import Span
from bytelint.rule import Invalid, Report, Rule, Valid
from bytelint.tree import children
from bytelint.versions import describe

from ._loop_helpers import running_loops

# On 3.9/3.10 the `try` costs a block setup and a block pop per iteration, on 3.11 a no-op that
# splits a fused instruction pair: about 0.7-0.9 units of evidence.iteration_weight (the
# benchmark: 1.08-1.10x at 9 units, 1.02-1.04x at 16, 1.01-1.02x at 31, weights without the
# setup and pop). It reaches 5% only in iterations of at most ~15 units.
_MAX_WEIGHT = 14
_LEAVES = (cst.Raise, cst.Return, cst.Break)
# Calls the weight model (a call = 4 units) prices about right: builtin functions and methods
# of the builtin containers and str. A call of Python code costs far more, and the setup
# could not reach 5% of such an iteration.
_CHEAP_FUNCTIONS = frozenset(
    {"len", "abs", "min", "max", "int", "float", "str", "bool", "ord", "chr", "getattr", "hasattr", "isinstance", "next", "iter", "divmod", "round", "hash", "id", "repr", "tuple"}
)
_CHEAP_METHODS = frozenset(
    {
        "append", "pop", "popleft", "get", "add", "discard", "remove", "extend", "insert", "index", "count",
        "setdefault", "update", "startswith", "endswith", "strip", "split", "join", "find", "lower", "upper",
        "encode", "decode", "replace", "copy", "clear",
    }
)


class TryInLoop(Rule):
    """
    ## What it does
    Flags a small loop whose whole body is a `try` statement whose handlers all leave the
    loop (`raise`, `return` or `break`), when the code must run on Python 3.9, 3.10 or 3.11:
    there the `try` can move around the loop, where it costs nothing per iteration.

    ## Why is this bad?
    Up to Python 3.10 entering a `try` block pushes a block on the frame's block stack and
    leaving it pops it again, on every iteration, even when nothing is raised. From 3.11
    exceptions are "zero-cost" (a table consulted only when something is raised), but the
    `try` still leaves a no-op instruction in the loop, which on 3.11 keeps the interpreter
    from fusing the instructions around it. Paired-median ratios of the loop with the `try`
    moved around it (`benchmarks/rules/try_in_loop.py`, nothing raised):

    | loop body (iteration weight) | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `t += D[k]` (9) | 1.10x | 1.09x | 1.08x | 1.03x | 1.02x |
    | `out.append(int(w))` (16) | 1.04x | 1.04x | 1.02x | 1.02x | 1.02x |
    | three calls and arithmetic (31) | 1.02x | 1.02x | 1.01x | 1.00x | 1.00x |

    So the rule applies to 3.9-3.11 targets (docs/bytecode.md §7 measured +11-14% on
    3.9/3.10 and 1.06x on 3.11), and only to loops small enough for the `try` to reach 5%:
    at most 14 units of compiled work per iteration (calls counted four times, the block setup
    and pop not counted), and a `try` body that calls nothing but builtin functions and
    methods of the builtin types (a call of Python code is far heavier than the weight model
    says).

    Unlike linters that flag every `try` in a loop, bytelint leaves alone the loops where
    moving the `try` would change behaviour: a handler that `continue`s or `pass`es (the loop
    must go on after an exception), a `try` that is not the whole loop body (the handler would
    start catching exceptions from the other statements), `else` and `finally` clauses, and
    loops with an `else`. The bytecode confirms that the `try` is entered on every ordinary
    iteration of the compiled loop.

    ## Example
    ```python
    def total(d, keys):
        t = 0
        for k in keys:
            try:
                t += d[k]
            except KeyError:
                raise ValueError(f"unknown key {k!r}") from None
        return t
    ```

    ## Use instead
    ```python
    def total(d, keys):
        t = 0
        try:
            for k in keys:
                t += d[k]
        except KeyError as e:
            raise ValueError(f"unknown key {e.args[0]!r}") from None
        return t
    ```

    ## Fix safety
    No automatic fix yet. With the `try` around the loop, an exception of the handled type
    raised by the loop's iterator (`next()` of the `for` iterable) or by a `while` test is now
    caught as well; the loop variable still holds the value of the failing iteration.

    ## References
    - [What's New in Python 3.11: zero-cost exceptions](https://docs.python.org/3/whatsnew/3.11.html#misc)
    - [perflint R8203 / ruff PERF203 try-except-in-loop](https://docs.astral.sh/ruff/rules/try-except-in-loop/)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded) with `--target-version py39` (and `py311`): 1 finding,
    **1 of 1 true positive** (`pydoc.locate`: `getattr` over the parts of a dotted path, the
    handler returns). Without the iteration size limit there are 15 candidates whose handlers
    all leave the loop; they were left out because their iterations are too big for the
    `try` to reach 5% (one, `concurrent.futures`' queue draining loop, calls a Python-level
    `get_nowait()` and was reported by an earlier version: the `try` costs under 1% there).
    """

    code = "BL501"
    statement_local = True  # the try and the loops around it
    name = "try-in-loop"
    summary = "`try` entered on every iteration of a small loop (Python 3.9-3.11)"
    versions = "<3.12"
    node_types = (cst.Try,)

    VALID = (
        Valid("def f(d, keys):\n    t = 0\n    for k in keys:\n        try:\n            t += d[k]\n        except KeyError:\n            raise ValueError(k)\n    return t\n", target="py312"),
        Valid("def f(d, keys):\n    t = 0\n    for k in keys:\n        try:\n            t += d[k]\n        except KeyError:\n            continue\n    return t\n", target="py39"),
        Valid("def f(d, keys):\n    t = 0\n    for k in keys:\n        try:\n            t += d[k]\n        except KeyError:\n            pass\n    return t\n", target="py39"),
        Valid("def f(d, keys):\n    t = 0\n    for k in keys:\n        k = k.lower()\n        try:\n            t += d[k]\n        except KeyError:\n            break\n    return t\n", target="py39"),
        Valid("def f(d, keys):\n    t = 0\n    try:\n        for k in keys:\n            t += d[k]\n    except KeyError:\n        return None\n    return t\n", target="py39"),
        Valid(
            "def f(paths):\n    out = []\n    for p in paths:\n        try:\n            with open(p) as fh:\n                out.append(fh.read().strip().split(','))\n"
            "        except OSError:\n            return None\n    return out\n",
            target="py39",
        ),
        Valid("def f(d, keys):\n    t = 0\n    for k in keys:\n        try:\n            t += d[k]\n        finally:\n            print(k)\n    return t\n", target="py39"),
    )
    INVALID = (
        Invalid(
            "def f(d, keys):\n    t = 0\n    for k in keys:\n        try:\n            t += d[k]\n        except KeyError:\n            raise ValueError(k)\n    return t\n",
            target="py39",
            count=1,
            message="on Python 3.9-3.11",
        ),
        Invalid("def f(q):\n    while True:\n        try:\n            q.pop()\n        except IndexError:\n            break\n", target="py39", count=1),
        Invalid(
            "def f(xs):\n    out = 0\n    for x in xs:\n        try:\n            out += x\n        except TypeError:\n            return None\n    return out\n",
            target="<3.11",
            count=1,
            message="move the `try` around the loop",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        lines = file.source.lines
        try_lines = {n for n, text in enumerate(lines, 1) if "try:" in text and text.lstrip().startswith("try:")}
        if not try_lines:
            return SiteIndex(())
        sites: List[Site] = []
        for unit in file.bytecode.units:
            if not unit.loops:
                continue
            seen = set()
            for instr in unit.instrs:
                if instr.line in try_lines and instr.line not in seen:
                    loop = unit.hot_loop_of(instr)
                    if loop is not None:
                        seen.add(instr.line)
                        # decided here, not in check: a loop too big to pay is never parsed
                        if iteration_weight(loop) - 2 * block_setups(loop) <= _MAX_WEIGHT:
                            sites.append(Site(unit, instr, loop))
        return SiteIndex(sites)

    # Most `try` statements in loops are not the whole body of the loop, or have a handler
    # that carries on: ``screen`` rules them out on the ``ast`` tree, before libcst.
    screen_types = (ast.Try,)

    def screen(self, node: ast.Try, ctx, evidence: SiteIndex) -> bool:
        """``check``'s shape tests, on ``ast``, each as loose as its libcst twin or looser: the
        `try` (without `else` or `finally`) is the whole body of a loop without `else`, and
        every handler ends by returning, raising or breaking."""
        if node.orelse or node.finalbody or not node.handlers or not ctx.ancestors:
            return False
        loop = ctx.ancestors[-1]
        if not isinstance(loop, (ast.For, ast.AsyncFor, ast.While)) or loop.orelse or loop.body != [node]:
            return False
        return all(handler.body and isinstance(handler.body[-1], (ast.Raise, ast.Return, ast.Break)) for handler in node.handlers)

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if node.orelse is not None or node.finalbody is not None or not node.handlers:
            return
        loops = running_loops(ctx, node)
        if not loops:
            return
        loop = loops[-1][0]
        if not isinstance(loop, (cst.For, cst.While)) or loop.orelse is not None:
            return
        if ctx.parent is not loop.body or len(loop.body.body) != 1:
            return  # the try must be the whole loop body
        if not all(_leaves_loop(handler.body) for handler in node.handlers):
            return
        if not _cheap_calls_only(node.body, ctx):
            return
        depth = sum(levels for _, levels in loops)
        span = ctx.span(node)
        line = span.line
        sites = [
            s for s in evidence.within(span) if s.instr.line == line and s.depth == depth and site_in_scope(s, ctx)
        ]
        if not sites:
            return
        site = sites[0]
        weight = iteration_weight(site.loop) - 2 * block_setups(site.loop)  # without setups and pops
        if weight > _MAX_WEIGHT:
            return
        versions = describe(ctx.file.targets_for(self))
        yield Report(
            node,
            f"`try` inside a small loop: on Python {versions} entering it costs something on every iteration "
            f"(a block setup and pop up to 3.10); every handler leaves the loop, so move the `try` around the loop",
            span=Span(line, span.col, line, span.col + 3),
            evidence=("try entered on every ordinary iteration of the compiled loop", f"iteration weight {weight} (instructions, calls x4)"),
        )


def _leaves_loop(body: cst.BaseSuite) -> bool:
    """Does the handler body end by leaving the loop, with no `continue` inside?"""
    statements = list(getattr(body, "body", ()))
    if not statements or _has_continue(body):
        return False
    last = statements[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return isinstance(last.body[-1], _LEAVES)
    return False


def _has_continue(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.Continue):
        return True
    if isinstance(node, (cst.For, cst.While, cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return False  # a continue there belongs to another loop
    return any(_has_continue(child) for child in children(node))


def _cheap_calls_only(node: cst.CSTNode, ctx: NodeContext) -> bool:
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Name):
            namespace = ctx.file.bytecode.namespace
            if func.value not in _CHEAP_FUNCTIONS or func.value in namespace.bound:
                return False
        elif not (isinstance(func, cst.Attribute) and func.attr.value in _CHEAP_METHODS):
            return False
    return all(_cheap_calls_only(child, ctx) for child in children(node))
