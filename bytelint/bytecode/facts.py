"""Per-version facts about CPython 3.9-3.13, as data.

Rules read these for the *target* versions; the bytecode itself always comes from the running
interpreter.  The measurements behind each flag are in docs/bytecode.md (the bytecode study; section
numbers quoted below).
"""

import sys
from dataclasses import dataclass
from typing import Dict, FrozenSet, Mapping, Tuple

from bytelint.bytecode.kinds import Kind

Version = Tuple[int, int]

RUNNING_VERSION: Version = (sys.version_info[0], sys.version_info[1])
SUPPORTED_VERSIONS: Tuple[Version, ...] = ((3, 9), (3, 10), (3, 11), (3, 12), (3, 13))


@dataclass(frozen=True)
class VersionFacts:
    """What one CPython minor version does differently, as far as bytelint's rules care."""

    version: Version
    #: try/except costs nothing until an exception is raised (exception table, 3.11+, §7).
    zero_cost_exceptions: bool
    #: the adaptive interpreter specialises global/attribute loads and calls (3.11+, §9.1).
    specializing_interpreter: bool
    #: list/set/dict comprehensions are inlined into the enclosing code (PEP 709, 3.12+, §1.2).
    inlined_comprehensions: bool
    #: stores after which ``s += "x"`` may grow the string in place (§4.2).
    str_concat_fast_path_stores: FrozenSet[Kind]
    #: binding a builtin/global/module attribute to a local before a loop is measurably faster (§9.2).
    local_binding_pays: bool
    #: ``append = lst.append`` before a loop is faster (≤3.10); slower on 3.11+ (§9.2).
    bound_method_binding_pays: bool
    #: a ``try`` inside a loop costs per iteration even when nothing is raised (≤3.10, §7.2).
    try_in_loop_costs: bool
    #: limit of statically nested blocks before "too many statically nested blocks" (§10.3).
    max_static_blocks: int


_OLD_FAST_PATH = frozenset({Kind.FAST_STORE, Kind.DEREF_STORE, Kind.NAME_STORE})
_NEW_FAST_PATH = frozenset({Kind.FAST_STORE})


def _facts(version: Version) -> VersionFacts:
    new = version >= (3, 11)
    return VersionFacts(
        version=version,
        zero_cost_exceptions=new,
        specializing_interpreter=new,
        inlined_comprehensions=version >= (3, 12),
        str_concat_fast_path_stores=_NEW_FAST_PATH if new else _OLD_FAST_PATH,
        local_binding_pays=not new,
        bound_method_binding_pays=not new,
        try_in_loop_costs=not new,
        max_static_blocks=21 if version >= (3, 13) else 20,
    )


VERSION_FACTS: Mapping[Version, VersionFacts] = {v: _facts(v) for v in SUPPORTED_VERSIONS}


# Builtins of CPython 3.9 (``dir(builtins)`` with the site module loaded), then what each later
# version added (§2.2).  Nothing was removed between 3.9 and 3.13.
_BUILTINS_39 = frozenset("""
ArithmeticError AssertionError AttributeError BaseException BlockingIOError BrokenPipeError
BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError
ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError Ellipsis EnvironmentError
Exception False FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit
IOError ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError
KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError None
NotADirectoryError NotImplemented NotImplementedError OSError OverflowError
PendingDeprecationWarning PermissionError ProcessLookupError RecursionError ReferenceError
ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError
SyntaxWarning SystemError SystemExit TabError TimeoutError True TypeError UnboundLocalError
UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning
UserWarning ValueError Warning ZeroDivisionError __build_class__ __debug__ __doc__ __import__
__loader__ __name__ __package__ __spec__ abs all any ascii bin bool breakpoint bytearray bytes
callable chr classmethod compile complex copyright credits delattr dict dir divmod enumerate eval
exec exit filter float format frozenset getattr globals hasattr hash help hex id input int
isinstance issubclass iter len license list locals map max memoryview min next object oct open
ord pow print property quit range repr reversed round set setattr slice sorted staticmethod str
sum super tuple type vars zip
""".split())

_BUILTINS_ADDED: Dict[Version, FrozenSet[str]] = {
    (3, 10): frozenset({"EncodingWarning", "aiter", "anext"}),
    (3, 11): frozenset({"BaseExceptionGroup", "ExceptionGroup"}),
    (3, 12): frozenset(),
    (3, 13): frozenset({"PythonFinalizationError", "_IncompleteInputError"}),
}


def _builtin_table() -> Dict[Version, FrozenSet[str]]:
    table = {}
    current = _BUILTINS_39
    for version in SUPPORTED_VERSIONS:
        current = current | _BUILTINS_ADDED.get(version, frozenset())
        table[version] = current
    return table


_BUILTINS = _builtin_table()


def builtin_names(version: Version) -> FrozenSet[str]:
    """The names in ``builtins`` of CPython *version* (clamped to the supported range)."""
    version = (version[0], version[1])
    if version in _BUILTINS:
        return _BUILTINS[version]
    if version < SUPPORTED_VERSIONS[0]:
        return _BUILTINS[SUPPORTED_VERSIONS[0]]
    return _BUILTINS[SUPPORTED_VERSIONS[-1]]
