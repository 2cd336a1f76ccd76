"""Shared test helpers: lint a snippet with chosen rules and target versions."""

from __future__ import annotations

import textwrap
from typing import List, Optional, Sequence

from bytelint.config import Config
from bytelint.engine import lint_source
from bytelint.registry import all_rules
from bytelint.results import FileResult, Finding
from bytelint.versions import parse_version, targets_from_minimum, targets_from_requires_python
from bytelint.bytecode import SUPPORTED_VERSIONS


def targets(spec: Optional[str]):
    """None: every supported version. "py39": that version and newer. "<3.11": a specifier."""
    if spec is None:
        return tuple(SUPPORTED_VERSIONS)
    if spec[0] in "<>=!~":
        return targets_from_requires_python(spec)
    return targets_from_minimum(parse_version(spec))


def lint(code: str, select: Sequence[str] = ("BL",), target: Optional[str] = None, path: str = "example.py") -> FileResult:
    config = Config(select=tuple(select), target_versions=targets(target), preview=True)
    return lint_source(textwrap.dedent(code).encode("utf-8"), path, config)


def findings(code: str, select: Sequence[str] = ("BL",), target: Optional[str] = None) -> List[Finding]:
    result = lint(code, select, target)
    assert result.error is None, result.error
    return list(result.findings)


def rule_classes():
    return [type(rule) for rule in all_rules()]
