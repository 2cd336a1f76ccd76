"""The libcst side of the engine: parsing the parts of a file that ``regions.py`` picks, and
one fast walk over them.

A region is a run of complete top-level statements, so it parses on its own, and its positions
are the file's shifted by a line offset. Rules therefore see a module that may be a fragment of
the file: module-wide facts come from the bytecode, never from the tree.

The walk iterates dataclass fields directly instead of libcst's visitor machinery (which
rebuilds every node it passes), and skips whitespace and operator tokens no rule inspects.
Rules' own read-only visitors get the same treatment (``install_fast_visits``). Positions and
the text of fixes come from ``codegen.py``.
"""

from __future__ import annotations

import dataclasses
import re
import weakref
from typing import Any, Callable, Dict, Iterable, Optional, Sequence, Tuple

import libcst as cst


_SKIPPED_MODULES = frozenset({"libcst._nodes.whitespace", "libcst._nodes.op"})


def _token_classes() -> Tuple[type, ...]:
    import inspect
    import sys

    return tuple(
        value
        for module in map(sys.modules.get, sorted(_SKIPPED_MODULES))
        if module is not None
        for value in vars(module).values()
        if inspect.isclass(value) and issubclass(value, cst.CSTNode) and value.__module__ == module.__name__
    )


# The whitespace and operator token classes: a majority of a tree's nodes, whose subtrees hold
# only tokens. (Empty under another layout of libcst's modules: then nothing is treated so.)
TOKEN_CLASSES = _token_classes()
_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _fields(cls: type) -> Tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(cls)
            if not f.name.startswith("whitespace") and f.name not in ("lpar", "rpar", "leading_lines", "header", "footer")
        )
        _FIELDS[cls] = names
    return names


def children(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            if type(value).__module__ not in _SKIPPED_MODULES:
                yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode) and type(item).__module__ not in _SKIPPED_MODULES:
                    yield item


# type -> 1: a node the walk enters; 0: anything else (skipped tokens, strings, sentinels, ...)
_WALKED: Dict[type, int] = {}


def _walked(cls: type) -> int:
    kind = _WALKED.get(cls)
    if kind is None:
        kind = int(issubclass(cls, cst.CSTNode) and cls.__module__ not in _SKIPPED_MODULES)
        _WALKED[cls] = kind
    return kind


def walk(node: cst.CSTNode, enter: Callable[[cst.CSTNode], None], leave: Callable[[cst.CSTNode], None]) -> None:
    """``enter`` and ``leave`` each node, children in between, in ``children`` order. (The same
    walk as iterating ``children``, inlined: it runs over every node of every parsed region.)
    When ``enter`` returns False, the node's children and its ``leave`` are skipped."""
    if enter(node) is False:
        return
    walked = _WALKED
    for name in _FIELDS.get(type(node)) or _fields(type(node)):
        value = getattr(node, name)
        cls = type(value)
        if cls is tuple or cls is list:
            for item in value:
                kind = walked.get(type(item))
                if kind is None:
                    kind = _walked(type(item))
                if kind:
                    walk(item, enter, leave)
        else:
            kind = walked.get(cls)
            if kind is None:
                kind = _walked(cls)
            if kind:
                walk(value, enter, leave)
    leave(node)


def region_text(lines: Sequence[str], first: int, last: int, blanks: Sequence[Tuple[int, int]] = ()) -> str:
    """Lines ``first``..``last`` of the file, those in ``blanks`` emptied (endings kept)."""
    if not blanks:
        return "".join(lines[first - 1 : last])
    out = list(lines[first - 1 : last])
    for start, end in blanks:
        for index in range(max(start, first) - first, min(end, last) - first + 1):
            line = out[index]
            out[index] = line[len(line.rstrip("\r\n")) :]
    return "".join(out)


