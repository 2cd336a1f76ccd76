"""Matching bytecode evidence to libcst nodes.

A rule's bytecode half collects *sites*: instructions of interest, each with its code unit and
the loop that runs it on every iteration. Its libcst half asks for the sites that lie inside a
node. With columns (3.11+) a site matches when its exact source range lies inside the node;
without them (3.9/3.10, or ``PYTHONNODEBUGRANGES``) it matches by line.

Loop depth ties the two halves together: the natural loops found in the bytecode give every
instruction a depth that equals the number of ``for``/``while`` statements and comprehension
clauses around it in its function, so a site belongs to the innermost loop node of equal depth.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from .bytecode import CodeUnit, Instr, Kind, Loop, ScopeKind
from .results import Span
from .weights import WAITING_WEIGHT, instruction_count, iteration_weight, waits, work_weight  # noqa: F401  (rules import them here)

# Code units that run inside their creator's frame logic: their loops add to the creator's depth.
_NESTED_KINDS = (ScopeKind.COMPREHENSION, ScopeKind.GENEXPR)


@dataclass(frozen=True)
class Site:
    unit: CodeUnit
    instr: Instr
    loop: Optional[Loop]  # innermost loop whose ordinary iteration runs the instruction
    extra: object = None  # what the rule's bytecode half learnt about the site (e.g. a chain)

    @property
    def depth(self) -> int:
        own = self.loop.depth if self.loop is not None else 0
        return own + self.unit.inherited_depth()

    @property
    def owner(self) -> CodeUnit:
        """The function, class or module whose source scope contains the site."""
        return owner_unit(self.unit)


def owner_unit(unit: CodeUnit) -> CodeUnit:
    """The function, class or module code unit whose scope a unit's code belongs to (a
    comprehension or generator expression belongs to the code that creates it)."""
    while unit.kind in _NESTED_KINDS and unit.parent is not None:
        unit = unit.parent
    return unit


_READS = frozenset({Kind.FAST_LOAD, Kind.DEREF_LOAD})
_VARIABLE_USES = frozenset({
    Kind.FAST_LOAD, Kind.FAST_STORE, Kind.DEREF_LOAD, Kind.DEREF_STORE, Kind.CLOSURE_LOAD, Kind.DELETE,
    Kind.GLOBAL_LOAD, Kind.GLOBAL_STORE, Kind.NAME_LOAD, Kind.NAME_STORE,
})
_BINDINGS = frozenset({Kind.FAST_STORE, Kind.DEREF_STORE, Kind.GLOBAL_STORE, Kind.NAME_STORE, Kind.DELETE})


def reference_lines(sites: Iterable["Site"], builtins: Iterable[str] = ()) -> Tuple[set, set]:
    """A context for ``SiteIndex`` (see ``Rule.statement_local``): the lines, in each site's
    function and the code nested in it, that use a local variable the site's line reads (the
    bindings and uses a check of that variable reads: ``bound_once_to``, ``uses_of``), and the
    lines binding one of ``builtins`` in the functions and classes around it (what
    ``builtin_visible`` reads). A site outside any function has its scope read whole."""
    builtins = frozenset(builtins)
    keep: set = set()
    whole: set = set()
    names_of: Dict[int, Tuple[CodeUnit, set]] = {}
    for site in sites:
        line = site.instr.line
        if line is None:
            continue
        owner = owner_unit(site.unit)
        if owner.kind is not ScopeKind.FUNCTION:
            whole.add(line)
            continue
        names = {i.name for i in site.unit.instrs_of(_READS) if i.line == line}
        names_of.setdefault(id(owner), (owner, set()))[1].update(names)
    for owner, names in names_of.values():
        for unit in owner.descendants():
            keep.update(i.line for i in unit.instrs_of(_VARIABLE_USES) if i.name in names and i.line is not None)
        if builtins:
            outer = owner
            while outer is not None and outer.kind is not ScopeKind.MODULE:
                keep.update(i.line for i in outer.instrs_of(_BINDINGS) if i.name in builtins and i.line is not None)
                outer = outer.parent
    return keep, whole


def hot_sites(units: Iterable[CodeUnit], kinds: Sequence, predicate=None) -> Iterator[Site]:
    """Instructions of ``kinds`` that run on every ordinary iteration of some loop."""
    kinds = frozenset(kinds)
    for unit in units:
        if not unit.loops and unit.inherited_depth() == 0:
            continue
        for instr in unit.instrs_of(kinds):
            if predicate is not None and not predicate(unit, instr):
                continue
            loop = unit.hot_loop_of(instr)
            if loop is None and unit.inherited_depth() == 0:
                continue
            yield Site(unit, instr, loop)


class SiteIndex:
    """Sites by source line, for lookups from libcst nodes. ``context``: for a statement-local
    rule, the lines of the other statements its check reads (see ``context_lines``)."""

    def __init__(self, sites: Iterable[Site], context: Optional[Callable[[List[Site]], Iterable[int]]] = None) -> None:
        self._by_line: Dict[int, List[Site]] = defaultdict(list)
        self._count = 0
        self._context = context
        self._found: Optional[Tuple[Iterable[int], Iterable[int]]] = None
        for site in sites:
            if site.instr.line is not None:
                self._by_line[site.instr.line].append(site)
                self._count += 1

    def __bool__(self) -> bool:
        return self._count > 0

    def __len__(self) -> int:
        return self._count

    def within(self, span: Span, name: Optional[str] = None) -> List[Site]:
        found = []
        for line in range(span.line, span.end_line + 1):
            for site in self._by_line.get(line, ()):
                if name is not None and site.instr.name != name:
                    continue
                if site.instr.span is not None and not span.contains(Span(*site.instr.span)):
                    continue
                found.append(site)
        return found

    def lines(self) -> Iterable[int]:
        return self._by_line.keys()

    def narrowed(self, lines: Iterable[int]) -> "SiteIndex":
        """The sites on these lines only (``Rule.screen``), with the same context."""
        return SiteIndex((site for line in sorted(set(lines)) for site in self._by_line.get(line, ())), self._context)

    def context_lines(self) -> Iterable[int]:
        """Lines outside the sites' own statements that the check reads (an initial value
        assigned before the loop, say): the engine keeps their statements in the tree of a
        statement-local rule (``Rule.statement_local``). A context may also return a pair,
        (lines to keep, lines whose whole scope the check reads): see ``scope_lines``."""
        return self._context_of()[0]

    def scope_lines(self) -> Iterable[int]:
        """Lines whose scope (function, class, module) the check reads whole after all."""
        return self._context_of()[1]

    def _context_of(self) -> Tuple[Iterable[int], Iterable[int]]:
        if self._found is None:
            found: Any = ((), ())
            if self._context is not None:
                found = self._context([site for sites in self._by_line.values() for site in sites])
            self._found = found if isinstance(found, tuple) else (found, ())
        return self._found


def scope_matches(unit: CodeUnit, scope: cst.CSTNode, scope_span: Span) -> bool:
    """Does the compiled code unit belong to this libcst scope node?"""
    if isinstance(scope, cst.Module):
        return unit.kind == ScopeKind.MODULE
    if isinstance(scope, (cst.FunctionDef, cst.ClassDef)):
        expected = ScopeKind.CLASS if isinstance(scope, cst.ClassDef) else ScopeKind.FUNCTION
        return (
            unit.kind == expected
            and unit.name == scope.name.value
            and scope_span.line <= unit.first_line <= scope_span.end_line
        )
    if isinstance(scope, cst.Lambda):
        return unit.kind == ScopeKind.LAMBDA and scope_span.line <= unit.first_line <= scope_span.end_line
    return False


def function_scope(ctx) -> Tuple[cst.CSTNode, str]:
    """The innermost enclosing module, class, function or lambda (comprehensions are skipped:
    their code belongs to it for loop-depth purposes)."""
    for node, kind, _loops in reversed(ctx.scopes):
        if kind != "comprehension":
            return node, kind
    node, kind, _ = ctx.scopes[0]
    return node, kind


def loop_depth(ctx) -> int:
    """Loops (statements and comprehension clauses) around the current node, up to the nearest
    function, class or module scope."""
    depth = 0
    for node, kind, loops in reversed(ctx.scopes):
        depth += len(loops)
        if kind != "comprehension":
            break
        depth += _comp_clauses(node)
    return depth


def _comp_clauses(node: cst.CSTNode) -> int:
    count = 0
    clause = getattr(node, "for_in", None)
    while clause is not None:
        count += 1
        clause = clause.inner_for_in
    return count


def header_span(ctx, node: cst.CSTNode) -> Span:
    """A loop's header: from ``for``/``while`` to the end of its iterable or test."""
    full = ctx.span(node)
    if isinstance(node, cst.For):
        end = ctx.span(node.iter)
    elif isinstance(node, cst.While):
        end = ctx.span(node.test)
    else:
        return full
    return Span(full.line, full.col, end.end_line, end.end_col)


