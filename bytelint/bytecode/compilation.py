"""Compiling a linted file without letting the compiler touch the linter's process state.

``compile()`` from bytes honours the coding cookie; ``dont_inherit=True`` keeps bytelint's own
``__future__`` flags out of the linted code; ``optimize=0`` keeps asserts whatever ``-O`` the
linter runs under; compiler warnings are recorded, never printed and never turned into errors by
``-W error`` (docs/bytecode.md §10).
"""

import types
import warnings
from dataclasses import dataclass
from typing import Optional, Tuple

_FAILURES = (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError, OverflowError)


@dataclass(frozen=True)
class CompileResult:
    code: Optional[types.CodeType]  #: None when compile failed
    error: Optional[str]  #: one line, e.g. "SyntaxError: invalid syntax (line 3)"
    error_line: Optional[int]
    warnings: Tuple[Tuple[str, int, str], ...]  #: (category name, line, message)

    @property
    def ok(self) -> bool:
        return self.code is not None


def _describe(exc: BaseException) -> Tuple[str, Optional[int]]:
    line = getattr(exc, "lineno", None) if isinstance(exc, SyntaxError) else None
    message = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)
    message = " ".join(str(message).split()) or type(exc).__name__
    text = "%s: %s" % (type(exc).__name__, message)
    if line is not None:
        text += " (line %d)" % line
    return text, line


def compile_source(source: bytes, filename: str) -> CompileResult:
    """Compile *source* as a module; never raises for bad input and never prints."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = compile(source, filename, "exec", dont_inherit=True, optimize=0)
        except _FAILURES as exc:
            code = None
            error, line = _describe(exc)
        else:
            error, line = None, None
    recorded = tuple(
        (w.category.__name__, int(w.lineno or 0), " ".join(str(w.message).split())) for w in caught
    )
    return CompileResult(code, error, line, recorded)
