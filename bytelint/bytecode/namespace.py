"""A static model of a module's global namespace, built from its bytecode (docs/bytecode.md §2.2).

Bytecode cannot tell ``len`` from a module-level ``helper``: both are ``LOAD_GLOBAL`` /
``LOAD_NAME``.  What the module code stores (plus ``global`` stores anywhere) is definitely a
module global; otherwise a name of the target version's builtins is probably a builtin; a star
import makes every other name unknown.
"""

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Mapping, Tuple

from bytelint.bytecode.facts import builtin_names
from bytelint.bytecode import instruction_set as iset
from bytelint.bytecode.instructions import normalise
from bytelint.bytecode.kinds import Kind
from bytelint.bytecode.rawcode import GLOBAL_STORES, uses_any

if TYPE_CHECKING:  # pragma: no cover
    from bytelint.bytecode.instructions import Instr
    from bytelint.bytecode.units import ModuleBytecode


class NameClass(enum.Enum):
    MODULE_GLOBAL = "module_global"  # bound by the module (or a `global` store somewhere)
    BUILTIN = "builtin"  # not module-bound, in the target version's builtins
    UNKNOWN = "unknown"  # not module-bound, not a builtin, and the module has `import *`
    UNDEFINED = "undefined"  # NameError unless injected at run time


#: names every module has without binding them
IMPLICIT_MODULE_NAMES = frozenset(
    {"__name__", "__doc__", "__file__", "__spec__", "__loader__", "__package__", "__builtins__",
     "__cached__", "__path__"}
)

_NAME_DELETES = frozenset({"DELETE_NAME", "DELETE_GLOBAL"})
_IMPORT_CHAIN = frozenset({Kind.IMPORT_FROM, Kind.ATTR_LOAD, Kind.STACK, Kind.POP, Kind.NOISE})
_BINDING_STORES = frozenset({Kind.NAME_STORE, Kind.GLOBAL_STORE, Kind.FAST_STORE, Kind.DEREF_STORE})


@dataclass(frozen=True)
class Namespace:
    bound: FrozenSet[str]
    imported_modules: Mapping[str, str]  # `import a.b` -> {"a": "a"}; `import a.b as c` -> {"c": "a.b"}
    from_imports: Mapping[str, str]  # `from m import f` -> {"f": "m.f"}; `from . import f` -> {"f": ".f"}
    star_import: bool
    rebound: FrozenSet[str]  # stored at more than one module-level site, or by `global` elsewhere

    def classify(self, name: str, version: Tuple[int, int]) -> NameClass:
        """How a global / module-level load of *name* resolves on CPython *version*."""
        if name in self.bound or name in IMPLICIT_MODULE_NAMES:
            return NameClass.MODULE_GLOBAL
        if name in builtin_names(version):
            return NameClass.BUILTIN
        if self.star_import:
            return NameClass.UNKNOWN
        return NameClass.UNDEFINED


def _store_after(instrs: "List[Instr]", j: int):
    """(index of the binding store at or after *j* past an import chain, whether a chain was seen)."""
    chain = False
    n = len(instrs)
    while j < n and instrs[j].kind in _IMPORT_CHAIN:
        if instrs[j].kind in (Kind.IMPORT_FROM, Kind.ATTR_LOAD):
            chain = True
        j += 1
    if j < n and instrs[j].kind in _BINDING_STORES:
        return j, chain
    return None, chain


def _const_before(instrs: "List[Instr]", j: int, default):
    while j >= 0 and instrs[j].kind is Kind.NOISE:
        j -= 1
    if j >= 0 and instrs[j].kind is Kind.CONST_LOAD:
        return instrs[j].argval, j - 1
    return default, j


def _kinds_of(wanted) -> FrozenSet[int]:
    return frozenset(op for op, entry in enumerate(iset.OPCODES) if entry is not None and entry[1] in wanted)


