"""Control-flow graph and natural loops of one code object (docs/bytecode.md §1.4).

Basic blocks start at offset 0, at jump targets, after jumps and terminators, and (3.11+) at
every exception-table start, end and handler.  Edges: jump targets, fall-through (unless the jump
is unconditional or the block ends in a return/raise), and exception edges from every block in a
protected range to its handler (3.11+), or from SETUP_FINALLY/SETUP_WITH to their target (<=3.10).
Dominators are computed iteratively (Cooper, Harvey & Kennedy); a back edge ``b -> h`` has ``h``
dominating ``b``; the loop body is ``h`` plus every block reaching ``b`` backwards without passing
``h``.  Loops sharing a header are merged, and so are the two natural loops that a ``while`` loop
with a ``continue`` becomes from 3.10 on (see ``_duplicated_test`` and ``_nop_header``); loops
closed only by JUMP_BACKWARD_NO_INTERRUPT are the SEND loops of ``await`` / ``yield from`` and
are dropped.  Unreachable blocks are ignored.

Code on a path that always leaves the loop (the statements before a ``break``, ``return`` or
``raise``) is not in the natural loop: it runs at most once per execution of the loop.  Over the
CPython 3.11 stdlib (190,000 lines compared with the AST's loop nesting) no line comes out deeper
than its source nesting on any of 3.9-3.13; the lines that come out shallower are such exit paths.

A graph has a cycle only if some edge goes to a lower or equal offset, so a code object without a
backward jump or backward exception edge is skipped without building the graph.
"""

from bisect import bisect_left, bisect_right
from typing import FrozenSet, List, NamedTuple

from bytelint.bytecode import instruction_set as iset
from bytelint.bytecode.rawcode import RawCode, exception_entries, uses_any

_JUMPS = iset.JUMPS
_SPECIAL = iset.JUMPS | iset.TERMINATORS
_TERMINATORS = iset.TERMINATORS
_UNCONDITIONAL = iset.UNCONDITIONAL
_SETUPS = iset.SETUPS
_MAYBE_BACKWARD = iset.MAYBE_BACKWARD
_NO_INTERRUPT = iset.NO_INTERRUPT
_FOR_ITER = iset.FOR_ITER
_GET_ANEXT = iset.GET_ANEXT
_EXT = iset.EXTENDED_ARG
_NOPS = frozenset({iset.opcode_of("NOP"), _EXT}) - {-1}
_TRIVIAL = _NOPS | iset.UNCONDITIONAL - {_NO_INTERRUPT} | {iset.opcode_of("POP_TOP")}


class LoopRegion(NamedTuple):
    """A natural loop found in one code object, before it is wrapped into a ``Loop``."""

    header: int  # offset of the header block's first instruction
    kind: str  # "for", "async for", "while"
    offsets: FrozenSet[int]
    hot_offsets: FrozenSet[int]


def _may_have_cycle(raw: RawCode, entries) -> bool:
    ops = raw.ops
    if not _MAYBE_BACKWARD.isdisjoint(ops):
        if iset.VERSION >= (3, 11):
            return True
        offsets = raw.offsets
        for k, op in enumerate(ops):
            if op in _MAYBE_BACKWARD and raw.target(k) <= offsets[k]:
                return True
    return _backward_handler(entries)


def _backward_handler(entries) -> bool:
    """Does an exception-table entry send control to an offset before its range's end?"""
    return any(target < end for _start, end, target, _d, _l in entries)


_BACKWARD_OPS = tuple(sorted(_MAYBE_BACKWARD))


def may_loop(code) -> bool:
    """False when *code* has no loop, decided without decoding it (most code objects): it has
    no instruction that can jump backwards and no exception edge to an earlier offset."""
    if uses_any(code, _BACKWARD_OPS):
        return True
    return iset.HAS_EXCEPTION_TABLE and _backward_handler(exception_entries(code))


