"""BL202: `"...".format(...)` or `"..." % (...)` in a loop where an f-string is faster."""

from __future__ import annotations

import ast
import re
import string
from typing import Iterable, Optional, Tuple

import libcst as cst

from bytelint.bytecode import Kind, ScopeKind
from bytelint.bytecode.operands import producer
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, function_scope, hot_sites, owner_unit, site_in_scope
from bytelint.fixfacts import code_of, inside_fstring, keeps_comments
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid
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
    The fix writes the f-string: `"{} = {}".format(a, b)` becomes `f"{a} = {b}"` and
    `"%s=%r" % (a, b)` becomes `f"{a!s}={b!r}"`, the exact equivalents (`str.format` and an
    f-string both call `format(x, "")`; `%s` calls `str(x)`, as `!s` does). The call
    evaluates all its arguments before formatting any; an f-string evaluates each field just
    before formatting it. So the fix is **safe** when evaluating the arguments can neither
    run code nor fail: each is a literal, or a variable certainly bound there (a parameter of
    the function, or a target of a loop around the call, never deleted in the function).
    Otherwise it is **unsafe** (applied with `--unsafe-fixes`): a `__format__` or `__str__`
    with side effects could change what a later argument evaluates to, or run before a later
    argument raises instead of not at all. Templates
    the f-string would not reproduce exactly are left alone: an argument the template never
    uses (the call evaluates it, the f-string would not), an argument used twice or out of
    order (unless all are plain names or literals), mixed automatic and manual numbering
    (`str.format` raises), escape sequences that make or hide a brace or `%`, implicitly
    concatenated templates, and arguments that an f-string field cannot hold before Python
    3.12 (a backslash, a comment, the string's own quote character, a line break in a
    one-line string).

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
    statement_local = True  # the call, its loops, its function's header and `del` statements
    name = "format-call-in-loop"
    summary = "str.format / % formatting with a literal template in a loop (an f-string is faster)"
    versions = ">=3.9"
    node_types = (cst.Call, cst.BinaryOperation)
    fixable = "safe or unsafe"

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
        Invalid(
            "def f(pairs):\n    out = []\n    for a, b in pairs:\n        out.append('{} = {}'.format(a, b))\n    return out\n",
            count=1,
            message="f-string",
            fixed="def f(pairs):\n    out = []\n    for a, b in pairs:\n        out.append(f'{a} = {b}')\n    return out\n",
        ),
        Invalid(
            "def f(rows):\n    return ['<{!r}> {{}}'.format(r) for r in rows]\n",
            count=1,
            fixed="def f(rows):\n    return [f'<{r!r}> {{}}' for r in rows]\n",
        ),
        Invalid(
            "def f(pairs):\n    for a, b in pairs:\n        print('{x}-{y}'.format(x=a, y=b.name))\n",
            count=1,
            message="str.format",
            fixed="def f(pairs):\n    for a, b in pairs:\n        print(f'{a}-{b.name}')\n",
        ),
        Invalid(
            "def f(pairs):\n    for a, b in pairs:\n        print('%s=%r (100%%)' % (a, b))\n",
            target="py39",
            count=1,
            message="on Python 3.9-3.10",
            fixed="def f(pairs):\n    for a, b in pairs:\n        print(f'{a!s}={b!r} (100%)')\n",
        ),
        Invalid("def f(pairs):\n    for a, b in pairs:\n        print('{1}-{0}'.format(a, b.name))\n", count=1),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        lines = file.source.lines
        # `%` formatting is reported for targets before 3.11 only (see `check`)
        percent = any(v < _PERCENT_COMPILED_AS_FSTRING_FROM for v in file.targets_for(self))

        def is_formatting(unit, instr) -> bool:
            if instr.kind is Kind.BINARY:
                if not percent or instr.op != "%":
                    return False
                template = producer(instr, 1)  # the left operand: a string literal, or unknown
                return template is None or (template.kind is Kind.CONST_LOAD and isinstance(template.argval, str))
            if instr.kind is Kind.FORMAT:  # 3.11+ compiles `"%s" % (x,)` to this
                if not percent:
                    return False
                line = instr.line
                return line is not None and 0 < line <= len(lines) and "%" in lines[line - 1]
            if instr.name != "format":
                return False
            prev = unit.previous(instr)
            return prev is not None and prev.kind is Kind.CONST_LOAD and isinstance(prev.argval, str)

        kinds = (Kind.ATTR_LOAD, Kind.METHOD_LOAD, Kind.BINARY, Kind.FORMAT)
        return SiteIndex(hot_sites(file.bytecode.units, kinds, is_formatting), _deletions)

    # Most calls and `%` operations on the evidence's lines are not formatting with a literal
    # template an f-string can hold: ``screen`` rules them out on the ``ast`` tree first.
    screen_types = (ast.Call, ast.BinOp)

    def screen(self, node: ast.AST, ctx, evidence: SiteIndex) -> bool:
        """``_format_call`` / ``_percent`` on ``ast`` (a literal is one ``Constant`` there,
        implicit concatenations included)."""
        if isinstance(node, ast.Call):
            func = node.func
            return (
                isinstance(func, ast.Attribute)
                and func.attr == "format"
                and isinstance(func.value, ast.Constant)
                and isinstance(func.value.value, str)
                and not any(isinstance(arg, ast.Starred) for arg in node.args)
                and all(keyword.arg is not None for keyword in node.keywords)
                and _format_template(func.value.value)
            )
        left, right = node.left, node.right
        return (
            isinstance(node.op, ast.Mod)
            and isinstance(right, ast.Tuple)
            and isinstance(left, ast.Constant)
            and isinstance(left.value, str)
            and not any(isinstance(e, ast.Starred) for e in right.elts)
            and _percent_template(left.value, len(right.elts))
        )

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
                fix=_fix(node, ctx),
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
            fix=_fix(node, ctx),
        )


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
    if template is None or any(arg.star for arg in node.args) or not _format_template(template):
        return None
    return "format", func.value


