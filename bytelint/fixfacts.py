"""Facts the fixes of the iteration and container rules rely on, and the small rewrites they
share: what bytelint can prove about a name (a certain ``dict``, the builtin), whether code can
read its variables by name, and how one expression takes another's place in the source without
gluing tokens or losing comments. (``rewrites.py`` holds the loop-hoisting building blocks.)"""

from __future__ import annotations

from typing import Optional, Set

import libcst as cst

from .bytecode import Kind, NameClass, ScopeKind
from .evidence import owner_unit  # noqa: F401  (the iteration rules import it from here)
from .rewrites import names_in

_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)

# Builtins that read or write a function's variables by name: with them in the function, a
# variable that no code reads may still be read.
_INTROSPECTION = frozenset({"locals", "vars", "dir", "eval", "exec"})


def code_of(node: cst.CSTNode) -> str:
    """The source text of ``node``."""
    return cst.Module(body=()).code_for_node(node)


def names_introspection(instrs) -> bool:
    """Do these instructions look up ``locals``, ``vars``, ``dir``, ``eval`` or ``exec``,
    which see variables by name?"""
    loads = (Kind.GLOBAL_LOAD, Kind.NAME_LOAD)
    return any(i.kind in loads and i.name in _INTROSPECTION for i in instrs)


def introspects(unit) -> bool:
    """Does the code of ``unit`` (or of anything nested in it) call ``locals()``, ``vars()``,
    ``dir()``, ``eval()`` or ``exec()``?"""
    return any(names_introspection(u.instrs) for u in unit.descendants())


