"""BL306: `x in lst` in a loop, against a list built before the loop and never changed in it."""

from __future__ import annotations

from typing import Iterable, List, Optional

import libcst as cst

from bytelint.bytecode import Kind, NameClass, ScopeKind
from bytelint.bytecode.operands import call_shape, producer
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, body_effects, function_scope, hot_sites, rebound_by_closure, reference_lines
from bytelint.fixfacts import (
    bound_once_to,
    builtin_visible,
    child_position,
    comprehensions_inlined,
    keeps_comments,
    owner_unit,
    renumbers_code_objects,
    truth_test,
    uses_of,
)
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid

_LOCAL_LOADS = (Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.NAME_LOAD)
_STORES = (Kind.FAST_STORE, Kind.DEREF_STORE, Kind.NAME_STORE, Kind.GLOBAL_STORE)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_LIST_CALLS = frozenset({"list", "sorted"})
# a list of literals: its items are hashable when they are these
_HASHABLE_LITERALS = (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString, cst.Name)


class MembershipInInvariantList(Rule):
    """
    ## What it does
    Flags `x in lst` / `x not in lst` inside a loop (or comprehension) when `lst` is a local
    list, built before the loop by a list display, a list comprehension, `list(...)` or
    `sorted(...)`, that the loop never changes.

    ## Why is this bad?
    Membership in a list compares `x` with the items one by one: each test costs time
    proportional to the list's length, so the loop costs len(loop) x len(list). Building a
    set once before the loop makes each test a single hash lookup
    (`benchmarks/rules/membership_in_invariant_list.py`, 1,000 tests):

    | list | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | 100 ints | 40.2x | 36.7x | 41.7x | 59.4x | 58.5x |
    | 1,000 ints | 74.1x | 71.1x | 91.7x | 104.7x | 107.1x |
    | 5 strings | 4.38x | 4.48x | 4.30x | 5.68x | 5.18x |

    The cost of a list scan grows with the list, so the rule applies on every version. The
    bytecode confirms that the membership test reads the local variable on every iteration of
    a loop that never stores to it. `x in [1, 2, 3]` is never reported: the compiler turns a
    display of constants into a tuple constant, and it is not a variable.

    ## Example
    ```python
    def allowed_only(requests):
        allowed = [r.strip() for r in open("allowed.txt")]
        return [r for r in requests if r.user in allowed]
    ```

    ## Use instead
    ```python
    def allowed_only(requests):
        allowed = {r.strip() for r in open("allowed.txt")}
        return [r for r in requests if r.user in allowed]
    ```

    ## Fix safety
    The fix builds a set where the list is built (`[...]` becomes `{...}`, a list
    comprehension a set comprehension, `list(xs)` or `sorted(xs)` becomes `set(xs)`), when
    the variable is a local bound once and its only other uses are membership tests and
    truth tests (`if names:`). It is **unsafe** (applied with `--unsafe-fixes`): a set needs
    hashable items (building it raises `TypeError` otherwise, and so does testing an
    unhashable value, which the list answered with `False`), and it matches by hash and
    equality rather than by equality alone (objects that compare equal but hash differently
    stop matching). A list that is also used as a list (iterated, indexed, passed on) is
    left alone: build a separate set for the tests.

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: 10 findings, all read, 10 true positives
    (`key not in simple_keys` where `simple_keys = list(simple_dict.keys())` in `enum`, ...). On
    the third-party packages of a 3.11 virtualenv (pip, setuptools, hypothesis, pygments,
    libcst, click, attrs, pytest and others): 14 findings, 14 true positives. The first runs
    also reported lists changed by an enclosing loop (the set would have to be maintained, not
    built once) and `sitedirs.extend(s for s in dirs if s not in sitedirs)`, where the list
    grows while the generator runs (a false positive): the list must now be unchanged in every
    loop around the test, and a comprehension consumed by a call on the same list is skipped.

    ## References
    - [Python wiki: TimeComplexity](https://wiki.python.org/moin/TimeComplexity)
    - [pylint R6201 use-set-for-membership](https://pylint.readthedocs.io/en/stable/user_guide/messages/refactor/use-set-for-membership.html)
    """

    code = "BL306"
    # the test, its loops and the bytecode; the statements binding and using the list, and
    # any rebinding `set`/`list`/`sorted` around it, are its context lines
    statement_local = True
    name = "membership-in-invariant-list"
    summary = "`x in lst` in a loop scans a list that never changes: build a set once"
    versions = ">=3.9"
    node_types = (cst.Comparison,)
    fixable = "unsafe"

    VALID = (
        Valid("def f(xs):\n    n = 0\n    for x in xs:\n        if x in [1, 2, 3]:\n            n += 1\n    return n\n"),
        Valid("def f(xs, allowed):\n    return [x for x in xs if x in allowed]\n"),
        Valid("def f(xs):\n    seen = []\n    for x in xs:\n        if x not in seen:\n            seen.append(x)\n    return seen\n"),
        Valid("def f(xs):\n    ok = list(range(10))\n    return 3 in ok\n"),
        Valid("def f(xs):\n    ok = set(xs)\n    return [x for x in xs if x in ok]\n"),
        Valid("def f(xs, ys):\n    ok = list(ys)\n    for x in xs:\n        ok = ok[1:]\n        if x in ok:\n            print(x)\n"),
        Valid("def f(xs):\n    rows = [[1], [2]]\n    return [x for x in xs if x in rows]\n"),
        Valid("def f(xs):\n    seen = []\n    seen.extend(x for x in xs if x not in seen)\n    return seen\n"),
        Valid("def f(groups):\n    seen = []\n    for g in groups:\n        seen.extend([x for x in g if x not in seen])\n    return seen\n"),
    )
    INVALID = (
        Invalid(
            "def f(xs, ys):\n    ok = list(ys)\n    return [x for x in xs if x in ok]\n",
            count=1,
            message="set",
            fixed="def f(xs, ys):\n    ok = set(ys)\n    return [x for x in xs if x in ok]\n",
        ),
        Invalid(
            "def f(xs):\n    names = ['a', 'b', 'c', 'd']\n    n = 0\n    for x in xs:\n        if x not in names:\n            n += 1\n    return n\n",
            count=1,
            message="`names`",
            fixed="def f(xs):\n    names = {'a', 'b', 'c', 'd'}\n    n = 0\n    for x in xs:\n        if x not in names:\n            n += 1\n    return n\n",
        ),
        Invalid(
            "def f(xs, ys):\n    ok = sorted(ys)\n    i = 0\n    while xs[i] in ok:\n        i += 1\n    return i\n",
            count=1,
            fixed="def f(xs, ys):\n    ok = set(ys)\n    i = 0\n    while xs[i] in ok:\n        i += 1\n    return i\n",
        ),
        Invalid(
            "def f(xs, ys):\n    ok = [y.id for y in ys]\n    return any(x in ok for x in xs) if ok else None\n",
            count=1,
            fixed="def f(xs, ys):\n    ok = {y.id for y in ys}\n    return any(x in ok for x in xs) if ok else None\n",
        ),
        Invalid("def f(xs, ys):\n    ok = list(ys)\n    print([x for x in xs if x in ok], ok[0])\n", count=1),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        def tests_local(unit, instr) -> bool:
            container = producer(instr, 0)
            if container is None or container.kind not in _LOCAL_LOADS:
                return False
            loop = unit.hot_loop_of(instr)
            if loop is not None and container.name in loop.stored_names():
                return False
            return (
                _assigned_in_owner(unit, container.name)
                and not rebound_by_closure(unit, container.name)
                and not _bound_to_a_non_list(unit, container.name)
            )

        return SiteIndex(
            (
                Site(site.unit, site.instr, site.loop, producer(site.instr, 0).name)
                for site in hot_sites(file.bytecode.units, (Kind.CONTAINS,), tests_local)
            ),
            lambda sites: reference_lines(sites, _LIST_CALLS | {"set"}),
        )

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        for target in node.comparisons:
            if not isinstance(target.operator, (cst.In, cst.NotIn)) or not isinstance(target.comparator, cst.Name):
                continue
            name = target.comparator.value
            sites = [s for s in evidence.within(ctx.span(node)) if s.extra == name]
            if not sites:
                continue
            loops = _running_loops(node, ctx)
            if not loops:
                continue
            scope, kind = function_scope(ctx)
            if kind not in ("function", "module"):
                continue
            if not _list_bindings(scope, name, loops[-1], ctx):
                continue
            if any(body_effects(loop).changes(name) for loop in loops):
                continue  # appended to, passed along or rebound inside a loop around the test
            if _consumed_by_call_on(loops[-1], name, ctx):
                continue  # `seen.extend(x for x in xs if x not in seen)`: grows while it runs
            op = "not in" if isinstance(target.operator, cst.NotIn) else "in"
            yield Report(
                target,
                f"`{op} {name}` scans the list `{name}` on every iteration (O(len) per test) although "
                f"the loop never changes it; build a set once before the loop and test against that",
                evidence=(f"membership test reads local {name} on every iteration; the loop never stores to it",),
                fix=_fix(name, scope, ctx, sites[0]),
            )


def _fix(name: str, function, ctx: NodeContext, site: Site) -> Optional[FixSpec]:
    """Build a set instead of the list, where the list is only ever tested for membership (or
    truth): `[...]` -> `{...}`, a list comprehension -> a set comprehension, `list(xs)` or
    `sorted(xs)` -> `set(xs)`. Unsafe: hashing (see the docs)."""
    if not bound_once_to(function, owner_unit(site.unit), name, (cst.List, cst.ListComp, cst.Call)):
        return None
    uses = uses_of(function, name)
    binding = None
    for node, ancestors in uses.uses:
        parent = ancestors[-1]
        if isinstance(parent, cst.AssignTarget) and parent.target is node and isinstance(ancestors[-2], cst.Assign):
            binding = ancestors[-2]
        elif isinstance(parent, cst.ComparisonTarget) and parent.comparator is node and isinstance(parent.operator, (cst.In, cst.NotIn)):
            continue
        elif not truth_test(node, ancestors):
            return None  # used as a list (iterated, indexed, passed on): a set would not do
    if binding is None or len(binding.targets) != 1:
        return None
    value = binding.value
    if isinstance(value, cst.List) and value.elements:
        new = cst.Set(
            elements=value.elements,
            lbrace=cst.LeftCurlyBrace(whitespace_after=value.lbracket.whitespace_after),
            rbrace=cst.RightCurlyBrace(whitespace_before=value.rbracket.whitespace_before),
            lpar=value.lpar,
            rpar=value.rpar,
        )
    elif isinstance(value, cst.ListComp):
        unit = owner_unit(site.unit)
        if not comprehensions_inlined() and renumbers_code_objects(unit, child_position(unit, ctx.span(value).line) + 1, {"<listcomp>", "<setcomp>"}):
            return None  # the fixer's proofs would compare later comprehensions with the wrong ones
        new = cst.SetComp(
            elt=value.elt,
            for_in=value.for_in,
            lbrace=cst.LeftCurlyBrace(whitespace_after=value.lbracket.whitespace_after),
            rbrace=cst.RightCurlyBrace(whitespace_before=value.rbracket.whitespace_before),
            lpar=value.lpar,
            rpar=value.rpar,
        )
    elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in _LIST_CALLS:
        if len(value.args) != 1 or value.args[0].keyword or value.args[0].star or not builtin_visible(ctx, value.func.value):
            return None
        new = value.with_changes(func=cst.Name("set"))
    else:
        return None  # `[]`: nothing to find in it
    if (isinstance(new, cst.Call) and not builtin_visible(ctx, "set")) or not keeps_comments(value, new):
        return None
    return FixSpec({value: new}, safe=False, description=f"build {name} as a set")


def _assigned_in_owner(unit, name: str) -> bool:
    """Is *name* assigned in the function, class or module whose scope runs the test, and
    not a parameter of it? (The source half needs a list built by an assignment there.)"""
    owner = owner_unit(unit)
    code = owner.code
    if owner.kind is ScopeKind.FUNCTION:
        count = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)
        if name in code.co_varnames[:count]:
            return False
    return any(i.kind in _STORES and i.name == name for i in owner.instrs)