def _format_template(template: str) -> bool:
    """Does every field of the `str.format` template fit an f-string as it is (no format
    spec, a plain name or index, a `!r`/`!s`/`!a` conversion at most)?"""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return False
    for _literal_text, field, spec, conversion in fields:
        if field is None:
            continue
        if spec or not _FIELD_NAME.match(field) or conversion not in (None, "r", "s", "a"):
            return False
    return True


def _percent(node: cst.BinaryOperation) -> Optional[Tuple[str, cst.CSTNode]]:
    if not isinstance(node.operator, cst.Modulo) or not isinstance(node.right, cst.Tuple):
        return None
    template = _literal(node.left)
    if template is None or any(isinstance(e, cst.StarredElement) for e in node.right.elements):
        return None
    if not _percent_template(template, len(node.right.elements)):
        return None
    return "percent", node.left


def _percent_template(template: str, count: int) -> bool:
    """Are the template's specs *count* `%s`/`%r`/`%a` (and `%%`)?"""
    specs = [s for s in _PERCENT_SPEC.findall(template) if s != "%"]
    return bool(specs) and len(specs) == count and all(s in "sra" for s in specs)


# --- fix ------------------------------------------------------------------------------------

_PURE = (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)
_STRING_PREFIX = re.compile(r"""^([A-Za-z]*)('''|\"\"\"|'|")""")


def _split_literal(node: cst.SimpleString) -> Optional[Tuple[str, str, str]]:
    """(prefix of the f-string to write, quote, body as written) for a plain str literal."""
    match = _STRING_PREFIX.match(node.value)
    if match is None:
        return None
    prefix, quote = match.group(1).lower(), match.group(2)
    if prefix not in ("", "r", "u"):
        return None
    body = node.value[len(match.group(0)) : len(node.value) - len(quote)]
    if re.search(r"\\[{}]", body):
        return None  # `\{`: an invalid escape next to a brace, read differently by f-strings
    return ("rf" if prefix == "r" else "f"), quote, body


def _field_text(expr: cst.BaseExpression, quote: str) -> Optional[str]:
    """The expression as an f-string field can hold it on every version (before 3.12: no
    backslash, no comment, no quote of the string's kind, no line break in a one-line string)."""
    text = code_of(expr)
    if "\\" in text or "#" in text or quote[0] in text or (len(quote) == 1 and "\n" in text):
        return None
    if isinstance(expr, (cst.Lambda, cst.NamedExpr)) and not expr.lpar:
        text = f"({text})"
    if text.startswith("{"):
        text = " " + text  # `{{` would read as an escaped brace
    return text


def _fix(node: cst.CSTNode, ctx: NodeContext) -> Optional[FixSpec]:
    """Rewrite as an f-string: safe when every argument is a literal or a certainly bound
    variable (evaluating them runs nothing and cannot fail, so interleaving evaluation with
    formatting changes nothing), unsafe otherwise (see the docs)."""
    if inside_fstring(ctx):
        return None
    built = _format_fstring(node) if isinstance(node, cst.Call) else _percent_fstring(node)
    if built is None:
        return None
    text, pure = built
    names = set(_names_of(node))
    pure = pure and (not names or names <= _certainly_bound(node, ctx))
    try:
        new = cst.parse_expression(text)
    except Exception:
        return None
    new = new.with_changes(lpar=node.lpar, rpar=node.rpar)
    if not keeps_comments(node, new):
        return None
    return FixSpec({node: new}, safe=pure, description="write an f-string")


