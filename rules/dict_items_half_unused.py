"""BL302: `for k, _ in d.items()` / `for _, v in d.items()` when one half is never used."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import VERSION_FACTS, Kind, ScopeKind
from bytelint.bytecode.operands import call_shape, producer, unpack_count
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, function_scope, iteration_weight, span_with_parens, units_naming
from bytelint.fixfacts import in_place_of, introspects, keeps_comments, owner_unit, proven_dict
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid
from bytelint.versions import describe

_FOR_ITER = frozenset({Kind.FOR_ITER})

_STORES = (Kind.FAST_STORE, Kind.NAME_STORE, Kind.GLOBAL_STORE, Kind.DEREF_STORE)
_LOADS_BY_STORE = {
    Kind.FAST_STORE: (Kind.FAST_LOAD,),
    Kind.DEREF_STORE: (Kind.DEREF_LOAD, Kind.CLOSURE_LOAD),
    Kind.NAME_STORE: (Kind.NAME_LOAD, Kind.GLOBAL_LOAD),
    Kind.GLOBAL_STORE: (Kind.NAME_LOAD, Kind.GLOBAL_LOAD),
}
# Iteration weight (evidence.iteration_weight) up to which dropping the pair saves at least 5%,
# keyed by "specialising interpreter". From the benchmark: the pair costs about 0.8-1.0 weight
# units per item on 3.9/3.10 (1.11x at weight 9, 1.07x at 12, 1.02x at 19 on 3.9) and
# 1.3-1.9 units on 3.11+ (1.08x at weight 19): 5% of the iteration at about 14 and 26 units.
_MAX_WEIGHT = {False: 14, True: 26}


class DictItemsHalfUnused(Rule):
    """
    ## What it does
    Flags `for k, v in d.items()` where one of the two names is never read: literally `_`,
    or a local variable the function never loads (in the loop or after it).

    ## Why is this bad?
    `items()` hands out a (key, value) pair per item, which the loop then unpacks into two
    variables. When only the keys are used, iterating the dict itself (`for k in d`) yields
    them directly; when only the values are used, `d.values()` does. In a small loop body
    the pair and the unpacking are a measurable share of each iteration
    (`benchmarks/rules/dict_items_half_unused.py`, 10,000 items):

    | case (iteration weight) | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | keys only, `t += k` (9) | 1.11x | 1.17x | 1.15x | 1.12x | 1.19x |
    | values only, `t += v` (9) | 1.10x | 1.17x | 1.14x | 1.12x | 1.14x |
    | values, one call per item (12) | 1.07x | 1.10x | 1.16x | 1.16x | 1.14x |
    | values, two calls per item (19) | 1.02x | 1.05x | 1.08x | 1.08x | 1.08x |

    The saving is per item, so it matters less as the body grows: bytelint sizes each
    iteration from the compiled loop (its instructions, calls counted four times) and reports
    the loop only when the saving is at least 5%: iterations of up to 14 units on 3.9/3.10
    and 26 units on 3.11+ (the message names the versions when that is not all your
    targets). The bytecode confirms the shape: the loop iterates the result of an `items()`
    call with no arguments and unpacks each item into exactly two variables, one of which is
    never read.

    ## Example
    ```python
    def total_size(sizes):
        total = 0
        for _, size in sizes.items():
            total += size
        return total
    ```

    ## Use instead
    ```python
    def total_size(sizes):
        total = 0
        for size in sizes.values():
            total += size
        return total
    ```

    ## Fix safety
    The fix iterates the dict itself (`for k in d`) or its values (`for v in d.values()`) and
    drops the unused variable. For a `dict` that is the same iteration: the same items in the
    same order, and the same `RuntimeError` if the loop changes the dict's size. It is
    **safe** when bytelint can prove that the receiver is a `dict`: a dict display or
    comprehension written in place, or a local variable of the function bound exactly once,
    to a dict display or comprehension (not a parameter; no other assignment, `del`, `global`
    or `nonlocal` rebinding anywhere in the function or the functions nested in it), and
    when the dropped variable is a local of a function that does not call `locals()`,
    `vars()`, `dir()`, `eval()` or `exec()`. Otherwise it is **unsafe** (applied with
    `--unsafe-fixes`): bytelint cannot see the receiver's type, and another class's
    `items()`, `values()` and iteration need not agree (a class with `items()` but no
    `values()`, or whose iteration yields something else than its keys); at module level the
    dropped name is also no longer set for other modules to read.

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: 3 findings, 3 true positives (`enum`,
    `mailbox`, `concurrent.futures.process`, all dicts). On the third-party packages of a 3.11
    virtualenv (pip, setuptools, hypothesis, pygments, libcst, click, attrs, pytest and others):
    6 findings, 6 true positives. The first run had one false positive in 10: pip's `config:
    Configuration` has `items()` but no `keys()`/`values()`; a receiver annotated with a
    non-mapping type is now skipped.

    ## References
    - [Python docs: dictionary view objects](https://docs.python.org/3/library/stdtypes.html#dictionary-view-objects)
    - [perflint W8102 / ruff PERF102 incorrect-dict-iterator](https://docs.astral.sh/ruff/rules/incorrect-dict-iterator/)
    """

    code = "BL302"
    name = "dict-items-half-unused"
    summary = "`for k, _ in d.items()` builds and unpacks a pair per item: iterate keys or values"
    versions = ">=3.9"
    node_types = (cst.For,)
    requires_names = frozenset({"items"})
    fixable = "safe or unsafe"

    VALID = (
        Valid("def f(d):\n    t = 0\n    for k, v in d.items():\n        t += k * v\n    return t\n"),
        Valid("def f(d):\n    for k, v in d.items():\n        pass\n    return k, v\n"),
        Valid("def f(d):\n    t = 0\n    for k in d:\n        t += k\n    return t\n"),
        Valid("def f(d):\n    for (k, _), v in d.items():\n        print(k, v)\n"),
        Valid("def f(d):\n    for k, _ in d.items(1):\n        print(k)\n"),
        Valid("def f(d):\n    for k, _ in d.items():\n        print(k, _)\n"),
        Valid("def f(config: Configuration):\n    for k, _ in config.items():\n        print(k)\n"),
        Valid(
            "def f(d, g):\n    for k, _ in d.items():\n        g(k)\n        g(k + 1)\n",
            target="<3.11",
        ),
    )
    INVALID = (
        Invalid(
            "def f(d):\n    t = 0\n    for k, _ in d.items():\n        t += k\n    return t\n",
            count=1,
            message="`for k in d`",
            fixed="def f(d):\n    t = 0\n    for k in d:\n        t += k\n    return t\n",
        ),
        Invalid(
            "def f(d):\n    t = 0\n    for key, value in d.items():\n        t += value\n    return t\n",
            count=1,
            message="d.values()",
            fixed="def f(d):\n    t = 0\n    for value in d.values():\n        t += value\n    return t\n",
        ),
        Invalid(
            "class C:\n    def f(self):\n        for _, v in self.table.items():\n            print(v)\n",
            count=1,
            message="self.table.values()",
            fixed="class C:\n    def f(self):\n        for v in self.table.values():\n            print(v)\n",
        ),
        Invalid("for k, _ in {1: 2}.items():\n    print(k)\n", count=1, fixed="for k in {1: 2}:\n    print(k)\n"),
        Invalid(
            "def f(d):\n    for (k, unused) in d.items():  # keys only\n        print(k)\n",
            count=1,
            fixed="def f(d):\n    for k in d:  # keys only\n        print(k)\n",
        ),
        Invalid(
            "def f(d, g):\n    for k, _ in d.items():\n        g(k)\n        g(k + 1)\n",
            target="py311",
            count=1,
            fixed="def f(d, g):\n    for k in d:\n        g(k)\n        g(k + 1)\n",
        ),
        Invalid(
            "def f(rows):\n    sizes = {}\n    for r in rows:\n        sizes[r] = len(r)\n    t = 0\n    for _, n in sizes.items():\n        t += n\n    return t\n",
            count=1,
            fixed="def f(rows):\n    sizes = {}\n    for r in rows:\n        sizes[r] = len(r)\n    t = 0\n    for n in sizes.values():\n        t += n\n    return t\n",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        return SiteIndex(_half_unused_loops(units_naming(file.bytecode.units, self.requires_names)))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if node.asynchronous is not None or not _items_call(node.iter):
            return
        target = node.target
        if not isinstance(target, cst.Tuple) or len(target.elements) != 2:
            return
        names = [e.value for e in target.elements]
        if not all(isinstance(n, cst.Name) and isinstance(e, cst.Element) for n, e in zip(names, target.elements)):
            return
        if _annotated_not_mapping(node.iter.func.value, ctx):
            return  # `config: Configuration` with its own items(): maybe no keys()/values()
        sites = evidence.within(span_with_parens(ctx, node.target))
        site = next((s for s in sites if s.extra[1] == names[s.extra[0]].value), None)
        if site is None:
            return
        unused, weight = site.extra[0], site.extra[2]
        targets = ctx.file.targets_for(self)
        pays = tuple(v for v in targets if weight <= _MAX_WEIGHT[VERSION_FACTS[v].specializing_interpreter])
        if not pays:
            return
        where = "" if pays == targets else f" (measurable on Python {describe(pays)})"
        mapping = cst.Module(body=()).code_for_node(node.iter.func.value)
        if len(mapping) > 30 or "\n" in mapping:
            mapping = "d"
        if unused == 1:
            used = names[0].value
            fix = f"`for {used} in {mapping}`"
            what = "value"
        else:
            used = names[1].value
            fix = f"`for {used} in {mapping}.values()`"
            what = "key"
        yield Report(
            node.target,
            f"each item's {what} is never used, yet `items()` builds and unpacks a pair per item; "
            f"iterate with {fix}{where}",
            evidence=(
                f"items() iterated and unpacked into two names; {names[unused].value} is never read",
                f"iteration weight {weight} (instructions, calls x4)",
            ),
            fix=_fix(node, names[1 - unused], unused, ctx, site),
        )


def _fix(loop: cst.For, used: cst.Name, unused: int, ctx: NodeContext, site: Site) -> Optional[FixSpec]:
    """`for k, _ in d.items()` -> `for k in d`; `for _, v in d.items()` -> `for v in d.values()`."""
    call = loop.iter
    receiver = call.func.value
    if unused == 1:
        iterable = in_place_of(ctx, call, receiver)
        description = "iterate the dict itself"
    else:
        iterable = call.with_changes(func=call.func.with_changes(attr=cst.Name("values")))
        description = "iterate values()"
    new = loop.with_changes(target=used.with_changes(lpar=(), rpar=()), iter=iterable)
    if not keeps_comments(loop.target, new.target) or not keeps_comments(call, iterable):
        return None
    # Safe only when the receiver is certainly a dict, and the dropped variable is a local
    # that nothing reads, not even through locals() and friends.
    unit = owner_unit(site.unit)
    safe = unit.kind is ScopeKind.FUNCTION and proven_dict(ctx, site.unit, receiver) and not introspects(unit)
    return FixSpec({loop: new}, safe=safe, description=description)


_MAPPING_TYPES = frozenset(
    {"dict", "Dict", "Mapping", "MutableMapping", "OrderedDict", "DefaultDict", "defaultdict", "Counter",
     "ChainMap", "TypedDict", "WeakKeyDictionary", "WeakValueDictionary", "MappingProxyType"}
)


class _Annotation(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.found: Optional[cst.BaseExpression] = None

    def visit_Param(self, node: cst.Param) -> None:
        if node.name.value == self.name and node.annotation is not None:
            self.found = node.annotation.annotation

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == self.name:
            self.found = node.annotation.annotation


def _annotated_not_mapping(receiver, ctx: NodeContext) -> bool:
    """Is the receiver a name annotated with a type that is not a mapping?"""
    if not isinstance(receiver, cst.Name):
        return False
    visitor = _Annotation(receiver.value)
    function_scope(ctx)[0].visit(visitor)
    annotation = visitor.found
    if annotation is None:
        return False
    if isinstance(annotation, (cst.SimpleString, cst.ConcatenatedString)):
        text = annotation.evaluated_value if isinstance(annotation, cst.SimpleString) else ""
        head = (text or "").split("[", 1)[0].rsplit(".", 1)[-1].strip()
        return head not in _MAPPING_TYPES
    while isinstance(annotation, cst.Subscript):
        annotation = annotation.value
    if isinstance(annotation, cst.Attribute):
        return annotation.attr.value not in _MAPPING_TYPES
    if isinstance(annotation, cst.Name):
        return annotation.value not in _MAPPING_TYPES
    return False  # a union or something more complex: leave it


def _items_call(expr) -> bool:
    return (
        isinstance(expr, cst.Call)
        and not expr.args
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "items"
    )


def _half_unused_loops(units):
    for unit in units:
        if not unit.loops:
            continue
        instrs = unit.instrs
        for instr in unit.instrs_of(_FOR_ITER):
            found = _pair_stores(instrs, instr)
            if found is None:
                continue
            unpack, stores = found
            if not _iterates_items_call(instrs, instr):
                continue
            for position, store in enumerate(stores):
                if _never_read(unit, store):
                    loop = unit.loop_at(instr.offset)
                    yield Site(unit, unpack, loop, (position, store.name, iteration_weight(loop)))
                    break


def _next_real(instrs, index: int) -> Optional[int]:
    for i in range(index + 1, len(instrs)):
        if instrs[i].kind is not Kind.NOISE:
            return i
    return None


def _pair_stores(instrs, for_iter):
    i = _next_real(instrs, for_iter.index)
    if i is None or unpack_count(instrs[i]) != 2:
        return None
    unpack = instrs[i]
    first = _next_real(instrs, i)
    second = _next_real(instrs, first) if first is not None else None
    if second is None or instrs[first].kind not in _STORES or instrs[second].kind not in _STORES:
        return None
    return unpack, (instrs[first], instrs[second])


def _iterates_items_call(instrs, for_iter) -> bool:
    """The loop's iterator is ``iter(<call of items() with no arguments>)``."""
    i = for_iter.index - 1
    while i >= 0 and instrs[i].kind is Kind.NOISE:
        i -= 1
    if i < 0 or instrs[i].kind is not Kind.GET_ITER:
        return False
    call = producer(instrs[i], 0)
    if call is None or call.kind is not Kind.CALL:
        return False
    shape = call_shape(call)
    return (
        shape is not None
        and not shape.star
        and not shape.positional
        and not shape.keywords
        and shape.callee is not None
        and shape.callee.kind in (Kind.ATTR_LOAD, Kind.METHOD_LOAD)
        and shape.callee.name == "items"
    )


def _never_read(unit, store) -> bool:
    """Is the stored variable never loaded? For a local: nowhere in its function. For a
    module or class name: only `_`, and never loaded anywhere in the module."""
    loads = _LOADS_BY_STORE[store.kind]
    if store.kind is Kind.FAST_STORE or store.kind is Kind.DEREF_STORE:
        if store.kind is Kind.DEREF_STORE:
            return False  # a closure reads it
        return not any(i.kind in loads and i.name == store.name for i in unit.instrs)
    if store.name != "_" or unit.kind not in (ScopeKind.MODULE, ScopeKind.CLASS):
        return False
    return not any(
        i.kind in loads and i.name == "_" for u in unit.module.units for i in u.instrs
    )
