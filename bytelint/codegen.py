"""Generating code for libcst trees, lean: node positions (what ``PositionProvider`` gives) and
the text of a region after a fix, without ``MetadataWrapper`` or regenerating the whole tree."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import libcst as cst

from .tree import TOKEN_CLASSES, children

# --- Positions -------------------------------------------------------------------------------
#
# libcst's ``MetadataWrapper(...).resolve(PositionProvider)`` costs about three parses: it visits
# (and rebuilds) the whole tree for batchable providers even when there are none, then generates
# the code once more through a state that builds a ``CodeRange`` per node inside a generator-based
# context manager. ``positions`` runs the same code generation with a lean state: identical
# ranges (the same start/end rules, syntactic positions included), kept as plain tuples keyed by
# node id, several times faster.

_NEWLINE_RE = re.compile(r"\r\n?|\n")

Range = Tuple[int, int, int, int]  # (line, column, end line, end column); lines 1-based


class _Syntactic:
    """``record_syntactic_position``: a plain context manager object (no generator)."""

    __slots__ = ("state", "node", "start_node", "end_node", "line", "column")

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> bool:
        state = self.state
        computed = state.computed
        start = computed[id(self.start_node)][:2] if self.start_node is not None else (self.line, self.column)
        end = computed[id(self.end_node)][2:] if self.end_node is not None else (state.line, state.column)
        computed[id(self.node)] = start + end
        return False


class _PositionState:
    """Duck-types libcst's ``CodegenState`` for ``CSTNode._codegen``; keeps no text."""

    __slots__ = ("default_indent", "default_newline", "indent_tokens", "tokens", "line", "column", "computed", "_stack")

    def __init__(self, module: cst.Module) -> None:
        self.default_indent = module.default_indent
        self.default_newline = module.default_newline
        self.indent_tokens: List[str] = []
        # Only its emptiness is read (Module: "nothing in header, body or footer"); every
        # statement and empty line emits at least a newline.
        self.tokens: List[None] = [None] if (module.header or module.body or module.footer) else []
        self.line = 1
        self.column = 0
        self.computed: Dict[int, Range] = {}
        self._stack: List[Tuple[int, int]] = []

    def increase_indent(self, value: str) -> None:
        self.indent_tokens.append(value)

    def decrease_indent(self) -> None:
        self.indent_tokens.pop()

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = _NEWLINE_RE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.tokens.pop()

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        key = id(node)
        if key not in self.computed:  # a syntactic position recorded inside wins
            self.computed[key] = start + (self.line, self.column)

    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None, end_node: Optional[cst.CSTNode] = None
    ) -> _Syntactic:
        recorder = _Syntactic()
        recorder.state = self
        recorder.node = node
        recorder.start_node = start_node
        recorder.end_node = end_node
        recorder.line = self.line
        recorder.column = self.column
        return recorder


# Whitespace and operator tokens are a majority of a tree's nodes, and no position of theirs
# is ever read (the walk skips them; no syntactic position starts or ends at one, except
# ``import *``'s star). For the lean states their ``_codegen`` skips the before/after hooks:
# about a quarter of the time of ``positions``. Any other state (libcst's own, with its
# ``PositionProvider``) gets the hooks as before.
def _lean_codegen(impl: Any) -> Any:
    lean = _LEAN_STATES

    def _codegen(self: cst.CSTNode, state: Any, **kwargs: Any) -> None:
        if state.__class__ in lean:
            impl(self, state, **kwargs)
        else:
            state.before_codegen(self)
            impl(self, state, **kwargs)
            state.after_codegen(self)

    return _codegen


def _install_lean_tokens() -> Tuple[type, ...]:
    import inspect

    done = []
    for cls in TOKEN_CLASSES:
        if not inspect.isabstract(cls) and cls is not cst.ImportStar and cls._codegen is cst.CSTNode._codegen:
            cls._codegen = _lean_codegen(cls._codegen_impl)  # type: ignore[method-assign]
            done.append(cls)
    return tuple(done)


def positions(module: cst.Module) -> Dict[int, Range]:
    """``PositionProvider`` ranges of every node of ``module`` but whitespace and operator
    tokens (``LEAN_TOKENS``), keyed by ``id(node)`` (valid while the tree is alive)."""
    state = _PositionState(module)
    module._codegen(state)  # type: ignore[arg-type]
    return state.computed


# --- Rendering a fix without regenerating the whole region ----------------------------------
#
# ``module.visit(transformer).code`` rebuilds every node of the region and generates all of its
# text again, for every fix. A fix's replacements lie inside one statement, and the text of
# everything else is unchanged (libcst round-trips exactly), so ``replaced_text`` transforms and
# regenerates that statement only, at its indentation, and splices it into the region's text.
# It returns None whenever that shortcut does not apply; the caller then does it the long way.


class _TextState(_PositionState):
    __slots__ = ("text",)

    def __init__(self, module: cst.Module, indents: Sequence[str]) -> None:
        super().__init__(module)
        self.indent_tokens = list(indents)
        self.text: List[str] = []

    def add_token(self, value: str) -> None:
        self.text.append(value)
        _PositionState.add_token(self, value)


