"""Column positions where CPython records none: 3.9 and 3.10 (line numbers only), and 3.11+
under ``PYTHONNODEBUGRANGES``.

Without columns, an instruction can only be matched to the source by its line, and two calls
on one line (``kind, job = fields.pop(0), queue.pop(0)``) cannot be told apart. CPython's own
compiler can tell them apart: it gives each instruction the line of the innermost AST node it
is compiling. So the module is parsed with ``ast``, every node gets a line number of its own
(its index in a table of the nodes' real positions), and the renumbered tree is compiled
again. Line numbers change nothing else but the NOPs kept for line tracing (and so the jump
offsets, and an ``EXTENDED_ARG`` here and there), so the two compilations of each code object
are compared instruction by instruction without those: where they agree, the instruction at
the same place in the renumbered code names the node, and the node's real
``(lineno, end_lineno, col_offset, end_col_offset)`` is the instruction's position, in
CPython's own terms (UTF-8 byte columns, converted like 3.11's by ``positions.ColumnMap``).
Where they do not agree (about 0.3% of the 3.10 standard library's code objects, none of
3.9's), that code object keeps line-only matching. Measured in docs/bytecode.md.

The linted code is only parsed and compiled here, never run.
"""

from __future__ import annotations

import ast
import dis
import warnings
from types import CodeType
from typing import Dict, List, Optional, Tuple

Position = Tuple[int, int, int, int]  # CPython's (lineno, end_lineno, col, end_col)

# Bigger modules (generated code, mostly) keep line-only matching: recovering their columns
# costs about four compiles (10 s for 5 MB on 3.9).
MAX_CHARS = 2_000_000

_JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs)
_IGNORED = frozenset({dis.opmap["NOP"], dis.opmap["EXTENDED_ARG"]})
_LOAD_METHOD = dis.opmap.get("LOAD_METHOD", -1)  # 3.12+ fold it into LOAD_ATTR
_CALL_METHOD = dis.opmap.get("CALL_METHOD", -1)  # 3.9 and 3.10 only


def _preorder(tree: ast.AST):
    """The nodes in source order: the numbers inside one code object stay close together, so
    that its line table stays small (``ast.walk``'s breadth-first order would make every
    step a jump over the whole module, and the line table of a big file quadratic)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _position(node: ast.AST) -> Position:
    end_line = getattr(node, "end_lineno", None)
    return (node.lineno, end_line if end_line is not None else node.lineno, node.col_offset, getattr(node, "end_col_offset", None))


def _renumber(tree: ast.AST) -> Tuple[List[Optional[Position]], Dict[int, Position]]:
    """Give every positioned node a line number of its own; the table maps it back. Also,
    by number, the position of a method call's ``obj.name`` part: 3.9 and 3.10 compile its
    ``LOAD_METHOD`` as part of the call, where 3.11+ place it on the attribute; and, by the
    attribute's number, the position of the call: 3.10 compiles the ``CALL_METHOD`` on the
    attribute's line, where 3.11+ place it on the call."""
    calls: Dict[int, Position] = {}
    calls_by_method: Dict[int, Position] = {}
    table: List[Optional[Position]] = [None]
    methods: Dict[int, Position] = {}
    for node in _preorder(tree):
        if getattr(node, "lineno", None) is None:
            continue
        table.append(_position(node))
        number = len(table) - 1
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            methods[number] = _position(node.func)
            calls[id(node.func)] = table[number]
        elif isinstance(node, ast.Attribute) and id(node) in calls:  # a call comes before its func
            calls_by_method[number] = calls[id(node)]
        node.lineno = number
        if hasattr(node, "end_lineno"):
            node.end_lineno = number
    return table, methods, calls_by_method


def _lines(code: CodeType) -> Dict[int, int]:
    """offset -> line of every instruction that has one."""
    result: Dict[int, int] = {}
    if hasattr(code, "co_lines"):  # 3.10+
        for start, end, line in code.co_lines():
            if line is not None:
                for offset in range(start, end, 2):
                    result[offset] = line
        return result
    starts = list(dis.findlinestarts(code))
    starts.append((len(code.co_code), None))
    for (start, line), (end, _) in zip(starts, starts[1:]):
        for offset in range(start, end, 2):
            result[offset] = line
    return result


def _shape(code: CodeType) -> List[Tuple[int, Tuple[int, Optional[int]]]]:
    """(offset, (opcode, argument)) of every instruction but NOPs and EXTENDED_ARGs; jump
    arguments left out (they move with the NOPs)."""
    return [
        (ins.offset, (ins.opcode, None if ins.opcode in _JUMPS else ins.arg))
        for ins in dis.get_instructions(code)
        if ins.opcode not in _IGNORED
    ]


def _children(code: CodeType) -> List[CodeType]:
    return [c for c in code.co_consts if isinstance(c, CodeType)]


class Positions:
    """The recovered positions of one module's code objects, computed per code object when
    first asked for (a rule asks about few of them)."""

    def __init__(self, pairs: Dict[int, CodeType], table, methods, calls_by_method) -> None:
        self._pairs = pairs  # id(real code object) -> its renumbered twin
        self._table = table
        self._methods = methods
        self._calls_by_method = calls_by_method
        self._done: Dict[int, Dict[int, Position]] = {}

    def of(self, real: CodeType) -> Dict[int, Position]:
        """{offset: position} for ``real`` ({} where the compilations do not agree)."""
        key = id(real)
        found = self._done.get(key)
        if found is None:
            found = self._done[key] = self._compute(real)
        return found

    def _compute(self, real: CodeType) -> Dict[int, Position]:
        renumbered = self._pairs.get(id(real))
        if renumbered is None:
            return {}
        mine, theirs = _shape(real), _shape(renumbered)
        if [what for _, what in mine] != [what for _, what in theirs]:
            return {}
        table, lines = self._table, _lines(renumbered)
        found: Dict[int, Position] = {}
        for (offset, (opcode, _)), (other, _) in zip(mine, theirs):
            number = lines.get(other)
            if number is None or not 0 < number < len(table):
                continue
            if opcode == _LOAD_METHOD:
                position = self._methods.get(number) or table[number]
            elif opcode == _CALL_METHOD:
                position = self._calls_by_method.get(number) or table[number]
            else:
                position = table[number]
            if position is not None and position[3] is not None:
                found[offset] = position
        return found


_NONE = Positions({}, [None], {}, {})


def positions(code: CodeType, text: str, filename: str) -> Positions:
    """The recovered positions of the module ``code``, compiled from ``text`` (none if the
    text cannot be parsed or compiled again)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if len(text) > MAX_CHARS:
        return _NONE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename)
            table, methods, calls_by_method = _renumber(tree)
            numbered = compile(tree, filename, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError, OverflowError):
        return _NONE
    pairs: Dict[int, CodeType] = {}
    stack = [(code, numbered)]
    while stack:
        real, renumbered = stack.pop()
        pairs[id(real)] = renumbered
        kids, other_kids = _children(real), _children(renumbered)
        if len(kids) == len(other_kids):
            stack.extend(zip(kids, other_kids))
    return Positions(pairs, table, methods, calls_by_method)
