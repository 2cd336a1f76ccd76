"""GitHub Actions workflow commands: one ``::warning`` per finding, which GitHub shows as an
annotation on the pull request's diff, and one ``::error`` per file that could not be linted.

Escaping follows the Actions toolkit (``@actions/core`` ``command.ts``): in the message ``%``,
CR and LF are percent-encoded; in properties also ``:`` and ``,``. Paths are relative to the
current directory (the workspace root in a workflow) with forward slashes; columns are 1-based.
"""

from __future__ import annotations

import os
from typing import IO, Any, Dict, Mapping, Optional, Sequence

from ..results import FileResult, Finding


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _display_path(path: str) -> str:
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
    return path.replace(os.sep, "/")


def command(kind: str, properties: Dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{kind} {props}::{escape_data(message)}" if props else f"::{kind}::{escape_data(message)}"


def annotation(finding: Finding, figures: Any = None) -> str:
    span = finding.span
    properties: Dict[str, object] = {
        "file": _display_path(finding.path),
        "line": span.line,
        "col": span.col + 1,
        "endLine": span.end_line,
        "endColumn": span.end_col + 1,
        "title": finding.code,
    }
    label = f" {figures.label()}" if figures is not None else ""  # a profile's figures
    return command("warning", properties, f"{finding.message}{label}\n{finding.code} {finding.name}: {finding.url}")


def write_github(
    findings: Sequence[Finding],
    results: Sequence[FileResult],
    stream: IO[str],
    profile: Optional[Mapping[Finding, Any]] = None,
) -> None:
    for finding in findings:
        stream.write(annotation(finding, (profile or {}).get(finding)) + "\n")
    for result in results:
        if result.error:
            stream.write(command("error", {"file": _display_path(result.path), "title": "bytelint"}, result.error) + "\n")
