"""Plain-data results: what a lint run produces, free of CST nodes and code objects.

Positions use one internal unit everywhere: 1-based lines and 0-based columns counted in
code points, end exclusive (libcst's convention). Other units (UTF-8 bytes from CPython,
UTF-16 code units for LSP, 1-based columns for terminals) are converted at the edges.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Optional, Tuple


@dataclass(frozen=True, order=True)
class Span:
    line: int
    col: int
    end_line: int
    end_col: int

    def contains(self, other: "Span") -> bool:
        return (self.line, self.col) <= (other.line, other.col) and (
            other.end_line,
            other.end_col,
        ) <= (self.end_line, self.end_col)


@dataclass(frozen=True)
class Edit:
    """Replace the text inside ``span`` with ``text``."""

    span: Span
    text: str


@dataclass(frozen=True)
class Fix:
    edits: Tuple[Edit, ...]
    safe: bool
    description: str
    # When fixes overlap, the higher priority is applied first (a fix that would hide a
    # better one, such as binding a name another rule hoists entirely, has a lower one).
    priority: int = 0


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    message: str
    path: str
    span: Span
    url: str
    fix: Optional[Fix] = None
    # Bytecode evidence shown by `explain` and carried by JSON output: short plain strings.
    evidence: Tuple[str, ...] = ()

    def sort_key(self) -> Tuple[Any, ...]:
        return (self.path, self.span.line, self.span.col, self.code)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FileResult:
    path: str
    findings: Tuple[Finding, ...] = ()
    # A per-file error (unreadable, undecodable, unparsable): the file could not be linted.
    error: Optional[str] = None
    # Informational notes that do not fail the run (e.g. bytecode checks skipped).
    notices: Tuple[str, ...] = field(default=())

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)