def site_in_scope(site: Site, ctx) -> bool:
    scope, _kind = function_scope(ctx)
    return scope_matches(site.owner, scope, scope_span(ctx, scope))


def scope_span(ctx, scope: cst.CSTNode) -> Span:
    """The span of a function or class with its decorators: where its compiled code starts
    (``co_firstlineno`` is the first decorator's line)."""
    span = ctx.span(scope)
    decorators = getattr(scope, "decorators", ())
    if decorators:
        first = ctx.span(decorators[0])
        return Span(first.line, first.col, span.end_line, span.end_col)
    return span


def loop_sites(index: SiteIndex, ctx, node: cst.CSTNode, depth: int, name: Optional[str] = None) -> List[Site]:
    """Sites inside ``node`` that belong to this loop (not to an inner one) in this scope."""
    return [
        site
        for site in index.within(ctx.span(node), name)
        if site.depth == depth and site_in_scope(site, ctx)
    ]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def dense_sites(sites: Iterable[Site], key, pays, weigh=None) -> List[Site]:
    """Keep the groups of sites (grouped by ``key(site)`` within each loop) for which
    ``pays(group, weight)`` holds: the group's sites in a loop whose iteration weighs ``weight``
    (``pays`` must hold for any lighter weight where it holds for a heavier one)."""
    groups: Dict[tuple, List[Site]] = defaultdict(list)
    for site in sites:
        groups[(id(site.loop), key(site))].append(site)
    kept: List[Site] = []
    weights: Dict[int, int] = {}
    for (loop_id, _), group in groups.items():
        loop = group[0].loop
        if loop is not None and not pays(group, instruction_count(loop)):
            continue  # every instruction weighs at least one: heavier still with its calls weighed
        if loop_id not in weights:
            weights[loop_id] = (weigh or iteration_weight)(loop)
        if pays(group, weights[loop_id]):
            kept.extend(group)
    return kept