def _find(root: cst.CSTNode, target: cst.CSTNode) -> Optional[List[cst.CSTNode]]:
    """The nodes from ``root`` down to ``target`` (both included), else None."""
    stack: List[Tuple[cst.CSTNode, int]] = [(root, 0)]
    path: List[cst.CSTNode] = []
    while stack:
        node, depth = stack.pop()
        del path[depth:]
        path.append(node)
        if node is target:
            return path
        stack.extend((child, depth + 1) for child in reversed(list(children(node))))
    return None


def _generate(module: cst.Module, node: Any, indents: Sequence[str]) -> Optional[_TextState]:
    state = _TextState(module, indents)
    items = node.nodes if isinstance(node, cst.FlattenSentinel) else (node,)
    for item in items:
        if not isinstance(item, cst.BaseStatement):
            return None
        item._codegen(state)  # type: ignore[arg-type]
    return state


def _line_offset(text: str, line: int) -> Optional[int]:
    """Where 1-based ``line`` starts in ``text``, lines ending as libcst ends them."""
    if line < 1:
        return None
    if line == 1:
        return 0
    for number, match in enumerate(_NEWLINE_RE.finditer(text), 2):
        if number == line:
            return match.end()
    return None


class _Unsupported(Exception):
    pass


def rebuild(node: cst.CSTNode, on_path: Set[int], values: Dict[int, Any]) -> Any:
    """``node`` with the targets below it replaced (``values``, by id), as the transform that
    replaces them gives it, rebuilding only the nodes on the way to a target."""
    if id(node) in values:
        return values[id(node)]
    changes = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, cst.CSTNode):
            if id(value) in on_path:
                new = rebuild(value, on_path, values)
                if not isinstance(new, cst.CSTNode):
                    raise _Unsupported  # a sentinel for a single child: leave it to libcst
                changes[field.name] = new
        elif isinstance(value, (tuple, list)) and any(id(item) in on_path for item in value):
            items: List[Any] = []
            for item in value:
                new = rebuild(item, on_path, values) if id(item) in on_path else item
                if isinstance(new, cst.FlattenSentinel):
                    items.extend(new.nodes)
                elif isinstance(new, cst.CSTNode):
                    items.append(new)
                else:
                    raise _Unsupported
            changes[field.name] = tuple(items)
    return node.with_changes(**changes) if changes else node


def replaced_text(
    module: cst.Module,
    region_positions: Dict[int, Range],
    region_text: str,
    path: Sequence[cst.CSTNode],
    targets: Iterable[cst.CSTNode],
    transformer: cst.CSTTransformer,
) -> Optional[str]:
    """``module.visit(transformer).code``, where ``transformer`` changes only ``targets``.
    ``path``: the nodes from the module down to the node the rule was checking; each target is
    on it or below its last node."""
    paths = []
    for target in targets:
        found = next((list(path[: i + 1]) for i, node in enumerate(path) if node is target), None)
        if found is None:
            below = _find(path[-1], target)
            if below is None:
                return None
            found = list(path[:-1]) + below
        paths.append(found)
    if not paths or paths[0][0] is not module:
        return None
    common = 0
    while all(len(p) > common and p[common] is paths[0][common] for p in paths):
        common += 1
    unit_index = next((i for i in range(common - 1, 0, -1) if isinstance(paths[0][i], cst.BaseStatement)), None)
    if unit_index is None:
        return None
    unit = paths[0][unit_index]
    default = module.default_indent
    indents = [
        default if node.indent is None else node.indent
        for node in paths[0][:unit_index]
        if isinstance(node, (cst.IndentedBlock, cst.Match))
    ]
    old = _generate(module, unit, indents)
    if old is None or id(unit) not in region_positions or id(unit) not in old.computed:
        return None
    first_line = region_positions[id(unit)][0] - old.computed[id(unit)][0] + 1
    offset = _line_offset(region_text, first_line)
    if offset is None:
        return None
    old_text = "".join(old.text)
    if not region_text.startswith(old_text, offset):
        return None
    replaced = None
    if isinstance(targets, Mapping):  # rebuild only the nodes on the way to the targets
        values = {id(k): v for k, v in targets.items()}
        try:
            replaced = rebuild(unit, {id(n) for p in paths for n in p[unit_index:]}, values)
        except _Unsupported:
            replaced = None
    if replaced is None:
        replaced = unit.visit(transformer)
    if isinstance(replaced, cst.RemovalSentinel) or (isinstance(replaced, cst.FlattenSentinel) and not replaced.nodes):
        return None
    new = _generate(module, replaced, indents)
    if new is None:
        return None
    return region_text[:offset] + "".join(new.text) + region_text[offset + len(old_text) :]


_LEAN_STATES = frozenset({_PositionState, _TextState})
LEAN_TOKENS = _install_lean_tokens()  # token classes whose positions are not computed
