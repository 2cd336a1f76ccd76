"""The running interpreter's instruction set: opcode tables keyed by opname.

This is the one module that looks at ``sys.version_info`` to decode bytecode.  Everything is
computed once at import time from ``dis`` (public names only) plus a few documented per-version
encodings (docs/bytecode.md §1.1, §2.1, §3, §4.1).
"""

import dis
import sys
from typing import List, Optional, Tuple

from bytelint.bytecode.kinds import Kind

VERSION = (sys.version_info[0], sys.version_info[1])

# How an instruction's argument is turned into name / argval / op (see instructions.py).
(
    NOARG,  # argval = None (the opcode takes no argument)
    PLAIN,  # argval = arg
    CONST,  # argval = co_consts[arg]
    RETURN_CONST,  # split into CONST_LOAD + RETURN (3.12+)
    NAME,  # name = co_names[arg >> shift]
    ATTR,  # LOAD_ATTR: METHOD_LOAD when bit 0 is set (3.12+)
    SUPER_ATTR,  # LOAD_SUPER_ATTR (3.12+): method bit 0, name = co_names[arg >> 2]
    LOCAL,  # name = local variable
    FREE,  # name = cell or free variable
    LOCAL_PAIR,  # 3.13 superinstructions on two locals (arg >> 4, arg & 15)
    JUMP,  # argval = target offset
    NONE_JUMP,  # POP_JUMP_*_IF_[NOT_]NONE: split into CONST_LOAD None + IS + jump
    COMPARE,  # op = comparison operator
    BINOP,  # BINARY_OP (3.11+): op from the operator table
    FIXED_OP,  # BINARY_ADD etc. (<=3.10): op fixed by the opname
    IS,  # op = 'is' / 'is not'
    CONTAINS,  # op = 'in' / 'not in'
    INTRINSIC,  # CALL_INTRINSIC_1 (3.12+): IMPORT_STAR for INTRINSIC_IMPORT_STAR
) = range(18)

