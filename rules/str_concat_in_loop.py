"""BL201: a str, bytes, tuple or list built by repeated copying inside a loop."""

from __future__ import annotations

import ast
from typing import Iterable, Optional, Tuple

import libcst as cst

from bytelint.bytecode import VERSION_FACTS, Kind, ScopeKind
from bytelint.bytecode.operands import call_shape, producer, unpacks
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, function_scope, hot_sites, owner_unit
from bytelint.rewrites import scope_names
from bytelint.rule import Invalid, Report, Rule, Valid
from bytelint.tree import children
from bytelint.versions import describe

_STORES = {
    Kind.FAST_STORE: "local",
    Kind.DEREF_STORE: "nonlocal",
    Kind.NAME_STORE: "module-level",
    Kind.GLOBAL_STORE: "global",
    Kind.ATTR_STORE: "attribute",
    Kind.SUBSCR_STORE: "item",
}

_ADVICE = {
    "str": "collect the pieces in a list and ''.join() them after the loop",
    "bytes": "collect the pieces in a list and b''.join() them, or extend a bytearray",
    "tuple": "append to a list and convert it with tuple() after the loop",
    "list": "extend the list in place (+=, .extend() or .append())",
}


class QuadraticConcatInLoop(Rule):
    """
    ## What it does
    Flags `x += y` and `x = x + y` inside a loop when `x` is a `str`, `bytes`, `tuple` or
    `list` that each iteration copies in full, so that building it costs time quadratic in
    its final length.

    ## Why is this bad?
    Concatenation creates a new object holding both operands. CPython has one exception: a
    `str` held only by a plain local variable, whose `s += piece` it resizes in place. The
    compiled code decides whether that applies, and bytelint reads it: after the in-place
    add, the store must go back to the same local (on 3.9/3.10 a closure cell or module-level
    name also qualifies; from 3.11 only a local does). Everything else copies: a global, an
    attribute (`self.out += ...`), a dict item, a `nonlocal` or module-level name on 3.11+,
    and any `bytes` or `tuple` at all. Building a 200,000-character string that way is 43-55x
    slower than the fast path, and the gap grows with the square of the length
    (`benchmarks/rules/str_concat_in_loop.py`).

    A plain local `s += piece` is linear and never flagged. `lst += [x]` extends a list in
    place and is not flagged either; `lst = lst + [x]` copies and is. So is
    `s = s + sep + piece` even for a local `str`: the first `+` builds a copy of `s` before the
    store, on every version (`s += sep + piece` is the in-place form).

    ## Example
    ```python
    class Report:
        def render(self, rows):
            self.text = ""
            for row in rows:
                self.text += f"{row}\\n"
    ```

    ## Use instead
    ```python
    class Report:
        def render(self, rows):
            parts = []
            for row in rows:
                parts.append(f"{row}\\n")
            self.text = "".join(parts)
    ```

    ## Fix safety
    For `str` and `bytes`, the fix collects the pieces in a fresh list before the loop
    (`parts.append(piece)` for every concatenation to the target inside it) and adds
    `"".join(parts)` to the target once after the loop. It is offered only when nothing else in
    the loop reads the target (for an attribute or item: no method call on its object and the
    object is not passed to a call, either of which could read it), the loop has no `else` and
    does not `return`, `yield` or `await`. When the loop calls anything, the target must be the
    function's own local (not a global, an attribute, or a variable a nested function shares):
    the called code could add to it too, and joining once after the loop would put its pieces
    out of order. It is **unsafe** (applied with `--unsafe-fixes`): if the loop raises, the target
    no longer holds the pieces added before the exception, and bytelint cannot prove the type
    of an attribute or global.

    ## Precision
    On CPython 3.11's standard library (target 3.11), 28 findings; 20 read, all true positives
    (tuples and bytes grown in a loop, `self.sort_type +=` in `pstats`, items of a fixed key).
    A first version also flagged appends to a different object or key on every iteration
    (`obj.name += "()"` for each `obj`, `inserts[start] += " ["` in `argparse`) and values reset
    inside the loop (`name = ":" + name`); those are excluded now.

    ## References
    - [Python FAQ: the most efficient way to concatenate many strings](https://docs.python.org/3/faq/programming.html#what-is-the-most-efficient-way-to-concatenate-many-strings-together)
    """

    code = "BL201"
    # the statement, its loops and the bytecode; the initial value before the loop is in a
    # statement that stores to the same name (``_initial_values``)
    statement_local = True
    name = "quadratic-concat-in-loop"
    summary = "str/bytes/tuple/list built by copying on every loop iteration"
    versions = ">=3.9"
    node_types = (cst.AugAssign, cst.Assign)
    fixable = "unsafe"

    VALID = (
        Valid("def f(xs):\n    s = ''\n    for x in xs:\n        s += x\n    return s\n"),
        Valid("def f(xs):\n    s = ''\n    for x in xs:\n        s = s + x\n    return s\n"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        out += [x]\n    return out\n"),
        Valid("def f(xs):\n    n = 0\n    for x in xs:\n        n += x\n    return n\n"),
        Valid("def f(xs):\n    s = ''\n    for x in xs:\n        s = s + (',' + x)\n    return s\n"),
        Valid("class C:\n    def f(self, xs):\n        for x in xs:\n            self.total += x\n"),
        Valid("def f(xs):\n    global S\n    S += 'done'\n"),
        Valid("s = ''\nfor x in range(1000):\n    s += str(x)\n", target="<3.11"),
        Valid("def f(objs):\n    for obj in objs:\n        obj.name += '()'\n"),
        Valid("def f(d, keys):\n    for k in keys:\n        d[k] += ','\n"),
        Valid("def f(rows):\n    for name in rows:\n        name = name.strip()\n        name = ':' + name\n        print(name)\n"),
        Valid(
            "class Wrapper:\n    def wrap(self, words):\n        lines = []\n        self.line = ''\n"
            "        for w in words:\n            if len(self.line) > 70:\n                lines.append(self.line)\n"
            "                self.line = ''\n            self.line += ' ' + w\n        return lines\n"
        ),
    )
    INVALID = (
        Invalid(
            "class C:\n    def f(self, xs):\n        self.out = ''\n        for x in xs:\n            self.out += x + ','\n",
            count=1,
        ),
        Invalid(
            "def f(xs):\n    global S\n    for x in xs:\n        S += '-'\n",
            count=1,
            message="global",
            fixed="def f(xs):\n    global S\n    parts = []\n    for x in xs:\n        parts.append('-')\n    S += \"\".join(parts)\n",
        ),
        Invalid("def f(d, xs):\n    for x in xs:\n        d['k'] += 'x'\n", count=1),
        Invalid("def f(xs):\n    s = ''\n    for x in xs:\n        s = s + ',' + x\n    return s\n", count=1, message="s += a + b"),
        Invalid("class C:\n    def f(self, xs):\n        self.out = ''\n        for x in xs:\n            self.out = self.out + x\n", count=1),
        Invalid("def f(d, key, xs):\n    for x in xs:\n        d[key] += x + ';'\n", count=1),
        Invalid("def f(xs):\n    b = b''\n    for x in xs:\n        b += x\n    return b\n", count=1, message="bytes"),
        Invalid("def f(xs):\n    t = ()\n    for x in xs:\n        t += (x,)\n    return t\n", count=1, message="tuple"),
        Invalid("def f(xs):\n    out = []\n    for x in xs:\n        out = out + [x]\n    return out\n", count=1, message="list"),
        Invalid("def f(xs):\n    s = ''\n    for x in xs:\n        s = x + s\n    return s\n", count=1),
        Invalid("s = ''\nfor x in range(1000):\n    s += str(x)\n", count=1, message="module-level"),
        Invalid(
            "def f(xs):\n    s = ''\n    def add(x):\n        nonlocal s\n        s += x\n    for x in xs:\n        add(x)\n        s += ','\n",
            count=1,
            message="nonlocal",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        const_types: dict = {}

        def local_types(unit) -> dict:
            """Local name -> types of the constants stored to it anywhere in the unit."""
            if unit not in const_types:
                found: dict = {}
                previous = None
                for instr in unit.instrs:
                    if instr.kind is Kind.NOISE:
                        continue
                    if instr.kind is Kind.FAST_STORE and previous is not None:
                        if previous.kind is Kind.CONST_LOAD:
                            found.setdefault(instr.name, set()).add(type(previous.argval).__name__)
                        elif previous.kind is Kind.BUILD and previous.op == "tuple":
                            found.setdefault(instr.name, set()).add("tuple")
                    previous = instr
                const_types[unit] = found
            return const_types[unit]

        def is_candidate(unit, instr) -> bool:
            if instr.op not in ("+", "+="):
                return False
            if any(_number(producer(instr, depth)) for depth in ((0, 1) if instr.kind is Kind.BINARY else (0,))):
                return False  # `i = i + 1`: a number is never added to a sequence (see `check`)
            store = _store_of(unit, instr)
            if store is None or store.kind not in _STORES:
                return False
            if store.kind in (Kind.SUBSCR_STORE, Kind.ATTR_STORE):
                value = producer(store, 2 if store.kind is Kind.SUBSCR_STORE else 1)
                if value is not None and value is not instr:
                    return False  # `d[p + k] = v`: the sum is the key (or the owner), not the value
                key = producer(store, 0) if store.kind is Kind.SUBSCR_STORE else None
                if key is not None and key.kind is Kind.CONST_LOAD and type(key.argval) in (int, float, complex, tuple):
                    return False  # `parts[-1] += s`: an element at a time (see `_same_object_each_iteration`)
            if store.kind in (Kind.FAST_STORE, Kind.NAME_STORE, Kind.ATTR_STORE) and not _may_be_sequence(unit, instr, store):
                return False
            if store.kind is not Kind.FAST_STORE:
                return True  # no in-place path for str here on some version: libcst decides the type
            # A local: slow only for bytes and tuples, or for `x = x + y` / `x = y + x` forms.
            if instr.kind is Kind.BINARY:
                window = unit.instrs[max(0, instr.index - 16) : instr.index]
                return any(i.kind is Kind.FAST_LOAD and i.name == store.name for i in window)
            operand = unit.instrs[instr.index - 1] if instr.index else None
            if operand is not None and (
                (operand.kind is Kind.CONST_LOAD and isinstance(operand.argval, (bytes, tuple)))
                or (operand.kind is Kind.BUILD and operand.op == "tuple")
            ):
                return True
            return bool(local_types(unit).get(store.name, set()) & {"bytes", "tuple"})

        return SiteIndex(hot_sites(file.bytecode.units, (Kind.INPLACE, Kind.BINARY), is_candidate), _initial_values)

    # Most additions on the evidence's lines build numbers, or a value the loop assigns afresh
    # on each pass: ``screen`` rules those out on the ``ast`` tree, before libcst.
    screen_types = (ast.AugAssign, ast.Assign)

    def screen(self, node: ast.AST, ctx, evidence: SiteIndex) -> bool:
        """``check``'s first tests on ``ast``, each as loose as its libcst twin or looser: a
        concatenation's shape, the added value not a number literal, the target not assigned
        afresh in the innermost loop (``_reset_in``)."""
        shape = _ast_shape(node)
        if shape is None:
            return False
        target, other = shape
        if isinstance(other, ast.UnaryOp) and isinstance(other.op, (ast.UAdd, ast.USub)):
            other = other.operand
        if isinstance(other, ast.Constant) and type(other.value) in (int, float, complex):
            return False  # `n += 1`
        return not (ctx.loops and _ast_reset_in(ctx.loops[-1], target, node))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        shape = _concat_shape(node)
        chained = False
        if shape is None:
            shape = _chain_shape(node)
            if shape is None:
                return
            chained = True  # `t = t + a + b`: the first `+` copies t, whatever the version
        target, other, inplace, appends = shape
        kind = _value_type(target, other, inplace, ctx)
        if kind is None or (kind == "list" and inplace):
            return
        if ctx.loops and _reset_in(ctx.loops[-1], target, node):
            return  # not carried from one iteration to the next: nothing accumulates
        if ctx.loops and not _same_object_each_iteration(ctx.loops[-1], target):
            return  # `obj.name += s` for each obj, `d[key] += s` for each key: no growth
        span = ctx.span(node)
        for site in evidence.within(span):
            store = _store_of(site.unit, site.instr)
            if store is None or store.kind not in _STORES or not _same_target(store, target):
                continue
            slow_on = ctx.file.targets_for(self) if chained else self._slow_versions(kind, store.kind, appends, ctx)
            if not slow_on:
                return
            where = _STORES[store.kind]
            what = "string" if kind == "str" else kind
            versions = "" if slow_on == ctx.file.config.target_versions else f" on Python {describe(slow_on)}"
            if chained:
                reason = f"the first + copies the whole {what} before the rest is added"
            elif kind == "str" and appends:
                reason = "CPython appends in place only to a plain local"
            else:
                reason = "each concatenation copies both operands"
            advice = _ADVICE[kind]
            if chained and kind == "str" and store.kind is Kind.FAST_STORE:
                advice = "append the rest in one step, `s += a + b`, which CPython does in place"
            yield Report(
                node,
                f"{what} built by concatenation to a {where} name in a loop copies the whole {what} "
                f"on every iteration{versions} (quadratic; {reason}); {advice}"
                if store.kind in (Kind.FAST_STORE, Kind.DEREF_STORE, Kind.NAME_STORE, Kind.GLOBAL_STORE)
                else f"{what} built by concatenation to an {where} in a loop copies the whole {what} "
                f"on every iteration (quadratic; {reason}); {advice}",
                evidence=(f"{site.instr.opname} -> {store.opname} {store.name or ''}".strip(),),
                fix=_join_fix(ctx, target, kind, store) if appends and not chained and kind in ("str", "bytes") else None,
            )
            return

    def _slow_versions(self, kind: str, store_kind: Kind, appends: bool, ctx: NodeContext) -> Tuple:
        targets = ctx.file.targets_for(self)
        if kind != "str" or not appends:
            # No in-place path for bytes, tuples and lists built with +, nor for prepending.
            return targets
        return tuple(v for v in targets if store_kind not in VERSION_FACTS[v].str_concat_fast_path_stores)


# What `check` learns the type from: a literal-typed operand (`s + "x"`, `t + (a,)`, `s + str(n)`)
# or a literal-typed value stored to the name (`s = ""` before the loop). The bytecode rules
# that out where every such value is a number or a plain variable, attribute or global: such
# an operand says nothing about the type, so `check` would not report it either.
_NO_TYPE_KINDS = frozenset({
    Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.GLOBAL_LOAD, Kind.NAME_LOAD, Kind.ATTR_LOAD, Kind.SUBSCR_LOAD,
    Kind.FOR_ITER, Kind.COMPARE, Kind.CONTAINS, Kind.IS, Kind.IMPORT,
})


# calls whose result `_literal_type` knows, and the methods of a str/bytes literal it follows
_CALL_TYPES = {"str": "str", "bytes": "bytes", "repr": "str", "chr": "str", "format": "str", "tuple": "tuple", "list": "list"}
_TYPED_CALLS = frozenset(_CALL_TYPES)
_TYPED_METHODS = frozenset({"join", "format", "upper", "lower", "strip", "replace"})


def _number(value) -> bool:
    """Is ``value`` (an operand's producer) a numeric constant?"""
    return value is not None and value.kind is Kind.CONST_LOAD and type(value.argval) in (int, float, complex)


def _typed(value, depth: int = 0) -> bool:
    """May ``value`` (the producer of an operand or of a stored value) carry a sequence type
    that `check` reads from the source? True when unknown."""
    if value is None:
        return True
    kind = value.kind
    if kind is Kind.CONST_LOAD:
        return isinstance(value.argval, (str, bytes, tuple))
    if kind in _NO_TYPE_KINDS:
        return False
    if kind is Kind.OTHER and unpacks(value):
        return False  # `a, s = ...`: `check` reads types from single-target assignments only
    if depth > 3:
        return True
    if kind is Kind.STACK:  # `obj.x += y` swaps the sum under the object before storing it
        before = value.unit.previous(value)
        return before is None or before.kind not in (Kind.BINARY, Kind.INPLACE) or _typed(before, depth + 1)
    if kind is Kind.CALL:  # `str(n)`, `repr(x)`, `", ".join(xs)`: see `_literal_type`
        shape = call_shape(value)
        callee = shape.callee if shape is not None else None
        if callee is None:
            return True
        if callee.kind in (Kind.GLOBAL_LOAD, Kind.NAME_LOAD, Kind.FAST_LOAD, Kind.DEREF_LOAD):
            return callee.name in _TYPED_CALLS
        if callee.kind in (Kind.ATTR_LOAD, Kind.METHOD_LOAD):
            return callee.name in _TYPED_METHODS and _typed(producer(callee, 0), depth + 1)
        return True
    if kind in (Kind.BINARY, Kind.INPLACE):
        if value.op in ("+", "+="):
            return _typed(producer(value, 0), depth + 1) or _typed(producer(value, 1), depth + 1)
        if value.op in ("%", "%="):
            return _typed(producer(value, 1), depth + 1)
        return False
    return True  # a call, a display, an f-string, ...: decided on the source


def _may_be_sequence(unit, instr, store) -> bool:
    """Can `check` type the target (a local, a module-level name or an attribute) as a str,
    bytes, tuple or list at the concatenation ``instr``: from one of its operands, or from a
    value stored to the same name in the unit?"""
    for depth in (0, 1) if instr.kind is Kind.BINARY else (0,):
        if _typed(producer(instr, depth)):
            return True
    # the values stored to the same name (the same attribute name) in this code object: where
    # `check` looks for the initial value, before the loop in the same scope
    below = 1 if store.kind is Kind.ATTR_STORE else 0  # `owner.name = value`: the owner is on top
    for other in unit.instrs:
        if other.kind is store.kind and other.name == store.name and other is not store:
            value = producer(other, below)
            if value is None or (value is not instr and _typed(value)):
                return True
    return False


def _initial_values(sites) -> set:
    """Lines of the other stores to each concatenation's target in its scope: the statements
    `check` reads the target's initial value from (``_initial_value``)."""
    lines = set()
    for site in sites:
        store = _store_of(site.unit, site.instr)
        if store is None or store.kind is Kind.SUBSCR_STORE:
            continue
        for instr in site.unit.instrs_of(_NAMED_STORES):
            if instr.name == store.name and instr.line is not None:
                lines.add(instr.line)
    return lines


_NAMED_STORES = (Kind.FAST_STORE, Kind.DEREF_STORE, Kind.NAME_STORE, Kind.GLOBAL_STORE, Kind.ATTR_STORE)


def _concat_shape(node: cst.CSTNode) -> Optional[Tuple[cst.BaseExpression, Optional[cst.BaseExpression], bool, bool]]:
    """(target, the other operand, is augmented, appends at the end) for `t += x`,
    `t = t + x` and `t = x + t`."""
    if isinstance(node, cst.AugAssign):
        if isinstance(node.operator, cst.AddAssign):
            return node.target, node.value, True, True
        return None
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        target = node.targets[0].target
        value = node.value
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
            if _same_expr(value.left, target):
                return target, value.right, False, True
            if _same_expr(value.right, target):
                return target, value.left, False, False
    return None


# What `t.x = <value>` / `t[k] = <value>` loads between computing the value and storing it
_TARGET_LOADS = (Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.GLOBAL_LOAD, Kind.NAME_LOAD, Kind.ATTR_LOAD, Kind.CONST_LOAD)


def _store_of(unit, instr):
    """The store that receives the result of ``instr``: right after it, or, for a plain
    assignment to an attribute or item (`self.s = self.s + x`), after the loads of the object
    (and key) being assigned to."""
    store = unit.next_store(instr)
    if store is not None:
        return store
    instrs = unit.instrs
    for following in instrs[instr.index + 1 : instr.index + 8]:
        if following.kind in (Kind.ATTR_STORE, Kind.SUBSCR_STORE):
            return following
        if following.kind not in _TARGET_LOADS and following.kind is not Kind.NOISE:
            return None
    return None


def _chain_shape(node: cst.CSTNode) -> Optional[Tuple[cst.BaseExpression, Optional[cst.BaseExpression], bool, bool]]:
    """For `t = t + a + b ...` (left to right, two or more `+`): (target, a, False, True)."""
    if not (isinstance(node, cst.Assign) and len(node.targets) == 1):
        return None
    target = node.targets[0].target
    value = node.value
    first = None
    count = 0
    while isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add) and not value.lpar:
        first = value.right
        value = value.left
        count += 1
    if count < 2 or not _same_expr(value, target):
        return None
    return target, first, False, True


def _same_expr(a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    if isinstance(a, cst.Name) and isinstance(b, cst.Name):
        return a.value == b.value
    if isinstance(a, cst.Attribute) and isinstance(b, cst.Attribute):
        return a.attr.value == b.attr.value and _same_expr(a.value, b.value)
    return False


def _same_target(store, target: cst.BaseExpression) -> bool:
    if store.kind == Kind.SUBSCR_STORE:
        return isinstance(target, cst.Subscript)
    if store.kind == Kind.ATTR_STORE:
        return isinstance(target, cst.Attribute) and store.name == target.attr.value
    return isinstance(target, cst.Name) and store.name == target.value


def _literal_type(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    if expr is None:
        return None
    if isinstance(expr, cst.SimpleString):
        prefix = expr.prefix.lower()
        return "bytes" if "b" in prefix else "str"
    if isinstance(expr, cst.FormattedString):
        return "str"
    if isinstance(expr, cst.ConcatenatedString):
        return _literal_type(expr.left)
    if isinstance(expr, cst.Tuple):
        return "tuple"
    if isinstance(expr, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
        return _CALL_TYPES.get(expr.func.value)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        receiver = _literal_type(expr.func.value)
        if receiver in ("str", "bytes") and expr.func.attr.value in _TYPED_METHODS:
            return receiver
        return None
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, cst.Modulo):
            return "str" if _literal_type(expr.left) == "str" else None
        if isinstance(expr.operator, cst.Add):
            return _literal_type(expr.left) or _literal_type(expr.right)
    return None


def _value_type(target, other, inplace: bool, ctx: NodeContext) -> Optional[str]:
    """What is being built: from the other operand, or from how the target was initialised
    in the same scope (``s = ""`` before the loop)."""
    kind = _literal_type(other)
    if kind is not None:
        return kind
    if _number_literal(other):
        return None  # `s = s + 1` is not a concatenation (it raises if `s` is a sequence)
    init = _initial_value(target, ctx)
    return _literal_type(init)


def _number_literal(expr: Optional[cst.BaseExpression]) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        expr = expr.expression
    return isinstance(expr, (cst.Integer, cst.Float, cst.Imaginary))


def _initial_value(target, ctx: NodeContext) -> Optional[cst.BaseExpression]:
    if not isinstance(target, (cst.Name, cst.Attribute)):
        return None
    scope, _ = function_scope(ctx)
    body = getattr(scope, "body", None)
    statements = scope.body if isinstance(scope, cst.Module) else getattr(body, "body", ())
    if not isinstance(statements, (list, tuple)):
        statements = ()
    loop = ctx.loops[0] if ctx.loops else None
    found = None
    for statement in statements or ():
        if statement is loop:
            break
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and _same_expr(small.targets[0].target, target):
                    found = small.value
                elif isinstance(small, cst.AnnAssign) and small.value is not None and _same_expr(small.target, target):
                    found = small.value
    if found is None and loop is not None:
        found = _assigned_in(loop, target)
    return found


class _Assignments(cst.CSTVisitor):
    """Every plain assignment (not the concatenation itself) to one target inside a loop."""

    def __init__(self, target, skip: cst.CSTNode) -> None:
        super().__init__()
        self.target = target
        self.skip = skip
        self.found = False

    def _check(self, target) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._check(element.value)
        elif isinstance(target, cst.StarredElement):
            self._check(target.value)
        elif _same_expr(target, self.target):
            self.found = True

    def visit_Assign(self, node: cst.Assign) -> bool:
        if node is not self.skip:
            for t in node.targets:
                self._check(t.target)
        return True

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._check(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if node is not self.skip and not isinstance(node.operator, cst.AddAssign):
            self._check(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._check(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._check(node.target)

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_ClassDef(self, node) -> bool:
        return False


def _reset_in(loop: cst.CSTNode, target, node: cst.CSTNode) -> bool:
    """Is the target also assigned afresh inside the loop (`name = ':' + name` after
    `name = parts[0]`, or `line = ''` when a line is full)? Then growth is bounded per
    iteration, not quadratic over the loop."""
    visitor = _Assignments(target, node)
    if isinstance(loop, cst.For):
        visitor._check(loop.target)
    loop.body.visit(visitor)
    return visitor.found


class _AssignedNames(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names = set()

    def _add(self, target) -> None:
        if isinstance(target, cst.Name):
            self.names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._add(element.value)
        elif isinstance(target, cst.StarredElement):
            self._add(target.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._add(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._add(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._add(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._add(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._add(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._add(node.name)


def _root_name(expr) -> Optional[str]:
    while isinstance(expr, (cst.Attribute, cst.Subscript)):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _same_object_each_iteration(loop: cst.CSTNode, target) -> bool:
    """For `obj.attr += s` and `d[key] += s`: is it the same attribute or item on every
    iteration? The object and the key must not change inside the loop; integer indexes
    (`parts[-1] += s`) usually walk over elements and are not counted."""
    if isinstance(target, cst.Name):
        return True
    visitor = _AssignedNames()
    if isinstance(loop, cst.For):
        visitor._add(loop.target)
    loop.body.visit(visitor)
    changed = visitor.names
    root = _root_name(target)
    if root is None or root in changed:
        return False
    if isinstance(target, cst.Subscript):
        if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
            return False
        key = target.slice[0].slice.value
        if isinstance(key, (cst.SimpleString, cst.ConcatenatedString)):
            return True
        key_root = _root_name(key) if isinstance(key, (cst.Name, cst.Attribute)) else None
        return key_root is not None and key_root not in changed
    return True


def _assigned_in(loop: cst.CSTNode, target) -> Optional[cst.BaseExpression]:
    """An initialisation inside an outer loop's body before the inner loop (``line = ''``)."""
    body = getattr(loop, "body", None)
    for statement in getattr(body, "body", ()) or ():
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and _same_expr(small.targets[0].target, target):
                    return small.value
    return None


# -- the fix: collect the pieces, join once --------------------------------------------------


class _LoopUses(cst.CSTVisitor):
    """Inside a loop body: the concatenations to one target, and anything else that reads it or
    leaves the loop early."""

    def __init__(self, target) -> None:
        super().__init__()
        self.target = target
        self.concats = []  # (statement node, piece expression)
        self.other_uses = 0
        self.exits = 0
        self._inside_concat = None

    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_ClassDef(self, node) -> bool:
        return False

    def visit_Lambda(self, node) -> bool:
        return False

    def visit_Return(self, node) -> None:
        self.exits += 1

    def visit_Yield(self, node) -> None:
        self.exits += 1

    def visit_Await(self, node) -> None:
        self.exits += 1  # other tasks may read the partial value while this one waits

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        if isinstance(node.operator, cst.AddAssign) and _same_expr(node.target, self.target):
            self.concats.append((node, node.value))
            node.value.visit(self)
            return False
        return True

    def visit_Assign(self, node: cst.Assign) -> bool:
        shape = _concat_shape(node)
        if shape is not None and shape[3] and _same_expr(shape[0], self.target):
            self.concats.append((node, shape[1]))
            shape[1].visit(self)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        if isinstance(self.target, cst.Name) and node.value == self.target.value:
            self.other_uses += 1

    def visit_Call(self, node: cst.Call) -> None:
        # `self.log()` or `report(self)` may read `self.text` while the loop runs
        root = _root_name(self.target) if not isinstance(self.target, cst.Name) else None
        if root is None:
            return
        func = node.func
        while isinstance(func, cst.Attribute):
            func = func.value
        if isinstance(func, cst.Name) and func.value == root and node.func is not func:
            self.other_uses += 1
        if any(isinstance(arg.value, cst.Name) and arg.value.value == root for arg in node.args):
            self.other_uses += 1

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if _same_expr(node, self.target):
            self.other_uses += 1
            return False
        return True


def _calls_anything(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) or any(_calls_anything(child) for child in children(node))


def _shared(store) -> bool:
    """Is the name ``store`` stores to declared global or nonlocal in its function, or used by
    a function, lambda or class nested in it (read from the bytecode)?"""
    unit = owner_unit(store.unit)
    name = store.name
    if store.kind is Kind.GLOBAL_STORE or name in unit.code.co_freevars:
        return True
    work = list(unit.children)
    while work:
        child = work.pop()
        if child.kind in (ScopeKind.COMPREHENSION, ScopeKind.GENEXPR):
            work.extend(child.children)  # the function's own code, compiled apart on some versions
        elif name in scope_names(child):
            return True
    return False


def _join_fix(ctx: NodeContext, target, kind: str, store):
    """``parts = []`` before the innermost loop, ``parts.append(piece)`` for each
    concatenation to the target inside it, ``target += "".join(parts)`` after it. Unsafe: if
    the loop raises, the target no longer holds the pieces added before the exception."""
    from bytelint.rewrites import fresh_name
    from bytelint.rule import FixSpec

    if not ctx.loops:
        return None
    loop = ctx.loops[-1]
    index = next((i for i, node in enumerate(ctx.ancestors) if node is loop), None)
    if index is None or index == 0 or not isinstance(ctx.ancestors[index - 1], (cst.IndentedBlock, cst.Module)):
        return None
    if getattr(loop, "orelse", None) is not None:
        return None
    uses = _LoopUses(target)
    loop.body.visit(uses)
    if isinstance(loop, cst.While):
        loop.test.visit(uses)
    if uses.other_uses or uses.exits or not uses.concats:
        return None
    scope, scope_kind = function_scope(ctx)
    # Code the loop calls may add to a target other code can see (a global, an attribute, a
    # variable a nested function shares): joining once after the loop would reorder pieces.
    private = isinstance(target, cst.Name) and scope_kind == "function" and not _shared(store)
    if not private and _calls_anything(loop):
        return None
    parts = fresh_name("parts", scope_names(owner_unit(store.unit)))
    replacements = {}

    class _Swap(cst.CSTTransformer):
        def on_leave(self, original, updated):
            for statement, piece in uses.concats:
                if original is statement:
                    call = cst.parse_expression(f"{parts}.append(x)")
                    return cst.Expr(call.with_changes(args=[cst.Arg(piece)]))
            return updated

    new_loop = loop.visit(_Swap())
    joiner = '""' if kind == "str" else 'b""'
    target_code = cst.Module([]).code_for_node(target)
    before = cst.parse_statement(f"{parts} = []\n").with_changes(leading_lines=loop.leading_lines)
    after = cst.parse_statement(f"{target_code} += {joiner}.join({parts})\n")
    replacements[loop] = cst.FlattenSentinel([before, new_loop.with_changes(leading_lines=()), after])
    return FixSpec(replacements, safe=False, description=f"collect the pieces in `{parts}` and join them once after the loop")


# --- the same tests on ``ast`` (``StrConcatInLoop.screen``) ---------------------------------


def _ast_same(a: ast.AST, b: ast.AST) -> bool:
    if isinstance(a, ast.Name) and isinstance(b, ast.Name):
        return a.id == b.id
    if isinstance(a, ast.Attribute) and isinstance(b, ast.Attribute):
        return a.attr == b.attr and _ast_same(a.value, b.value)
    return False


def _ast_shape(node: ast.AST) -> Optional[Tuple[ast.AST, ast.AST]]:
    """(target, the other operand) of ``_concat_shape``, else of ``_chain_shape`` (which,
    without parentheses to stop at, may find a chain where libcst finds none: looser)."""
    if isinstance(node, ast.AugAssign):
        return (node.target, node.value) if isinstance(node.op, ast.Add) else None
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
        return None
    target, value = node.targets[0], node.value
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        if _ast_same(value.left, target):
            return target, value.right
        if _ast_same(value.right, target):
            return target, value.left
    first, count = None, 0
    while isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        first, value, count = value.right, value.left, count + 1
    if count < 2 or not _ast_same(value, target):
        return None
    return target, first


def _ast_reset_in(loop: ast.AST, target: ast.AST, node: ast.AST) -> bool:
    """``_reset_in``: another assignment of the target in the loop (its own `for` target too)."""

    def assigns(each: ast.AST) -> bool:
        if isinstance(each, (ast.Tuple, ast.List)):
            return any(assigns(element) for element in each.elts)
        if isinstance(each, ast.Starred):
            return assigns(each.value)
        return _ast_same(each, target)

    if isinstance(loop, (ast.For, ast.AsyncFor)) and assigns(loop.target):
        return True
    stack = list(loop.body)
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if current is not node:
            if isinstance(current, ast.Assign) and any(assigns(t) for t in current.targets):
                return True
            if isinstance(current, ast.AnnAssign) and current.value is not None and assigns(current.target):
                return True
            if isinstance(current, ast.AugAssign) and not isinstance(current.op, ast.Add) and assigns(current.target):
                return True
            if isinstance(current, (ast.For, ast.AsyncFor, ast.NamedExpr)) and assigns(current.target):
                return True
        stack.extend(ast.iter_child_nodes(current))
    return False
