"""BL204: `bin(n).count("1")` where `int.bit_count()` (3.10+) counts the bits directly."""

from __future__ import annotations

from typing import Iterable, List, Optional

import libcst as cst

from bytelint.bytecode import Kind, NameClass
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, function_scope, scope_matches, scope_span, units_naming
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid

_NAME_LOADS = (Kind.GLOBAL_LOAD, Kind.NAME_LOAD)


class BinCountOnes(Rule):
    """
    ## What it does
    Flags `bin(n).count("1")` (also `bin(n)[2:].count("1")`), the population count of an
    integer computed through its binary text, when the code targets Python 3.10 or newer.

    ## Why is this bad?
    `bin(n)` builds a string of up to one character per bit, then `.count("1")` scans it.
    `int.bit_count()`, new in Python 3.10, counts the one bits on the integer's internal
    digits without building anything (`benchmarks/rules/bin_count_ones.py`, paired-median
    ratios; 3.9 has no `bit_count`, its column compares the slow form with itself):

    | values | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | 32-bit | 1.00x | 8.60x | 12.82x | 15.37x | 12.36x |
    | 8-bit | 1.00x | 3.87x | 5.22x | 5.01x | 3.06x |

    Both count the bits of the absolute
    value, so negative numbers give the same answer. The method does not exist on 3.9, so the
    rule applies only when every target version has it (`target-version = "py310"` or later).

    The bytecode confirms that `bin` is the builtin (not a local or a module-level name) and
    that the counted string is the constant `"1"`.

    ## Example
    ```python
    def weight(mask):
        return bin(mask).count("1")
    ```

    ## Use instead
    ```python
    def weight(mask):
        return mask.bit_count()
    ```

    ## Fix safety
    The fix writes `n.bit_count()` (parenthesised where `n` needs it: `(a + b).bit_count()`),
    for `bin(n).count("1")` and `bin(n)[2:].count("1")` (slicing off the `0b`, or the `-0`
    of a negative number, drops no one bit); another slice is left alone. It is **unsafe**
    (applied with `--unsafe-fixes`): `bin()` accepts any object with `__index__`, and only an
    `int` has `bit_count()`; for such an object `operator.index(n).bit_count()` is the
    equivalent.

    ## References
    - [Python docs: int.bit_count](https://docs.python.org/3/library/stdtypes.html#int.bit_count)
    - [ruff FURB161 bit-count](https://docs.astral.sh/ruff/rules/bit-count/)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded) with `--target-version py310`: **no findings** (none of them
    computes a population count this way; `grep` finds no `bin(...).count(` either). The
    INVALID examples are the shapes it reports.
    """

    code = "BL204"
    statement_local = True  # the call and the bytecode
    name = "bin-count-ones"
    summary = "bin(n).count('1') instead of int.bit_count() (Python 3.10+)"
    versions = ">=3.10"
    node_types = (cst.Call,)
    requires_names = frozenset({"count"})
    fixable = "unsafe"

    VALID = (
        Valid("def f(n):\n    return n.bit_count()\n", target="py310"),
        Valid("def f(n):\n    return bin(n).count('0')\n", target="py310"),
        Valid("def f(n):\n    return bin(n).count('1')\n", target="py39"),
        Valid("def bin(n):\n    return str(n)\n\ndef f(n):\n    return bin(n).count('1')\n", target="py310"),
        Valid("def f(n, s):\n    return s.count('1') + len(bin(n))\n", target="py310"),
        Valid("def f(n):\n    return bin(n)[3:].count('1')\n", target="py310"),
    )
    INVALID = (
        Invalid(
            "def f(n):\n    return bin(n).count('1')\n",
            target="py310",
            count=1,
            message="bit_count()",
            fixed="def f(n):\n    return n.bit_count()\n",
        ),
        Invalid(
            "def f(xs):\n    return [bin(x)[2:].count(\"1\") for x in xs]\n",
            target="py311",
            count=1,
            fixed="def f(xs):\n    return [x.bit_count() for x in xs]\n",
        ),
        Invalid(
            "total = sum(bin(v).count('1') for v in range(256))\n",
            target="py312",
            count=1,
            message="`v.bit_count()`",
            fixed="total = sum(v.bit_count() for v in range(256))\n",
        ),
        Invalid(
            "def f(a, b):\n    return bin(a ^ b).count('1')\n",
            target="py310",
            count=1,
            fixed="def f(a, b):\n    return (a ^ b).bit_count()\n",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        if file.targets_for(self) != tuple(file.config.target_versions):
            return SiteIndex(())  # some target lacks int.bit_count (3.9)
        namespace = file.bytecode.namespace
        if not all(namespace.classify("bin", v) is NameClass.BUILTIN for v in file.targets_for(self)):
            return SiteIndex(())
        sites: List[Site] = []
        for unit in units_naming(file.bytecode.units, self.requires_names):
            instrs = unit.match_instrs
            if not any(i.kind in _NAME_LOADS and i.name == "bin" for i in instrs):
                continue
            for k in range(len(instrs) - 1):
                instr = instrs[k]
                if instr.kind in (Kind.ATTR_LOAD, Kind.METHOD_LOAD) and instr.name == "count":
                    arg = instrs[k + 1]
                    if arg.kind is Kind.CONST_LOAD and arg.argval == "1":
                        sites.append(Site(unit, instr, unit.hot_loop_of(instr)))
        return SiteIndex(sites)

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "count" and len(node.args) == 1):
            return
        arg = node.args[0]
        if arg.keyword is not None or not isinstance(arg.value, cst.SimpleString) or arg.value.value not in ("'1'", '"1"'):
            return
        inner = func.value
        if isinstance(inner, cst.Subscript):
            if not _drops_prefix_only(inner):
                return  # another slice drops digits: not the same count
            inner = inner.value
        if not (
            isinstance(inner, cst.Call)
            and isinstance(inner.func, cst.Name)
            and inner.func.value == "bin"
            and len(inner.args) == 1
            and inner.args[0].keyword is None
            and not inner.args[0].star
        ):
            return
        scope, _ = function_scope(ctx)
        span = scope_span(ctx, scope)
        sites = [s for s in evidence.within(ctx.span(func)) if scope_matches(s.owner, scope, span)]
        if not sites:
            return
        operand = cst.Module(body=()).code_for_node(inner.args[0].value)
        if not isinstance(inner.args[0].value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)):
            operand = f"({operand})"
        yield Report(
            node,
            f"`bin(...).count('1')` builds the number's binary text to count its one bits; "
            f"`{operand}.bit_count()` (Python 3.10+) counts them directly, 5-16x faster",
            evidence=("builtin bin() and str.count of the constant '1'",),
            fix=_fix(node, func.value, inner.args[0].value),
        )


def _fix(node: cst.Call, counted: cst.BaseExpression, operand: cst.BaseExpression) -> Optional[FixSpec]:
    """``operand.bit_count()`` for the whole ``bin(operand)[2:].count("1")`` call."""
    if isinstance(counted, cst.Subscript) and not _drops_prefix_only(counted):
        return None
    if not isinstance(operand, (cst.Name, cst.Attribute, cst.Subscript, cst.Call)) and not operand.lpar:
        operand = operand.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    new = cst.Call(func=cst.Attribute(value=operand, attr=cst.Name("bit_count")), lpar=node.lpar, rpar=node.rpar)
    return FixSpec({node: new}, safe=False, description="count the bits with int.bit_count()")


def _drops_prefix_only(subscript: cst.Subscript) -> bool:
    """Is the subscript exactly ``[2:]``?"""
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Slice):
        return False
    part = subscript.slice[0].slice
    return (
        isinstance(part.lower, cst.Integer)
        and part.lower.value == "2"
        and part.upper is None
        and part.step is None
    )