_K = Kind
_KIND_BY_OPNAME = {
    "LOAD_FAST": _K.FAST_LOAD, "LOAD_FAST_CHECK": _K.FAST_LOAD, "LOAD_FAST_AND_CLEAR": _K.FAST_LOAD,
    "STORE_FAST": _K.FAST_STORE,
    "LOAD_GLOBAL": _K.GLOBAL_LOAD, "STORE_GLOBAL": _K.GLOBAL_STORE,
    "LOAD_NAME": _K.NAME_LOAD, "LOAD_FROM_DICT_OR_GLOBALS": _K.NAME_LOAD, "STORE_NAME": _K.NAME_STORE,
    "LOAD_DEREF": _K.DEREF_LOAD, "LOAD_CLASSDEREF": _K.DEREF_LOAD,
    "LOAD_FROM_DICT_OR_DEREF": _K.DEREF_LOAD, "STORE_DEREF": _K.DEREF_STORE,
    "LOAD_CLOSURE": _K.CLOSURE_LOAD,
    "LOAD_CONST": _K.CONST_LOAD, "KW_NAMES": _K.CONST_LOAD, "RETURN_CONST": _K.CONST_LOAD,
    "LOAD_ATTR": _K.ATTR_LOAD, "LOAD_METHOD": _K.METHOD_LOAD, "LOAD_SUPER_ATTR": _K.SUPER_ATTR_LOAD,
    "STORE_ATTR": _K.ATTR_STORE,
    "BINARY_SUBSCR": _K.SUBSCR_LOAD, "BINARY_SLICE": _K.SUBSCR_LOAD,
    "STORE_SUBSCR": _K.SUBSCR_STORE, "STORE_SLICE": _K.SUBSCR_STORE,
    "BINARY_OP": _K.BINARY,
    "CALL_FUNCTION": _K.CALL, "CALL_FUNCTION_KW": _K.CALL, "CALL_FUNCTION_EX": _K.CALL,
    "CALL_METHOD": _K.CALL, "CALL": _K.CALL, "CALL_KW": _K.CALL,
    "COMPARE_OP": _K.COMPARE, "CONTAINS_OP": _K.CONTAINS, "IS_OP": _K.IS,
    "GET_ITER": _K.GET_ITER, "GET_AITER": _K.GET_ITER,
    "FOR_ITER": _K.FOR_ITER, "GET_ANEXT": _K.FOR_ITER,
    "END_FOR": _K.END_FOR, "END_ASYNC_FOR": _K.END_FOR,
    "JUMP_BACKWARD_NO_INTERRUPT": _K.AWAIT_BACK_EDGE, "SEND": _K.OTHER,
    "SETUP_FINALLY": _K.SETUP_BLOCK, "SETUP_WITH": _K.SETUP_BLOCK, "SETUP_ASYNC_WITH": _K.SETUP_BLOCK,
    "BUILD_TUPLE": _K.BUILD, "BUILD_LIST": _K.BUILD, "BUILD_SET": _K.BUILD, "BUILD_MAP": _K.BUILD,
    "BUILD_CONST_KEY_MAP": _K.BUILD, "BUILD_STRING": _K.BUILD, "BUILD_SLICE": _K.BUILD,
    "LIST_TO_TUPLE": _K.BUILD,
    "LIST_EXTEND": _K.EXTEND, "SET_UPDATE": _K.EXTEND, "DICT_UPDATE": _K.EXTEND, "DICT_MERGE": _K.EXTEND,
    "LIST_APPEND": _K.COMP_APPEND, "SET_ADD": _K.COMP_APPEND, "MAP_ADD": _K.COMP_APPEND,
    "FORMAT_VALUE": _K.FORMAT, "FORMAT_SIMPLE": _K.FORMAT, "FORMAT_WITH_SPEC": _K.FORMAT,
    "IMPORT_NAME": _K.IMPORT, "IMPORT_FROM": _K.IMPORT_FROM, "IMPORT_STAR": _K.IMPORT_STAR,
    "MAKE_FUNCTION": _K.MAKE_FUNCTION,
    "RETURN_VALUE": _K.RETURN,
    "RAISE_VARARGS": _K.RAISE, "RERAISE": _K.RAISE,
    "YIELD_VALUE": _K.YIELD, "YIELD_FROM": _K.YIELD,
    "DUP_TOP": _K.STACK, "DUP_TOP_TWO": _K.STACK, "ROT_TWO": _K.STACK, "ROT_THREE": _K.STACK,
    "ROT_FOUR": _K.STACK, "ROT_N": _K.STACK, "COPY": _K.STACK, "SWAP": _K.STACK,
    "POP_TOP": _K.POP,
    "DELETE_FAST": _K.DELETE, "DELETE_NAME": _K.DELETE, "DELETE_GLOBAL": _K.DELETE,
    "DELETE_DEREF": _K.DELETE, "DELETE_ATTR": _K.DELETE, "DELETE_SUBSCR": _K.DELETE,
    "NOP": _K.NOISE, "EXTENDED_ARG": _K.NOISE, "GEN_START": _K.NOISE, "RESUME": _K.NOISE,
    "PRECALL": _K.NOISE, "PUSH_NULL": _K.NOISE, "CACHE": _K.NOISE, "MAKE_CELL": _K.NOISE,
    "COPY_FREE_VARS": _K.NOISE, "RETURN_GENERATOR": _K.NOISE, "TO_BOOL": _K.NOISE,
    "SET_FUNCTION_ATTRIBUTE": _K.NOISE, "CONVERT_VALUE": _K.NOISE,
}

# <=3.10 binary / in-place opnames and their operators (§4.1)
_OLD_BINARY = {
    "ADD": "+", "SUBTRACT": "-", "MULTIPLY": "*", "TRUE_DIVIDE": "/", "FLOOR_DIVIDE": "//",
    "MODULO": "%", "POWER": "**", "MATRIX_MULTIPLY": "@", "LSHIFT": "<<", "RSHIFT": ">>",
    "AND": "&", "OR": "|", "XOR": "^",
}
for _suffix, _sym in _OLD_BINARY.items():
    _KIND_BY_OPNAME["BINARY_" + _suffix] = _K.BINARY
    _KIND_BY_OPNAME["INPLACE_" + _suffix] = _K.INPLACE

