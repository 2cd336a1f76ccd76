"""Normalised instruction kinds: one vocabulary for the opcodes of CPython 3.9-3.13.

The opname-to-kind table for the running interpreter is in ``instruction_set.py``.
"""

import enum


class Kind(enum.Enum):
    """What an instruction does, independent of the CPython version (docs/bytecode.md §11.2)."""

    FAST_LOAD = "fast_load"  # a local variable is read
    FAST_STORE = "fast_store"
    GLOBAL_LOAD = "global_load"  # a global or builtin read from function code
    GLOBAL_STORE = "global_store"
    NAME_LOAD = "name_load"  # module / class body code reading a name (dict lookups)
    NAME_STORE = "name_store"
    DEREF_LOAD = "deref_load"  # closure cell read
    DEREF_STORE = "deref_store"
    CLOSURE_LOAD = "closure_load"  # a cell pushed to build a closure (absent on 3.13)
    CONST_LOAD = "const_load"
    ATTR_LOAD = "attr_load"
    METHOD_LOAD = "method_load"  # attribute loaded in method-call form
    SUPER_ATTR_LOAD = "super_attr_load"  # super().x on 3.12+
    ATTR_STORE = "attr_store"
    SUBSCR_LOAD = "subscr_load"  # x[i], x[i:j]
    SUBSCR_STORE = "subscr_store"
    BINARY = "binary"  # a + b etc.; Instr.op holds the operator
    INPLACE = "inplace"  # a += b etc.; Instr.op holds '+=' etc.
    CALL = "call"  # argval is the argument count
    COMPARE = "compare"  # op holds '<', '==', ...
    CONTAINS = "contains"  # op holds 'in' / 'not in'
    IS = "is"  # op holds 'is' / 'is not'
    GET_ITER = "get_iter"  # iter() / aiter() of a for loop or comprehension
    FOR_ITER = "for_iter"  # next() of a for loop (also GET_ANEXT); argval is the exit target
    END_FOR = "end_for"
    BACK_EDGE = "back_edge"  # a jump to an earlier offset (use CodeUnit.loops for membership)
    AWAIT_BACK_EDGE = "await_back_edge"  # the jump closing an await / yield-from SEND loop
    JUMP = "jump"  # forward jump, conditional or not; argval is the target offset
    SETUP_BLOCK = "setup_block"  # SETUP_FINALLY / SETUP_WITH (<=3.10); argval is the handler
    BUILD = "build"  # BUILD_LIST, BUILD_TUPLE, ...
    EXTEND = "extend"  # LIST_EXTEND, SET_UPDATE, DICT_UPDATE, DICT_MERGE
    COMP_APPEND = "comp_append"  # LIST_APPEND, SET_ADD, MAP_ADD of a comprehension
    FORMAT = "format"  # f-string formatting
    IMPORT = "import"  # name is the module name
    IMPORT_FROM = "import_from"
    IMPORT_STAR = "import_star"
    MAKE_FUNCTION = "make_function"
    RETURN = "return"
    RAISE = "raise"
    YIELD = "yield"
    STACK = "stack"  # DUP_TOP, ROT_*, COPY, SWAP
    POP = "pop"
    DELETE = "delete"  # del of a name/attribute (name set) or subscript (name None)
    OTHER = "other"
    NOISE = "noise"  # NOP, RESUME, PRECALL, PUSH_NULL, CACHE, ... (no source meaning)

    # Members are singletons compared by identity: hash them by identity too, in C. Enum's own
    # __hash__ is a Python function hashing the name, and rules test `kind in {...}` millions
    # of times per run.
    __hash__ = object.__hash__


#: kinds that store into a variable, attribute or item ("what stores the result of this +=")
STORE_KINDS = frozenset(
    {
        Kind.FAST_STORE,
        Kind.NAME_STORE,
        Kind.GLOBAL_STORE,
        Kind.DEREF_STORE,
        Kind.ATTR_STORE,
        Kind.SUBSCR_STORE,
    }
)

#: kinds that only shuffle the stack or carry no meaning; skipped by CodeUnit.next_store
TRANSPARENT_KINDS = frozenset({Kind.STACK, Kind.NOISE})
