"""Where an instruction's operands come from: a backward walk over straight-line code.

Rules ask "what is being called here", "what does this ``in`` test look into", "what does this
loop iterate over". The answer is the instruction that pushed the value, found by walking back
from the consumer and undoing each instruction's stack effect. The walk stays inside one
straight run of code: it stops (and answers None) at a jump target, after a jump that does not
fall through, or at an instruction whose stack effect it does not model. None therefore means
"not known", never "no".

Typical use::

    shape = call_shape(call_instr)
    if shape is not None and shape.callee is not None and shape.callee.name == "sorted":
        first = shape.positional[0]   # the instruction that pushed the first argument

The call layouts differ per version (docs/bytecode.md §3): ``[callable, args]`` (3.9/3.10
functions), ``[NULL|method, callable|self, args]`` (3.11/3.12), ``[callable|method,
NULL|self, args]`` (3.13); keyword names are a constant on the stack (3.9/3.10
``CALL_FUNCTION_KW``, 3.13 ``CALL_KW``) or a ``KW_NAMES`` instruction (3.11/3.12).
"""

import dis
import weakref
from bisect import bisect_left
from typing import Callable, FrozenSet, NamedTuple, Optional, Tuple, Union

from bytelint.bytecode import instruction_set as iset
from bytelint.bytecode.instructions import Instr
from bytelint.bytecode.kinds import Kind
from bytelint.bytecode.rawcode import exception_entries

_VERSION = iset.VERSION

# (pops, pushes), or a function mapping a depth after the instruction to the depth before it
# (stack shuffles and value-preserving instructions), or None (not modelled: stop).
Effect = Union[Tuple[int, int], Callable[[int], int], None]

_LOADS = frozenset({Kind.FAST_LOAD, Kind.CLOSURE_LOAD})
_STORES = frozenset({Kind.FAST_STORE, Kind.NAME_STORE, Kind.GLOBAL_STORE, Kind.DEREF_STORE})
_TWO_TO_ONE = frozenset({Kind.BINARY, Kind.INPLACE, Kind.COMPARE, Kind.CONTAINS, Kind.IS})
# effect computed as: pushes fixed, pops = pushes - net stack effect
_PUSH_ONE_NET = frozenset({Kind.BUILD, Kind.FORMAT, Kind.MAKE_FUNCTION, Kind.IMPORT})
_PUSH_NONE_NET = frozenset({Kind.EXTEND, Kind.COMP_APPEND, Kind.DELETE})
_NO_EFFECT_NOISE = frozenset(
    {"NOP", "RESUME", "EXTENDED_ARG", "CACHE", "PRECALL", "MAKE_CELL", "COPY_FREE_VARS", "KW_NAMES"}
)
_OTHER_ONE_TO_ONE = frozenset(
    {
        "UNARY_POSITIVE", "UNARY_NEGATIVE", "UNARY_NOT", "UNARY_INVERT", "GET_AWAITABLE",
        "GET_YIELD_FROM_ITER", "CALL_INTRINSIC_1", "GET_AITER",
    }
)
_OTHER_PUSH_ONE = frozenset({"GET_LEN", "LOAD_ASSERTION_ERROR", "LOAD_BUILD_CLASS", "LOAD_LOCALS"})
_IDENTITY_NOISE = frozenset({"TO_BOOL", "CONVERT_VALUE"})


def _net(instr: Instr) -> Optional[int]:
    raw = instr.unit.raw
    k = bisect_left(raw.offsets, instr.offset)
    if k >= len(raw.offsets) or raw.offsets[k] != instr.offset:
        return None
    op = raw.ops[k]
    try:
        return dis.stack_effect(op, raw.args[k] if op in iset.HAS_ARG else None, jump=False)
    except (ValueError, TypeError):  # pragma: no cover - pseudo or unknown opcodes
        return None


def _call_pops(instr: Instr) -> Optional[int]:
    name, argc = instr.opname, instr.argval
    if name == "CALL_FUNCTION_EX":
        extra = 2 if _VERSION < (3, 11) else 3
        return extra + (argc & 1)
    if name == "CALL_FUNCTION":
        return argc + 1
    if name in ("CALL_FUNCTION_KW", "CALL_METHOD", "CALL"):
        return argc + 2
    if name == "CALL_KW":
        return argc + 3
    return None


def _swap(n: int) -> Callable[[int], int]:
    return lambda d: n - 1 if d == 0 else 0 if d == n - 1 else d