#: BINARY_OP operators by oparg (3.11+; the same order as CPython's NB_* enum, ``dis._nb_ops``)
BINARY_OP_SYMBOLS = ("+", "&", "//", "<<", "@", "*", "%", "|", "**", ">>", "-", "/", "^")
BINARY_OP_SYMBOLS = BINARY_OP_SYMBOLS + tuple(s + "=" for s in BINARY_OP_SYMBOLS)
N_BINARY = 13

#: CALL_INTRINSIC_1 oparg of ``from m import *`` (3.12, 3.13)
INTRINSIC_IMPORT_STAR = 2

CMP_OPS = tuple(dis.cmp_op)
CMP_SHIFT = 5 if VERSION >= (3, 13) else 4 if VERSION >= (3, 12) else 0

_opmap = {name: op for name, op in dis.opmap.items() if op < 256}


def opcode_of(name: str) -> int:
    """The running interpreter's opcode for *name*, or -1 when the opcode does not exist."""
    return _opmap.get(name, -1)


EXTENDED_ARG = opcode_of("EXTENDED_ARG")
CACHE = opcode_of("CACHE")
# rawcode.py drops CACHE units by testing the opcode byte for zero: CACHE is opcode 0 on 3.11+
# and 3.9/3.10 have no opcode 0.
if CACHE not in (-1, 0) or (CACHE == -1 and 0 in _opmap.values()):  # pragma: no cover
    raise ImportError("bytelint.bytecode: unexpected CACHE opcode numbering")
#: opcodes that take an argument (dis reports ``arg is None`` for the others)
HAS_ARG = frozenset(getattr(dis, "hasarg", None) or range(dis.HAVE_ARGUMENT, 256))
LOAD_CONST = opcode_of("LOAD_CONST")
LOAD_BUILD_CLASS = opcode_of("LOAD_BUILD_CLASS")
STORE_GLOBAL = opcode_of("STORE_GLOBAL")
STORE_NAME = opcode_of("STORE_NAME")
DELETE_GLOBAL = opcode_of("DELETE_GLOBAL")
FOR_ITER = opcode_of("FOR_ITER")
GET_ANEXT = opcode_of("GET_ANEXT")
NO_INTERRUPT = opcode_of("JUMP_BACKWARD_NO_INTERRUPT")

JUMPS = frozenset(
    op
    for op in set(dis.hasjrel) | set(dis.hasjabs) | set(getattr(dis, "hasjump", ()))
    if op < 256
)
_ABSOLUTE = frozenset(op for op in dis.hasjabs if op < 256)
_BACKWARD = frozenset(op for op in JUMPS if "JUMP_BACKWARD" in dis.opname[op])
UNCONDITIONAL = frozenset(
    opcode_of(n)
    for n in ("JUMP_ABSOLUTE", "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT")
) - {-1}
TERMINATORS = frozenset(
    opcode_of(n) for n in ("RETURN_VALUE", "RETURN_CONST", "RAISE_VARARGS", "RERAISE")
) - {-1}
#: <=3.10 block setups: fall through, plus an exception edge to their target
SETUPS = frozenset(opcode_of(n) for n in ("SETUP_FINALLY", "SETUP_WITH", "SETUP_ASYNC_WITH")) - {-1}
#: opcodes that may jump backwards (a code object without any has no loops); 3.9/3.10 absolute
#: jumps may go either way and are decoded
MAYBE_BACKWARD = (_BACKWARD - {NO_INTERRUPT}) | _ABSOLUTE

HAS_EXCEPTION_TABLE = VERSION >= (3, 11)
HAS_COLUMNS = VERSION >= (3, 11)

_NAME_SHIFT = {}
if VERSION >= (3, 11):
    _NAME_SHIFT["LOAD_GLOBAL"] = 1
if VERSION >= (3, 12):
    _NAME_SHIFT["LOAD_ATTR"] = 1


