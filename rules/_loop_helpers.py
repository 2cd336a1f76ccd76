"""Helpers shared by the rules BL104-BL106, BL202-BL204, BL501/BL502 and BL601/BL602: which
loops run a node (matching the bytecode's loop depth), and what a loop does with plain names.

A private module of the rules package (the registry skips modules starting with ``_``); it
lives here rather than in ``bytelint/evidence.py`` to keep that module small.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import libcst as cst

from bytelint.evidence import _comp_clauses
from bytelint.tree import children
_COMPREHENSION_NODES = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module)


def running_loops(ctx, node: cst.CSTNode) -> List[Tuple[cst.CSTNode, int]]:
    """The loops of ``node``'s scope (``for``, ``while``, comprehensions) whose ordinary iteration
    runs ``node``, outermost first, each with the loop levels it adds: a ``for``'s iterable and
    ``else`` run outside it, a comprehension adds one level per ``for`` clause around the node.
    The levels add up to ``Site.depth`` of the node's instructions (lambda bodies excepted)."""
    path = list(ctx.ancestors) + [node]
    found: List[Tuple[cst.CSTNode, int]] = []
    clauses = 0  # levels of the CompFor clauses seen below the comprehension being reached
    for i in range(len(path) - 2, -1, -1):
        parent, child = path[i], path[i + 1]
        if isinstance(parent, _SCOPE_NODES):
            break
        if isinstance(parent, cst.CompFor):
            clauses += child is not parent.iter
            continue
        if isinstance(parent, cst.For):
            levels = int(child is parent.target or child is parent.body)
        elif isinstance(parent, cst.While):
            levels = int(child is parent.test or child is parent.body)
        elif isinstance(parent, _COMPREHENSION_NODES):
            levels = clauses if child is parent.for_in else _comp_clauses(parent)
            clauses = 0
        else:
            continue
        if levels:
            found.append((parent, levels))
    found.reverse()
    return found


@dataclass
class LoopNames:
    """What the iterations of one loop do with plain names (nested scopes: every name they
    mention counts as escaped)."""

    assigned: set  # bound in the loop: assignment and loop targets, with/except/import names, del
    escaped: set  # may change in place: method called on it (other than ``reading``), stored
    # into (``x[i] =``, ``x.a =``, ``del x[i]``), passed to a call (other than ``pure``),
    # aliased (``y = x``, ``[x]``), yielded, or mentioned by a nested function
    calls: int  # calls other than of ``pure`` names (``len``, or dotted: ``math.sqrt``)


def loop_names(loop: cst.CSTNode, pure=frozenset(), reading=frozenset()) -> LoopNames:
    names = LoopNames(set(), set(), 0)

    def root(expr) -> Optional[str]:
        while isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call)):
            expr = expr.func if isinstance(expr, cst.Call) else expr.value
        return expr.value if isinstance(expr, cst.Name) else None

    def bind(target) -> None:
        if isinstance(target, cst.Name):
            names.assigned.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                bind(element.value)
        elif isinstance(target, cst.StarredElement):
            bind(target.value)
        elif isinstance(target, (cst.Attribute, cst.Subscript)):
            names.escaped.add(root(target))
            scan(target)

    def held(expr) -> None:  # a reference to the value is kept: an alias
        if isinstance(expr, cst.Name):
            names.escaped.add(expr.value)
        elif isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            for element in expr.elements:
                held(element.value)

    def mentioned(node) -> None:
        if isinstance(node, cst.Name):
            names.escaped.add(node.value)
        for child in children(node):
            mentioned(child)

    def scan(node) -> None:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            names.assigned.add(node.name.value)
            mentioned(node)
            return
        if isinstance(node, cst.Lambda):
            mentioned(node)
            return
        if isinstance(node, cst.Assign):
            for target in node.targets:
                bind(target.target)
            held(node.value)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            bind(node.target)
            held(node.value)
        elif isinstance(node, (cst.For, cst.CompFor, cst.NamedExpr)):
            bind(node.target)
        elif isinstance(node, cst.AsName):
            bind(node.name)
        elif isinstance(node, cst.Del):
            bind(node.target)
        elif isinstance(node, cst.Yield):
            if isinstance(node.value, cst.BaseExpression):
                held(node.value)
            elif node.value is not None:  # `yield from x`
                held(node.value.item)
        elif isinstance(node, cst.Await):
            held(node.expression)
        elif isinstance(node, (cst.Element, cst.DictElement)):
            held(node.value)
        elif isinstance(node, cst.ImportAlias) and node.asname is None:
            names.assigned.add(root(node.name) or "")
        elif isinstance(node, cst.Call):
            func = node.func
            dotted = func.value if isinstance(func, cst.Name) else None
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
                dotted = f"{func.value.value}.{func.attr.value}"
            if dotted in pure:
                pass
            else:
                names.calls += 1
                if isinstance(func, cst.Attribute) and func.attr.value not in reading:
                    names.escaped.add(root(func.value))
                for arg in node.args:
                    held(arg.value)
        for child in children(node):
            scan(child)

    if isinstance(loop, cst.For):
        bind(loop.target)
        parts = [loop.body]
    elif isinstance(loop, cst.While):
        parts = [loop.test, loop.body]
    else:
        parts = [getattr(loop, f) for f in ("elt", "key", "value") if getattr(loop, f, None) is not None]
        clause = loop.for_in
        while clause is not None:
            bind(clause.target)
            parts += list(clause.ifs) + ([clause.iter] if clause is not loop.for_in else [])
            clause = clause.inner_for_in
    for part in parts:
        scan(part)
    names.escaped.discard(None)
    return names