# Values that are never the list `check` wants bound (a display, a list comprehension, `list()`
# or `sorted()`): a variable, an attribute, a constant, a loop target, an import, ...
_NOT_LISTS = frozenset({
    Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.GLOBAL_LOAD, Kind.NAME_LOAD, Kind.ATTR_LOAD, Kind.SUBSCR_LOAD,
    Kind.CONST_LOAD, Kind.FOR_ITER, Kind.IMPORT, Kind.COMPARE, Kind.CONTAINS, Kind.IS,
    Kind.FORMAT, Kind.MAKE_FUNCTION,
})


def _bound_to_a_non_list(unit, name: str) -> bool:
    """Does the owner's bytecode store to *name* a value that is certainly not a list built
    there (a set, a dict, a call of anything but `list`/`sorted`, a loop target, ...)? Then
    `check` would not report it (it needs every binding to be such a list)."""
    for instr in owner_unit(unit).instrs:
        if instr.kind not in _STORES or instr.name != name:
            continue
        value = producer(instr, 0)
        if value is None:
            continue
        kind = value.kind
        if kind in _NOT_LISTS:
            return True
        if kind in (Kind.BUILD, Kind.EXTEND) and value.op != "list":
            return True
        if kind is Kind.CALL:
            shape = call_shape(value)
            callee = shape.callee if shape is not None else None
            if callee is None:
                continue
            if callee.kind in (Kind.ATTR_LOAD, Kind.METHOD_LOAD):
                return True
            if callee.kind in (Kind.GLOBAL_LOAD, Kind.NAME_LOAD, Kind.FAST_LOAD) and callee.name not in _LIST_CALLS:
                return True
    return False