# --- Helpers shared by the loop, iteration and container rules (BL3xx, BL4xx) ----------------

from .bytecode import NameClass  # noqa: E402  (appended section)


def rebound_by_closure(unit: CodeUnit, name: str) -> bool:
    """Does code nested in the scope that runs ``unit`` (a function with ``nonlocal name``, a
    walrus in a comprehension) assign the shared variable ``name``? Then any call made in a
    loop may change it, however the loop itself looks."""
    owner = owner_unit(unit)
    if name not in owner.code.co_cellvars:
        return False
    nested = owner.descendants()[1:]
    return any(i.kind is Kind.DEREF_STORE and i.name == name for current in nested for i in current.instrs)


def units_naming(units: Iterable[CodeUnit], names) -> List[CodeUnit]:
    """The code units that refer to one of ``names`` (a global, builtin or attribute: their
    ``co_names``). A rule looking for a call of one of them can skip the rest undecoded."""
    return [unit for unit in units if not names.isdisjoint(unit.code.co_names)]


def all_sites(units: Iterable[CodeUnit], kinds: Sequence, predicate=None) -> Iterator[Site]:
    """Instructions of ``kinds`` anywhere; ``Site.loop`` is the hot loop running them, or None."""
    kinds = frozenset(kinds)
    for unit in units:
        for instr in unit.instrs_of(kinds):
            if predicate is None or predicate(unit, instr):
                yield Site(unit, instr, unit.hot_loop_of(instr))


def is_builtin_load(file, instr: Optional[Instr], names, versions) -> bool:
    """Is *instr* a load of one of *names* that finds the builtin on every version of
    *versions*? A local, closure or module-level binding of the name, a class-body assignment
    of it (for class-body code) or a star import rules it out."""
    if instr is None or instr.kind not in (Kind.GLOBAL_LOAD, Kind.NAME_LOAD) or instr.name not in names:
        return False
    if any(file.bytecode.namespace.classify(instr.name, v) is not NameClass.BUILTIN for v in versions):
        return False
    unit = instr.unit
    return not (
        instr.kind is Kind.NAME_LOAD
        and unit.kind is not ScopeKind.MODULE
        and any(i.kind is Kind.NAME_STORE and i.name == instr.name for i in unit.instrs)
    )