def _format_fstring(node: cst.Call) -> "Optional[Tuple[str, bool]]":
    template = node.func.value
    if not isinstance(template, cst.SimpleString):
        return None
    parts = _split_literal(template)
    if parts is None:
        return None
    prefix, quote, body = parts
    try:
        written = list(string.Formatter().parse(body))
        meant = list(string.Formatter().parse(template.evaluated_value))
    except Exception:
        return None
    if [(f, c) for _, f, _, c in written] != [(f, c) for _, f, _, c in meant]:
        return None  # an escape sequence makes or hides a brace
    positional = [a.value for a in node.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    used: list = []
    out: list = []
    auto: Optional[int] = 0
    for literal, field, _spec, conversion in written:
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is None:
            continue
        if field == "":
            if auto is None:
                return None  # automatic and manual numbering mixed: str.format raises
            key, auto = auto, auto + 1
        elif field.isdigit():
            if auto:
                return None
            key, auto = int(field), None
        else:
            key = field
        if isinstance(key, str):
            expr = keywords.get(key)
        else:
            expr = positional[key] if key < len(positional) else None
        if expr is None:
            return None  # str.format would raise
        text = _field_text(expr, quote)
        if text is None:
            return None
        used.append(key)
        out.append("{" + text + (f"!{conversion}" if conversion else "") + "}")
    order = list(range(len(positional))) + [a.keyword.value for a in node.args if a.keyword is not None]
    return _checked(prefix + quote + "".join(out) + quote, [a.value for a in node.args], used, order)


def _checked(text: str, values, used, order) -> "Optional[Tuple[str, bool]]":
    """The f-string, and whether it is safe. Every argument must be used: str.format evaluates
    an unused one, the f-string would not. Safe when every argument is pure; unsafe when each
    impure one is used once, in the order written (the f-string evaluates each field just
    before formatting it, where the call evaluates them all first)."""
    if set(used) != set(order):
        return None
    pure = all(isinstance(v, _PURE) for v in values)
    if not pure and used != order:
        return None  # the f-string would evaluate the arguments in another order, or twice
    return text, pure


def _percent_fstring(node: cst.BinaryOperation) -> "Optional[Tuple[str, bool]]":
    template = node.left
    if not isinstance(template, cst.SimpleString):
        return None
    parts = _split_literal(template)
    if parts is None:
        return None
    prefix, quote, body = parts
    if _PERCENT_SPEC.findall(body) != _PERCENT_SPEC.findall(template.evaluated_value):
        return None  # an escape sequence makes or hides a `%`
    values = [e.value for e in node.right.elements]
    out: list = []
    index = 0
    for piece in re.split(r"(%.)", body):
        if piece == "%%":
            out.append("%")
        elif len(piece) == 2 and piece[0] == "%":
            if index >= len(values):
                return None
            text = _field_text(values[index], quote)
            if text is None:
                return None
            out.append("{" + text + "!" + piece[1] + "}")
            index += 1
        else:
            out.append(piece.replace("{", "{{").replace("}", "}}"))
    order = list(range(len(values)))
    return _checked(prefix + quote + "".join(out) + quote, values, list(range(index)), order)


def _names_of(node) -> list:
    values = [a.value for a in node.args] if isinstance(node, cst.Call) else [e.value for e in node.right.elements]
    return [v.value for v in values if isinstance(v, cst.Name)]


class _Deleted(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set = set()

    def visit_Del(self, node: cst.Del) -> None:
        self.names |= _targets(node.target)


def _certainly_bound(node, ctx: NodeContext) -> set:
    """Names certainly bound where ``node`` runs: the function's parameters and the targets of
    the loops (and comprehensions, for their element) running it, unless deleted somewhere in
    the function. Evaluating them cannot fail, so evaluating them later changes nothing."""
    scope, _kind = function_scope(ctx)
    names: set = set()
    if isinstance(scope, (cst.FunctionDef, cst.Lambda)):
        params = scope.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            names.add(param.name.value)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                names.add(star.name.value)
    on_path = {id(a) for a in ctx.ancestors} | {id(node)}
    for loop, _levels in running_loops(ctx, node):
        if isinstance(loop, cst.For):
            names |= _targets(loop.target)
        elif isinstance(loop, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            parts = [loop.key, loop.value] if isinstance(loop, cst.DictComp) else [loop.elt]
            if any(id(part) in on_path for part in parts):
                clause = loop.for_in
                while clause is not None:
                    names |= _targets(clause.target)
                    clause = clause.inner_for_in
    return names - ctx.file.memo("deleted names", scope, lambda: _deleted_in(scope))


def _deletions(sites) -> tuple:
    """The context of the sites (``Rule.statement_local``): the `del` statements of their
    functions, which ``_deleted_in`` reads; at module or class level, the whole scope."""
    keep: set = set()
    whole: set = set()
    owners = {}
    for site in sites:
        owner = owner_unit(site.unit)
        if owner.kind is ScopeKind.FUNCTION:
            owners[id(owner)] = owner
        elif owner.kind is not ScopeKind.LAMBDA and site.instr.line is not None:
            whole.add(site.instr.line)
    for owner in owners.values():
        for unit in owner.descendants():
            keep.update(i.line for i in unit.instrs_of(_DELETE) if i.line is not None)
    return keep, whole


_DELETE = frozenset({Kind.DELETE})


def _deleted_in(scope: cst.CSTNode) -> set:
    deleted = _Deleted()
    scope.visit(deleted)
    return deleted.names


def _targets(target) -> set:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(set(), *(_targets(e.value) for e in target.elements))
    if isinstance(target, cst.StarredElement):
        return _targets(target.value)
    return set()