def _rot(n: int) -> Callable[[int], int]:
    # ROT_n lifts the second..n-th items up one and moves the top down to position n-1
    return lambda d: 0 if d == n - 1 else d + 1 if d < n - 1 else d


def _copy(n: int) -> Callable[[int], int]:
    return lambda d: n - 1 if d == 0 else d - 1


def _stack_op(instr: Instr) -> Effect:
    name = instr.opname
    if name == "DUP_TOP":
        return _copy(1)
    if name == "DUP_TOP_TWO":
        return lambda d: d if d < 2 else d - 2
    if name == "COPY":
        return _copy(instr.argval)
    if name == "SWAP":
        return _swap(instr.argval)
    if name == "ROT_TWO":
        return _swap(2)
    if name == "ROT_THREE":
        return _rot(3)
    if name == "ROT_FOUR":
        return _rot(4)
    if name == "ROT_N":
        return _rot(instr.argval)
    return None


def _effect(instr: Instr) -> Effect:
    kind = instr.kind
    name = instr.opname
    if kind in _LOADS:
        return (0, 1)
    if kind in _STORES:
        return (1, 0)
    if kind is Kind.CONST_LOAD:
        return (0, 0) if name == "KW_NAMES" else (0, 1)
    if kind in (Kind.NAME_LOAD, Kind.DEREF_LOAD):
        return (1, 1) if name.startswith("LOAD_FROM_DICT") else (0, 1)
    if kind is Kind.GLOBAL_LOAD:
        net = _net(instr)
        return None if net is None else (0, net)
    if kind is Kind.ATTR_LOAD:
        return (1, 1)
    if kind is Kind.METHOD_LOAD:
        return (1, 2)
    if kind is Kind.SUPER_ATTR_LOAD:
        return (3, 2 if instr.is_method else 1)
    if kind is Kind.ATTR_STORE:
        return (2, 0)
    if kind is Kind.SUBSCR_LOAD:
        return (3, 1) if name == "BINARY_SLICE" else (2, 1)
    if kind is Kind.SUBSCR_STORE:
        return (4, 0) if name == "STORE_SLICE" else (3, 0)
    if kind in _TWO_TO_ONE:
        return (2, 1)
    if kind is Kind.CALL:
        pops = _call_pops(instr)
        return None if pops is None else (pops, 1)
    if kind is Kind.GET_ITER:
        return (1, 1)
    if kind is Kind.FOR_ITER:
        return (0, 1)  # the next item, above the iterator (the path that stays in the loop)
    if kind in _PUSH_ONE_NET or kind in _PUSH_NONE_NET:
        net = _net(instr)
        if net is None:
            return None
        pushes = 1 if kind in _PUSH_ONE_NET else 0
        return (pushes - net, pushes)
    if kind is Kind.IMPORT_FROM:
        return (0, 1)
    if kind is Kind.POP:
        return (1, 0)
    if kind is Kind.JUMP:
        if name == "POP_JUMP_IF_NONE" or name.endswith(("_IF_NONE", "_IF_NOT_NONE")):
            return (1, 0)  # the split None test: CONST_LOAD None; IS; JUMP
        net = _net(instr)
        return None if net is None else (-net, 0)
    if kind is Kind.BACK_EDGE:
        net = _net(instr)
        return None if net is None else (-net, 0)
    if kind is Kind.STACK:
        return _stack_op(instr)
    if kind is Kind.NOISE:
        if name == "PUSH_NULL":
            return (0, 1)
        if name in _NO_EFFECT_NOISE:
            return (0, 0)
        if name in _IDENTITY_NOISE:
            return lambda d: d
        if name == "SET_FUNCTION_ATTRIBUTE":
            return lambda d: d if d == 0 else d + 1
        return None
    if kind is Kind.OTHER:
        if name in _OTHER_ONE_TO_ONE:
            return (1, 1)
        if name in _OTHER_PUSH_ONE:
            return (0, 1)
        if name == "CALL_INTRINSIC_2":
            return (2, 1)
        if name == "UNPACK_SEQUENCE":
            return (1, instr.argval)
        if name == "UNPACK_EX":
            arg = instr.argval
            return (1, (arg & 0xFF) + (arg >> 8) + 1)
        return None
    return None  # YIELD, RETURN, RAISE, SETUP_BLOCK, END_FOR, ...


