"""How much work one ordinary iteration of a loop does, from its bytecode.

Rules that report per-iteration overheads (a lookup, a call, a rebuilt display) weigh what they
save against the iteration: in a heavy one the saving is under the 5% a finding must be worth
(see each rule's benchmark). Weights are instruction counts, a call counted by what it calls.
"""

from __future__ import annotations

from typing import Optional

from .bytecode import Kind, Loop, NameClass


# What a call costs, in instruction units, by what is called: a builtin function runs C code
# (about four simple instructions' worth); a method or an unknown callable is often Python code;
# a module-level function or class certainly is (a frame, its body, its return).
_CALL_WEIGHT = {"builtin": 4, "unknown": 12, "python": 20}


def _call_weight(call) -> int:
    from .bytecode.operands import call_shape

    shape = call_shape(call)
    callee = shape.callee if shape is not None else None
    if callee is None:
        return _CALL_WEIGHT["unknown"]
    if callee.kind in (Kind.GLOBAL_LOAD, Kind.NAME_LOAD):
        namespace = call.unit.module.namespace
        kind = namespace.classify(callee.name, (3, 9))
        return _CALL_WEIGHT["builtin" if kind is NameClass.BUILTIN else "python" if kind is NameClass.MODULE_GLOBAL else "unknown"]
    return _CALL_WEIGHT["unknown"]


def instruction_count(loop: Loop) -> int:
    """The instructions of one ordinary iteration: a lower bound of both weights below."""
    count = loop.memo.get("count")
    if count is None:
        count = loop.memo["count"] = sum(1 for instr in loop.hot_instrs() if instr.kind is not Kind.NOISE)
    return count


def iteration_weight(loop: Optional[Loop]) -> int:
    """A rough size of one ordinary iteration: its instructions, with calls counted as four
    (a call does far more work than a load). Used to judge whether saving a few lookups per
    iteration is measurable (see the rules' benchmarks)."""
    return _weight(loop, "iteration", _FLAT_CALL)


def work_weight(loop: Optional[Loop]) -> int:
    """Like ``iteration_weight``, but each call weighs what it calls: a builtin four
    instructions, a method or unknown callable twelve, a module-level Python function or class
    twenty (a frame, its body, its return). Loops that call Python code do far more per
    iteration than their own instructions show, so a saved lookup matters less there."""
    return _weight(loop, "work", _call_weight)


def _FLAT_CALL(call) -> int:  # iteration_weight: every call alike
    return 4


def _weight(loop: Optional[Loop], key: str, call_weight) -> int:
    """One ordinary iteration's instructions, each call weighing ``call_weight(call)``, plus
    ``WAITING_WEIGHT`` if it waits; computed once per loop and ``key``."""
    if loop is None:
        return 0
    weight = loop.memo.get(key)
    if weight is None:
        weight = WAITING_WEIGHT if waits(loop) else 0
        for instr in loop.hot_instrs():
            if instr.kind is Kind.NOISE:
                continue
            weight += call_weight(instr) if instr.kind is Kind.CALL else 1
        loop.memo[key] = weight
    return weight


# Calls that wait (`time.sleep(0.1)`, `input()`, `event.wait()`, `await asyncio.sleep(1)`): an
# iteration that makes one lasts far longer than any lookup or call a rule could save in it.
_WAITS = frozenset({"sleep", "input", "wait"})
WAITING_WEIGHT = 10**6


def waits(loop: Loop) -> bool:
    """Does one ordinary iteration of *loop* call ``sleep``, ``input`` or ``wait`` (as a
    name, or as a method or module attribute)? Decided once per loop."""
    found = loop.memo.get("waits")
    if found is None:
        found = loop.memo["waits"] = _calls_a_wait(loop)
    return found


def _calls_a_wait(loop: Loop) -> bool:
    from .bytecode.operands import call_shape

    code = loop.unit.code
    if _WAITS.isdisjoint(code.co_names) and _WAITS.isdisjoint(code.co_varnames) and _WAITS.isdisjoint(code.co_freevars):
        return False  # no such name in the code: no call of one
    for instr in loop.hot_instrs():
        if instr.kind is Kind.CALL:
            shape = call_shape(instr)
            callee = shape.callee if shape is not None else None
            if callee is not None and callee.name in _WAITS and callee.kind in _CALLEE_KINDS:
                return True
    return False


_CALLEE_KINDS = frozenset({Kind.GLOBAL_LOAD, Kind.NAME_LOAD, Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.ATTR_LOAD, Kind.METHOD_LOAD})
