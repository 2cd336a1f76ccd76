"""Decoding ``co_code`` once per code object, without ``dis``.

``dis.get_instructions`` builds a named tuple with positions, labels and reprs for every
instruction; over the stdlib that costs 2-7 s CPU (docs/bytecode.md §10.6).  Here the byte string is
split with C-level slicing and ``itertools.compress``: CACHE units are opcode 0 on 3.11+ (and
3.9/3.10 have no opcode 0), so the opcode bytes themselves select the real instructions.  Offsets,
args (EXTENDED_ARG folded in as ``dis`` does) and jump targets match ``dis`` exactly; a test checks
this against ``dis`` on every supported version.
"""

import dis
from bisect import bisect_left
from itertools import compress
from typing import List, Optional, Tuple

from bytelint.bytecode import instruction_set as iset

_EXT = iset.EXTENDED_ARG
_HAS_ARG = iset.HAS_ARG
_jump_target = iset.jump_target
_CodeType = type(compile("", "", "exec"))
#: the opcodes that store or delete a declared global
GLOBAL_STORES = (iset.STORE_GLOBAL, iset.DELETE_GLOBAL)

#: (start, end exclusive, handler target, stack depth, push lasti)
ExceptionEntry = Tuple[int, int, int, int, bool]


def uses_any(code, opcodes) -> bool:
    """True if *code* holds an instruction with one of *opcodes*, without decoding it: the
    even bytes of ``co_code`` are exactly the opcodes (CACHE units are opcode 0, and no
    instruction has opcode 0 on 3.9/3.10)."""
    ops = code.co_code[0::2]
    return any(op in ops for op in opcodes)


class RawCode:
    """Parallel lists ``offsets``, ``ops``, ``args`` of a code object's real instructions."""

    __slots__ = ("code", "offsets", "ops", "args", "size", "_lines", "_positions")

    def __init__(self, code) -> None:
        self.code = code
        raw = code.co_code
        self.size = len(raw)
        ops_b = raw[0::2]
        args_b = raw[1::2]
        self.offsets: List[int] = list(compress(range(0, len(raw), 2), ops_b))
        self.ops: List[int] = list(compress(ops_b, ops_b))
        self.args: List[int] = list(compress(args_b, ops_b))
        if _EXT in ops_b:
            self._fold_extended_args()
        self._lines: Optional[List[Optional[int]]] = None
        self._positions = None

    def _fold_extended_args(self) -> None:
        ops, args = self.ops, self.args
        ext = 0
        for k, op in enumerate(ops):
            if op in _HAS_ARG:
                arg = args[k] | ext
                args[k] = arg
                ext = (arg << 8) if op == _EXT else 0
            else:
                ext = 0

    def caches(self, k: int) -> int:
        """Number of inline CACHE units after instruction *k*."""
        nxt = self.offsets[k + 1] if k + 1 < len(self.offsets) else self.size
        return (nxt - self.offsets[k] - 2) // 2

    def target(self, k: int) -> int:
        """Jump target offset of instruction *k* (a jump)."""
        return _jump_target(self.ops[k], self.args[k], self.offsets[k], self.caches(k))

    @property
    def lines(self) -> List[Optional[int]]:
        """Source line of each instruction (None where CPython records none)."""
        if self._lines is None:
            self._lines = _line_table(self.code, self.offsets)
        return self._lines

    @property
    def positions(self) -> list:
        """``co_positions()`` as a list, one entry per code unit (3.11+)."""
        if self._positions is None:
            self._positions = list(self.code.co_positions())
        return self._positions

    def position(self, offset: int):
        """CPython's (lineno, end_lineno, col, end_col) for the instruction at *offset* (3.11+)."""
        return self.positions[offset // 2]

    def code_const_loads(self) -> List[Tuple[int, int, bool]]:
        """(index, const index, is class body) of each ``LOAD_CONST <code>`` instruction.

        A class body is the first code constant loaded after a ``LOAD_BUILD_CLASS``.
        """
        consts = self.code.co_consts
        code_idx = {i for i, c in enumerate(consts) if type(c) is _CodeType}
        if not code_idx:
            return []
        load_const = iset.LOAD_CONST
        build_class = iset.LOAD_BUILD_CLASS
        ops, args = self.ops, self.args
        out = []
        pending_class = False
        for k, op in enumerate(ops):
            if op == build_class:
                pending_class = True
            elif op == load_const and args[k] in code_idx:
                out.append((k, args[k], pending_class))
                pending_class = False
        return out

    def names_stored_globally(self) -> List[str]:
        """Names stored or deleted with STORE_GLOBAL / DELETE_GLOBAL."""
        wanted = GLOBAL_STORES
        names = self.code.co_names
        return [names[a] for op, a in zip(self.ops, self.args) if op in wanted]


def _line_table(code, offsets: List[int]) -> List[Optional[int]]:
    """Lines from ``co_lines()`` (3.10) or ``dis.findlinestarts`` (3.9)."""
    out: List[Optional[int]] = []
    i = 0
    if hasattr(code, "co_lines"):  # 3.10+: contiguous (start, end, line) ranges
        for _start, end, line in code.co_lines():
            j = bisect_left(offsets, end, i)
            if j > i:
                out.extend([line] * (j - i))
                i = j
    else:  # 3.9: line starts
        starts = list(dis.findlinestarts(code))
        for n, (_start, line) in enumerate(starts):
            end = starts[n + 1][0] if n + 1 < len(starts) else 1 << 62
            j = bisect_left(offsets, end, i)
            if j > i:
                out.extend([line] * (j - i))
                i = j
    out.extend([None] * (len(offsets) - i))
    return out


def code_lines(code) -> set:
    """The source lines that hold at least one instruction of *code* (not of nested code):
    the set of ``RawCode(code).lines`` without decoding."""
    if hasattr(code, "co_lines"):  # 3.10+
        return {line for start, end, line in code.co_lines() if line and end > start}
    return {line for _start, line in dis.findlinestarts(code) if line}


def exception_entries(code) -> List[ExceptionEntry]:
    """Parse ``co_exceptiontable`` (3.11+; empty before).  Same result as dis's private parser."""
    table = getattr(code, "co_exceptiontable", b"")
    entries: List[ExceptionEntry] = []
    n = len(table)
    i = 0
    fields = [0, 0, 0, 0]
    while i < n:
        for f in range(4):
            b = table[i]
            i += 1
            val = b & 63
            while b & 64:
                val <<= 6
                b = table[i]
                i += 1
                val |= b & 63
            fields[f] = val
        start = fields[0] * 2
        entries.append((start, start + fields[1] * 2, fields[2] * 2, fields[3] >> 1, bool(fields[3] & 1)))
    return entries