def _running_loops(node: cst.CSTNode, ctx: NodeContext) -> list:
    """The loop statements and comprehensions that run *node* repeatedly, innermost first, up
    to its function (the list must be invariant in all of them for one set to do)."""
    chain = list(ctx.ancestors) + [node]
    loops = []
    for i in range(len(chain) - 2, -1, -1):
        ancestor, child = chain[i], chain[i + 1]
        if isinstance(ancestor, _SCOPES):
            break
        if isinstance(ancestor, cst.For) and child is not ancestor.iter:
            loops.append(ancestor)
        elif isinstance(ancestor, cst.While):
            loops.append(ancestor)
        elif isinstance(ancestor, _COMPREHENSIONS):
            if child is ancestor.for_in and len(chain) > i + 2 and chain[i + 2] is ancestor.for_in.iter:
                continue  # the outermost iterable is evaluated once
            loops.append(ancestor)
    return loops


def _consumed_by_call_on(loop, name: str, ctx: NodeContext) -> bool:
    """Is the comprehension *loop* an argument (at any depth) of a call on, or with, *name*?"""
    if not isinstance(loop, _COMPREHENSIONS):
        return False
    chain = list(ctx.ancestors)
    index = next((i for i, a in enumerate(chain) if a is loop), None)
    if index is None:
        return False
    for ancestor in reversed(chain[:index]):
        if isinstance(ancestor, (cst.BaseStatement, cst.BaseSmallStatement)) or isinstance(ancestor, _SCOPES):
            return False
        if isinstance(ancestor, cst.Call):
            func = ancestor.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == name:
                return True
            if any(isinstance(a.value, cst.Name) and a.value.value == name for a in ancestor.args):
                return True
    return False


