"""BL309: `sep.join(<generator expression>)`: join materialises it anyway; a list is faster."""

from __future__ import annotations

from typing import Dict, Iterable, Optional

import libcst as cst
from packaging.specifiers import SpecifierSet

from bytelint.bytecode import Kind, NameClass, ScopeKind
from bytelint.bytecode.operands import call_shape, callee_code_unit
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, all_sites, units_naming
from bytelint.fixfacts import comprehensions_inlined, keeps_comments, renumbers_code_objects
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid
from bytelint.versions import describe

_CALLS = frozenset({Kind.CALL})


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
    The fix puts the generator expression in brackets: `sep.join([x for x in xs])`. For
    `str.join` and `bytes.join` that is the same computation: they turn their argument into a
    list before looking at any item, so the items are computed in the same order, with the
    same side effects and exceptions, before anything is joined, with one exception: a
    `StopIteration` raised while computing an item (a `next()` call, say) becomes a
    `RuntimeError` in a generator (PEP 479) but leaves a list comprehension as it is, and a
    loop calling the code would then silently stop. The fix is **safe** when the separator is
    a string or bytes literal (then `join` is certainly `str.join` or `bytes.join`) and the
    generator's compiled code calls nothing but builtins that convert or measure one value
    (`str`, `repr`, `format`, `int`, `len`, ...); it is **unsafe** (applied with
    `--unsafe-fixes`) otherwise: a `join` method of another type (a path library's `join`,
    say) might consume items lazily, a method or function called per item may raise
    `StopIteration`, and bytelint cannot see the receiver's type or what a call raises. A generator with `await` or `async for` is left alone
    (it is an asynchronous generator, which `join` rejects). When the fix runs on Python
    3.12+, where list comprehensions are inlined into the function, it is not offered for a
    generator that reads the function's local variables: they would stop being closure
    cells, so code outside the edited line compiles differently and the fixer's proofs
    reject the fix (run the fix under 3.9-3.11 for those). Since the proofs tell a
    function's nested code objects apart by name and order, the fix is not offered either
    where it would renumber them: when another generator expression (or, before 3.12, a list
    comprehension) comes later in the same function.

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
    statement_local = True  # the call, the generator's bytecode
    name = "join-generator"
    summary = "str.join(generator) builds a list anyway: pass a list comprehension"
    versions = ">=3.9"
    node_types = (cst.Call,)
    fixable = "safe or unsafe"
    requires_names = frozenset({"join"})

    VALID = (
        Valid("def f(xs):\n    return ','.join([str(x) for x in xs])\n"),
        Valid("def f(xs):\n    return ','.join(xs)\n"),
        Valid("def f(xs):\n    return ','.join(map(str, xs))\n"),
        Valid("def f(xs):\n    return sum(x for x in xs)\n"),
        Valid("def f(xs):\n    return ','.join(str(x) for x in xs)\n", target="<3.10"),
    )
    INVALID = (
        Invalid(
            "def f(xs):\n    return ','.join(str(x) for x in xs)\n",
            target="py310",
            count=1,
            message="join([",
            fixed="def f(xs):\n    return ','.join([str(x) for x in xs])\n",
        ),
        Invalid(
            "def f(xs):\n    return ''.join(x for x in xs if x)\n",
            count=1,
            fixed="def f(xs):\n    return ''.join([x for x in xs if x])\n",
        ),
        Invalid(
            "def f(xs):\n    return b''.join(x[:2] for x in xs)\n",
            count=1,
            fixed="def f(xs):\n    return b''.join([x[:2] for x in xs])\n",
        ),
        Invalid(
            "def f(xs):\n    return ','.join(str(x) for x in xs)\n",
            target="py39",
            count=1,
            message="on Python 3.10-3.13",
            fixed="def f(xs):\n    return ','.join([str(x) for x in xs])\n",
        ),
        Invalid(
            "SEP = ', '\n\nLINE = SEP.join(f'{i}' for i in range(3))\n",
            count=1,
            fixed="SEP = ', '\n\nLINE = SEP.join([f'{i}' for i in range(3)])\n",
        ),
        Invalid(
            "def f(rows):\n    return '\\n'.join((\n        row.strip()  # one per line\n        for row in rows\n    ))\n",
            count=1,
            fixed="def f(rows):\n    return '\\n'.join([\n        row.strip()  # one per line\n        for row in rows\n    ])\n",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        makes_generator: Dict[int, bool] = {}  # the generator's code object is a constant of the calling unit

        def joins_generator(unit, instr) -> bool:
            if instr.argval != 1:
                return False  # `sep.join(...)` takes one argument: no stack walk for other calls
            found = makes_generator.get(id(unit))
            if found is None:
                found = makes_generator[id(unit)] = any(child.kind is ScopeKind.GENEXPR for child in unit.children)
            return found and _generator_unit(instr) is not None

        # the generator is a code object of the calling unit: units making none are not decoded
        units = [u for u in units_naming(file.bytecode.units, self.requires_names) if any(c.kind is ScopeKind.GENEXPR for c in u.children)]
        return SiteIndex(
            Site(site.unit, site.instr, site.loop, _calls_per_item(_generator_unit(site.instr)))
            for site in all_sites(units, (Kind.CALL,), joins_generator)
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
        if len(sep) > 12 or "\n" in sep:
            sep = "sep"
        yield Report(
            node.args[0].value,
            f"`join()` turns the generator into a list before joining anyway; a list comprehension "
            f"builds that list without resuming a generator per item: `{sep}.join([...])`{where}",
            evidence=(
                "join() called on the result of a generator expression",
                f"the generator's loop makes {calls} call{'s' if calls != 1 else ''} per item",
            ),
            fix=_fix(node, _generator_unit(sites[0].instr), ctx.file.config.target_versions),
        )


_STRING_LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


class _Suspends(cst.CSTVisitor):
    found = False

    def visit_Await(self, node: cst.Await) -> None:
        self.found = True

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None:
            self.found = True


# Builtins that convert or measure one value: they run no code that could raise StopIteration
# (short of a dunder method doing so, which bytelint does not consider).
_CONVERTERS = frozenset({"str", "repr", "ascii", "format", "int", "float", "bool", "hex", "oct", "bin", "chr", "ord", "len", "abs", "round"})


def _may_raise_stop_iteration(unit, targets) -> bool:
    """Does the generator call anything but a converting builtin (a ``next()``, a method, a
    function of the module, any of which may raise StopIteration)?"""
    namespace = unit.module.namespace
    for instr in unit.instrs_of(_CALLS):
        shape = call_shape(instr)
        callee = shape.callee if shape is not None else None
        if callee is None or callee.kind not in (Kind.GLOBAL_LOAD, Kind.NAME_LOAD) or callee.name not in _CONVERTERS:
            return True
        if any(namespace.classify(callee.name, v) is not NameClass.BUILTIN for v in targets):
            return True
    return False


def _fix(call: cst.Call, unit, targets=()) -> Optional[FixSpec]:
    """`sep.join(<genexpr>)` -> `sep.join([<list comprehension>])`: safe when `sep` is a string
    literal (so `join` is str.join or bytes.join), unsafe otherwise."""
    inlined = comprehensions_inlined()
    if unit is None or (unit.code.co_freevars and inlined):
        return None  # the function's variables it reads would stop being cells (see the docs)
    position = unit.parent.children.index(unit) + 1 if unit.parent is not None else 0
    if renumbers_code_objects(unit.parent, position, {"<genexpr>"} if inlined else {"<genexpr>", "<listcomp>"}):
        return None
    generator = call.args[0].value
    suspends = _Suspends()
    generator.visit(suspends)
    if suspends.found:
        return None  # an asynchronous generator: join() rejects it, a comprehension would await
    comprehension = cst.ListComp(elt=generator.elt, for_in=generator.for_in)
    if generator.lpar:  # `join((\n    x\n    for x in xs\n))`: the brackets take the parentheses' place
        comprehension = comprehension.with_changes(
            lbracket=cst.LeftSquareBracket(whitespace_after=generator.lpar[0].whitespace_after),
            rbracket=cst.RightSquareBracket(whitespace_before=generator.rpar[-1].whitespace_before),
        )
    if not keeps_comments(generator, comprehension):
        return None
    # A call in the generator could raise StopIteration: a generator turns it into RuntimeError
    # (PEP 479), a list comprehension lets it out, and a caller's loop would just stop.
    safe = isinstance(call.func.value, _STRING_LITERALS) and not _may_raise_stop_iteration(unit, targets)
    return FixSpec({generator: comprehension}, safe=safe, description="pass a list comprehension")


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
