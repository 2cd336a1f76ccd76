"""Findings as Language Server Protocol objects (plain JSON-shaped dicts, camelCase as on the
wire), used by ``--output-format lsp`` and by the language server (``bytelint lsp``), which
structures them into lsprotocol types.

LSP positions are 0-based lines and, by default, UTF-16 code-unit columns; bytelint spans are
1-based lines and code-point columns (results.py). A client may negotiate UTF-8 or UTF-32
(``general.positionEncodings``): ``encoding`` says which.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any, Callable, Dict, List, Mapping, Optional, Sequence

from ..results import Edit, FileResult, Finding, Fix, Span
from ..source import utf16_col

SOURCE = "bytelint"
SEVERITY_WARNING = 2  # DiagnosticSeverity.Warning: a slow pattern, not a bug
SEVERITY_HINT = 4  # DiagnosticSeverity.Hint: a slow pattern in code a profile shows is cold
UTF16, UTF8, UTF32 = "utf-16", "utf-8", "utf-32"


def character(line_text: str, col: int, encoding: str = UTF16) -> int:
    """A code-point column of ``line_text`` in the client's units."""
    col = max(0, min(col, len(line_text)))
    if encoding == UTF32:
        return col
    if encoding == UTF8:
        return len(line_text[:col].encode("utf-8", "surrogatepass"))
    return utf16_col(line_text, col)


def code_point_col(line_text: str, units: int, encoding: str = UTF16) -> int:
    """The inverse of ``character``: client units to a code-point column (clamped to the line)."""
    if encoding == UTF32:
        return max(0, min(units, len(line_text)))
    count = 0
    for index, ch in enumerate(line_text):
        if count >= units:
            return index
        if encoding == UTF8:
            count += len(ch.encode("utf-8", "surrogatepass"))
        else:
            count += 2 if ord(ch) > 0xFFFF else 1
    return len(line_text)


def position(lines: Sequence[str], line: int, col: int, encoding: str = UTF16) -> Dict[str, int]:
    """1-based ``line`` (possibly the line just past the end) and code-point ``col``."""
    if line > len(lines):
        if lines and not lines[-1].endswith(("\n", "\r")):
            last = lines[-1]
            return {"line": len(lines) - 1, "character": character(last, len(last), encoding)}
        return {"line": len(lines), "character": 0}
    if line < 1:
        return {"line": 0, "character": 0}
    return {"line": line - 1, "character": character(lines[line - 1], col, encoding)}


def lsp_range(span: Span, lines: Sequence[str], encoding: str = UTF16) -> Dict[str, Any]:
    return {
        "start": position(lines, span.line, span.col, encoding),
        "end": position(lines, span.end_line, span.end_col, encoding),
    }


def text_edit(edit: Edit, lines: Sequence[str], encoding: str = UTF16) -> Dict[str, Any]:
    return {"range": lsp_range(edit.span, lines, encoding), "newText": edit.text}


def fix_data(fix: Optional[Fix], lines: Sequence[str], encoding: str = UTF16) -> Optional[Dict[str, Any]]:
    if fix is None:
        return None
    return {
        "safe": fix.safe,
        "description": fix.description,
        "edits": [text_edit(edit, lines, encoding) for edit in fix.edits],
    }


def diagnostic(
    finding: Finding, lines: Sequence[str], encoding: str = UTF16, figures: Any = None, cold: bool = False
) -> Dict[str, Any]:
    """One LSP ``Diagnostic``; the fix (as ``TextEdit``s) travels in ``data``, and so do the
    figures of a profile (``bytelint/profile.py``) when there is one. ``cold``: a Hint, not a
    Warning (the language server's treatment of code a profile shows is cold)."""
    result = {
        "range": lsp_range(finding.span, lines, encoding),
        "severity": SEVERITY_HINT if cold else SEVERITY_WARNING,
        "code": finding.code,
        "codeDescription": {"href": finding.url},
        "source": SOURCE,
        "message": finding.message,
        "data": {"name": finding.name, "fix": fix_data(finding.fix, lines, encoding)},
    }
    if figures is not None:
        result["data"]["profile"] = figures.to_dict()
    return result


def path_uri(path: str) -> str:
    if path == "-":
        return "untitled:stdin"
    return Path(os.path.abspath(path)).as_uri()


def write_lsp(
    results: Sequence[FileResult],
    stream: IO[str],
    lines_for: Callable[[str], Sequence[str]],
    encoding: str = UTF16,
    profile: Optional[Mapping[Finding, Any]] = None,
) -> None:
    """Per linted file, the ``textDocument/publishDiagnostics`` parameters (files without
    findings get an empty list, which clears an editor's stale diagnostics). ``profile``: the
    figures of each finding, carried in ``data.profile``."""
    payload: List[Dict[str, Any]] = []
    for result in results:
        lines = lines_for(result.path) if result.findings else ()
        payload.append(
            {
                "uri": path_uri(result.path),
                "diagnostics": [diagnostic(f, lines, encoding, (profile or {}).get(f)) for f in result.findings],
            }
        )
    json.dump(payload, stream, indent=2, ensure_ascii=False)
    stream.write("\n")
