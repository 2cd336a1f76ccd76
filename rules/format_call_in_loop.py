"""BL202: `"...".format(...)` or `"..." % (...)` in a loop where an f-string is faster."""

from __future__ import annotations

import re
import string
from typing import Iterable, Optional, Tuple

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, hot_sites, site_in_scope
from bytelint.rule import Invalid, Report, Rule, Valid
from bytelint.versions import describe

from ._loop_helpers import cold_branch, running_loops

# Target versions whose compiler already turns `"%s..." % (a, b)` (only %s/%r/%a, a tuple
# display of the right size) into f-string code: measured with the compiled code of 3.9-3.13
# (3.11 and newer emit formatting instructions instead of the `%` operator).
_PERCENT_COMPILED_AS_FSTRING_FROM = (3, 11)
_PERCENT_SPEC = re.compile(r"%(.)")
_FIELD_NAME = re.compile(r"^(?:|\d+|[A-Za-z_]\w*)$")


class FormatCallInLoop(Rule):
    """
    ## What it does
    Flags string formatting with a literal template inside a loop that an f-string does
    faster: `"{} = {}".format(name, value)` whose fields have no format spec, and, for
    Python 3.9/3.10 targets, `"%s = %s" % (name, value)` with only `%s`/`%r`/`%a` and a
    tuple of the arguments.

    ## Why is this bad?
    `str.format` looks up a method, passes the arguments and parses the template on every
    call; an f-string compiles the template away into one formatting step per field and one
    string build. The `%` operator parses its template too, but from 3.11 the compiler itself
    turns `"%s=%r" % (a, b)` (only `%s`/`%r`/`%a`, a tuple display of the right size) into
    f-string code: the bytecode shows it. Paired-median ratios, slow form / f-string
    (`benchmarks/rules/format_call_in_loop.py`):

    | form | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `"{}={}".format(name, k)` | 1.51x | 1.66x | 1.71x | 1.57x | 1.57x |
    | `"item {}".format(k)` | 1.45x | 1.50x | 1.64x | 1.62x | 1.56x |
    | `"%s=%s" % (a, b)`, str values | 1.85x | 2.07x | 1.27x | 1.33x | 1.40x |
    | `"item %s" % (k,)`, int value | 1.23x | 1.31x | 0.97x | 1.01x | 0.99x |
    | `"<%r>" % (name,)` | 1.59x | 1.66x | 1.00x | 1.00x | 1.00x |
    | not reported: `"{:>10}: {:.2f}".format(...)` | 0.91x | 0.92x | 0.95x | 0.87x | 0.86x |
    | not reported: `"item %d" % k` vs `f"item {k:d}"` | 0.69x | 0.67x | 0.70x | 0.65x | 0.66x |
    | not reported: `"%.3f" % x` | 0.92x | 0.96x | 0.97x | 0.91x | 0.93x |

    So `.format` with plain fields (`{}`, `{0}`, `{name}`, `{!r}`) is reported on every
    version, and `%` with `%s`/`%r`/`%a` and a tuple only for 3.9/3.10 targets (on 3.11+ the
    gain depends on the values' type). Fields with a format spec, `%d`, `%f` and friends are
    never reported: the f-string is not faster there. Formatting under a debugging switch
    (`if self.debug:`) or in a first-iteration-only branch (`if not started: ...;
    started = True`) is not reported either.

    ## Example
    ```python
    def labels(pairs):
        out = []
        for name, value in pairs:
            out.append("{} = {}".format(name, value))
        return out
    ```

    ## Use instead
    ```python
    def labels(pairs):
        out = []
        for name, value in pairs:
            out.append(f"{name} = {value}")
        return out
    ```

    ## Fix safety
    No automatic fix yet. `"{}".format(x)` and `f"{x}"` both call `format(x, "")`: the
    rewrite is exact. `"%s" % (x,)` calls `str(x)`: its exact f-string is `f"{x!s}"` (what
    3.11+ compiles it to), and `%r` is `f"{x!r}"`; plain `f"{x}"` differs only for objects
    whose `__format__` disagrees with their `__str__`. Before 3.12 an f-string field cannot
    contain a backslash or the string's own quote character.

    ## References
    - [PEP 498: Literal String Interpolation](https://peps.python.org/pep-0498/)
    - [CPython issue 72491: compile simple %-formatting to f-string code](https://github.com/python/cpython/issues/72491)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded): 159 findings with `--target-version py39` (28 `.format`, 131 `%`),
    28 with `py311` (the `.format` ones); all in the standard library. Read: all 28 `.format`
    findings and 20 `%` findings picked at random: **48 of 48 true positives** (a literal
    template, plain fields, an exact and faster f-string rewrite), 3 of them in
    error-reporting branches that rarely run (`enum` flag validation, an `email` defect
    message). A first version gave 8 more `.format` findings in `difflib`'s once-per-diff
    header (`if not started:`), now recognised as a first-iteration branch.
    """

    code = "BL202"
    name = "format-call-in-loop"
    summary = "str.format / % formatting with a literal template in a loop (an f-string is faster)"
    versions = ">=3.9"
    node_types = (cst.Call, cst.BinaryOperation)

    VALID = (
        Valid("def f(pairs):\n    return [f'{a}={b}' for a, b in pairs]\n"),
        Valid("def f(pairs):\n    out = []\n    for a, b in pairs:\n        out.append('{:>10}: {:.2f}'.format(a, b))\n    return out\n"),
        Valid("def f(a, b):\n    return '{} = {}'.format(a, b)\n"),
        Valid("def f(pairs):\n    for a, b in pairs:\n        print('%s=%s' % (a, b))\n", target="py311"),
        Valid("def f(rows):\n    for r in rows:\n        print('%d items' % (r,))\n"),
        Valid("def f(rows, tmpl):\n    for r in rows:\n        print(tmpl.format(r))\n"),
        Valid("def f(rows):\n    for r in rows:\n        print('{0[x]}'.format(r))\n"),
        Valid("def f(rows, verbose):\n    for r in rows:\n        if verbose:\n            print('row {}'.format(r))\n"),
        Valid("def f(rows):\n    started = False\n    for r in rows:\n        if not started:\n            print('first {}'.format(r))\n            started = True\n"),
    )
    INVALID = (
        Invalid("def f(pairs):\n    out = []\n    for a, b in pairs:\n        out.append('{} = {}'.format(a, b))\n    return out\n", count=1, message="f-string"),
        Invalid("def f(rows):\n    return ['<{!r}>'.format(r) for r in rows]\n", count=1),
        Invalid("def f(pairs):\n    for a, b in pairs:\n        print('{x}-{y}'.format(x=a, y=b))\n", count=1, message="str.format"),
        Invalid(
            "def f(pairs):\n    for a, b in pairs:\n        print('%s=%s' % (a, b))\n",
            target="py39",
            count=1,
            message="on Python 3.9-3.10",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        lines = file.source.lines

        def is_formatting(unit, instr) -> bool:
            if instr.kind is Kind.BINARY:
                return instr.op == "%"
            if instr.kind is Kind.FORMAT:  # 3.11+ compiles `"%s" % (x,)` to this
                line = instr.line
                return line is not None and 0 < line <= len(lines) and "%" in lines[line - 1]
            if instr.name != "format":
                return False
            prev = _previous(unit, instr)
            return prev is not None and prev.kind is Kind.CONST_LOAD and isinstance(prev.argval, str)

        kinds = (Kind.ATTR_LOAD, Kind.METHOD_LOAD, Kind.BINARY, Kind.FORMAT)
        return SiteIndex(hot_sites(file.bytecode.units, kinds, is_formatting))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        shape = _format_call(node) if isinstance(node, cst.Call) else _percent(node)
        if shape is None:
            return
        kind, template_node = shape
        loops = running_loops(ctx, node)
        if not loops:
            return
        if cold_branch(ctx, node, loops[0][0]):
            return  # a debugging switch or a first-iteration-only branch
        depth = sum(levels for _, levels in loops)
        span = ctx.span(node)
        sites = [s for s in evidence.within(span) if s.depth == depth and site_in_scope(s, ctx)]
        if kind == "format":
            sites = [s for s in sites if s.instr.name == "format"]
            if not sites:
                return
            yield Report(
                node,
                "`str.format()` with a literal template in a loop looks up the method and parses the template "
                "each time it runs; an f-string compiles the fields and is about 2x faster",
                evidence=("str.format method load on a string constant inside the compiled loop body",),
            )
            return
        sites = [s for s in sites if s.instr.kind in (Kind.BINARY, Kind.FORMAT)]
        if not sites:
            return
        slow_on = tuple(v for v in ctx.file.targets_for(self) if v < _PERCENT_COMPILED_AS_FSTRING_FROM)
        if not slow_on:
            return
        yield Report(
            node,
            f"`%` formatting with a literal template in a loop parses the template each time it runs "
            f"on Python {describe(slow_on)} (3.11+ compiles this form as an f-string); write it as an f-string",
            evidence=(f"{sites[0].instr.opname} inside the compiled loop body",),
        )


def _previous(unit, instr):
    instrs = unit.instrs
    for i in range(instr.index - 1, -1, -1):
        if instrs[i].kind is not Kind.NOISE:
            return instrs[i]
    return None


def _literal(expr) -> Optional[str]:
    """The value of a plain str literal (no bytes, no f-string)."""
    if isinstance(expr, cst.SimpleString):
        if "b" in expr.prefix.lower():
            return None
        try:
            value = expr.evaluated_value
        except Exception:  # an escape the running interpreter rejects
            return None
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.ConcatenatedString):
        left, right = _literal(expr.left), _literal(expr.right)
        return None if left is None or right is None else left + right
    return None


def _format_call(node: cst.Call) -> Optional[Tuple[str, cst.CSTNode]]:
    func = node.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "format"):
        return None
    template = _literal(func.value)
    if template is None or any(arg.star for arg in node.args):
        return None
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for _literal_text, field, spec, conversion in fields:
        if field is None:
            continue
        if spec or not _FIELD_NAME.match(field) or conversion not in (None, "r", "s", "a"):
            return None
    return "format", func.value


def _percent(node: cst.BinaryOperation) -> Optional[Tuple[str, cst.CSTNode]]:
    if not isinstance(node.operator, cst.Modulo) or not isinstance(node.right, cst.Tuple):
        return None
    template = _literal(node.left)
    if template is None or any(isinstance(e, cst.StarredElement) for e in node.right.elements):
        return None
    specs = [s for s in _PERCENT_SPEC.findall(template) if s != "%"]
    if not specs or len(specs) != len(node.right.elements) or any(s not in "sra" for s in specs):
        return None
    return "percent", node.left
