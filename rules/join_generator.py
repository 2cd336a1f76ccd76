"""BL309: `sep.join(<generator expression>)`: join materialises it anyway; a list is faster."""

from __future__ import annotations

from typing import Iterable

import libcst as cst
from packaging.specifiers import SpecifierSet

from bytelint.bytecode import Kind, ScopeKind
from bytelint.bytecode.operands import call_shape, callee_code_unit
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, all_sites
from bytelint.rule import Invalid, Report, Rule, Valid
from bytelint.versions import describe


# Target versions where the list form is >= 5% faster even when each item costs a call
# (`str(x)` per item: 1.00x on 3.9, 1.08-1.16x from 3.10); without calls: every version.
_WITH_CALLS = SpecifierSet(">=3.10")


class JoinGenerator(Rule):
    """
    ## What it does
    Flags `sep.join(x for x in ...)`: a generator expression passed to `str.join` (or
    `bytes.join`).

    ## Why is this bad?
    `join` needs the total length before it copies anything, so it first turns any argument
    that is not a list or tuple into a list. A generator therefore saves no memory here, and
    producing each item costs a generator resume on top of the list append. A list
    comprehension builds the same list directly. Measured on every version
    (`benchmarks/rules/join_generator.py`, paired medians):

    | items, per-item work | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | 1,000, filter only | 1.36x | 1.46x | 1.54x | 1.68x | 1.53x |
    | 10, filter only | 1.41x | 1.43x | 1.53x | 1.93x | 2.02x |
    | 1,000, `s.strip()` | 1.15x | 1.16x | 1.26x | 1.35x | 1.29x |
    | 1,000, f-string | 1.07x | 1.08x | 1.11x | 1.10x | 1.10x |
    | 1,000, `str(x)` | 1.00x | 1.08x | 1.15x | 1.16x | 1.14x |

    On 3.9 a costly call per item (the last row) can hide the difference, so for 3.9 the
    rule reports only generators whose compiled loop makes no call; from 3.10 every
    generator expression passed to `join` (the message names the versions when that is not
    all your targets). The bytecode confirms that the argument is a generator expression
    created and called in place and that the method called on it is `join`.

    ## Example
    ```python
    def render(cells):
        return " | ".join(c.strip() for c in cells)
    ```

    ## Use instead
    ```python
    def render(cells):
        return " | ".join([c.strip() for c in cells])
    ```

    ## Fix safety
    No automatic fix yet. The rewrite is equivalent for `str.join` and `bytes.join`, which
    consume the whole argument before joining. A `join` method of another type (a path
    library's `join`, say) might consume items lazily; bytelint cannot see the receiver's
    type.

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: 103 findings; on the third-party packages of
    a 3.11 virtualenv (pip, setuptools, hypothesis, pygments, libcst, click, attrs, pytest and
    others): 290. Read: 11 spread over the first corpus, all true positives; and for all 393 the
    receiver was checked: every one is a string separator (a literal, or a name such as
    `COMMASPACE`, `sep`, `pathsep`), so `join` is `str.join` (or `bytes.join`) and materialises
    its argument. 393 of 393.

    ## References
    - [CPython `PyUnicode_Join` (calls `PySequence_Fast` on its argument)](https://github.com/python/cpython/blob/main/Objects/unicodeobject.c)
    - [ruff #3259 / #10838: list comprehensions are faster than generators in `sum`/`min`/`max` on 3.12](https://github.com/astral-sh/ruff/issues/3259)
    """

    code = "BL309"
    name = "join-generator"
    summary = "str.join(generator) builds a list anyway: pass a list comprehension"
    versions = ">=3.9"
    node_types = (cst.Call,)

    VALID = (
        Valid("def f(xs):\n    return ','.join([str(x) for x in xs])\n"),
        Valid("def f(xs):\n    return ','.join(xs)\n"),
        Valid("def f(xs):\n    return ','.join(map(str, xs))\n"),
        Valid("def f(xs):\n    return sum(x for x in xs)\n"),
        Valid("def f(xs):\n    return ','.join(str(x) for x in xs)\n", target="<3.10"),
    )
    INVALID = (
        Invalid("def f(xs):\n    return ','.join(str(x) for x in xs)\n", target="py310", count=1, message="join(["),
        Invalid("def f(xs):\n    return ''.join(x for x in xs if x)\n", count=1),
        Invalid("def f(xs):\n    return b''.join(x[:2] for x in xs)\n", count=1),
        Invalid("def f(xs):\n    return ','.join(str(x) for x in xs)\n", target="py39", count=1, message="on Python 3.10-3.13"),
        Invalid("SEP = ', '\n\nLINE = SEP.join(f'{i}' for i in range(3))\n", count=1),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        def joins_generator(unit, instr) -> bool:
            return _generator_unit(instr) is not None

        return SiteIndex(
            Site(site.unit, site.instr, site.loop, _calls_per_item(_generator_unit(site.instr)))
            for site in all_sites(file.bytecode.units, (Kind.CALL,), joins_generator)
        )

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "join":
            return
        if len(node.args) != 1 or node.args[0].keyword or node.args[0].star or not isinstance(node.args[0].value, cst.GeneratorExp):
            return
        sites = [s for s in evidence.within(ctx.span(node)) if _same_call(s, node, ctx)]
        if not sites:
            return
        calls = sites[0].extra
        targets = ctx.file.targets_for(self)
        pays = tuple(v for v in targets if not calls or _WITH_CALLS.contains(f"{v[0]}.{v[1]}"))
        if not pays:
            return
        where = "" if pays == targets else f" (measurable on Python {describe(pays)})"
        sep = cst.Module(body=()).code_for_node(func.value)
        if len(sep) > 12:
            sep = "sep"
        yield Report(
            node.args[0].value,
            f"`join()` turns the generator into a list before joining anyway; a list comprehension "
            f"builds that list without resuming a generator per item: `{sep}.join([...])`{where}",
            evidence=(
                "join() called on the result of a generator expression",
                f"the generator's loop makes {calls} call{'s' if calls != 1 else ''} per item",
            ),
        )


def _generator_unit(call):
    """For `x.join(<genexpr>)`: the generator expression's code unit, else None."""
    shape = call_shape(call)
    if shape is None or shape.star or shape.keywords or len(shape.positional) != 1:
        return None
    if shape.callee is None or shape.callee.kind not in (Kind.ATTR_LOAD, Kind.METHOD_LOAD) or shape.callee.name != "join":
        return None
    argument = shape.positional[0]
    if argument is None or argument.kind is not Kind.CALL:
        return None
    inner = call_shape(argument)
    if inner is None or inner.callee is None:
        return None
    unit = callee_code_unit(inner.callee)
    return unit if unit is not None and unit.kind is ScopeKind.GENEXPR else None


def _calls_per_item(unit) -> int:
    return sum(1 for loop in unit.loops for i in loop.hot_instrs() if i.kind is Kind.CALL)


def _same_call(site, node: cst.Call, ctx: NodeContext) -> bool:
    span = site.instr.span
    if span is None:
        return True
    node_span = ctx.span(node)
    return (span[0], span[1], span[2], span[3]) == (node_span.line, node_span.col, node_span.end_line, node_span.end_col)
