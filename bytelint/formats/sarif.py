"""SARIF 2.1.0 output for code-scanning services (GitHub code scanning and others).

One run; ``tool.driver.rules`` lists every rule (so ``ruleIndex`` is stable across runs),
results point at files by URIs relative to the repository root (the git work tree holding the
current directory; the current directory outside one) with ``uriBaseId`` ``%SRCROOT%``, and
regions are 1-based. Columns are code points, which the
run declares (``columnKind``: SARIF's default is UTF-16 code units). Files that could not be
linted become tool execution notifications.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any, Dict, List, Mapping, Optional, Sequence
from urllib.parse import quote

from .. import __version__
from ..results import FileResult, Finding, Fix, Span

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/bytelint/bytelint"
LEVEL = "warning"


def artifact_uri(path: str, root: str) -> Dict[str, str]:
    """A relative, forward-slash, percent-encoded URI under ``root``; absolute file URI otherwise."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, root)
    except ValueError:  # another drive (Windows)
        rel = None
    if rel is None or rel == ".." or rel.startswith(".." + os.sep):
        return {"uri": Path(absolute).as_uri()}
    return {"uri": quote(rel.replace(os.sep, "/"), safe="/"), "uriBaseId": "%SRCROOT%"}


def region(span: Span) -> Dict[str, int]:
    return {
        "startLine": span.line,
        "startColumn": span.col + 1,
        "endLine": span.end_line,
        "endColumn": span.end_col + 1,
    }


def _rule_descriptor(rule: Any) -> Dict[str, Any]:
    what = rule.doc_sections().get("What it does", "").strip()
    first_paragraph = what.split("\n\n")[0].replace("\n", " ").strip() or rule.summary
    docs = rule.docs()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": first_paragraph},
        "help": {"text": docs, "markdown": docs},
        "helpUri": rule.url(),
        "defaultConfiguration": {"level": LEVEL},
        "properties": {
            "tags": ["performance"],
            "precision": "high",
            "problem.severity": LEVEL,
            "targetVersions": rule.versions,
            "fix": rule.fixable or "none",
        },
    }


def _fix(fix: Fix, location: Dict[str, str]) -> Dict[str, Any]:
    return {
        "description": {"text": f"{fix.description} ({'safe' if fix.safe else 'unsafe'} fix)"},
        "artifactChanges": [
            {
                "artifactLocation": location,
                "replacements": [
                    {"deletedRegion": region(edit.span), "insertedContent": {"text": edit.text}}
                    for edit in fix.edits
                ],
            }
        ],
    }


def _result(finding: Finding, index: Dict[str, int], root: str, figures: Any = None) -> Dict[str, Any]:
    location = artifact_uri(finding.path, root)
    result: Dict[str, Any] = {
        "ruleId": finding.code,
        "level": LEVEL,
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": region(finding.span)}}],
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.fix is not None:
        result["fixes"] = [_fix(finding.fix, location)]
    if figures is not None:  # profile-guided: SARIF's rank (0-100) is the estimated saving in %
        result["rank"] = round(figures.saving * 100, 3)
        result["properties"] = {"profile": figures.to_dict()}
    return result


def sarif_log(
    findings: Sequence[Finding],
    results: Sequence[FileResult],
    rules: Sequence[Any],
    root: Optional[str] = None,
    profile: Optional[Mapping[Finding, Any]] = None,
) -> Dict[str, Any]:
    if root is None:  # the repository holding the current directory, else the directory itself
        from ..discovery import git_root

        root = git_root(os.getcwd()) or os.getcwd()
    root = os.path.abspath(root)
    index = {rule.code: i for i, rule in enumerate(rules)}
    notifications: List[Dict[str, Any]] = []
    for result in results:
        if result.error:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"{result.path}: {result.error}"},
                    "locations": [{"physicalLocation": {"artifactLocation": artifact_uri(result.path, root)}}],
                }
            )
    invocation: Dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "bytelint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_descriptor(rule) for rule in rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(root).as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [invocation],
                "results": [_result(f, index, root, (profile or {}).get(f)) for f in findings],
            }
        ],
    }


def write_sarif(
    findings: Sequence[Finding],
    results: Sequence[FileResult],
    stream: IO[str],
    rules: Sequence[Any],
    profile: Optional[Mapping[Finding, Any]] = None,
) -> None:
    json.dump(sarif_log(findings, results, rules, profile=profile), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
