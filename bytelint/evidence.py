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
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import libcst as cst

from .bytecode import CodeUnit, Instr, Kind, Loop, ScopeKind
from .results import Span

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
        unit = self.unit
        while unit.kind in _NESTED_KINDS and unit.parent is not None:
            unit = unit.parent
        return unit


def hot_sites(units: Iterable[CodeUnit], kinds: Sequence, predicate=None) -> Iterator[Site]:
    """Instructions of ``kinds`` that run on every ordinary iteration of some loop."""
    kinds = frozenset(kinds)
    for unit in units:
        if not unit.loops and unit.inherited_depth() == 0:
            continue
        for instr in unit.instrs:
            if instr.kind not in kinds:
                continue
            if predicate is not None and not predicate(unit, instr):
                continue
            loop = unit.hot_loop_of(instr)
            if loop is None and unit.inherited_depth() == 0:
                continue
            yield Site(unit, instr, loop)


class SiteIndex:
    """Sites by source line, for lookups from libcst nodes."""

    def __init__(self, sites: Iterable[Site]) -> None:
        self._by_line: Dict[int, List[Site]] = defaultdict(list)
        self._count = 0
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
    return scope_matches(site.owner, scope, ctx.span(scope))


def loop_sites(index: SiteIndex, ctx, node: cst.CSTNode, depth: int, name: Optional[str] = None) -> List[Site]:
    """Sites inside ``node`` that belong to this loop (not to an inner one) in this scope."""
    return [
        site
        for site in index.within(ctx.span(node), name)
        if site.depth == depth and site_in_scope(site, ctx)
    ]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def dense_sites(sites: Iterable[Site], key, pays) -> List[Site]:
    """Keep the groups of sites (grouped by ``key(site)`` within each loop) for which
    ``pays(group, weight)`` holds: the group's sites in a loop whose iteration weighs ``weight``."""
    groups: Dict[tuple, List[Site]] = defaultdict(list)
    for site in sites:
        groups[(id(site.loop), key(site))].append(site)
    kept: List[Site] = []
    weights: Dict[int, int] = {}
    for (loop_id, _), group in groups.items():
        loop = group[0].loop
        if loop_id not in weights:
            weights[loop_id] = iteration_weight(loop)
        if pays(group, weights[loop_id]):
            kept.extend(group)
    return kept


def iteration_weight(loop: Optional[Loop]) -> int:
    """A rough size of one ordinary iteration: its instructions, with calls counted as four
    (a call does far more work than a load). Used to judge whether saving a few lookups per
    iteration is measurable (see the rules' benchmarks)."""
    if loop is None:
        return 0
    weight = 0
    for instr in loop.hot_instrs():
        if instr.kind is Kind.NOISE:
            continue
        weight += 4 if instr.kind is Kind.CALL else 1
    return weight