class _Bindings(cst.CSTVisitor):
    """Every binding of one name in a scope (nested scopes skipped)."""

    def __init__(self, name: str, root: cst.CSTNode) -> None:
        super().__init__()
        self.name = name
        self.values: List[Optional[cst.BaseExpression]] = []  # None: not a plain assignment
        self.nodes: List[cst.CSTNode] = []
        self._root = root

    def visit_FunctionDef(self, node) -> bool:
        if node is self._root:
            for param in _params(node.params):
                if param.name.value == self.name:
                    self.values.append(None)
            return True
        return False

    def visit_ClassDef(self, node) -> bool:
        return False

    def visit_Lambda(self, node) -> bool:
        return False

    def _bind(self, target, value, node) -> None:
        if isinstance(target, cst.Name):
            if target.value == self.name:
                self.values.append(value)
                self.nodes.append(node)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, None, node)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, None, node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value if len(node.targets) == 1 else None, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == self.name:
            # `lst += more` keeps a list a list
            self.values.append(cst.List([]) if isinstance(node.operator, cst.AddAssign) else None)
            self.nodes.append(node)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, None, node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, None, node)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind(node.name, None, node)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, None, node)

    def visit_Global(self, node: cst.Global) -> None:
        if any(item.name.value == self.name for item in node.names):
            self.values.append(None)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        if any(item.name.value == self.name for item in node.names):
            self.values.append(None)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node.target, None, node)


def _params(params: cst.Parameters):
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star


def _list_bindings(scope, name: str, loop, ctx: NodeContext) -> bool:
    """Is every binding of *name* in the scope a list built outside *loop* (the outermost)?"""
    visitor = ctx.file.memo(f"bindings of {name}", scope, lambda: _bindings_of(name, scope))
    if not visitor.values or any(v is None for v in visitor.values):
        return False
    loop_span = ctx.span(loop)
    for value, node in zip(visitor.values, visitor.nodes):
        if loop_span.contains(ctx.span(node)):
            return False
        if not _makes_hashable_list(value, ctx):
            return False
    return True


def _bindings_of(name: str, scope) -> _Bindings:
    visitor = _Bindings(name, scope)
    scope.visit(visitor)
    return visitor


def _makes_hashable_list(value, ctx: NodeContext) -> bool:
    if isinstance(value, cst.List):
        # a display: its items must look hashable (literals or names), not nested lists/dicts
        return all(isinstance(e, cst.Element) and isinstance(e.value, _HASHABLE_LITERALS) for e in value.elements)
    if isinstance(value, cst.ListComp):
        return not isinstance(value.elt, (cst.List, cst.ListComp, cst.Dict, cst.DictComp, cst.Set, cst.SetComp))
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in _LIST_CALLS:
        namespace = ctx.file.bytecode.namespace
        return all(namespace.classify(value.func.value, v) is NameClass.BUILTIN for v in ctx.file.config.target_versions)
    return False
