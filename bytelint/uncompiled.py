"""A file that ``compile()`` rejects: newer syntax than the running interpreter (a notice,
the file's bytecode checks skipped) or an error of the file's own (its per-file error)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from . import bytecode, regions
from .results import FileResult
from .source import SourceText
from .versions import format_version

# Compiler limits that no newer Python lifts: such a file is an error, not "newer syntax".
_COMPILER_LIMITS = ("too many nested parentheses", "too many statically nested blocks", "too deeply nested", "too complex")


def without_bytecode(path: str, text: SourceText, compiled: Any) -> FileResult:
    """compile() failed. If libcst can parse the file it is (probably) syntax newer than this
    interpreter: skip the bytecode-confirmed checks with a notice. Otherwise it is an error."""
    message = compiled.error or "cannot compile"
    newest = bytecode.SUPPORTED_VERSIONS[-1]
    if message.startswith("SyntaxError") and bytecode.RUNNING_VERSION < newest and not any(
        limit in message for limit in _COMPILER_LIMITS
    ) and not _compiler_error(text.text, message):
        try:
            cst.parse_module(text.text)
        except Exception:
            pass
        else:
            running = format_version(bytecode.RUNNING_VERSION)
            return FileResult(
                path,
                notices=(
                    f"bytecode checks skipped: Python {running} cannot compile this file "
                    f"({message}); it may use newer syntax: run bytelint under a newer Python",
                ),
            )
    return FileResult(path, error=message)


# Compiler (not parser) errors that a newer Python does lift.
_LIFTED_LATER = ("asynchronous comprehension outside of an asynchronous function",)


def _compiler_error(source: str, message: str) -> bool:
    """Does this interpreter's parser accept the file, so that compile() failed in a later
    stage (a misplaced or unknown `from __future__` import, `return` outside a function, a
    duplicate argument)? Newer syntax fails in the parser; these errors are the file's own."""
    if any(text in message for text in _LIFTED_LATER):
        return False
    try:
        regions.quiet_parse(source)  # the file's own SyntaxWarnings are not ours to print
    except Exception:  # SyntaxError, or too deep for this parser: leave it to libcst
        return False
    return True