_TARGETS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _entry_points(unit) -> FrozenSet[int]:
    """Offsets where control arrives other than by falling through: jump targets and handlers."""
    found = _TARGETS.get(unit)
    if found is None:
        raw = unit.raw
        targets = set()
        for k, op in enumerate(raw.ops):
            if op in iset.JUMPS:
                targets.add(raw.target(k))
        for _start, _end, handler, _depth, _lasti in exception_entries(raw.code) if iset.HAS_EXCEPTION_TABLE else ():
            targets.add(handler)
        found = frozenset(targets)
        _TARGETS[unit] = found
    return found


def _falls_through(instr: Instr) -> bool:
    kind = instr.kind
    if kind in (Kind.RETURN, Kind.RAISE, Kind.END_FOR):
        return False
    if kind in (Kind.JUMP, Kind.BACK_EDGE, Kind.AWAIT_BACK_EDGE):
        return iset.opcode_of(instr.opname) not in iset.UNCONDITIONAL
    return True


def producer(instr: Instr, depth: int = 0) -> Optional[Instr]:
    """The instruction that pushed the value ``depth`` entries below the top of the stack just
    before *instr* runs (0 = the top), or None when that is not known from straight-line code.

    A value pushed together with others (a method load, an unpacking, a global loaded with a
    NULL) is attributed to the instruction that pushed them all.
    """
    found = _walk(instr, depth)
    return found[0] if found is not None else None


def _walk(instr: Instr, depth: int, limit: int = 200) -> Optional[Tuple[Instr, int]]:
    """(producer, which of its pushed values: 0 = the last pushed) of the value at *depth*.
    Memoized on the code unit (several rules ask about the same instructions); the memo dies
    with the unit (a weak-keyed table would not: its values hold the unit)."""
    memo = instr.unit.__dict__.get("_operand_walks")
    if memo is None:
        memo = instr.unit.__dict__["_operand_walks"] = {}
    key = (instr.index, depth, limit)
    if key not in memo:
        memo[key] = _walk_uncached(instr, depth, limit)
    return memo[key]


def _walk_uncached(instr: Instr, depth: int, limit: int) -> Optional[Tuple[Instr, int]]:
    unit = instr.unit
    instrs = unit.instrs
    entries = _entry_points(unit)
    i = instr.index
    steps = 0
    while steps < limit:
        steps += 1
        current = instrs[i]
        if current.offset in entries and (i == 0 or instrs[i - 1].offset != current.offset):
            return None  # control may arrive here from elsewhere
        i -= 1
        if i < 0:
            return None
        prev = instrs[i]
        if not _falls_through(prev):
            return None
        effect = _effect(prev)
        if effect is None:
            return None
        if callable(effect):
            depth = effect(depth)
            continue
        pops, pushes = effect
        if depth < pushes:
            return prev, depth
        depth = depth - pushes + pops
    return None


class CallShape(NamedTuple):
    """What a call instruction calls and with what."""

    callee: Optional[Instr]  # the instruction that pushed the called object (None: unknown)
    positional: Tuple[Optional[Instr], ...]  # producers of the positional arguments, in order
    keywords: Tuple[str, ...]  # keyword argument names, in order
    star: bool  # ``f(*args)`` / ``f(**kw)``: arguments not known one by one
    keyword_values: Tuple[Optional[Instr], ...] = ()  # producers of the keyword arguments

    def keyword(self, name: str) -> Optional[Instr]:
        """The producer of keyword argument *name* (None: absent or unknown)."""
        for key, value in zip(self.keywords, self.keyword_values):
            if key == name:
                return value
        return None


def _is_null(instr: Instr, position: int) -> bool:
    """Is this pushed value the NULL of a 3.11/3.12 call (pushed below the callable)?"""
    if instr.opname == "PUSH_NULL":
        return True
    return instr.kind is Kind.GLOBAL_LOAD and position == 1


def _kw_names(call: Instr) -> Optional[Tuple[str, ...]]:
    """Keyword names of a 3.11/3.12 CALL (from the KW_NAMES instruction before it)."""
    instrs = call.unit.instrs
    i = call.index - 1
    while i >= 0 and instrs[i].kind is Kind.NOISE:
        i -= 1
    if i >= 0 and instrs[i].opname == "KW_NAMES" and isinstance(instrs[i].argval, tuple):
        return instrs[i].argval
    return ()


