"""Formatting results for people and programs. Only this module, ``bytelint/formats/`` and the
CLI print.

Formats: ``text`` (one line per finding, a summary and the docs of the rules seen), ``concise``
(one line per finding and the summary line), ``full`` (``text`` plus the source line with the
span underlined, the fix, the bytecode evidence and the docs link under each finding), ``json``
and ``json-lines`` (here), ``lsp``, ``sarif`` and ``github`` (``bytelint/formats/``).
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections import Counter
from typing import IO, Any, Callable, Dict, List, Mapping, Optional, Sequence

import click

from .formats import github, lsp, sarif
from .formats.sources import SourceLines
from . import fixreport
from .results import FileResult, Finding

LinesFor = Callable[[str], Sequence[str]]
# A finding's figures from a profile (bytelint.profile.Figures), by finding.
FiguresByFinding = Mapping[Finding, Any]
MAX_EXCERPT_LINES = 4


def _location(finding: Finding) -> str:
    # Terminals and editors expect 1-based columns.
    return f"{finding.path}:{finding.span.line}:{finding.span.col + 1}"


def use_color(stream: IO[str]) -> bool:
    """Colour on a terminal; never when ``NO_COLOR`` is set (no-color.org); ``FORCE_COLOR``
    forces it (CI logs that render ANSI)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


_color = use_color  # the old private name


def write_findings(
    fmt: str,
    findings: Sequence[Finding],
    results: Sequence[FileResult],
    stream: IO[str],
    sources: Optional[Mapping[str, bytes]] = None,
    profile: Optional[FiguresByFinding] = None,
) -> None:
    """Print findings in ``fmt``. ``sources``: text that is not on disk (standard input).
    ``profile``: each finding's figures from a profile (``bytelint/profile.py``), which every
    format then shows; None (no profile) leaves the output exactly as without the feature."""
    lines_for = SourceLines(sources)
    if fmt in ("text", "concise", "full"):
        write_text(findings, stream, full=(fmt == "full"), lines_for=lines_for, profile=profile)
    elif fmt == "json":
        write_json(findings, stream, profile)
    elif fmt == "json-lines":
        write_json_lines(findings, stream, profile)
    elif fmt == "lsp":
        lsp.write_lsp(results, stream, lines_for, profile=profile)
    elif fmt == "sarif":
        from .registry import all_rules

        sarif.write_sarif(findings, results, stream, all_rules(), profile=profile)
    elif fmt == "github":
        github.write_github(findings, results, stream, profile=profile)
    else:  # pragma: no cover - click and the config validate the name
        raise ValueError(f"unknown output format {fmt!r}")


def summary_lines(fmt: str, findings: Sequence[Finding], results: Sequence[FileResult]) -> List[str]:
    """What follows the findings: the summary (text, full, concise) and the docs links (text,
    full). Machine formats get nothing: their output must stay parseable."""
    if fmt not in ("text", "full", "concise"):
        return []
    lines = [""] if findings and fmt != "full" else []
    lines.append(summary_line(findings, results))
    if fmt != "concise":
        lines.extend(docs_footer(findings))
    return lines


def write_text(
    findings: Sequence[Finding],
    stream: IO[str],
    full: bool = False,
    lines_for: Optional[LinesFor] = None,
    profile: Optional[FiguresByFinding] = None,
) -> None:
    color = use_color(stream)
    lines_for = lines_for or SourceLines()
    for finding in findings:
        location = _location(finding)
        code = finding.code
        if color:
            location = click.style(location, bold=True)
            code = click.style(code, fg="red", bold=True)
        figures = profile.get(finding) if profile else None
        label = f" {figures.label()}" if figures is not None else ""
        stream.write(f"{location}: {code} {fixreport.marker(finding)}{finding.message}{label}\n")
        if full:
            _write_source_excerpt(finding, stream, lines_for(finding.path), color)


def display_width(text: str) -> int:
    """Terminal cells: wide East Asian characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _write_source_excerpt(finding: Finding, stream: IO[str], lines: Sequence[str], color: bool) -> None:
    span = finding.span
    dim = (lambda s: click.style(s, fg="blue", bold=True)) if color else (lambda s: s)
    shown = [n for n in range(span.line, span.end_line + 1) if 1 <= n <= len(lines)]
    if span.end_line > span.line and span.end_col == 0 and len(shown) > 1:
        shown.pop()  # the span ends at the start of this line: nothing of it is underlined
    if shown:
        width = len(str(shown[-1]))
        stream.write(f"{' ' * width} {dim('|')}\n")
        for index, number in enumerate(shown):
            if index == MAX_EXCERPT_LINES - 1 and len(shown) > MAX_EXCERPT_LINES:
                stream.write(f"{'.' * width} {dim('|')} ...\n")
                break
            text = lines[number - 1].rstrip("\r\n").replace("\t", " ")
            start = span.col if number == span.line else len(text) - len(text.lstrip())
            end = span.end_col if number == span.end_line else len(text)
            start, end = min(start, len(text)), min(max(end, start), len(text))
            stream.write(f"{dim(str(number).rjust(width))} {dim('|')} {text}\n")
            caret = "^" * max(1, display_width(text[start:end]))
            if color:
                caret = click.style(caret, fg="red", bold=True)
            stream.write(f"{' ' * width} {dim('|')} {' ' * display_width(text[:start])}{caret}\n")
    if finding.fix is not None:
        kind = "safe" if finding.fix.safe else "unsafe"
        stream.write(f"  = fix ({kind}): {finding.fix.description}\n")
    if finding.evidence:
        stream.write(f"  = bytecode: {'; '.join(finding.evidence)}\n")
    stream.write(f"  = docs: {finding.url} (or `bytelint explain {finding.code}`)\n\n")


def write_json(findings: Sequence[Finding], stream: IO[str], profile: Optional[FiguresByFinding] = None) -> None:
    json.dump([finding_json(f, profile) for f in findings], stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def write_json_lines(findings: Sequence[Finding], stream: IO[str], profile: Optional[FiguresByFinding] = None) -> None:
    for finding in findings:
        stream.write(json.dumps(finding_json(finding, profile), ensure_ascii=False) + "\n")


def profile_json(finding: Finding, profile: Optional[FiguresByFinding]) -> Optional[Dict[str, Any]]:
    """The finding's figures as plain data (shares and saving as fractions of the profile)."""
    figures = profile.get(finding) if profile else None
    return None if figures is None else figures.to_dict()


