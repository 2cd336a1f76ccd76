"""Formatting results for people and programs. Only this module and the CLI print."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import IO, Dict, List, Sequence

import click

from .results import FileResult, Finding
from .source import decode, SourceError


def _location(finding: Finding) -> str:
    # Terminals and editors expect 1-based columns.
    return f"{finding.path}:{finding.span.line}:{finding.span.col + 1}"


def _color(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def write_text(findings: Sequence[Finding], stream: IO[str], full: bool = False) -> None:
    color = _color(stream)
    lines_cache: Dict[str, List[str]] = {}
    for finding in findings:
        location = _location(finding)
        code = finding.code
        if color:
            location = click.style(location, bold=True)
            code = click.style(code, fg="red", bold=True)
        stream.write(f"{location}: {code} {finding.message}\n")
        if full:
            _write_source_excerpt(finding, stream, lines_cache, color)


def _write_source_excerpt(finding: Finding, stream: IO[str], cache: Dict[str, List[str]], color: bool) -> None:
    if finding.path not in cache:
        try:
            with open(finding.path, "rb") as handle:
                cache[finding.path] = list(decode(handle.read()).lines)
        except (OSError, SourceError):
            cache[finding.path] = []
    lines = cache[finding.path]
    span = finding.span
    if 1 <= span.line <= len(lines):
        text = lines[span.line - 1].rstrip("\r\n").replace("\t", " ")
        end = span.end_col if span.end_line == span.line else len(text)
        width = max(1, end - span.col)
        gutter = f"{span.line} | "
        stream.write(f"  {gutter}{text}\n")
        caret = "^" * width
        if color:
            caret = click.style(caret, fg="red", bold=True)
        stream.write(f"  {' ' * (len(gutter) - 2)}| {' ' * span.col}{caret}\n")
    stream.write(f"  = docs: {finding.url}\n\n")


def write_json(findings: Sequence[Finding], stream: IO[str]) -> None:
    json.dump([_finding_json(f) for f in findings], stream, indent=2)
    stream.write("\n")


def write_json_lines(findings: Sequence[Finding], stream: IO[str]) -> None:
    for finding in findings:
        stream.write(json.dumps(_finding_json(finding)) + "\n")


def _finding_json(finding: Finding) -> dict:
    span = finding.span
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "path": finding.path,
        # 1-based lines and columns, end exclusive (as ruff's JSON)
        "location": {"line": span.line, "column": span.col + 1},
        "end_location": {"line": span.end_line, "column": span.end_col + 1},
        "url": finding.url,
        "fix": None
        if finding.fix is None
        else {
            "applicability": "safe" if finding.fix.safe else "unsafe",
            "message": finding.fix.description,
            "edits": [
                {
                    "content": edit.text,
                    "location": {"line": edit.span.line, "column": edit.span.col + 1},
                    "end_location": {"line": edit.span.end_line, "column": edit.span.end_col + 1},
                }
                for edit in finding.fix.edits
            ],
        },
        "evidence": list(finding.evidence),
    }


def summary_line(findings: Sequence[Finding], results: Sequence[FileResult]) -> str:
    errors = sum(1 for r in results if r.error)
    files = len(results)
    parts = []
    if findings:
        counts = Counter(f.code for f in findings)
        by_code = ", ".join(f"{code} x{n}" for code, n in sorted(counts.items()))
        with_findings = len({f.path for f in findings})
        noun = "finding" if len(findings) == 1 else "findings"
        parts.append(f"Found {len(findings)} {noun} ({by_code}) in {with_findings} of {files} files")
    else:
        parts.append(f"No findings in {files} file{'s' if files != 1 else ''}")
    if errors:
        parts.append(f"{errors} file{'s' if errors != 1 else ''} could not be linted")
    return "; ".join(parts) + "."


def docs_footer(findings: Sequence[Finding]) -> List[str]:
    seen: Dict[str, str] = {}
    for finding in findings:
        seen.setdefault(finding.code, f"  {finding.code} {finding.name}: {finding.url}")
    if not seen:
        return []
    return ["Rule docs (or `bytelint explain CODE`):"] + [seen[c] for c in sorted(seen)]