class _Bindings(cst.CSTVisitor):
    """``name = <value>`` assignments of one scope (nested scopes skipped) and whether the name
    is a parameter."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.values: list = []
        self.parameter = False
        self._depth = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _NESTED_SCOPES):
            self._depth += 1
            if self._depth > 1:
                return False
        if isinstance(node, cst.Param) and self._depth == 1 and node.name.value == self.name:
            self.parameter = True
        if isinstance(node, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == self.name for t in node.targets):
            self.values.append(node.value)
        if isinstance(node, cst.AnnAssign) and isinstance(node.target, cst.Name) and node.target.value == self.name:
            self.values.append(node.value)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, _NESTED_SCOPES):
            self._depth -= 1


def bound_once_to(function: cst.CSTNode, unit, name: str, types) -> bool:
    """Is ``name`` a local variable of ``function`` (a ``FunctionDef``, compiled as the code
    unit ``unit``) that is bound exactly once, by ``name = <a node of types>``, and never
    rebound, deleted or declared global anywhere (nested functions included)? Then every read
    of it finds that object or raises UnboundLocalError, whatever code runs in between."""
    if not isinstance(function, cst.FunctionDef) or unit is None or unit.kind is not ScopeKind.FUNCTION:
        return False
    binding_kinds = (Kind.FAST_STORE, Kind.DEREF_STORE, Kind.NAME_STORE, Kind.GLOBAL_STORE, Kind.DELETE)
    stores = [(u, i) for u in unit.descendants() for i in u.instrs if i.kind in binding_kinds and i.name == name]
    if len(stores) != 1 or stores[0][0] is not unit or stores[0][1].kind not in (Kind.FAST_STORE, Kind.DEREF_STORE):
        return False
    bindings = _Bindings(name)
    function.visit(bindings)
    return not bindings.parameter and len(bindings.values) == 1 and isinstance(bindings.values[0], types)


def proven_dict(ctx, unit, receiver: cst.BaseExpression) -> bool:
    """Is ``receiver`` certainly a ``dict`` (not a subclass or another mapping): a local variable
    of the enclosing function bound once, to a dict display or dict comprehension?
    ``unit``: the code unit holding the site (a comprehension's unit is fine). A dict display
    or comprehension written in place is one too."""
    if isinstance(receiver, (cst.Dict, cst.DictComp)):
        return True
    if not isinstance(receiver, cst.Name):
        return False
    scope = None
    for node, kind, _loops in reversed(ctx.scopes):
        if kind != "comprehension":
            scope = node
            break
    return bound_once_to(scope, owner_unit(unit), receiver.value, (cst.Dict, cst.DictComp))


def comments_in(node: cst.CSTNode) -> list:
    """Every comment inside ``node``, in source order."""
    found: list = []

    class _Comments(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment)

    node.visit(_Comments())
    return found


def inside_fstring(ctx) -> bool:
    """Is the current node inside an f-string's replacement field (where `{}` would read as an
    escaped brace)?"""
    return any(isinstance(a, cst.FormattedStringExpression) for a in ctx.ancestors)


def builtin_visible(ctx, name: str) -> bool:
    """Does ``name`` read here find the builtin, as far as the file shows: not bound by the
    module (on any target version it would be a builtin of) nor used as a variable in any
    enclosing function, lambda, class or comprehension?"""
    namespace = ctx.file.bytecode.namespace
    if any(namespace.classify(name, v) is not NameClass.BUILTIN for v in ctx.file.config.target_versions):
        return False
    return not any(name in bound_names(node) for node, _kind, _loops in ctx.scopes[1:])


class _Bound(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: Set[str] = set()
        self._depth = 0

    def _add(self, target: Optional[cst.CSTNode]) -> None:
        if isinstance(target, cst.Name):
            self.names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._add(element.value)
        elif isinstance(target, cst.StarredElement):
            self._add(target.value)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _NESTED_SCOPES):
            self._depth += 1
            if self._depth > 1:
                if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                    self.names.add(node.name.value)
                return False
        if isinstance(node, cst.Param):
            self._add(node.name)
        elif isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.NamedExpr)):
            self._add(node.target)
        elif isinstance(node, (cst.For, cst.CompFor, cst.Del)):
            self._add(node.target)
        elif isinstance(node, cst.AsName):
            self._add(node.name)
        elif isinstance(node, cst.ImportAlias) and node.asname is None:
            root = node.name
            while isinstance(root, cst.Attribute):
                root = root.value
            self._add(root)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            self.names.update(item.name.value for item in node.names)
        elif isinstance(node, cst.ImportStar):
            self.names.add("*")
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, _NESTED_SCOPES):
            self._depth -= 1


def bound_names(scope: cst.CSTNode) -> Set[str]:
    """The names a function, lambda, class or comprehension binds in its own scope
    (parameters, assignment and loop targets, imports, nested definitions, global and nonlocal
    declarations; ``*`` for a star import). Comprehensions inside it count as part of it (an
    over-approximation: their targets are their own, but a walrus in them binds here)."""
    visitor = _Bound()
    scope.visit(visitor)
    return visitor.names


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or ord(ch) > 127


def in_place_of(ctx, old: cst.BaseExpression, new: cst.BaseExpression) -> cst.BaseExpression:
    """``new``, ready to take ``old``'s place in the source: ``old``'s own parentheses move to
    ``new`` (when ``new`` has none) only where they are needed, i.e. where ``new`` spans lines
    or would otherwise touch a neighbouring name or keyword (`k in(d.keys())` -> `k in(d)`,
    never `k ind`); a bare ``new`` that would touch one gets parentheses of its own."""
    if new.lpar:
        return new
    parens = bool(old.lpar)
    text = code_of(new.with_changes(lpar=(), rpar=()))
    span = ctx.span(old)
    if parens:
        first, last = ctx.span(old.lpar[0]), ctx.span(old.rpar[-1])
        span = type(span)(first.line, first.col, last.end_line, last.end_col)
    lines = ctx.file.source.lines
    before = lines[span.line - 1][: span.col] if span.line <= len(lines) else ""
    after = lines[span.end_line - 1][span.end_col :] if span.end_line <= len(lines) else ""
    touches = (before[-1:] and text[:1] and _word_char(before[-1]) and _word_char(text[0])) or (
        after[:1] and text[-1:] and _word_char(after[0]) and _word_char(text[-1])
    )
    if "\n" in text or touches:
        if parens:
            return new.with_changes(lpar=old.lpar, rpar=old.rpar)
        return new.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return new


def keeps_comments(old: cst.CSTNode, new: cst.CSTNode) -> bool:
    """Does the replacement keep every comment of the replaced code? (A fix that would drop one
    is not offered.)"""
    return len(comments_in(new)) >= len(comments_in(old))


def comprehensions_inlined() -> bool:
    """Does the running interpreter compile list comprehensions into the enclosing code (PEP 709,
    3.12+)? Where it does, a generator expression turned into a list comprehension stops making
    the variables it reads closure cells; where it does not, a loop turned into a comprehension
    starts making them cells. Either way code outside the edited lines compiles differently,
    which the fixer's proofs reject, so such fixes are not offered."""
    from .bytecode import RUNNING_VERSION, VERSION_FACTS

    return VERSION_FACTS[RUNNING_VERSION].inlined_comprehensions