def natural_loops(raw: RawCode) -> List[LoopRegion]:
    """The natural loops of *raw*'s code object, outermost first (by header offset)."""
    entries = exception_entries(raw.code) if iset.HAS_EXCEPTION_TABLE else []
    if not _may_have_cycle(raw, entries):
        return []
    ops, offsets = raw.ops, raw.offsets
    n = len(ops)
    # --- leaders
    leaders = {0}
    jump_to = {}
    for k, op in enumerate(ops):
        if op in _SPECIAL:
            leaders.add(k + 1)
            if op in _JUMPS:
                t = bisect_left(offsets, raw.target(k))
                jump_to[k] = t
                leaders.add(t)
    snapped = []
    for start, end, target, _depth, _lasti in entries:
        s, e, t = bisect_left(offsets, start), bisect_left(offsets, end), bisect_left(offsets, target)
        leaders.update((s, e, t))
        snapped.append((s, e, t))
    starts = sorted(x for x in leaders if x < n)
    nb = len(starts)
    bounds = starts + [n]

    def block_of(k: int) -> int:
        return bisect_right(starts, k) - 1

    # --- edges
    normal: List[List[int]] = [[] for _ in range(nb)]
    exc: List[List[int]] = [[] for _ in range(nb)]
    for b in range(nb):
        last = bounds[b + 1] - 1
        op = ops[last]
        if op in _JUMPS:
            t = jump_to[last]
            if t < n:
                (exc if op in _SETUPS else normal)[b].append(block_of(t))
            if op not in _UNCONDITIONAL and b + 1 < nb:
                normal[b].append(b + 1)
        elif op not in _TERMINATORS and b + 1 < nb:
            normal[b].append(b + 1)
    for s, e, t in snapped:
        if s >= n or t >= n:
            continue
        tb = block_of(t)
        for b in range(block_of(s), block_of(e) if e < n else nb):
            exc[b].append(tb)
    succ = [normal[b] + exc[b] for b in range(nb)]
    # --- reverse postorder from the entry block
    rpo_num = [-1] * nb
    order: List[int] = []
    seen = [False] * nb
    seen[0] = True
    stack = [(0, iter(succ[0]))]
    while stack:
        b, it = stack[-1]
        for s in it:
            if not seen[s]:
                seen[s] = True
                stack.append((s, iter(succ[s])))
                break
        else:
            stack.pop()
            order.append(b)
    order.reverse()
    for i, b in enumerate(order):
        rpo_num[b] = i
    preds: List[List[int]] = [[] for _ in range(nb)]
    for b in order:
        for s in succ[b]:
            preds[s].append(b)
    # --- dominators
    idom = [-1] * nb
    idom[0] = 0
    changed = True
    while changed:
        changed = False
        for b in order[1:]:
            new = -1
            for p in preds[b]:
                if idom[p] == -1:
                    continue
                if new == -1:
                    new = p
                    continue
                x, y = p, new
                while x != y:
                    while rpo_num[x] > rpo_num[y]:
                        x = idom[x]
                    while rpo_num[y] > rpo_num[x]:
                        y = idom[y]
                new = x
            if idom[b] != new:
                idom[b] = new
                changed = True

    def dominates(h: int, b: int) -> bool:
        while True:
            if b == h:
                return True
            if b == 0:
                return False
            b = idom[b]

    # --- back edges, grouped by header
    bodies = {}
    awaits_only = {}
    for b in order:
        for s in succ[b]:
            if rpo_num[s] <= rpo_num[b] and dominates(s, b):
                last = bounds[b + 1] - 1
                no_int = ops[last] == _NO_INTERRUPT and s in normal[b]
                awaits_only[s] = awaits_only.get(s, True) and no_int
                body = bodies.setdefault(s, {s})
                work = [b] if b not in body else []
                body.add(b)
                while work:
                    x = work.pop()
                    for p in preds[x]:
                        if p not in body:
                            body.add(p)
                            work.append(p)
    headers = [h for h in sorted(bodies) if not awaits_only[h]]
    merged = set()
    for a in headers:
        for b in headers:
            if b != a and b not in merged and b in bodies[a] and (
                _duplicated_test(a, b, bodies, normal, raw, bounds)
                or _nop_header(a, b, ops, bounds, normal)
            ):
                merged.add(b)
    loops = []
    for h in headers:
        if h in merged:
            continue
        body = bodies[h]
        hot = {h}
        work = [h]
        while work:
            x = work.pop()
            for s in normal[x]:
                if s in body and s not in hot:
                    hot.add(s)
                    work.append(s)
        loops.append(
            LoopRegion(
                offsets[starts[h]],
                _loop_kind(ops, bounds, h),
                frozenset(_offsets_of(offsets, bounds, body)),
                frozenset(_offsets_of(offsets, bounds, hot)),
            )
        )
    return loops


