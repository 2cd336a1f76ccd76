"""Code units (one per code object) and the compiled module that holds them."""

import enum
import inspect
from functools import cached_property
from operator import attrgetter
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from bytelint.bytecode import instruction_set as iset
from bytelint.bytecode.flowgraph import may_loop, natural_loops
from bytelint.bytecode.instructions import Instr, normalise
from bytelint.bytecode.kinds import STORE_KINDS, TRANSPARENT_KINDS, Kind
from bytelint.bytecode.loops import Loop
from bytelint.bytecode.namespace import Namespace, namespace_of
from bytelint.bytecode.positions import ColumnMap
from bytelint.bytecode.rawcode import RawCode, code_lines


class ScopeKind(enum.Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"  # includes generators, coroutines, async generators
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"  # <listcomp>/<setcomp>/<dictcomp> code objects (<=3.11)
    GENEXPR = "genexpr"


_KIND_BY_NAME = {
    "<lambda>": ScopeKind.LAMBDA,
    "<listcomp>": ScopeKind.COMPREHENSION,
    "<setcomp>": ScopeKind.COMPREHENSION,
    "<dictcomp>": ScopeKind.COMPREHENSION,
    "<genexpr>": ScopeKind.GENEXPR,
}
_index_of = attrgetter("index")
#: units whose body runs as part of the expression that creates them (they inherit loop depth)
_INLINE_KINDS = frozenset({ScopeKind.LAMBDA, ScopeKind.COMPREHENSION, ScopeKind.GENEXPR})
_GENERATOR_FLAGS = inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR
_ASYNC_FLAGS = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE


class CodeUnit:
    """One code object of a module: the module body, a class body, a function, ..."""

    def __init__(
        self,
        code,
        kind: ScopeKind,
        qualname: str,
        parent: "Optional[CodeUnit]",
        creation_offset: Optional[int],
        module: "ModuleBytecode",
    ) -> None:
        self.code = code
        self.kind = kind
        self.name: str = code.co_name
        self.qualname = qualname
        self.first_line: int = code.co_firstlineno
        self.parent = parent
        self.creation_offset = creation_offset
        self.children: List[CodeUnit] = []
        self.module = module
        flags = code.co_flags
        self.is_generator = bool(flags & _GENERATOR_FLAGS)
        self.is_async = bool(flags & _ASYNC_FLAGS)
        self._inherited: Optional[int] = None

    def __repr__(self) -> str:
        return "CodeUnit(%s %s line %d)" % (self.kind.name, self.qualname, self.first_line)

    @cached_property
    def raw(self) -> RawCode:
        """The decoded instruction arrays (internal to the bytecode layer)."""
        return RawCode(self.code)

    @cached_property
    def instrs(self) -> List[Instr]:
        """Normalised instructions, NOISE included; ``instrs[i].index == i``."""
        return normalise(self)

    def shape(self) -> List[Tuple[Optional[int], Kind, Optional[str], Optional[str], str]]:
        """What the unit executes, as (line, kind, name, op, value) per instruction, NOISE
        dropped, with everything that only moves when *other* code moves taken out: jump
        targets become None and nested code objects their name. Two compilations of the same
        function, wherever it sits in its file, have the same shape apart from line numbers."""
        from bytelint.bytecode import instruction_set as iset

        raw = self.raw
        jumps = {
            off for off, op in zip(raw.offsets, raw.ops) if iset.OPCODES[op] is not None and iset.OPCODES[op][2] in (iset.JUMP, iset.NONE_JUMP)
        }
        noise = Kind.NOISE
        result = []
        for instr in self.instrs:
            if instr.kind is noise:
                continue
            value = instr.argval
            if instr.offset in jumps:
                value = None
            elif hasattr(value, "co_code"):
                value = ("code", value.co_name)
            if instr.kind is Kind.NAME_STORE and instr.name == "__firstlineno__" and result:
                line, kind, name, op, _ = result[-1]  # 3.13 class bodies store their own line
                result[-1] = (line, kind, name, op, "None")
            result.append((instr.line, instr.kind, instr.name, instr.op, repr(value)))
        return result

    @cached_property
    def _by_kind(self) -> Dict[Kind, List[Instr]]:
        index: Dict[Kind, List[Instr]] = {}
        for instr in self.instrs:
            found = index.get(instr.kind)
            if found is None:
                index[instr.kind] = [instr]
            else:
                found.append(instr)
        return index

    def instrs_of(self, kinds: FrozenSet[Kind]) -> List[Instr]:
        """The instructions of *kinds*, in order: what a scan for a few kinds reads, without
        going over every instruction (several rules scan the same unit)."""
        index = self._by_kind
        if len(kinds) == 1:
            return index.get(next(iter(kinds)), [])
        found = [instr for kind in kinds for instr in index.get(kind, ())]
        found.sort(key=_index_of)
        return found

    @cached_property
    def match_instrs(self) -> List[Instr]:
        """``instrs`` without NOISE (indices still refer to ``instrs``)."""
        noise = Kind.NOISE
        return [i for i in self.instrs if i.kind is not noise]

    @cached_property
    def loops(self) -> List[Loop]:
        """Natural loops (await / yield-from SEND loops excluded), outermost first."""
        if not may_loop(self.code):  # most code objects: no need to decode them
            return []
        regions = natural_loops(self.raw)
        if not regions:
            return []
        # outer loops have larger bodies; create them first so parents exist
        regions.sort(key=lambda r: (-len(r.offsets), r.header))
        loops: List[Loop] = []
        for r in regions:
            parent = None
            for m in loops:
                if r.header in m.offsets and len(m.offsets) > len(r.offsets):
                    if parent is None or len(m.offsets) < len(parent.offsets):
                        parent = m
            loops.append(Loop(self, r.header, r.kind, r.offsets, r.hot_offsets, parent))
        loops.sort(key=lambda lp: (lp.depth, lp.header))
        return loops

    @cached_property
    def _innermost(self) -> Tuple[Dict[int, Loop], Dict[int, Loop]]:
        by_offset: Dict[int, Loop] = {}
        hot_by_offset: Dict[int, Loop] = {}
        for loop in self.loops:  # sorted by depth: inner loops overwrite outer ones
            for off in loop.offsets:
                by_offset[off] = loop
            for off in loop.hot_offsets:
                hot_by_offset[off] = loop
        return by_offset, hot_by_offset

    def loop_at(self, offset: int) -> Optional[Loop]:
        """Innermost loop whose body contains the instruction at *offset*."""
        return self._innermost[0].get(offset) if self.loops else None

    def loop_of(self, instr: Instr) -> Optional[Loop]:
        """Innermost loop containing *instr*."""
        return self.loop_at(instr.offset)

    def hot_loop_of(self, instr: Instr) -> Optional[Loop]:
        """Innermost loop whose ordinary iteration runs *instr*."""
        return self._innermost[1].get(instr.offset) if self.loops else None

    def descendants(self) -> "List[CodeUnit]":
        """This unit and every unit nested in it (functions, classes, lambdas, comprehensions)."""
        units, stack = [], [self]
        while stack:
            current = stack.pop()
            units.append(current)
            stack.extend(current.children)
        return units

    def inherited_depth(self) -> int:
        """Loop depth of this unit's creation site, for lambda / comprehension / genexpr units.

        0 for functions and classes wherever they are defined: a ``def`` inside a loop creates
        a function per iteration, but its body does not run per iteration.
        """
        if self._inherited is None:
            depth = 0
            unit = self
            while unit.kind in _INLINE_KINDS and unit.parent is not None:
                if unit.creation_offset is None:
                    break
                loop = unit.parent.loop_at(unit.creation_offset)
                depth += loop.depth if loop is not None else 0
                unit = unit.parent
            self._inherited = depth
        return self._inherited

    def depth_of(self, instr: Instr) -> int:
        """Total loop depth of *instr*: its loops in this unit plus ``inherited_depth()``."""
        loop = self.loop_at(instr.offset)
        return (loop.depth if loop is not None else 0) + self.inherited_depth()

    def previous(self, instr: Instr) -> Optional[Instr]:
        """The instruction before *instr*, noise skipped, else None."""
        instrs = self.instrs
        for i in range(instr.index - 1, -1, -1):
            if instrs[i].kind is not Kind.NOISE:
                return instrs[i]
        return None

    def next_store(self, instr: Instr) -> Optional[Instr]:
        """The store right after *instr* (skipping stack shuffles and noise), else None."""
        instrs = self.instrs
        for i in range(instr.index + 1, len(instrs)):
            kind = instrs[i].kind
            if kind in STORE_KINDS:
                return instrs[i]
            if kind not in TRANSPARENT_KINDS:
                return None
        return None

    def span_at(self, offset: int):
        """Code-point span of the instruction at *offset*, or None. Without CPython's columns
        (3.9, 3.10, ``PYTHONNODEBUGRANGES``) the span comes from ``synthetic.py``."""
        module = self.module
        if module.has_columns:
            return module.columns.span(self.raw.position(offset))
        position = module.synthetic_positions.of(self.code).get(offset)
        return module.columns.span(position) if position is not None else None

    def code_lines(self) -> set:
        """The lines holding at least one of this unit's instructions (nested units aside)."""
        return code_lines(self.code)

    def instrs_at_line(self, line: int) -> List[Instr]:
        return [i for i in self.instrs if i.line == line]


class ModuleBytecode:
    """Every code unit of one compiled module."""

    def __init__(self, code, lines: Sequence[str]) -> None:
        self.code = code
        self.columns = ColumnMap(lines)
        self.units: List[CodeUnit] = []
        self.module: CodeUnit = CodeUnit(code, ScopeKind.MODULE, "<module>", None, None, self)

    @classmethod
    def build(cls, code, lines: Sequence[str]) -> "ModuleBytecode":
        """Walk *code* and its nested code objects.

        *lines* is the decoded source split with ``str.splitlines(keepends=True)``; it is only
        read, lazily, to convert columns.
        """
        self = cls(code, lines)
        units = self.units
        stack = [self.module]
        while stack:  # explicit stack: 1,000 nested lambdas compile fine
            unit = stack.pop()
            units.append(unit)
            unit.children = _children(unit, self)
            stack.extend(reversed(unit.children))
        return self

    @cached_property
    def has_columns(self) -> bool:
        """True when instructions carry column positions (3.11+, debug ranges on)."""
        if not iset.HAS_COLUMNS:
            return False
        first = next(iter(self.code.co_positions()), None)
        return first is not None and first[2] is not None

    @cached_property
    def synthetic_positions(self):
        """Columns CPython did not record, recovered from the AST (see synthetic.py)."""
        from .synthetic import positions

        return positions(self.code, "".join(self.columns.raw_lines), self.code.co_filename)

    @cached_property
    def names(self) -> frozenset:
        """Every global, builtin and attribute name any code unit of the module refers to
        (the union of their ``co_names``): a cheap first test for rules that look for a call
        of one name, so they can skip a module without decoding a single instruction."""
        found: set = set()
        for unit in self.units:
            found.update(unit.code.co_names)
        return frozenset(found)

    @cached_property
    def namespace(self) -> Namespace:
        """The module's global namespace model (see namespace.py)."""
        return namespace_of(self)

    def unit_of_code(self, code) -> Optional[CodeUnit]:
        for unit in self.units:
            if unit.code is code:
                return unit
        return None

    def units_at_line(self, line: int) -> List[CodeUnit]:
        """Units with an instruction on *line*, in unit order."""
        return [u for u in self.units if any(x == line for x in u.raw.lines)]


_CodeType = type(compile("", "", "exec"))


def _children(parent: CodeUnit, module: ModuleBytecode) -> List[CodeUnit]:
    code = parent.code
    consts = code.co_consts
    if not any(type(c) is _CodeType for c in consts):
        return []
    raw = parent.raw
    found: Dict[int, Tuple[int, bool]] = {}
    for k, const_index, is_class in raw.code_const_loads():
        if const_index not in found:
            found[const_index] = (k, is_class)
    children = []
    order = sorted(found, key=lambda c: found[c][0])
    order += [i for i, c in enumerate(consts) if type(c) is _CodeType and i not in found]
    for const_index in order:
        child = consts[const_index]
        k, is_class = found.get(const_index, (None, False))
        if is_class:
            kind = ScopeKind.CLASS
        else:
            kind = _KIND_BY_NAME.get(child.co_name, ScopeKind.FUNCTION)
        offset = raw.offsets[k] if k is not None else None
        unit = CodeUnit(child, kind, "", parent, offset, module)
        unit.qualname = _qualname(unit, raw, k)
        children.append(unit)
    return children


def _qualname(unit: CodeUnit, parent_raw: RawCode, k: Optional[int]) -> str:
    child, parent = unit.code, unit.parent
    qualname = getattr(child, "co_qualname", None)  # 3.11+
    if qualname is not None:
        return qualname
    if unit.kind is ScopeKind.CLASS:  # <=3.10: the body starts with __qualname__ = "f.<locals>.C"
        raw = unit.raw
        for j in range(1, min(len(raw.ops), 8)):
            if (
                raw.ops[j] == iset.STORE_NAME
                and child.co_names[raw.args[j]] == "__qualname__"
                and raw.ops[j - 1] == iset.LOAD_CONST
            ):
                value = child.co_consts[raw.args[j - 1]]
                if isinstance(value, str):
                    return value
    elif k is not None:  # <=3.10: LOAD_CONST <code>; LOAD_CONST "qualname"; MAKE_FUNCTION
        j = k + 1
        while j < len(parent_raw.ops) and parent_raw.ops[j] == iset.EXTENDED_ARG:
            j += 1
        if j < len(parent_raw.ops) and parent_raw.ops[j] == iset.LOAD_CONST:
            value = parent.code.co_consts[parent_raw.args[j]]
            if isinstance(value, str):
                return value
    if parent.kind is ScopeKind.MODULE:
        return child.co_name
    if parent.kind in (ScopeKind.FUNCTION, ScopeKind.LAMBDA):
        return parent.qualname + ".<locals>." + child.co_name
    return parent.qualname + "." + child.co_name