def importable(ctx, scope: cst.CSTNode, module: str, name: str, prefer_module: bool) -> "Optional[tuple]":
    """How code in ``scope`` (a ``FunctionDef``, or the module) can refer to ``module.name``
    (e.g. ``collections.deque``): ``(expression, import statement to add or None)``. It reuses
    the module's own ``from module import name`` or ``import module`` when nothing rebinds it,
    and an import of it at the top of the function; otherwise it adds one (``import module``
    when ``prefer_module``, else ``from module import name``): see ``with_import``. None when
    every way clashes with a name in use."""
    namespace = ctx.file.bytecode.namespace
    function = isinstance(scope, cst.FunctionDef)
    local = module if prefer_module else name
    statement = f"import {module}\n" if prefer_module else f"from {module} import {name}\n"
    expression = f"{module}.{name}" if prefer_module else name
    if function and _top_import(scope, statement) is not None:
        return expression, None  # added by an earlier fix (see with_import)
    bound = (bound_names(scope) if function else set()) | set(namespace.rebound)
    if namespace.from_imports.get(name) == f"{module}.{name}" and name not in bound:
        return name, None
    if namespace.imported_modules.get(module) == module and module not in bound:
        return f"{module}.{name}", None
    if local in namespace.bound or local in namespace.imported_modules or local in namespace.from_imports:
        return None  # the module binds the name to something else
    if function and local in names_in(scope):
        return None  # a local import would make every use of the name in the function local
    return expression, statement


def _docstring_count(body) -> int:
    first = body[0] if body else None
    if (
        isinstance(first, cst.SimpleStatementLine)
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    ):
        return 1
    return 0


def _top_import(function: cst.FunctionDef, statement: str) -> Optional[int]:
    """Where ``statement`` stands at the top of the function (after its docstring), if it does
    and the function binds its name nowhere else."""
    body = getattr(function.body, "body", ())
    index = _docstring_count(body)
    if index >= len(body) or code_of(body[index]).strip() != statement.strip():
        return None
    rest = function.with_changes(body=function.body.with_changes(body=tuple(body[:index]) + tuple(body[index + 1 :])))
    name = statement.split()[-1]
    return None if name in bound_names(rest) else index


class _ReplaceNodes(cst.CSTTransformer):
    def __init__(self, replacements) -> None:
        super().__init__()
        self.replacements = {id(k): v for k, v in replacements.items()}

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        return self.replacements.get(id(original_node), updated_node)