_MUTATORS = frozenset(
    "append extend insert pop remove clear sort reverse update setdefault popitem add discard "
    "difference_update intersection_update symmetric_difference_update appendleft extendleft "
    "popleft rotate move_to_end __setitem__ __delitem__ __iadd__".split()
)
# node type -> the field holding the names it binds
_BINDING_FIELDS = {
    cst.AssignTarget: "target", cst.AugAssign: "target", cst.For: "target", cst.CompFor: "target",
    cst.AsName: "name", cst.NamedExpr: "target", cst.Del: "target",
}


class BodyEffects(cst.CSTVisitor):
    """What code (a loop body, say) may do to names and objects, read from the source. Nested
    function, class and lambda bodies are skipped: they do not run in place."""

    def __init__(self) -> None:
        super().__init__()
        self.assigned: set = set()  # names (re)bound, deleted or declared global/nonlocal
        self.method_calls: Dict[str, set] = defaultdict(set)  # `name.meth(...)`: name -> {meth}
        self.passed: set = set()  # names given to a call as an argument (`f(name)`, `f(*name)`)
        self.item_stores: set = set()  # roots of `x[...] = `, `x[...] += `, `del x[...]`
        self.attr_stores: set = set()  # roots of `x.a = `, `del x.a`
        self.augmented: set = set()  # names of `x += ...` (a list extends in place)
        self.mutator_calls = 0  # calls of a mutating method (`.append`, `.pop`, ...) on anything
        self.calls = 0
        self.suspends = False  # `yield` or `await` inside

    def _target(self, target) -> None:
        if isinstance(target, cst.Name):
            self.assigned.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value)
        elif isinstance(target, (cst.StarredElement, cst.Subscript, cst.Attribute)):
            if isinstance(target, cst.StarredElement):
                return self._target(target.value)
            root = target
            while isinstance(root, (cst.Attribute, cst.Subscript)):
                root = root.value
            if isinstance(root, cst.Name):
                (self.item_stores if isinstance(target, cst.Subscript) else self.attr_stores).add(root.value)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self.assigned.add(node.name.value)
            return False
        if isinstance(node, cst.Lambda):
            return False
        field = _BINDING_FIELDS.get(type(node))
        if field is not None:
            self._target(getattr(node, field))
            if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name):
                self.augmented.add(node.target.value)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            self._target(node.target)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            self.assigned.update(item.name.value for item in node.names)
        elif isinstance(node, (cst.Yield, cst.Await)):
            self.suspends = True
        elif isinstance(node, cst.Call):
            self.calls += 1
            func = node.func
            if isinstance(func, cst.Attribute):
                if isinstance(func.value, cst.Name):
                    self.method_calls[func.value.value].add(func.attr.value)
                self.mutator_calls += func.attr.value in _MUTATORS
            self.passed.update(a.value.value for a in node.args if isinstance(a.value, cst.Name))
        return True

    def changes(self, name: str) -> bool:
        """Could this code rebind *name* or change the object it names (directly)?"""
        return any(name in group for group in (self.assigned, self.passed, self.item_stores, self.augmented, self.attr_stores)) or bool(
            self.method_calls.get(name)
        )


def body_effects(*nodes) -> BodyEffects:
    effects = BodyEffects()
    for node in nodes:
        if node is not None:
            node.visit(effects)
    return effects


def span_with_parens(ctx, node: cst.CSTNode) -> Span:
    """The node's span including its own parentheses (the compiled code's positions for a
    parenthesized tuple or expression include them; libcst's node range does not)."""
    lpar, rpar = getattr(node, "lpar", ()), getattr(node, "rpar", ())
    if lpar and rpar:
        first, last = ctx.span(lpar[0]), ctx.span(rpar[-1])
        return Span(first.line, first.col, last.end_line, last.end_col)
    return ctx.span(node)


def few_iterations(loop, most: int = 100) -> bool:
    """Is *loop* a ``for`` over a literal collection, or a ``range()`` of constants, of at most
    *most* items? Per-iteration savings in such loops add up to nothing."""
    it = loop.iter if isinstance(loop, cst.For) else None
    if isinstance(it, (cst.Tuple, cst.List, cst.Set)):
        return len(it.elements) <= most
    if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "range":
        bounds = [a.value for a in it.args]
        if 1 <= len(bounds) <= 2 and all(isinstance(b, cst.Integer) for b in bounds):
            values = [int(b.value, 0) for b in bounds]
            return values[-1] - (values[0] if len(values) == 2 else 0) <= most
    return False