def finding_json(finding: Finding, profile: Optional[FiguresByFinding] = None) -> Dict[str, Any]:
    """A finding as JSON; with a profile, also its ``profile`` figures."""
    data = _finding_data(finding)
    figures = profile_json(finding, profile)
    if figures is not None:
        data["profile"] = figures
    return data


def _finding_data(finding: Finding) -> Dict[str, Any]:
    span = finding.span
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "path": finding.path,
        # 1-based lines and columns (code points), end exclusive (as ruff's JSON)
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


_finding_json = finding_json


def summary_line(findings: Sequence[Finding], results: Sequence[FileResult], extra: Sequence[str] = ()) -> str:
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
    parts.extend(extra)  # e.g. the findings a profile hid as cold
    return "; ".join(parts) + "."


def docs_footer(findings: Sequence[Finding]) -> List[str]:
    seen: Dict[str, str] = {}
    for finding in findings:
        seen.setdefault(finding.code, f"  {finding.code} {finding.name}: {finding.url}")
    if not seen:
        return []
    return ["Rule docs (or `bytelint explain CODE`):"] + [seen[c] for c in sorted(seen)]


# -- `bytelint rules` and `bytelint explain CODE` ------------------------------------------------


def write_rules(rows: Sequence[Dict[str, Any]], stream: IO[str], fmt: str = "text", pythons: Optional[Dict[str, str]] = None) -> None:
    """The rule table: code, name, fix, the target versions where the rule reports and the
    measured speedup of its fix per CPython version (in parentheses where it does not report)."""
    if fmt == "json":
        json.dump(list(rows), stream, indent=2)
        stream.write("\n")
        return
    from .reference import VERSIONS, describe_applies, format_range

    header = ["code", "name", "fix", "applies to"] + list(VERSIONS)
    table = [header]
    for row in rows:
        applies = row["applies_to"]
        versions = describe_applies(applies)
        tag = " (preview)" if row["preview"] else " (opt-in)" if row.get("opt_in") else ""
        cells = [row["code"], row["name"] + tag, row["fix"] or "-", versions]
        for version in VERSIONS:
            bounds = row["measured"][version]
            text = format_range(None if bounds is None else (bounds["min"], bounds["max"]))
            cells.append(text if version in applies or text == "-" else f"({text})")
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    color = use_color(stream)
    for index, cells in enumerate(table):
        line = "  ".join(c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
        if index == 0 and color:
            line = click.style(line, bold=True)
        stream.write(line + "\n")
    measured_on = ", ".join((pythons or {}).values())
    stream.write(
        "\nSpeedup: how much faster the fixed form ran in the rule's benchmarks (range over its cases"
        + (f"; CPython {measured_on}" if measured_on else "")
        + "); in parentheses where the rule does not report.\n"
        "Docs: `bytelint explain CODE`.\n"
    )


def write_rule_docs(rule: Any, row: Dict[str, Any], stream: IO[str]) -> None:
    from .reference import VERSIONS, describe_applies, format_range

    color = use_color(stream)
    bold = (lambda s: click.style(s, bold=True)) if color else (lambda s: s)
    stream.write(bold(f"{rule.code} {rule.name}") + f": {rule.summary}\n\n")
    stream.write(f"  Applies to target versions: {describe_applies(row['applies_to'])} ({rule.versions})\n")
    stream.write(f"  Automatic fix: {row['fix'] or 'none'}\n")
    measured = []
    for version in VERSIONS:
        bounds = row["measured"][version]
        if bounds is not None:
            measured.append(f"{version} {format_range((bounds['min'], bounds['max']))}")
    stream.write(f"  Measured speedup of the fix: {', '.join(measured) if measured else 'not measured'}\n")
    stream.write(f"  Docs: {rule.url()}\n\n")
    for line in rule.docs().splitlines():
        if line.startswith("## "):
            line = bold(line)
        stream.write(line + "\n")