def call_shape(call: Instr) -> Optional[CallShape]:
    """The callee and arguments of a CALL-kind instruction, or None if it is not one.
    Memoised on the code unit: most rules ask about the same calls."""
    if call.kind is not Kind.CALL:
        return None
    memo = call.unit.__dict__.get("_call_shapes")
    if memo is None:
        memo = call.unit.__dict__["_call_shapes"] = {}
    shape = memo.get(call.index, memo)
    if shape is memo:
        shape = memo[call.index] = _call_shape(call)
    return shape


def _call_shape(call: Instr) -> Optional[CallShape]:
    name, argc = call.opname, call.argval
    if name == "CALL_FUNCTION_EX":
        base = 1 + (argc & 1)
        callee = producer(call, base + 1 if _VERSION >= (3, 13) else base)
        return CallShape(callee, (), (), True)
    keywords: Tuple[str, ...] = ()
    offset = 0  # stack entries above the arguments (a keyword-names constant)
    if name in ("CALL_FUNCTION_KW", "CALL_KW"):
        names = producer(call, 0)
        if names is None or names.kind is not Kind.CONST_LOAD or not isinstance(names.argval, tuple):
            return CallShape(None, (), (), False)
        keywords = names.argval
        offset = 1
    elif name == "CALL" and _VERSION < (3, 13):
        names = _kw_names(call)
        keywords = names or ()
    n_positional = argc - len(keywords)
    values = tuple(producer(call, offset + argc - 1 - j) for j in range(argc))
    positional, keyword_values = values[:n_positional], values[n_positional:]
    if name == "CALL_FUNCTION" or name == "CALL_FUNCTION_KW":
        callee = producer(call, offset + argc)
    elif name == "CALL_METHOD":
        callee = producer(call, argc)
    elif _VERSION >= (3, 13):
        callee = producer(call, offset + argc + 1)
    else:
        # 3.11/3.12: [NULL|method|function, callable|self|iterator, args]
        lower = _walk(call, argc + 1)
        upper = producer(call, argc)
        if lower is not None and not _is_null(*lower) and lower[0] is not upper:
            callee = lower[0]  # a generator expression's function, called with its iterator
            positional = (upper,) + positional
        else:
            callee = upper
    if callee is None:
        callee = _callee_by_position(call)
    return CallShape(callee, positional, keywords, False, keyword_values)


_CALLEE_KINDS = frozenset(
    {Kind.GLOBAL_LOAD, Kind.NAME_LOAD, Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.ATTR_LOAD, Kind.METHOD_LOAD,
     Kind.SUPER_ATTR_LOAD, Kind.CALL, Kind.SUBSCR_LOAD}
)


def _callee_by_position(call: Instr) -> Optional[Instr]:
    """When the stack walk is cut (an inlined comprehension among the arguments, 3.12+), the
    callee is the instruction that evaluates the longest expression starting where the call
    starts and ending before it ends: ``f`` in ``f(...)``, ``a.b`` in ``a.b(...)``."""
    span = call.span
    if span is None:
        return None
    best = None
    for instr in reversed(call.unit.instrs[: call.index]):
        if instr.kind not in _CALLEE_KINDS:
            continue
        other = instr.span
        if other is None or (other[0], other[1]) != (span[0], span[1]):
            continue
        if (other[2], other[3]) >= (span[2], span[3]):
            break  # an enclosing expression: we went past the start of this call
        if best is None or (other[2], other[3]) > (best.span[2], best.span[3]):
            best = instr
    return best


_UNPACKS = frozenset({"UNPACK_SEQUENCE", "UNPACK_EX"})


def unpack_count(instr: Instr) -> Optional[int]:
    """How many targets an unpacking instruction (``a, b = ...``, ``for k, v in ...``) stores
    into, or None if *instr* does not unpack (or unpacks with a starred target)."""
    if instr.opname == "UNPACK_SEQUENCE":
        return instr.argval
    return None


def unpacks(instr: Instr) -> bool:
    """Does *instr* unpack a value into several targets (``a, b = ...``, ``a, *b = ...``)?"""
    return instr.opname in _UNPACKS


def callee_code_unit(instr: Instr):
    """For a MAKE_FUNCTION instruction: the code unit of the function it makes, else None."""
    if instr.kind is not Kind.MAKE_FUNCTION:
        return None
    unit = instr.unit
    for depth in (0, 1):
        const = producer(instr, depth)
        if const is not None and const.kind is Kind.CONST_LOAD and hasattr(const.argval, "co_code"):
            for child in unit.children:
                if child.code is const.argval:
                    return child
            return None
    return None
