"""Text edits: computing them from a rewritten region, and applying them to a file's text.

An edit replaces whole lines (``Span(first, 0, last + 1, 0)``) of the original text; positions
are file lines and code-point columns like every span in bytelint, and the end may be the line
just past the end of the file.
"""

from __future__ import annotations

import difflib
from typing import Iterable, List, Sequence, Tuple

from .results import Edit, Span
from .source import split_lines


def edits_between(old: str, new: str, first_line: int = 1) -> Tuple[Edit, ...]:
    """The line-level edits that turn ``old`` (which starts at file line ``first_line``) into
    ``new``."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    # Diff only what lies between the common first and last lines: a fix changes a few lines of
    # a region that may be the whole file, and SequenceMatcher (autojunk off) is quadratic in
    # the repeated lines it is given.
    start = 0
    limit = min(len(old_lines), len(new_lines))
    while start < limit and old_lines[start] == new_lines[start]:
        start += 1
    end = 0
    while end < limit - start and old_lines[-1 - end] == new_lines[-1 - end]:
        end += 1
    old_mid = old_lines[start : len(old_lines) - end]
    new_mid = new_lines[start : len(new_lines) - end]
    matcher = difflib.SequenceMatcher(None, old_mid, new_mid, autojunk=False)
    edits: List[Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        span = Span(first_line + start + i1, 0, first_line + start + i2, 0)
        edits.append(Edit(span, "".join(new_mid[j1:j2])))
    return tuple(edits)


def _line_starts(text: str) -> List[int]:
    starts = [0, 0]  # index 0 unused: lines are 1-based
    offset = 0
    for line in split_lines(text):
        offset += len(line)
        starts.append(offset)
    return starts


def _offset(starts: Sequence[int], line: int, col: int) -> int:
    if line >= len(starts):
        return starts[-1]
    return min(starts[line] + col, starts[-1])


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (raises ValueError if two overlap)."""
    starts = _line_starts(text)
    ordered = sorted(edits, key=lambda e: (e.span.line, e.span.col, e.span.end_line, e.span.end_col))
    pieces: List[str] = []
    cursor = 0
    for edit in ordered:
        start = _offset(starts, edit.span.line, edit.span.col)
        end = _offset(starts, edit.span.end_line, edit.span.end_col)
        if start < cursor:
            raise ValueError("overlapping edits")
        pieces.append(text[cursor:start])
        pieces.append(edit.text)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def overlaps(a: Iterable[Edit], b: Iterable[Edit]) -> bool:
    """Do two groups of edits touch the same text (an insertion at the same point counts)?"""
    for x in a:
        for y in b:
            x0, x1 = (x.span.line, x.span.col), (x.span.end_line, x.span.end_col)
            y0, y1 = (y.span.line, y.span.col), (y.span.end_line, y.span.end_col)
            if x0 < y1 and y0 < x1:
                return True
            if x0 == y0 or (x0 == x1 and y0 <= x0 <= y1) or (y0 == y1 and x0 <= y0 <= x1):
                return True
    return False
