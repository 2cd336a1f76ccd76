"""Loops of a code unit, as rules see them."""

from typing import TYPE_CHECKING, FrozenSet, List, Optional

from bytelint.bytecode.kinds import Kind

# Stores that (re)bind a variable: a local, a cell, a module or class name, a declared global.
_VARIABLE_STORES = frozenset({Kind.FAST_STORE, Kind.DEREF_STORE, Kind.NAME_STORE, Kind.GLOBAL_STORE})

if TYPE_CHECKING:  # pragma: no cover
    from bytelint.bytecode.instructions import Instr
    from bytelint.bytecode.units import CodeUnit


class Loop:
    """A natural loop of one code unit (docs/bytecode.md §1.4).

    ``offsets`` is the whole body, including except-handlers that continue the loop;
    ``hot_offsets`` is what an ordinary iteration runs: the part reachable from the header by
    normal (non-exception) edges without leaving the loop.
    """

    __slots__ = ("header", "kind", "offsets", "hot_offsets", "parent", "depth", "unit", "_lines", "_stored", "memo")

    def __init__(
        self,
        unit: "CodeUnit",
        header: int,
        kind: str,
        offsets: FrozenSet[int],
        hot_offsets: FrozenSet[int],
        parent: "Optional[Loop]",
    ) -> None:
        self.unit = unit
        self.header = header
        self.kind = kind
        self.offsets = offsets
        self.hot_offsets = hot_offsets
        self.parent = parent
        self.depth: int = 1 if parent is None else parent.depth + 1
        self._lines = None
        self._stored: Optional[FrozenSet[str]] = None
        self.memo: dict = {}  # what the layers above compute once per loop (its weights, say)

    def _line_range(self):
        if self._lines is None:
            raw = self.unit.raw
            body = self.offsets
            found = [line for off, line in zip(raw.offsets, raw.lines) if off in body and line]
            self._lines = (min(found), max(found)) if found else (None, None)
        return self._lines

    @property
    def first_line(self) -> Optional[int]:
        """Smallest source line among the body's instructions."""
        return self._line_range()[0]

    @property
    def last_line(self) -> Optional[int]:
        """Largest source line among the body's instructions."""
        return self._line_range()[1]

    def instrs(self) -> "List[Instr]":
        """Body instructions in offset order."""
        body = self.offsets
        return [i for i in self.unit.instrs if i.offset in body]

    def hot_instrs(self) -> "List[Instr]":
        """Instructions run on an ordinary iteration, in offset order."""
        hot = self.hot_offsets
        return [i for i in self.unit.instrs if i.offset in hot]

    def stored_names(self) -> FrozenSet[str]:
        """The variables the body (re)binds: its targets, assignments, ``global`` stores."""
        if self._stored is None:
            self._stored = frozenset(i.name for i in self.instrs() if i.kind in _VARIABLE_STORES and i.name)
        return self._stored

    def contains(self, instr: "Instr") -> bool:
        return instr.unit is self.unit and instr.offset in self.offsets

    def __repr__(self) -> str:
        return "Loop(%s at %d in %s, depth %d, lines %s-%s)" % (
            self.kind, self.header, self.unit.qualname, self.depth, self.first_line, self.last_line,
        )
