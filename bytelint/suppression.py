"""Suppression comments.

- ``# noqa`` on a finding's line silences every finding on it; ``# noqa: BL101, BL201`` only
  those codes (prefixes such as ``BL1`` work too).
- ``# bytelint: noqa`` on a line of its own opts the whole file out; with codes
  (``# bytelint: noqa: BL101``) it silences those codes in the whole file.

Only real comments count: the text is tokenized, so ``"# noqa"`` inside a string does nothing.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Optional

_CODES = r"[A-Za-z]+[0-9]*(?:\s*,\s*[A-Za-z]+[0-9]*)*"
_NOQA_RE = re.compile(r"#\s*noqa(?::\s*(?P<codes>" + _CODES + r"))?(?![\w:])", re.IGNORECASE)
_NOQA_CODES_RE = re.compile(r"#\s*noqa:\s*(?P<codes>" + _CODES + ")", re.IGNORECASE)
_FILE_RE = re.compile(r"^#\s*bytelint:\s*noqa(?::\s*(?P<codes>" + _CODES + r"))?\s*$", re.IGNORECASE)

ALL = frozenset({"*"})


@dataclass(frozen=True)
class Suppressions:
    # line -> codes silenced on that line (ALL for a bare noqa)
    lines: Dict[int, FrozenSet[str]] = field(default_factory=dict)
    # codes silenced in the whole file (ALL for a bare file-level noqa)
    file: FrozenSet[str] = frozenset()

    def suppresses(self, code: str, line: int) -> bool:
        if _covers(self.file, code):
            return True
        codes = self.lines.get(line)
        return codes is not None and _covers(codes, code)


def _covers(codes: FrozenSet[str], code: str) -> bool:
    return codes == ALL or any(code.startswith(c) for c in codes)


def _parse_codes(text: Optional[str]) -> FrozenSet[str]:
    if not text:
        return ALL
    return frozenset(c.strip().upper() for c in text.split(",") if c.strip())


def parse(text: str) -> Suppressions:
    if "noqa" not in text and "NOQA" not in text.upper():
        return Suppressions()
    lines: Dict[int, FrozenSet[str]] = {}
    file_codes: FrozenSet[str] = frozenset()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return Suppressions()
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        comment = token.string
        file_match = _FILE_RE.match(comment.strip())
        if file_match and token.line.strip() == comment.strip():
            codes = _parse_codes(file_match.group("codes"))
            file_codes = ALL if codes == ALL or file_codes == ALL else file_codes | codes
            continue
        match = _NOQA_CODES_RE.search(comment) or _NOQA_RE.search(comment)
        if match:
            codes = _parse_codes(match.group("codes"))
            line = token.start[0]
            previous = lines.get(line, frozenset())
            lines[line] = ALL if codes == ALL or previous == ALL else previous | codes
    return Suppressions(lines=lines, file=file_codes)