def _settle(block: int, normal, raw: RawCode, bounds: List[int]):
    """A key for where leaving through *block* goes: the same for the compiler's copies.

    Blocks that only pop or jump are followed (copied jumps, chained-comparison cleanup); a block
    that ends the function (return / raise) is keyed by its instructions and lines, since the
    compiler copies small exit blocks such as the implicit ``return None``.
    """
    ops = raw.ops
    for _ in range(4):
        nxt = normal[block]
        code = ops[bounds[block] : bounds[block + 1]]
        if not nxt:
            lo, hi = bounds[block], bounds[block + 1]
            return (tuple(code), tuple(raw.args[lo:hi]), tuple(raw.lines[lo:hi]))
        if len(nxt) != 1 or not all(op in _TRIVIAL for op in code):
            break
        block = nxt[0]
    return block


def _duplicated_test(a: int, b: int, bodies, normal, raw: RawCode, bounds: List[int]) -> bool:
    """Is loop *b* (nested in loop *a* by dominance) the same source ``while`` loop as *a*?

    From 3.10 the ``while`` test is duplicated at the bottom of the body: the bottom copy jumps
    back to the body start while ``continue`` jumps to the top copy, so one source loop yields
    two natural loops, the top test's enclosing the other.  Signature: a block of *b* leaves *a* to
    the same place as the top test (the blocks reached from *a*'s header without entering *b*)
    does: the duplicated test failing.  Exits are compared after ``_settle`` because the compiler
    copies small exit blocks.  A genuinely nested loop never jumps straight to its outer loop's
    exit: Python has no labelled ``break``.
    """
    body_a, body_b = bodies[a], bodies[b]
    if not body_b < body_a:
        return False
    chain = {a}
    work = [a]
    exits = set()
    while work:
        x = work.pop()
        for s in normal[x]:
            if s not in body_a:
                exits.add(_settle(s, normal, raw, bounds))
            elif s not in body_b and s not in chain:
                chain.add(s)
                work.append(s)
    if not exits:
        return False
    return any(
        _settle(s, normal, raw, bounds) in exits
        for x in body_b
        for s in normal[x]
        if s not in body_a
    )


def _nop_header(a: int, b: int, ops: List[int], bounds: List[int], normal) -> bool:
    """Is header *a* only NOPs falling into header *b*?  (``while True:`` + ``continue``.)

    The end of a ``while True`` body jumps past the NOP carrying the ``while`` line, ``continue``
    jumps to it: the NOP block adds nothing, so the two headers are one.
    """
    if normal[a] != [b]:
        return False
    return all(op in _NOPS for op in ops[bounds[a] : bounds[a + 1]])


def _offsets_of(offsets: List[int], bounds: List[int], blocks) -> List[int]:
    out: List[int] = []
    for b in blocks:
        out.extend(offsets[bounds[b] : bounds[b + 1]])
    return out


def _loop_kind(ops: List[int], bounds: List[int], h: int) -> str:
    first = bounds[h]
    while first < bounds[h + 1] - 1 and ops[first] == _EXT:
        first += 1
    if ops[first] == _FOR_ITER:
        return "for"
    end = bounds[h + 1]
    if ops[end - 1] in _SETUPS and h + 2 < len(bounds):  # <=3.10: SETUP_FINALLY; GET_ANEXT
        end = bounds[h + 2]
    if _GET_ANEXT in ops[bounds[h] : end]:
        return "async for"
    return "while"
