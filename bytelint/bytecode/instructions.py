"""The normalised instruction view: one ``Instr`` per real instruction, on every version.

Superinstructions are split (3.13 ``LOAD_FAST_LOAD_FAST`` etc., 3.12+ ``RETURN_CONST``) and the
3.11+ fused None tests (``POP_JUMP_IF_NONE``) are expanded to ``CONST_LOAD None; IS; JUMP``, so
that ``x is None`` reads the same everywhere.  Split parts share their instruction's offset.
"""

from itertools import repeat
from typing import TYPE_CHECKING, Any, List, NamedTuple, Optional, Tuple

from bytelint.bytecode import instruction_set as iset
from bytelint.bytecode.kinds import Kind

if TYPE_CHECKING:  # pragma: no cover
    from bytelint.bytecode.units import CodeUnit


class Instr(NamedTuple):
    """One normalised instruction (a named tuple: cheap to build, millions per run)."""

    offset: int  #: byte offset in co_code (split parts share it)
    kind: Kind
    opname: str  #: the original opname, for debugging / explain output only
    name: Optional[str]  #: variable / attribute / global name; IMPORT: the module name
    argval: Any  #: CONST_LOAD: the constant; jumps: target offset; CALL: argc; else the oparg
    op: Optional[str]  #: BINARY '+', INPLACE '+=', COMPARE '<', CONTAINS 'in', IS 'is not'; BUILD/EXTEND/COMP_APPEND: 'tuple', 'list', 'set', 'dict', 'str', 'slice'
    line: Optional[int]  #: 1-based source line or None
    is_method: bool  #: METHOD_LOAD, or SUPER_ATTR_LOAD in method form
    index: int  #: position in ``unit.instrs``
    unit: "CodeUnit"  #: the code unit holding the instruction

    @property
    def span(self) -> Optional[Tuple[int, int, int, int]]:
        """(line, col, end_line, end_col) in code points, or None (<=3.10, no debug ranges)."""
        return self.unit.span_at(self.offset)

    def __repr__(self) -> str:
        extra = self.name if self.name is not None else self.op if self.op is not None else self.argval
        return "Instr(%d %s %s %r line=%s)" % (self.offset, self.kind.name, self.opname, extra, self.line)


_new = tuple.__new__
_OPCODES = iset.OPCODES
_SYMBOLS = iset.BINARY_OP_SYMBOLS
_N_BINARY = iset.N_BINARY
_CMP = iset.CMP_OPS
_CMP_SHIFT = iset.CMP_SHIFT
_IMPORT_STAR = iset.INTRINSIC_IMPORT_STAR
(NOARG, PLAIN, CONST, RETURN_CONST, NAME, ATTR, SUPER_ATTR, LOCAL, FREE, LOCAL_PAIR, JUMP,
 NONE_JUMP, COMPARE, BINOP, FIXED_OP, IS, CONTAINS, INTRINSIC) = (
    iset.NOARG, iset.PLAIN, iset.CONST, iset.RETURN_CONST, iset.NAME, iset.ATTR, iset.SUPER_ATTR, iset.LOCAL,
    iset.FREE, iset.LOCAL_PAIR, iset.JUMP, iset.NONE_JUMP, iset.COMPARE, iset.BINOP,
    iset.FIXED_OP, iset.IS, iset.CONTAINS, iset.INTRINSIC)
_K_JUMP = Kind.JUMP
_K_BACK = Kind.BACK_EDGE
_K_METHOD = Kind.METHOD_LOAD


def normalise(unit: "CodeUnit", lo: int = 0, hi: Optional[int] = None, lines: bool = True) -> List[Instr]:
    """The normalised instructions of *unit* (NOISE included), in offset order.

    With *lo* / *hi*: only those of the real instructions ``lo`` to ``hi - 1``, indexed from 0,
    and without lines if *lines* is false (a window the bytecode layer reads on its own, never
    ``unit.instrs``)."""
    raw = unit.raw
    code = raw.code
    consts, names = code.co_consts, code.co_names
    local_names, free_names = iset.variable_names(code)
    out: List[Instr] = []
    append = out.append
    offsets, ops, args = raw.offsets, raw.ops, raw.args
    if lo or hi is not None:
        offsets, ops, args = offsets[lo:hi], ops[lo:hi], args[lo:hi]
    line_of = raw.lines[lo:hi] if lines else repeat(None)
    index = 0
    for k, (off, op, arg, line) in enumerate(zip(offsets, ops, args, line_of), lo):
        opname, kind, cat, param = _OPCODES[op]
        # fast paths for the common categories (about 90% of all instructions)
        if cat == NOARG:
            append(_new(Instr, (off, kind, opname, None, None, None, line, False, index, unit)))
            index += 1
            continue
        if cat == LOCAL:
            name = local_names[arg]
            append(_new(Instr, (off, kind, opname, name, name, None, line, False, index, unit)))
            index += 1
            continue
        if cat == NAME:
            name = names[arg >> param]
            append(_new(Instr, (off, kind, opname, name, name, None, line, kind is _K_METHOD, index,
                                unit)))
            index += 1
            continue
        if cat == CONST:
            append(_new(Instr, (off, kind, opname, None, consts[arg], None, line, False, index,
                                unit)))
            index += 1
            continue
        if cat == PLAIN:
            append(_new(Instr, (off, kind, opname, None, arg, None, line, False, index, unit)))
            index += 1
            continue
        name = op_text = None
        method = False
        argval = arg
        if cat == ATTR:
            name = argval = names[arg >> 1]
            if arg & 1:
                kind = Kind.METHOD_LOAD
                method = True
        elif cat == JUMP:
            argval = raw.target(k)
            if kind is _K_JUMP and argval <= off:
                kind = _K_BACK
        elif cat == BINOP:
            op_text = _SYMBOLS[arg]
            if arg >= _N_BINARY:
                kind = Kind.INPLACE
        elif cat == FIXED_OP:
            op_text = param
        elif cat == FREE:
            name = argval = free_names[arg]
        elif cat == COMPARE:
            op_text = argval = _CMP[arg >> _CMP_SHIFT]
        elif cat == IS:
            op_text = "is not" if arg else "is"
        elif cat == CONTAINS:
            op_text = "not in" if arg else "in"
        elif cat == RETURN_CONST:
            append(_new(Instr, (off, Kind.CONST_LOAD, opname, None, consts[arg], None, line, False,
                                index, unit)))
            index += 1
            kind = Kind.RETURN
            argval = None
        elif cat == LOCAL_PAIR:
            first = local_names[arg >> 4]
            append(_new(Instr, (off, param[0], opname, first, first, None, line, False, index,
                                unit)))
            index += 1
            kind = param[1]
            name = argval = local_names[arg & 15]
        elif cat == NONE_JUMP:
            append(_new(Instr, (off, Kind.CONST_LOAD, opname, None, None, None, line, False,
                                index, unit)))
            append(_new(Instr, (off, Kind.IS, opname, None, 0 if param == "is" else 1, param,
                                line, False, index + 1, unit)))
            index += 2
            argval = raw.target(k)
            if argval <= off:
                kind = _K_BACK
        elif cat == SUPER_ATTR:
            name = argval = names[arg >> param]
            method = bool(arg & 1)
        elif cat == INTRINSIC:
            if arg == _IMPORT_STAR:
                kind = Kind.IMPORT_STAR
        append(_new(Instr, (off, kind, opname, name, argval, op_text, line, method, index, unit)))
        index += 1
    return out
