"""The libcst side of the engine: which parts of a file to parse, and one fast walk over them.

A libcst tree costs about ten times a ``compile()``, so the engine parses only what the rules'
bytecode evidence points at. A file is cut into *regions* at its top-level ``def`` and
``class`` statements (their first lines come from the compiled code, decorators included);
each region is a run of complete top-level statements, so it parses on its own, and its
positions are the file's shifted by a line offset. Rules therefore see a module that may be a
fragment of the file: module-wide facts come from the bytecode, never from the tree.

The walk iterates dataclass fields directly instead of libcst's visitor machinery (which
rebuilds every node it passes), and skips whitespace and operator tokens no rule inspects.
"""

from __future__ import annotations

import bisect
import dataclasses
from typing import Any, Callable, Dict, Iterable, List, Sequence, Set, Tuple, Type

import libcst as cst

from .bytecode import ModuleBytecode, ScopeKind

_SKIPPED_MODULES = frozenset({"libcst._nodes.whitespace", "libcst._nodes.op"})
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


def walk(node: cst.CSTNode, enter: Callable[[cst.CSTNode], None], leave: Callable[[cst.CSTNode], None]) -> None:
    enter(node)
    for child in children(node):
        walk(child, enter, leave)
    leave(node)


def cut_lines(bytecode: ModuleBytecode, lines: Sequence[str]) -> List[int]:
    """First lines of top-level ``def``/``class`` statements that start at column 0."""
    cuts = set()
    for unit in bytecode.units:
        if unit.parent is not bytecode.module or unit.kind not in (ScopeKind.FUNCTION, ScopeKind.CLASS):
            continue
        line = unit.first_line
        if 1 <= line <= len(lines) and lines[line - 1][:1] not in (" ", "\t", "\f", ""):
            cuts.add(line)
    return sorted(cuts)


def regions(total_lines: int, cuts: Sequence[int], wanted: Iterable[int]) -> List[Tuple[int, int]]:
    """The (first, last) line ranges, between cut points, that contain a wanted line; adjacent
    ranges are merged."""
    bounds = [1] + [c for c in cuts if c > 1] + [total_lines + 1]
    chosen: Set[int] = set()
    for line in wanted:
        index = bisect.bisect_right(bounds, line) - 1
        if 0 <= index < len(bounds) - 1:
            chosen.add(index)
    result: List[Tuple[int, int]] = []
    for index in sorted(chosen):
        start, end = bounds[index], bounds[index + 1] - 1
        if result and result[-1][1] + 1 == start:
            result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result
