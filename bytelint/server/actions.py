"""The language server's pure parts, free of pygls so they are tested in-process: the
``# noqa`` edit, choosing fixes, and carrying diagnostics across edits that break the code.

Positions are bytelint's (1-based lines, code-point columns); the server converts them.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from dataclasses import replace
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from ..results import Edit, Finding, Span

# As bytelint/suppression.py reads them: "noqa", a colon, codes (letters then digits).
_NOQA_CODES = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Za-z]+[0-9]*(?:\s*,\s*[A-Za-z]+[0-9]*)*)", re.IGNORECASE)
_BARE_NOQA = re.compile(r"#\s*noqa(?![\w:])", re.IGNORECASE)
_SPANNING = (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER, tokenize.DEDENT, tokenize.INDENT)


def _line_tokens(text: str, line: int) -> Tuple[Optional[tokenize.TokenInfo], bool, bool]:
    """(the comment token on ``line``, whether the line's end lies inside a token such as a
    multi-line string, whether tokenizing reached the line at all)."""
    comment = None
    inside = False
    reached = False
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] > line:
                reached = True
                break
            if token.end[0] >= line:
                reached = True
            if token.type == tokenize.COMMENT and token.start[0] == line:
                comment = token
            elif token.type not in _SPANNING and token.start[0] <= line < token.end[0]:
                inside = True
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # half-typed code: use what was read before the error
    return comment, inside, reached


def noqa_edit(lines: Sequence[str], line: int, code: str) -> Optional[Edit]:
    """The edit that silences ``code`` on ``line``: a new ``  # noqa: CODE`` at the end of the line,
    or ``, CODE`` added to the line's existing ``# noqa: ...`` list. None when the line already
    silences it, or a comment cannot go there (inside a multi-line string, after a backslash)."""
    if not 1 <= line <= len(lines):
        return None
    raw = lines[line - 1]
    body = raw.rstrip("\r\n")
    if body.rstrip().endswith("\\"):
        return None
    comment, inside, reached = _line_tokens("".join(lines), line)
    if inside:
        return None
    if comment is None and not reached and "#" in body:
        # Tokenizing failed before this line: find a trailing comment the simple way.
        index = body.find("#")
        if "'" not in body[:index] and '"' not in body[:index]:
            comment = tokenize.TokenInfo(tokenize.COMMENT, body[index:], (line, index), (line, len(body)), raw)
    if comment is not None:
        text = comment.string
        match = _NOQA_CODES.search(text)
        if match:
            codes = [c.strip().upper() for c in match.group("codes").split(",")]
            if any(code.upper().startswith(c) for c in codes):
                return None
            column = comment.start[1] + match.end("codes")
            return Edit(Span(line, column, line, column), f", {code}")
        if _BARE_NOQA.search(text):
            return None  # a bare noqa already silences every rule on the line
    end = len(body.rstrip())
    return Edit(Span(line, end, line, len(body)), f"  # noqa: {code}")


def reanchor(findings: Iterable[Finding], old_lines: Sequence[str], new_lines: Sequence[str]) -> List[Finding]:
    """Findings of an older text carried onto a newer one: a finding whose first line survived
    unchanged (a line the two texts have in common, as a line diff matches them) moves with that
    line; a finding on an edited or deleted line is dropped. Fixes are dropped too: edits made
    for the old text are not applied to the new one."""
    return [moved for _, moved in reanchor_pairs(findings, old_lines, new_lines)]


def reanchor_pairs(
    findings: Iterable[Finding], old_lines: Sequence[str], new_lines: Sequence[str]
) -> List[Tuple[Finding, Finding]]:
    """``reanchor``, each carried finding paired with the finding it was (what is known about
    the original, such as a profile's figures, goes with it)."""
    old = [line.rstrip("\r\n") for line in old_lines]
    new = [line.rstrip("\r\n") for line in new_lines]
    moved_to: Dict[int, int] = {}  # 0-based old line -> 0-based new line
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            moved_to[block.a + offset] = block.b + offset
    moved: List[Tuple[Finding, Finding]] = []
    for finding in findings:
        span = finding.span
        index = moved_to.get(span.line - 1)
        if index is None:
            continue
        delta = index + 1 - span.line
        end_line = min(span.end_line + delta, len(new_lines) + 1)
        moved.append((finding, replace(finding, span=Span(span.line + delta, span.col, end_line, span.end_col), fix=None)))
    return moved


def safe_fix_findings(findings: Iterable[Finding]) -> List[Finding]:
    return [f for f in findings if f.fix is not None and f.fix.safe]


def wants(only: Optional[Sequence[str]], kind: str) -> bool:
    """Does a code-action request's ``only`` filter admit ``kind``? (LSP kinds are dotted
    hierarchies: ``source.fixAll`` admits ``source.fixAll.bytelint``.)"""
    if not only:
        return True
    return any(kind == k or kind.startswith(k + ".") for k in only)