def runs_every_iteration(ctx, node: cst.CSTNode, loop: cst.CSTNode) -> bool:
    """Does the statement ``node`` run on every iteration of ``loop`` (an ancestor): is it in the
    loop's body, or the body of a ``try``/``with`` there, never under an ``if``, a ``match``, an
    ``except``, an ``else`` or an inner loop?"""
    path = list(ctx.ancestors) + [node]
    try:
        start = next(i for i, n in enumerate(path) if n is loop)
    except StopIteration:
        return False
    for i in range(start, len(path) - 1):
        parent, child = path[i], path[i + 1]
        if isinstance(parent, (cst.IndentedBlock, cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            continue
        if isinstance(parent, (cst.For, cst.While, cst.With)) and (parent is loop or isinstance(parent, cst.With)):
            if child is not parent.body:
                return False
            continue
        if isinstance(parent, cst.Try) and (child is parent.body or child is parent.finalbody):
            continue
        if isinstance(parent, cst.Finally):
            continue
        return False
    return True


_DEBUG_WORDS = ("debug", "verbose", "trace")


def cold_branch(ctx, node: cst.CSTNode, loop: cst.CSTNode) -> bool:
    """Is ``node`` under an ``if`` (inside ``loop``) that rarely runs: a debugging switch
    (``if self.debug:``, ``if verbose > 1:``) or a flag the branch itself sets
    (``if not started: started = True``, a first-iteration-only block)?"""
    path = list(ctx.ancestors) + [node]
    try:
        start = next(i for i, n in enumerate(path) if n is loop)
    except StopIteration:
        return False
    for i in range(start + 1, len(path) - 1):
        branch = path[i]
        if not isinstance(branch, cst.If) or path[i + 1] is not branch.body:
            continue
        tested = set()
        _collect(branch.test, tested)
        if any(word in name.lower() for name in tested for word in _DEBUG_WORDS):
            return True
        flag = _flag(branch.test)
        if flag is not None:
            for statement in branch.body.body:
                if isinstance(statement, cst.SimpleStatementLine):
                    for small in statement.body:
                        if isinstance(small, cst.Assign) and any(_chain(t.target) == flag for t in small.targets):
                            return True
    return False


def _chain(expr) -> Optional[str]:
    parts = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    return ".".join([expr.value] + parts[::-1])


def _flag(test) -> Optional[str]:
    """The name or attribute chain tested by ``if x:``, ``if not x:``, ``if x is None:``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test = test.expression
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if isinstance(target.operator, (cst.Is, cst.IsNot)) and isinstance(target.comparator, cst.Name):
            test = test.left
    return _chain(test)


def _collect(expr, out: set) -> None:
    """Names and dotted chains (``self.debug``) mentioned by ``expr``."""
    chain = _chain(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
    if chain is not None:
        out.add(chain)
        return
    for child in children(expr):
        _collect(child, out)