_KIND_OF = [entry[1] if entry is not None else None for entry in iset.OPCODES]
# the opcodes namespace_of reads (with the intrinsics, one of which is `import *` on 3.12+)
_READ_OPS = _kinds_of({Kind.NAME_STORE, Kind.GLOBAL_STORE, Kind.DELETE, Kind.IMPORT, Kind.IMPORT_STAR}) | frozenset(
    op for op, entry in enumerate(iset.OPCODES) if entry is not None and entry[2] == iset.INTRINSIC
)
_IMPORT_OPS = _kinds_of({Kind.IMPORT})
_WINDOW_KINDS = _IMPORT_CHAIN | _BINDING_STORES
_BEFORE = 8  # an import's level and fromlist constants, with room for EXTENDED_ARGs


def _windows(ops: List[int]) -> List[Tuple[int, int]]:
    """Disjoint ranges of instruction indices holding every instruction namespace_of reads,
    with what an import needs around it (its constants before, its stores after). The module
    body is mostly definitions: normalising these windows costs a fraction of the whole."""
    ranges = []
    n = len(ops)
    for k, op in enumerate(ops):
        if op not in _READ_OPS:
            continue
        if op in _IMPORT_OPS:
            end = k + 1
            while end < n and _KIND_OF[ops[end]] in _WINDOW_KINDS:
                end += 1
            ranges.append((max(0, k - _BEFORE), min(end + 1, n)))
        else:
            ranges.append((k, k + 1))
    merged: List[Tuple[int, int]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def namespace_of(module: "ModuleBytecode") -> Namespace:
    unit = module.module
    counts: Dict[str, int] = {}
    imported: Dict[str, str] = {}
    from_imports: Dict[str, str] = {}
    star = False
    for lo, hi in _windows(unit.raw.ops):
        instrs = normalise(unit, lo, hi, lines=False)
        for ins in instrs:
            kind = ins.kind
            if kind is Kind.NAME_STORE or kind is Kind.GLOBAL_STORE or (
                kind is Kind.DELETE and ins.opname in _NAME_DELETES
            ):
                counts[ins.name] = counts.get(ins.name, 0) + 1
            elif kind is Kind.IMPORT_STAR:
                star = True
            elif kind is Kind.IMPORT:
                _record_import(instrs, ins, imported, from_imports)
    rebound = {name for name, count in counts.items() if count > 1}
    for unit in module.units[1:]:
        if not uses_any(unit.code, GLOBAL_STORES):
            continue
        globally = unit.raw.names_stored_globally()
        if globally:
            rebound.update(globally)
            for name in globally:
                counts.setdefault(name, 1)
    return Namespace(
        bound=frozenset(counts),
        imported_modules=imported,
        from_imports=from_imports,
        star_import=star,
        rebound=frozenset(rebound),
    )


def _record_import(instrs, ins, imported: Dict[str, str], from_imports: Dict[str, str]) -> None:
    module_name = ins.name or ""
    fromlist, j = _const_before(instrs, ins.index - 1, None)
    level, _ = _const_before(instrs, j, 0)
    prefix = "." * level if isinstance(level, int) else ""
    if fromlist is None:  # import a.b [as c]
        store, chain = _store_after(instrs, ins.index + 1)
        if store is None:
            return
        target = instrs[store].name
        top = module_name.split(".")[0]
        imported[target] = prefix + module_name if chain or target != top else top
        return
    # from m import f [as g], ...: IMPORT_FROM f; STORE g; ...; POP_TOP
    j = ins.index + 1
    n = len(instrs)
    base = prefix + module_name
    while j < n and instrs[j].kind in (Kind.IMPORT_FROM, Kind.NOISE):
        if instrs[j].kind is Kind.IMPORT_FROM:
            attr = instrs[j].name
            store, _ = _store_after(instrs, j + 1)
            if store is None:
                break
            if not base:
                qual = attr
            elif base.endswith("."):
                qual = base + attr
            else:
                qual = base + "." + attr
            from_imports[instrs[store].name] = qual
            j = store + 1
        else:
            j += 1
