"""BL308: sum(lists, []) concatenates by copying the growing result for every element."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import Kind, ScopeKind
from bytelint.bytecode.operands import call_shape
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, all_sites, is_builtin_load, units_naming
from bytelint.fixfacts import builtin_visible, function_scope_of, importable, keeps_comments, owner_unit, statement_of, with_import
from bytelint.results import Span
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid


class SumOfLists(Rule):
    """
    ## What it does
    Flags `sum(items, [])` and `sum(items, ())`: flattening a sequence of lists (or tuples)
    by adding them up.

    ## Why is this bad?
    `sum()` adds the items one at a time with `+`, and `[] + a` makes a new list: every step
    copies everything gathered so far, so flattening n lists costs time quadratic in the
    result's length. `list(itertools.chain.from_iterable(items))` (or a nested comprehension)
    copies each element once. Flattening 1,000 lists of 10 items is 65-113x faster that way,
    and doubling the number of lists doubles the ratio
    (`benchmarks/rules/sum_of_lists.py`):

    | lists of 10 | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | 500 | 52.0x | 51.5x | 49.7x | 33.8x | 31.6x |
    | 1,000 | 109.1x | 112.9x | 105.9x | 67.5x | 65.5x |
    | 5 | 0.52x | 0.59x | 0.55x | 0.61x | 0.55x |

    For a handful of short lists `sum()` is quicker (the last row), but its cost has no
    bound, so the rule reports every use. The bytecode confirms that `sum` is the builtin and
    that the start value is a freshly built empty list or the empty tuple.

    ## Example
    ```python
    def flatten(groups):
        return sum(groups, [])
    ```

    ## Use instead
    ```python
    import itertools


    def flatten(groups):
        return list(itertools.chain.from_iterable(groups))
    ```

    ## Fix safety
    The fix writes `list(itertools.chain.from_iterable(items))` (`tuple(...)` for a `()`
    start), importing `itertools` where the module does not: at the top of the function, or
    right before the statement at module level. It is **unsafe** (applied with
    `--unsafe-fixes`): the two are equivalent only when the items are lists (tuples for
    `sum(items, ())`). `sum()` raises `TypeError` for any other item (`[] + (1,)`) and calls
    the `__add__` or `__radd__` of custom types, where `chain` iterates whatever it is given;
    and `list` or `tuple` could be rebound at run time.

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: 3 findings
    (`email/_header_value_parser.py`), 3 true positives. On the third-party packages of a 3.11
    virtualenv (pip, setuptools, hypothesis, pygments, libcst, click, attrs, pytest and others):
    3 findings (two `sum(..., ())` over tuples of tuples, one `sum(..., start=[])`), 3 true
    positives. 6 of 6 overall.

    ## References
    - [Python docs: `sum()`](https://docs.python.org/3/library/functions.html#sum) ("To concatenate a series of iterables, consider using itertools.chain()")
    - [ruff RUF017 quadratic-list-summation](https://docs.astral.sh/ruff/rules/quadratic-list-summation/)
    """

    code = "BL308"
    name = "sum-of-lists"
    summary = "sum(lists, []) copies the growing result for every list (quadratic)"
    versions = ">=3.9"
    node_types = (cst.Call,)
    fixable = "unsafe"
    requires_names = frozenset({"sum"})

    VALID = (
        Valid("def f(xs):\n    return sum(xs)\n"),
        Valid("def f(xs):\n    return sum(xs, 0.0)\n"),
        Valid("def f(xs, start):\n    return sum(xs, start)\n"),
        Valid("def sum(xs, start):\n    return start\n\ndef f(xs):\n    return sum(xs, [])\n"),
        Valid("import itertools\n\ndef f(xs):\n    return list(itertools.chain.from_iterable(xs))\n"),
    )
    INVALID = (
        Invalid(
            "def f(xs):\n    return sum(xs, [])\n",
            count=1,
            message="itertools.chain",
            fixed="def f(xs):\n    import itertools\n    return list(itertools.chain.from_iterable(xs))\n",
        ),
        Invalid(
            "import itertools\n\n\ndef f(xs):\n    return sum(xs, ())\n",
            count=1,
            message="tuple(itertools.chain",
            fixed="import itertools\n\n\ndef f(xs):\n    return tuple(itertools.chain.from_iterable(xs))\n",
        ),
        Invalid(
            "def f(rows):\n    \"\"\"All cells.\"\"\"\n    return sum([r.cells for r in rows], [])\n",
            count=1,
            fixed="def f(rows):\n    \"\"\"All cells.\"\"\"\n    import itertools\n    return list(itertools.chain.from_iterable([r.cells for r in rows]))\n",
        ),
        Invalid(
            "def f(xs, ys):\n    return sum(xs, start=[]) + sum(ys, [])\n",
            count=2,
            fixed="def f(xs, ys):\n    import itertools\n    return list(itertools.chain.from_iterable(xs)) + list(itertools.chain.from_iterable(ys))\n",
        ),
        Invalid(
            "ALL = sum([[1], [2, 3]], [])\nMORE = sum([[4]], [])\n",
            count=2,
            fixed="import itertools\nALL = list(itertools.chain.from_iterable([[1], [2, 3]]))\nMORE = list(itertools.chain.from_iterable([[4]]))\n",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        versions = file.targets_for(self)

        def is_sum_of_sequences(unit, instr) -> bool:
            shape = call_shape(instr)
            if shape is None or shape.star or not is_builtin_load(file, shape.callee, ("sum",), versions):
                return False
            if len(shape.positional) == 2 and not shape.keywords:
                start = shape.positional[1]
            elif len(shape.positional) == 1 and shape.keywords == ("start",):
                start = shape.keyword("start")
            else:
                return False
            return _empty_sequence(start) is not None

        return SiteIndex(all_sites(units_naming(file.bytecode.units, self.requires_names), (Kind.CALL,), is_sum_of_sequences))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if not (isinstance(node.func, cst.Name) and node.func.value == "sum"):
            return
        sites = [s for s in evidence.within(ctx.span(node)) if _same_call(s, node, ctx)]
        if not sites:
            return
        start = node.args[1].value if len(node.args) == 2 else node.args[0].value
        kind = "tuple" if isinstance(start, cst.Tuple) else "list"
        items = cst.Module(body=()).code_for_node(node.args[0].value)
        if len(items) > 30 or "\n" in items:
            items = "..."
        fix = f"{kind}(itertools.chain.from_iterable({items}))"
        yield Report(
            node,
            f"sum() of {kind}s copies the growing result for every {kind} it adds (quadratic in the "
            f"total length); use `{fix}`",
            evidence=(f"builtin sum() called with an empty {_empty_sequence(_start_of(sites[0]))} as the start value",),
            fix=_fix(node, kind, ctx, _module_site_before(sites[0], evidence)),
        )


def _module_site_before(site: Site, evidence: SiteIndex) -> bool:
    """Is there another module-level finding before this one (or on its line)? Only the first
    one's fix may add `import itertools` at module level (two fixes of one round would add it
    twice); the next round's fixes find the import and reuse it."""
    if owner_unit(site.unit).kind is not ScopeKind.MODULE:
        return False
    line = site.instr.line
    return any(
        other is not site and owner_unit(other.unit).kind is ScopeKind.MODULE
        for other in evidence.within(Span(1, 0, line, 1 << 30))
    )


def _fix(call: cst.Call, kind: str, ctx: NodeContext, not_first: bool) -> Optional[FixSpec]:
    """`sum(xs, [])` -> `list(itertools.chain.from_iterable(xs))` (`tuple(...)` for `()`),
    importing itertools when the module does not; unsafe (the items need not be lists: see
    the docs)."""
    statement = statement_of(ctx)
    scope = function_scope_of(ctx)
    if statement is None or scope is None or not builtin_visible(ctx, kind):
        return None
    found = importable(ctx, scope, "itertools", "chain", prefer_module=True)
    if found is None:
        return None
    chain, imports = found
    if imports is not None and not_first and isinstance(scope, cst.Module):
        return None
    items = call.args[0].value
    if isinstance(items, cst.GeneratorExp):
        items = items.with_changes(lpar=(), rpar=())  # the sole argument: no parentheses needed
    flattened = cst.Call(func=cst.parse_expression(f"{chain}.from_iterable"), args=[cst.Arg(items)])
    new = call.with_changes(func=cst.Name(kind), args=[cst.Arg(flattened)])
    if not keeps_comments(call, new):
        return None
    replacements = with_import(scope, statement, {call: new}, imports)
    if not replacements:
        return None
    return FixSpec(replacements, safe=False, description=f"use {kind}(itertools.chain.from_iterable(...))")


def _empty_sequence(instr) -> Optional[str]:
    if instr is None:
        return None
    if instr.kind is Kind.BUILD and instr.op == "list" and instr.argval == 0:
        return "list"
    if instr.kind is Kind.CONST_LOAD and instr.argval == () and type(instr.argval) is tuple:
        return "tuple"
    return None


def _start_of(site):
    shape = call_shape(site.instr)
    return shape.positional[1] if len(shape.positional) == 2 else shape.keyword("start")


def _same_call(site, node: cst.Call, ctx: NodeContext) -> bool:
    """On 3.9/3.10 sites match by line: make sure the site's call is this one (same start)."""
    span = site.instr.span
    if span is None:
        return True
    node_span = ctx.span(node)
    return (span[0], span[1]) == (node_span.line, node_span.col)
