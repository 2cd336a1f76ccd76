"""How fixes are shown: the fixable marker, hints, the fix summary and unified diffs."""

from __future__ import annotations

import difflib
from typing import Sequence

from .results import Finding
from .source import decode


def marker(finding: Finding) -> str:
    """``[*]`` a safe fix is available, ``[!]`` only an unsafe one (``--unsafe-fixes``)."""
    if finding.fix is None:
        return ""
    return "[*] " if finding.fix.safe else "[!] "


def fixable_hint(findings: Sequence[Finding]) -> str:
    safe = sum(1 for f in findings if f.fix is not None and f.fix.safe)
    unsafe = sum(1 for f in findings if f.fix is not None and not f.fix.safe)
    parts = []
    if safe:
        parts.append(f"[*] {safe} fixable with `bytelint fix`")
    if unsafe:
        parts.append(f"[!] {unsafe} {'more' if safe else 'fixable'} with `bytelint fix --unsafe-fixes`")
    return "; ".join(parts) + "." if parts else ""


def fix_summary(outcomes, unsafe: bool) -> str:
    fixed = sum(len(o.applied) for o in outcomes)
    files = sum(1 for o in outcomes if o.changed)
    dropped = sum(len(o.failed) for o in outcomes)
    text = f"Fixed {fixed} finding{'s' if fixed != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    if dropped:
        text += f"; {dropped} fix{'es' if dropped != 1 else ''} not applied (see warnings)"
    more = sum(o.unsafe_available for o in outcomes)
    if more and not unsafe:
        text += f"; {more} more unsafe fix{'es' if more != 1 else ''} available with --unsafe-fixes"
    return text + "."


def unified_diff(outcome) -> str:
    before = decode(outcome.original).lines
    after = decode(outcome.fixed).lines
    return "".join(difflib.unified_diff(before, after, fromfile=f"a/{outcome.path}", tofile=f"b/{outcome.path}"))
