"""Source positions: CPython's UTF-8 byte columns converted to code-point columns.

CPython (3.11+) reports ``co_positions`` columns as UTF-8 byte offsets into the *decoded* source
line; libcst and bytelint count code points (docs/bytecode.md §5.2).  Conversion goes through the
decoded text, never the file's bytes (a latin-1 file still has UTF-8 columns), lazily per line:
an ASCII line converts to itself.
"""

import re
from typing import Dict, List, Optional, Sequence, Tuple

Span = Tuple[int, int, int, int]  # (line, col, end_line, end_col), 1-based lines, 0-based cols

_LINE_BREAK = re.compile(r"(?<=\n)|(?<=\r)(?!\n)")
_MISSING = object()


def _cpython_lines(lines: Sequence[str]) -> List[str]:
    """*lines* re-split the way CPython counts lines (only \\n, \\r\\n and \\r end a line).

    ``str.splitlines`` also breaks on form feeds, \\x1c-\\x1e, \\x85, \\u2028 and \\u2029, which
    CPython's tokenizer does not; a file containing one would otherwise have shifted line numbers.
    """
    lines = list(lines)
    if lines and lines[0].startswith("\ufeff"):  # CPython's columns do not count a BOM
        lines[0] = lines[0][1:]
    last = len(lines) - 1
    if all(line.endswith(("\n", "\r")) for i, line in enumerate(lines) if i != last):
        return lines
    text = "".join(lines)
    parts = _LINE_BREAK.split(text)
    if parts and parts[-1] == "":
        parts.pop()
    return parts


class ColumnMap:
    """Converts CPython positions of one source file to code-point spans."""

    __slots__ = ("_raw_lines", "_lines", "_tables")

    def __init__(self, lines: Sequence[str]) -> None:
        self._raw_lines = lines
        self._lines: Optional[List[str]] = None
        # line number -> None (ASCII: byte col == char col), False (no such line), or a list
        # mapping each byte offset to a code-point offset
        self._tables: Dict[int, object] = {}

    @property
    def raw_lines(self) -> Sequence[str]:
        """The decoded source lines the map was made from."""
        return self._raw_lines

    def _table(self, lineno: int):
        table = self._tables.get(lineno, _MISSING)
        if table is not _MISSING:
            return table
        if self._lines is None:
            self._lines = _cpython_lines(self._raw_lines)
        lines = self._lines
        if not 1 <= lineno <= len(lines):
            table = False
        else:
            line = lines[lineno - 1]
            if line.isascii():
                table = None
            else:
                table = []
                for index, char in enumerate(line):
                    table.extend([index] * len(char.encode("utf-8", "surrogatepass")))
                table.append(len(line))
        self._tables[lineno] = table
        return table

    def char_col(self, lineno: int, byte_col: int) -> Optional[int]:
        """Code-point column of UTF-8 byte column *byte_col* on line *lineno*, or None."""
        table = self._table(lineno)
        if table is None:
            return byte_col
        if table is False:
            return None
        if byte_col >= len(table):
            return table[-1]
        return table[byte_col]

    def span(self, position) -> Optional[Span]:
        """Span of a CPython ``(lineno, end_lineno, col, end_col)`` position, or None."""
        lineno, end_lineno, col, end_col = position
        if lineno is None or end_lineno is None or col is None or end_col is None or lineno < 1:
            return None
        start = self.char_col(lineno, col)
        end = self.char_col(end_lineno, end_col)
        if start is None or end is None:
            return None
        return (lineno, start, end_lineno, end)
