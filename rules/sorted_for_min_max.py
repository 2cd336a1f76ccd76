"""BL307: sorted(x)[0] / sorted(x)[-1] sorts everything to read one end."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.bytecode.operands import call_shape, producer
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, all_sites, is_builtin_load, units_naming
from bytelint.fixfacts import builtin_visible, in_place_of, keeps_comments
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid

_KEYWORDS = frozenset({"key", "reverse"})


class SortedForMinMax(Rule):
    """
    ## What it does
    Flags `sorted(x)[0]` and `sorted(x)[-1]` (with or without `key=` and `reverse=`): a full
    sort whose result is only used to read its smallest or largest item.

    ## Why is this bad?
    `sorted()` copies the input into a new list and sorts it: O(n log n) time and O(n) extra
    memory. `min()` and `max()` make one pass with no copy. On 1,000 random floats the
    `min()`/`max()` form is 2.3-3.7x faster on every version from 3.9 to 3.13, and the gap
    grows with the input (`benchmarks/rules/sorted_for_min_max.py`):

    | case | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `sorted(xs)[0]`, 1,000 items | 2.88x | 2.88x | 3.68x | 2.88x | 2.34x |
    | `sorted(xs, key=abs)[-1]`, 1,000 items | 2.73x | 2.93x | 3.13x | 2.55x | 2.09x |
    | `sorted(xs)[0]`, 10 items | 1.06x | 1.07x | 0.96x | 0.95x | 1.19x |

    For tiny inputs the two are about equal; the rule still reports them, since the sort is
    never faster and its cost is unbounded. The bytecode confirms that the called `sorted` is
    the builtin (not a local or module-level function of that name) and that the index is the
    constant `0` or `-1`.

    ## Example
    ```python
    def cheapest(offers):
        return sorted(offers, key=lambda o: o.price)[0]
    ```

    ## Use instead
    ```python
    def cheapest(offers):
        return min(offers, key=lambda o: o.price)
    ```

    ## Fix safety
    The fix calls `min()` or `max()` with the same argument and `key=`, dropping `reverse=`
    (which decides between the two); it is offered only where `min` / `max` is the builtin
    (not bound in the module or an enclosing scope). It is **unsafe** (applied with
    `--unsafe-fixes`), because the two differ in corner cases: when several items tie,
    `sorted(x)[-1]` returns the *last* of the largest items while `max(x)` returns the
    *first* (likewise `sorted(x, reverse=True)[-1]` versus `min(x)`); with a `key=` or with
    objects that compare equal without being identical this can be a different object. On an
    empty input `sorted(x)[0]` raises `IndexError` and `min(x)` raises `ValueError`. The sort
    compares with `<` only, `max()` with `>`, so objects whose comparisons disagree (or only
    partial orders, such as sets or NaNs) can give other results.

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: 1 finding (`unittest/loader.py`,
    `sorted(kws)[0]`), a true positive. On the third-party packages of a 3.11 virtualenv (pip,
    setuptools, hypothesis, pygments, libcst, click, attrs, pytest and others): 3 findings, 3
    true positives (two `sorted(..., reverse=True)[0]`, one `sorted(...)[-1]`). 4 of 4 overall.

    ## References
    - [Python docs: `min()`](https://docs.python.org/3/library/functions.html#min)
    - [refurb FURB192 / ruff `sorted-min-max`](https://docs.astral.sh/ruff/rules/sorted-min-max/)
    """

    code = "BL307"
    name = "sorted-for-min-max"
    summary = "sorted(x)[0] / sorted(x)[-1] sorts everything to read one item: use min()/max()"
    versions = ">=3.9"
    node_types = (cst.Subscript,)
    fixable = "unsafe"
    requires_names = frozenset({"sorted"})

    VALID = (
        Valid("def f(xs):\n    return min(xs)\n"),
        Valid("def f(xs):\n    return sorted(xs)[1]\n"),
        Valid("def f(xs):\n    return sorted(xs)[:3]\n"),
        Valid("def sorted(xs):\n    return list(xs)\n\ndef f(xs):\n    return sorted(xs)[0]\n"),
        Valid("def f(xs, sorted):\n    return sorted(xs)[0]\n"),
        Valid("def f(xs, rev):\n    return sorted(xs, reverse=rev)[0]\n"),
        Valid("def f(xs, i):\n    return sorted(xs)[i]\n"),
    )
    INVALID = (
        Invalid("def f(xs):\n    return sorted(xs)[0]\n", count=1, message="min(xs)", fixed="def f(xs):\n    return min(xs)\n"),
        Invalid("def f(xs):\n    return sorted(xs)[-1]\n", count=1, message="max(xs)", fixed="def f(xs):\n    return max(xs)\n"),
        Invalid(
            "def f(xs):\n    return sorted(xs, key=len)[-1]\n",
            count=1,
            message="max(xs, key=len)",
            fixed="def f(xs):\n    return max(xs, key=len)\n",
        ),
        Invalid(
            "def f(xs):\n    return sorted(xs, reverse=True)[0]\n",
            count=1,
            message="max(xs)",
            fixed="def f(xs):\n    return max(xs)\n",
        ),
        Invalid(
            "def f(xs):\n    return sorted(xs, reverse=True, key=abs)[-1]\n",
            count=1,
            message="min(xs, key=abs)",
            fixed="def f(xs):\n    return min(xs, key=abs)\n",
        ),
        Invalid("best = sorted([3, 1, 2])[0]\n", count=1, message="min(", fixed="best = min([3, 1, 2])\n"),
        Invalid("def f(xs, min):\n    return sorted(xs)[0] + min\n", count=1, message="min(xs)"),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        versions = file.targets_for(self)

        def is_sorted_end(unit, instr) -> bool:
            index = producer(instr, 0)
            if index is None or index.kind is not Kind.CONST_LOAD or type(index.argval) is not int:
                return False
            if index.argval not in (0, -1):
                return False
            call = producer(instr, 1)
            shape = call_shape(call) if call is not None else None
            return (
                shape is not None
                and not shape.star
                and len(shape.positional) == 1
                and set(shape.keywords) <= _KEYWORDS
                and is_builtin_load(file, shape.callee, ("sorted",), versions)
            )

        return SiteIndex(all_sites(units_naming(file.bytecode.units, self.requires_names), (Kind.SUBSCR_LOAD,), is_sorted_end))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        call = node.value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "sorted"):
            return
        end = _constant_index(node)
        if end is None:
            return
        reverse = False
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "reverse":
                if not isinstance(arg.value, cst.Name) or arg.value.value not in ("True", "False"):
                    return
                reverse = arg.value.value == "True"
        sites = evidence.within(ctx.span(node))
        if not sites:
            return
        wants_max = (end == -1) != reverse
        func = "max" if wants_max else "min"
        kept = [a for a in call.args if a.keyword is None or a.keyword.value != "reverse"]
        args = ", ".join(_code(ctx, a.value) if a.keyword is None else f"{a.keyword.value}={_code(ctx, a.value)}" for a in kept)
        which = "largest" if wants_max else "smallest"
        yield Report(
            node,
            f"sorts the whole input (O(n log n), plus a copy) only to read its {which} item; "
            f"`{func}({args})` finds it in one pass",
            evidence=_describe(sites[0]),
            fix=_fix(node, func, ctx),
        )


def _fix(node: cst.Subscript, func: str, ctx: NodeContext) -> Optional[FixSpec]:
    """`sorted(x, key=k, reverse=r)[0 or -1]` -> `min(x, key=k)` or `max(x, key=k)`; unsafe
    (ties, empty input: see the docs)."""
    if not builtin_visible(ctx, func):
        return None  # `min` / `max` here is not (certainly) the builtin
    call = node.value
    args = list(call.args)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == "reverse":
            if i == len(args) - 1 and i > 0:
                args[i - 1] = args[i - 1].with_changes(comma=arg.comma)
            del args[i]
            break
    new = call.with_changes(func=cst.Name(func), args=args)
    if node.lpar:
        new = new.with_changes(lpar=node.lpar, rpar=node.rpar)
    new = in_place_of(ctx, node, new)
    if not keeps_comments(node, new):
        return None
    return FixSpec({node: new}, safe=False, description=f"use {func}()")


def _constant_index(node: cst.Subscript) -> Optional[int]:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = node.slice[0].slice.value
    if isinstance(value, cst.Integer) and value.value == "0":
        return 0
    if (
        isinstance(value, cst.UnaryOperation)
        and isinstance(value.operator, cst.Minus)
        and isinstance(value.expression, cst.Integer)
        and value.expression.value == "1"
    ):
        return -1
    return None


def _code(ctx: NodeContext, node: cst.CSTNode) -> str:
    text = cst.Module(body=()).code_for_node(node)
    return text if len(text) <= 40 and "\n" not in text else "..."


def _describe(site: Site):
    return (f"builtin sorted() called, then item {producer(site.instr, 0).argval} read ({site.instr.opname})",)
