"""BL301: `for x in list(y)` / `tuple(y)` copies y although the loop cannot change it."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import VERSION_FACTS, Kind, NameClass
from bytelint.bytecode.operands import call_shape, producer
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, body_effects, is_builtin_load, iteration_weight, units_naming
from bytelint.fixfacts import code_of, in_place_of, keeps_comments
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid
from bytelint.versions import describe

_GET_ITER = frozenset({Kind.GET_ITER})

_NAME_LOADS = (Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.NAME_LOAD, Kind.GLOBAL_LOAD)
_VIEWS = frozenset({"keys", "values", "items"})
# builtins that run arbitrary code they are given
_CALLS_BACK = frozenset({"exec", "eval", "getattr", "setattr", "delattr", "map", "filter", "sorted", "min", "max"})
# Iteration weight (evidence.iteration_weight) up to which skipping the copy saves at least 5%,
# keyed by "specialising interpreter". The copy costs about 0.5-0.6 weight units per item on
# 3.9/3.10 (1.07-1.09x at weight 7, 1.03-1.05x at 10) and 0.7-1.0 on 3.11+ (1.10x at 7,
# 1.08-1.11x at 10, 1.03-1.05x at 18).
_MAX_WEIGHT = {False: 8, True: 12}


class ListCopyInFor(Rule):
    """
    ## What it does
    Flags `for x in list(y)` and `for x in tuple(y)` (also over `y.keys()`, `y.values()`,
    `y.items()`) when the loop body cannot change `y`, and the loop is small enough for the
    copy to matter.

    ## Why is this bad?
    `list(y)` builds a full copy of `y` (an allocation plus a reference-count update per
    item) only to iterate over it once. The copy is the right tool when the body changes `y`
    (deleting dict keys while iterating is an error without it); otherwise iterating `y`
    directly does the same work without it. The copy is a fixed cost per item, so its share
    shrinks as the loop body grows (`benchmarks/rules/list_copy_in_for.py`, 10,000 items):

    | case (iteration weight) | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `list(lst)`, `t += x` (7) | 1.07x | 1.09x | 1.11x | 1.11x | 1.10x |
    | `tuple(lst)`, `t += x` (7) | 1.07x | 1.08x | 1.09x | 1.10x | 1.11x |
    | `list(dict)`, `t += k` (7) | 1.09x | 1.08x | 1.15x | 1.08x | 1.05x |
    | `list(lst)`, one call per item (10) | 1.05x | 1.03x | 1.08x | 1.11x | 1.08x |
    | `list(lst)`, branch and arithmetic (18) | 1.03x | 1.04x | 1.05x | 1.04x | 1.03x |

    bytelint sizes each iteration from the compiled loop (instructions, calls counted four
    times) and reports only loops of weight up to 8 on 3.9/3.10 and 12 on 3.11+, where the
    saving is at least 5% (the message names the versions when that is not all your
    targets). The bytecode confirms that the iterable is the result of calling the builtin
    `list` or `tuple` (not a local or module-level function of that name) on one argument.

    The source check is strict, since a copy is often there on purpose: `y` must be a plain
    name (or its `keys()`/`values()`/`items()`), and the loop body must not assign it, pass it
    to a call, call any of its methods, or store into or delete items or attributes of it;
    it must not mutate any object through a method such as `append`, `pop` or `update`, or
    store or delete any subscript (another name may refer to the same object); and it must
    not `yield` or `await` (other code could change `y` meanwhile).

    ## Example
    ```python
    def total(values):
        t = 0
        for v in list(values):
            t += v
        return t
    ```

    ## Use instead
    ```python
    def total(values):
        t = 0
        for v in values:
            t += v
        return t
    ```

    ## Fix safety
    The fix drops the copy: `for x in list(y)` becomes `for x in y`. It is **unsafe**
    (applied with `--unsafe-fixes`), because the checks above cover the loop body's own code
    only. Code it runs indirectly (an item's `__add__`, `__str__` or `__eq__`, say) could
    still change `y`: a dict changing size during iteration raises `RuntimeError`, a list
    silently skips or repeats items. When `y` is an iterator or a generator, the copy
    consumed it completely before the first iteration; iterated directly, its code runs
    interleaved with the loop body, a `break` or an exception leaves the rest unconsumed, and
    an exception the iterator raises comes after some iterations instead of before any. And
    `list` or `tuple` patched in `builtins` at run time would no longer be called.

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11 and on the third-party packages of a 3.11
    virtualenv (pip, setuptools, hypothesis, pygments, libcst, click, attrs, pytest and others):
    no finding. The checks are strict on purpose: with the iteration-weight limit switched off,
    the stdlib has 1 candidate (`multiprocessing/managers.py`, a dict copied and only read: a
    true positive). Before the body was limited to builtin calls, the one finding was a false
    positive (`asyncore.close_all`: `x.close()` removes `x` from the dict being iterated), which
    is exactly why most of the 290-odd `for ... in list(...)` loops in these corpora copy. 1 of
    1 after narrowing; the rule rarely fires, and only on loops whose copy is both measurable
    and unneeded.

    ## References
    - [perflint W8101 / ruff PERF101 unnecessary-list-cast](https://docs.astral.sh/ruff/rules/unnecessary-list-cast/)
    - [Python docs: dictionary view objects (mutation while iterating)](https://docs.python.org/3/library/stdtypes.html#dictionary-view-objects)
    """

    code = "BL301"
    statement_local = True  # the loop and the bytecode
    name = "list-copy-in-for"
    summary = "`for x in list(y)` copies y although the loop cannot change it"
    versions = ">=3.9"
    node_types = (cst.For,)
    requires_names = frozenset({"list", "tuple"})
    fixable = "unsafe"

    VALID = (
        Valid("def f(d):\n    for k in list(d):\n        del d[k]\n"),
        Valid("def f(d):\n    for k, v in list(d.items()):\n        if v:\n            d.pop(k)\n"),
        Valid("def f(xs, other):\n    for x in list(xs):\n        other.append(x)\n"),
        Valid("def f(xs):\n    for x in list(xs):\n        g(xs)\n"),
        Valid("def f(xs):\n    t = 0\n    for x in list(x * 2 for x in xs):\n        t += x\n    return t\n"),
        Valid("def f(xs, list):\n    t = 0\n    for x in list(xs):\n        t += x\n    return t\n"),
        Valid("def f(xs):\n    for x in list(xs):\n        yield x\n"),
        Valid("XS = []\n\ndef f():\n    for x in list(XS):\n        print(x)\n"),
        Valid("def close_all(channels):\n    for c in list(channels.values()):\n        c.close()\n"),
        Valid(
            "def f(xs):\n    t = 0\n    for x in list(xs):\n        if x % 3:\n            t += x * 2\n        else:\n            t -= x\n    return t\n"
        ),
    )
    INVALID = (
        Invalid(
            "def f(xs):\n    t = 0\n    for x in list(xs):\n        t += x\n    return t\n",
            count=1,
            message="`for x in xs`",
            fixed="def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n",
        ),
        Invalid(
            "def f(xs):\n    t = 0\n    for x in tuple(xs):  # sum\n        t += x\n    return t\n",
            count=1,
            fixed="def f(xs):\n    t = 0\n    for x in xs:  # sum\n        t += x\n    return t\n",
        ),
        Invalid(
            "def f(d):\n    t = 0\n    for k, v in list(d.items()):\n        t += v\n    return t\n",
            count=1,
            message="d.items()",
            fixed="def f(d):\n    t = 0\n    for k, v in d.items():\n        t += v\n    return t\n",
        ),
        Invalid(
            "def f(xs):\n    for x in list(xs):\n        print(x)\n",
            target="py311",
            count=1,
            fixed="def f(xs):\n    for x in xs:\n        print(x)\n",
        ),
        Invalid("def f(xs):\n    for x in list(xs):\n        print(x)\n", target="py39", count=1, message="on Python 3.11-3.13"),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        versions = file.targets_for(self)
        limit = max(_MAX_WEIGHT[VERSION_FACTS[v].specializing_interpreter] for v in versions)
        sites = []
        for unit in units_naming(file.bytecode.units, self.requires_names):
            if not unit.loops:
                continue
            instrs = unit.instrs
            for instr in unit.instrs_of(_GET_ITER):
                following = _next_real(instrs, instr.index)
                if following is None or instrs[following].kind is not Kind.FOR_ITER:
                    continue  # a comprehension or a call of iter(): not a `for` statement
                call = producer(instr, 0)
                shape = call_shape(call) if call is not None else None
                if shape is None or shape.star or shape.keywords or len(shape.positional) != 1:
                    continue
                if not is_builtin_load(file, shape.callee, ("list", "tuple"), versions):
                    continue
                copied = _copied_load(shape.positional[0])
                if copied is None:
                    continue
                loop = unit.loop_at(instrs[following].offset)
                weight = iteration_weight(loop)
                if weight <= limit:
                    sites.append(Site(unit, call, loop, (weight, copied.kind is Kind.FAST_LOAD)))
        return SiteIndex(sites)

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        it = node.iter
        if node.asynchronous is not None or not isinstance(it, cst.Call) or not isinstance(it.func, cst.Name):
            return
        if it.func.value not in ("list", "tuple") or len(it.args) != 1 or it.args[0].keyword or it.args[0].star:
            return
        source = _source_name(it.args[0].value)
        if source is None:
            return
        sites = evidence.within(ctx.span(it))
        if not sites:
            return
        weight, local = sites[0].extra
        targets = ctx.file.targets_for(self)
        pays = tuple(v for v in targets if weight <= _MAX_WEIGHT[VERSION_FACTS[v].specializing_interpreter])
        if not pays:
            return
        effects = body_effects(node.body)
        if effects.changes(source) or effects.suspends:
            return
        if effects.mutator_calls or effects.item_stores:
            return  # may mutate `source` through another name
        if effects.calls and (not local or not _only_builtin_calls(node.body, ctx)):
            # `x.close()` may remove x from the dict being iterated (asyncore.close_all): any
            # call other than a builtin function could reach `source` through another name
            return
        if isinstance(node.target, cst.Name) and node.target.value == source:
            return
        arg = _short(code_of(it.args[0].value))
        where = "" if pays == targets else f" (measurable on Python {describe(pays)})"
        yield Report(
            it,
            f"`{it.func.value}()` copies `{arg}` before the loop although the loop never changes it; "
            f"iterate directly: `for {_short(code_of(node.target))} in {arg}`{where}",
            evidence=(
                f"builtin {it.func.value}() called on the iterable of a for loop",
                f"iteration weight {weight} (instructions, calls x4)",
            ),
            fix=_fix(it, ctx),
        )


def _fix(call: cst.Call, ctx: NodeContext) -> Optional[FixSpec]:
    """`list(y)` -> `y`; unsafe (see the docs: code the body runs, iterators, a patched builtin)."""
    new = in_place_of(ctx, call, call.args[0].value)
    if not keeps_comments(call, new):
        return None
    return FixSpec({call: new}, safe=False, description=f"drop the {call.func.value}() copy")


def _short(text: str) -> str:
    return text if len(text) <= 40 and "\n" not in text else "..."


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.callees = []

    def visit_Call(self, node: cst.Call) -> None:
        self.callees.append(node.func)

    def visit_Lambda(self, node) -> bool:
        return False


def _only_builtin_calls(body, ctx: NodeContext) -> bool:
    """Does the body call nothing but builtin functions (`print`, `len`, ...)?"""
    visitor = _Calls()
    body.visit(visitor)
    namespace = ctx.file.bytecode.namespace
    for func in visitor.callees:
        if not isinstance(func, cst.Name) or func.value in _CALLS_BACK:
            return False
        if any(namespace.classify(func.value, v) is not NameClass.BUILTIN for v in ctx.file.config.target_versions):
            return False
    return True


def _next_real(instrs, index: int) -> Optional[int]:
    for i in range(index + 1, len(instrs)):
        if instrs[i].kind is not Kind.NOISE:
            return i
    return None


def _copied_load(instr):
    """The load of the variable copied by `list(y)` or `list(y.items())` etc."""
    if instr is None:
        return None
    if instr.kind in _NAME_LOADS:
        return instr
    if instr.kind is Kind.CALL:
        shape = call_shape(instr)
        if shape is None or shape.star or shape.positional or shape.keywords or shape.callee is None:
            return None
        if shape.callee.kind in (Kind.ATTR_LOAD, Kind.METHOD_LOAD) and shape.callee.name in _VIEWS:
            receiver = producer(shape.callee, 0)
            if receiver is not None and receiver.kind in _NAME_LOADS:
                return receiver
    return None


def _source_name(expr) -> Optional[str]:
    if isinstance(expr, cst.Name):
        return expr.value
    if (
        isinstance(expr, cst.Call)
        and not expr.args
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in _VIEWS
        and isinstance(expr.func.value, cst.Name)
    ):
        return expr.func.value.value
    return None