def jump_target(op: int, arg: int, offset: int, caches: int) -> int:
    """Byte offset a jump goes to, as ``dis`` reports it in ``Instruction.argval``."""
    if op in _ABSOLUTE:
        return arg if VERSION < (3, 10) else arg * 2
    if VERSION < (3, 10):
        return offset + 2 + arg
    if op in _BACKWARD:
        arg = -arg
    return offset + 2 + arg * 2 + caches * 2


_PAIRS = {
    "LOAD_FAST_LOAD_FAST": (Kind.FAST_LOAD, Kind.FAST_LOAD),
    "STORE_FAST_LOAD_FAST": (Kind.FAST_STORE, Kind.FAST_LOAD),
    "STORE_FAST_STORE_FAST": (Kind.FAST_STORE, Kind.FAST_STORE),
}


def _entry(name: str) -> Tuple[str, Kind, int, object]:
    """(opname, kind, decoding category, category parameter) for one opname."""
    op = _opmap[name]
    kind = _KIND_BY_OPNAME.get(name, Kind.OTHER)
    if name in _PAIRS:
        return name, _PAIRS[name][0], LOCAL_PAIR, _PAIRS[name]
    if name == "RETURN_CONST":
        return name, kind, RETURN_CONST, None
    if "_IF_NONE" in name or "_IF_NOT_NONE" in name:
        return name, Kind.JUMP, NONE_JUMP, "is" if "NOT_NONE" in name else "is not"
    if op in JUMPS:
        if name not in _KIND_BY_OPNAME:
            kind = Kind.JUMP
        return name, kind, JUMP, None
    if name == "LOAD_ATTR" and VERSION >= (3, 12):
        return name, kind, ATTR, 1
    if name == "LOAD_SUPER_ATTR":
        return name, kind, SUPER_ATTR, 2
    if name == "BINARY_OP":
        return name, kind, BINOP, None
    if name.startswith(("BINARY_", "INPLACE_")) and name.split("_", 1)[1] in _OLD_BINARY:
        sym = _OLD_BINARY[name.split("_", 1)[1]]
        return name, kind, FIXED_OP, sym + "=" if name.startswith("INPLACE_") else sym
    if name == "COMPARE_OP":
        return name, kind, COMPARE, None
    if name == "IS_OP":
        return name, kind, IS, None
    if name == "CONTAINS_OP":
        return name, kind, CONTAINS, None
    if name == "CALL_INTRINSIC_1":
        return name, kind, INTRINSIC, None
    if name in CONTAINER_OPS:
        return name, kind, FIXED_OP, CONTAINER_OPS[name]
    if op in dis.hasconst:
        return name, kind, CONST, None
    if op in dis.hasname:
        return name, kind, NAME, _NAME_SHIFT.get(name, 0)
    if op in dis.haslocal:
        return name, kind, LOCAL, None
    if op in dis.hasfree:
        return name, kind, FREE, None
    return name, kind, PLAIN if op in HAS_ARG else NOARG, None


#: BUILD / EXTEND / COMP_APPEND instructions: the container they make or grow (``Instr.op``)
CONTAINER_OPS = {
    "BUILD_TUPLE": "tuple", "LIST_TO_TUPLE": "tuple", "BUILD_LIST": "list", "BUILD_SET": "set",
    "BUILD_MAP": "dict", "BUILD_CONST_KEY_MAP": "dict", "BUILD_STRING": "str", "BUILD_SLICE": "slice",
    "LIST_EXTEND": "list", "LIST_APPEND": "list", "SET_UPDATE": "set", "SET_ADD": "set",
    "DICT_UPDATE": "dict", "DICT_MERGE": "dict", "MAP_ADD": "dict",
}

#: per opcode number: (opname, kind, category, parameter), or None for unused numbers
OPCODES: List[Optional[Tuple[str, Kind, int, object]]] = [None] * 256
for _name in _opmap:
    OPCODES[_opmap[_name]] = _entry(_name)


def variable_names(code) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(names indexed by local opargs, names indexed by cell/free opargs) for *code*."""
    if VERSION < (3, 11):
        return code.co_varnames, code.co_cellvars + code.co_freevars
    varnames = code.co_varnames
    cells = tuple(c for c in code.co_cellvars if c not in varnames)
    localsplus = varnames + cells + code.co_freevars
    return localsplus, localsplus