def with_import(scope: cst.CSTNode, statement: Optional[cst.BaseStatement], replacements: dict, imports: Optional[str]) -> dict:
    """The replacements of a fix, plus the import ``importable`` asked for: at the top of the
    function (after its docstring, so that a later fix in the function finds and reuses it),
    or, at module level, right before ``statement`` (the one holding the code that uses it)."""
    if imports is None:
        return replacements
    added = cst.parse_statement(imports)
    if isinstance(scope, cst.FunctionDef) and isinstance(scope.body, cst.IndentedBlock):
        block = scope.body.visit(_ReplaceNodes(replacements))
        body = list(block.body)
        at = _docstring_count(body)
        if at < len(body):
            added = added.with_changes(leading_lines=body[at].leading_lines)
            body[at] = body[at].with_changes(leading_lines=())
        body.insert(at, added)
        return {scope.body: block.with_changes(body=body)}
    if statement is None or statement in replacements:
        return {}
    new = statement.visit(_ReplaceNodes(replacements))
    added = added.with_changes(leading_lines=statement.leading_lines)
    return {statement: cst.FlattenSentinel([added, new.with_changes(leading_lines=())])}


def statement_of(ctx) -> "Optional[cst.BaseStatement]":
    """The statement (directly in a block) that holds the node being checked."""
    for i in range(len(ctx.ancestors) - 1, 0, -1):
        node, parent = ctx.ancestors[i], ctx.ancestors[i - 1]
        if isinstance(node, cst.BaseStatement) and isinstance(parent, (cst.IndentedBlock, cst.Module)):
            return node
    return None


def function_scope_of(ctx) -> "Optional[cst.CSTNode]":
    """The function (``FunctionDef``) or module whose code runs the node being checked; None
    inside a class body or a lambda, where no statement can be added for it."""
    for node, kind, _loops in reversed(ctx.scopes):
        if kind == "comprehension":
            continue
        return node if isinstance(node, (cst.FunctionDef, cst.Module)) else None
    return None


def renumbers_code_objects(parent, position: int, names) -> bool:
    """Would adding or removing a nested code object at ``position`` (an index in
    ``parent.children``, the code objects ``parent`` creates, in order) renumber others? The
    fixer's proofs tell the code objects of a function apart by qualified name and order, so a
    ``<genexpr>`` dropped, or a ``<listcomp>`` added, before another of the same name makes
    that one compare with the wrong code object, and the fix is rejected. ``names``: the names
    whose count changes (``<genexpr>``, ``<listcomp>``, ...)."""
    if parent is None:
        return False
    return any(child.name in names for child in parent.children[position:])


def child_position(parent, line: int) -> int:
    """The index in ``parent.children`` of the first code object created at ``line`` or later."""
    for i, child in enumerate(parent.children):
        if child.first_line >= line:
            return i
    return len(parent.children)


class _Uses(cst.CSTVisitor):
    """Every occurrence of a name in a function (nested scopes included), with its ancestors."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.stack: list = []
        self.uses: list = []  # (name node, its ancestors, innermost last)
        self.statement_of: dict = {}  # id(small statement) -> the line holding only it

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name) and node.value == self.name and not self._label(node):
            self.uses.append((node, tuple(self.stack)))
        if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
            self.statement_of[id(node.body[0])] = node
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()

    def _label(self, node: cst.Name) -> bool:
        """An attribute's or a keyword argument's name, not a variable."""
        parent = self.stack[-1] if self.stack else None
        return (isinstance(parent, cst.Attribute) and parent.attr is node) or (isinstance(parent, cst.Arg) and parent.keyword is node)


def uses_of(function: cst.CSTNode, name: str) -> _Uses:
    """Every occurrence of the variable ``name`` in ``function`` (reads and bindings alike; not
    attribute or keyword names), each with its ancestors: ``.uses``; and ``.statement_of``."""
    uses = _Uses(name)
    function.visit(uses)
    return uses


def truth_test(node: cst.CSTNode, ancestors) -> bool:
    """Is ``node`` used only for its truth value (`while q:`, `if not q and x:`, `x if q else y`,
    `[... if q]`)? ``ancestors``: its ancestors, innermost last."""
    for parent in reversed(ancestors):
        if isinstance(parent, (cst.While, cst.If, cst.IfExp, cst.CompIf)):
            return parent.test is node
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
            node = parent
            continue
        if isinstance(parent, cst.BooleanOperation):
            node = parent  # `q and x` may be q itself: fine only if the whole is a test
            continue
        return False
    return False
