"""Building blocks for fixes: fresh local names, replacing loads inside a loop, hoisting a
binding in front of a loop. All of them return libcst nodes, so comments and formatting of
everything else survive."""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Optional, Set

import libcst as cst

from . import codegen, tree
from .bytecode import Kind

_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
# where a name or an attribute chain is not a read a local can stand for: module names of
# imports, and match patterns (`case m.A:` compares with m.A; `case A:` would bind A)
_NOT_READS = _NESTED_SCOPES + (cst.Import, cst.ImportFrom, cst.MatchValue)


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: Set[str] = set()
        self._skip: Set[int] = set()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._skip:
            self.names.add(node.value)


def names_in(node: cst.CSTNode) -> Set[str]:
    """Every variable name used anywhere in ``node`` (attribute and keyword names excluded:
    they cannot clash with a new local)."""
    visitor = _Names()
    node.visit(visitor)
    return visitor.names


_VARIABLE_KINDS = frozenset(
    {Kind.FAST_LOAD, Kind.FAST_STORE, Kind.GLOBAL_LOAD, Kind.GLOBAL_STORE, Kind.NAME_LOAD, Kind.NAME_STORE,
     Kind.DEREF_LOAD, Kind.DEREF_STORE, Kind.CLOSURE_LOAD, Kind.DELETE}
)


def scope_names(unit) -> Set[str]:
    """Every variable name the compiled scope ``unit`` and the code nested in it use: its
    locals, cells and free variables, and the global or builtin names they load or store.
    For picking a fresh local this equals ``names_in`` of the scope's tree (attribute and
    keyword names are not variables), without walking the tree."""
    names: Set[str] = set()
    for current in unit.descendants():
        code = current.code
        names.update(code.co_varnames, code.co_cellvars, code.co_freevars)
        for instr in current.instrs:
            if instr.kind in _VARIABLE_KINDS and isinstance(instr.name, str):
                names.add(instr.name)
    return names


def fresh_name(preferred: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    # `_x` for `_x` would be `__x`, which name mangling rewrites inside classes: avoid it
    underscored = f"_{preferred}" if not preferred.startswith("_") else f"{preferred}_"
    for candidate in (preferred, underscored, f"{preferred}_"):
        if candidate not in taken and candidate.isidentifier():
            return candidate
    n = 2
    while f"{preferred}_{n}" in taken:
        n += 1
    return f"{preferred}_{n}"


class _NonExpressionNames(cst.CSTVisitor):
    """Name nodes that are not variable reads: attribute names, keywords, parameters,
    definitions, import aliases, global/nonlocal declarations, assignment targets."""

    def __init__(self) -> None:
        super().__init__()
        self.excluded: Set[int] = set()

    def _exclude(self, node: Optional[cst.CSTNode]) -> None:
        if isinstance(node, cst.Name):
            self.excluded.add(id(node))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._exclude(node.attr)

    def visit_Arg(self, node: cst.Arg) -> None:
        self._exclude(node.keyword)

    def visit_Param(self, node: cst.Param) -> None:
        self._exclude(node.name)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._exclude(node.name)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._exclude(node.name)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:
        self._exclude(node.name if isinstance(node.name, cst.Name) else None)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._exclude(node.name)

    def visit_NameItem(self, node: cst.NameItem) -> None:
        self._exclude(node.name)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._exclude(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._exclude(node.target)


class _ReplaceReads(cst.CSTTransformer):
    def __init__(self, match: Callable[[cst.BaseExpression], Optional[cst.BaseExpression]], excluded: Set[int]) -> None:
        super().__init__()
        self.match = match
        self.excluded = excluded
        self.count = 0
        self._nested = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _NOT_READS):
            self._nested += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        if isinstance(original_node, _NOT_READS):
            self._nested -= 1
            return updated_node
        if self._nested or id(original_node) in self.excluded:
            return updated_node
        if isinstance(original_node, (cst.Name, cst.Attribute)):
            replacement = self.match(original_node)
            if replacement is not None:
                self.count += 1
                return replacement.with_changes(lpar=original_node.lpar, rpar=original_node.rpar)
        return updated_node


def replace_reads(
    node: cst.CSTNode, match: Callable[[cst.BaseExpression], Optional[cst.BaseExpression]]
) -> "tuple[cst.CSTNode, int]":
    """Replace variable reads (names or attribute chains) for which ``match`` returns a new
    expression, outside nested functions, classes and lambdas. Returns (new node, count).

    The same result as running ``_ReplaceReads`` (after ``_NonExpressionNames``) over ``node``,
    computed with one read-only walk and then rebuilding only the nodes on the way to a
    replaced read (a loop body is mostly left as it is)."""
    excluded: Set[int] = set()
    found: Dict[int, cst.CSTNode] = {}
    on_path: Set[int] = set()
    ancestors: List[cst.CSTNode] = []
    count = 0

    def visit(current: cst.CSTNode) -> None:
        nonlocal count
        if isinstance(current, _NOT_READS):
            return  # nothing inside a nested scope is replaced, nor a module name or a pattern
        exclude = _EXCLUDED_CHILD.get(type(current))
        if exclude is not None:
            child = getattr(current, exclude)
            if isinstance(child, cst.Name):
                excluded.add(id(child))
        ancestors.append(current)
        for child in tree.children(current):
            visit(child)
        ancestors.pop()
        if isinstance(current, (cst.Name, cst.Attribute)) and id(current) not in excluded:
            replacement = match(current)
            if replacement is not None:
                count += 1
                found[id(current)] = replacement.with_changes(lpar=current.lpar, rpar=current.rpar)
                on_path.update(id(a) for a in ancestors)
                on_path.add(id(current))

    visit(node)
    if not found:
        return node, 0
    return codegen.rebuild(node, on_path, found), count


# node type -> its field holding a Name that is not a variable read (see _NonExpressionNames)
_EXCLUDED_CHILD: Dict[type, str] = {
    cst.Attribute: "attr",
    cst.Arg: "keyword",
    cst.Param: "name",
    cst.FunctionDef: "name",
    cst.ClassDef: "name",
    cst.ImportAlias: "name",
    cst.AsName: "name",
    cst.NameItem: "name",
    cst.AssignTarget: "target",
    cst.AugAssign: "target",
}


def hoist_before(loop: cst.BaseStatement, new_loop: cst.BaseStatement, bindings: Dict[str, str]) -> cst.FlattenSentinel:
    """``name = expression`` statements in front of the loop; comments above the loop stay
    above the whole group."""
    statements = []
    for i, (name, expression) in enumerate(bindings.items()):
        statement = cst.SimpleStatementLine(
            body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=cst.parse_expression(expression))]
        )
        if i == 0:
            statement = statement.with_changes(leading_lines=loop.leading_lines)
        statements.append(statement)
    return cst.FlattenSentinel([*statements, new_loop.with_changes(leading_lines=())])


def is_block_statement(ctx, node: cst.CSTNode) -> bool:
    """Is ``node`` a statement directly in a block, where statements can be inserted before it?"""
    return isinstance(ctx.parent, (cst.IndentedBlock, cst.Module))


def chain_of(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))