# Every libcst node validates its fields when it is constructed (``CSTNode.__post_init__``).
# The parser only builds valid nodes, so ``parse`` switches that off while it runs: a tenth of
# the parse time. Nodes that rules build for fixes are validated as usual.
_VALIDATE = cst.CSTNode.__post_init__


def _no_validation(self: cst.CSTNode) -> None:
    return None


def parse(text: str) -> cst.Module:
    """``cst.parse_module`` without re-validating the parser's own nodes."""
    try:
        cst.CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
        return cst.parse_module(text)
    finally:
        cst.CSTNode.__post_init__ = _VALIDATE  # type: ignore[method-assign]


def parse_region(
    lines: Sequence[str], first: int, last: int, blanks: Sequence[Tuple[int, int]] = ()
) -> Tuple[cst.Module, str]:
    """The region's tree and the text it was parsed from (raises libcst's ParserSyntaxError)."""
    if blanks:
        text = region_text(lines, first, last, blanks)
        try:
            return parse(text), text
        except cst.ParserSyntaxError:
            pass
    text = region_text(lines, first, last)
    return parse(text), text

# --- Read-only visits without rebuilding the tree ---------------------------------------------
#
# ``CSTNode.visit`` calls ``_visit_and_replace_children``, which constructs (and validates) a new
# copy of every node it passes, even for a ``CSTVisitor`` that only reads; rules run such
# visitors over loop bodies and scopes many times. For a plain visitor, one that does not
# handle attributes (no ``visit_Node_attr`` methods, libcst's own ``on_visit_attribute``),
# ``fast_visit`` makes the same ``on_visit`` / ``on_leave`` calls on the same nodes in the same
# order, following the field order of each class's ``_visit_and_replace_children``, and
# builds nothing. ``install_fast_visits`` routes such visitors' ``node.visit(visitor)``
# through it; transformers and attribute-aware visitors keep libcst's own traversal.

_VISIT_FIELD_RE = re.compile(r"visit_[a-z_]+\(\s*self\s*,\s*\"(\w+)\"")
_PLANS: Dict[type, Optional[Tuple[str, ...]]] = {}
# weak: rules define visitor classes inside functions, one new class per call
_FAST_VISITORS: "weakref.WeakKeyDictionary[type, bool]" = weakref.WeakKeyDictionary()
_ATTRIBUTE_HANDLER_RE = re.compile(r"^(visit|leave)_[A-Za-z0-9]+_\w+$")
# libcst's own visitor classes: the no-op handlers they define are not the subclass's
_LIBCST_VISITOR_BASES = frozenset(klass for klass in cst.CSTVisitor.__mro__ if klass.__module__.startswith("libcst"))


def _plan(cls: type) -> Optional[Tuple[str, ...]]:
    """The fields ``cls._visit_and_replace_children`` visits, in order (None: unknown)."""
    if cls not in _PLANS:
        import inspect

        plan = None
        method = getattr(cls, "_visit_and_replace_children", None)
        try:
            source = inspect.getsource(method) if method is not None else ""
        except (OSError, TypeError):
            source = ""
        names = tuple(_VISIT_FIELD_RE.findall(source))
        if source and dataclasses.is_dataclass(cls) and set(names) <= {f.name for f in dataclasses.fields(cls)}:
            plan = tuple(dict.fromkeys(names))  # () for a leaf
        _PLANS[cls] = plan
    return _PLANS[cls]


def _fast_visitor(cls: type) -> bool:
    ok = _FAST_VISITORS.get(cls)
    if ok is None:
        ok = (
            issubclass(cls, cst.CSTVisitor)
            and cls.on_visit_attribute is cst.CSTVisitor.on_visit_attribute
            and cls.on_leave_attribute is cst.CSTVisitor.on_leave_attribute
            and not any(  # an attribute handler of its own (libcst's base defines no-op ones)
                _ATTRIBUTE_HANDLER_RE.match(name)
                for klass in cls.__mro__
                if klass not in _LIBCST_VISITOR_BASES
                for name in vars(klass)
            )
        )
        _FAST_VISITORS[cls] = ok
    return ok


