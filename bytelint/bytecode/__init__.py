"""The bytecode layer: the only part of bytelint that knows opcode names and versions.

Typical use::

    result = compile_source(data, path)
    if result.code is not None:
        mb = ModuleBytecode.build(result.code, text.splitlines(keepends=True))
        for unit in mb.units:
            for instr in unit.instrs:
                if instr.kind is Kind.INPLACE and instr.op == "+=" and unit.loop_of(instr):
                    store = unit.next_store(instr)

Rules ask semantic questions (kinds, loops, name classes, spans); version differences are
normalised here, and per-version facts for *target* versions are data in ``facts.py``.
"""

from bytelint.bytecode.compilation import CompileResult, compile_source
from bytelint.bytecode.facts import (
    RUNNING_VERSION,
    SUPPORTED_VERSIONS,
    VERSION_FACTS,
    VersionFacts,
    builtin_names,
)
from bytelint.bytecode.instructions import Instr
from bytelint.bytecode.kinds import STORE_KINDS, Kind
from bytelint.bytecode.loops import Loop
from bytelint.bytecode.namespace import NameClass, Namespace
from bytelint.bytecode.units import CodeUnit, ModuleBytecode, ScopeKind

__all__ = [
    "CodeUnit",
    "CompileResult",
    "Instr",
    "Kind",
    "Loop",
    "ModuleBytecode",
    "NameClass",
    "Namespace",
    "RUNNING_VERSION",
    "STORE_KINDS",
    "SUPPORTED_VERSIONS",
    "ScopeKind",
    "VERSION_FACTS",
    "VersionFacts",
    "builtin_names",
    "compile_source",
]