def fast_visit(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    cls = type(visitor)
    table = _HANDLERS.get(cls)
    if table is None:
        table = _HANDLERS[cls] = {}
    _planned_visit(node, visitor, table)


# Each node type's handlers are looked up once per visitor class, not by name for every node.
# A visitor that keeps libcst's ``on_visit``/``on_leave`` only reacts through its own
# ``visit_<Type>``/``leave_<Type>`` methods (libcst's bases define a no-op one for every type:
# those are not called), and whitespace and operator tokens are not entered at all when it
# handles none. One that overrides them sees every node through them.
_BASE_ON_VISIT = cst.CSTVisitor.on_visit
_BASE_ON_LEAVE = cst.CSTVisitor.on_leave
# per node type: (skip the subtree, visit method or None, leave method or None, whether the
# visit's result is read for truth (``on_visit``) or as "not False" (``visit_<Type>``))
_Handlers = Tuple[bool, Optional[str], Optional[str], bool]
_HANDLERS: "weakref.WeakKeyDictionary[type, Dict[type, _Handlers]]" = weakref.WeakKeyDictionary()
_TOKEN_HANDLERS = tuple(f"{kind}_{cls.__name__}" for cls in TOKEN_CLASSES for kind in ("visit", "leave"))


def _handlers(visitor_cls: type, node_cls: type) -> _Handlers:
    if visitor_cls.on_visit is not _BASE_ON_VISIT or visitor_cls.on_leave is not _BASE_ON_LEAVE:
        return False, "on_visit", "on_leave", True
    if node_cls.__module__ in _SKIPPED_MODULES and not any(_own_handler(visitor_cls, name) for name in _TOKEN_HANDLERS):
        return True, None, None, False
    visit, leave = f"visit_{node_cls.__name__}", f"leave_{node_cls.__name__}"
    return False, visit if _own_handler(visitor_cls, visit) else None, leave if _own_handler(visitor_cls, leave) else None, False


def _own_handler(visitor_cls: type, name: str) -> bool:
    """Does the visitor define ``name`` itself? libcst's visitor bases define a no-op handler
    for every node type; calling one changes nothing, so those count as absent."""
    for klass in visitor_cls.__mro__:
        if name in vars(klass):
            return klass not in _LIBCST_VISITOR_BASES
    return False


def _planned_visit(node: cst.CSTNode, visitor: cst.CSTVisitor, table: Dict[type, _Handlers]) -> None:
    node_cls = type(node)
    entry = table.get(node_cls)
    if entry is None:
        entry = table[node_cls] = _handlers(type(visitor), node_cls)
    skip, visit, leave, truth = entry
    if skip:
        return
    enter = True
    if visit is not None:
        result = getattr(visitor, visit)(node)
        enter = bool(result) if truth else result is not False
    if enter:
        plan = _PLANS.get(node_cls) or _plan(node_cls)
        if plan is None:
            node._visit_and_replace_children(visitor)  # type: ignore[arg-type]
        else:
            for name in plan:
                value = getattr(node, name)
                if isinstance(value, cst.CSTNode):
                    _planned_visit(value, visitor, table)
                elif isinstance(value, (list, tuple)):
                    for item in value:
                        _planned_visit(item, visitor, table)
    if leave is not None:
        getattr(visitor, leave)(node)


_original_visit = cst.CSTNode.visit


def _visit(self: cst.CSTNode, visitor: Any) -> Any:
    if _fast_visitor(type(visitor)):
        fast_visit(self, visitor)
        return self
    return _original_visit(self, visitor)


def install_fast_visits() -> None:
    """Route plain ``CSTVisitor`` visits through ``fast_visit`` (idempotent)."""
    cst.CSTNode.visit = _visit  # type: ignore[assignment]
