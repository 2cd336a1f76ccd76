"""Reading source: bytes to text the way CPython does, and line splitting that agrees with it.

CPython's tokenizer ends lines only at ``\\n``, ``\\r\\n`` and ``\\r``; ``str.splitlines`` also
splits at form feeds, ``\\x1c``-``\\x1e``, ``\\u2028`` and others, which would shift every line
number after them. Everything in bytelint that needs lines takes them from here.
"""

from __future__ import annotations

import codecs
import io
import re
import tokenize
from dataclasses import dataclass
from typing import List, Tuple

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class SourceError(ValueError):
    """The file's bytes cannot be read as Python source text."""


@dataclass(frozen=True)
class SourceText:
    text: str
    encoding: str
    has_bom: bool
    lines: Tuple[str, ...]  # with line endings; index 0 is line 1


# Characters ``str.splitlines`` also breaks at, which Python source does not
_ASCII_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e")
_OTHER_BREAKS = ("\x85", "\u2028", "\u2029")


def split_lines(text: str) -> List[str]:
    """Lines with their endings: only ``\n``, ``\r\n`` and ``\r`` end a line."""
    if any(c in text for c in _ASCII_BREAKS) or (not text.isascii() and any(c in text for c in _OTHER_BREAKS)):
        return _LINE_RE.findall(text)
    return text.splitlines(True)  # the same lines, five times faster


def decode(source: bytes) -> SourceText:
    """Decode source bytes honouring a BOM and a PEP 263 coding cookie."""
    if b"\x00" in source:
        raise SourceError("source contains NUL bytes (not a text file?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as exc:
        # detect_encoding also fails on undecodable bytes in the first two lines: say which.
        try:
            source.decode("utf-8")
        except UnicodeDecodeError as decode_error:
            raise SourceError(f"cannot decode as utf-8: {_short_decode_error(decode_error)}") from None
        raise SourceError(str(exc)) from None
    has_bom = source.startswith(codecs.BOM_UTF8)
    try:
        text = source.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"cannot decode as {encoding}: {_short_decode_error(exc)}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceText(text=text, encoding=encoding, has_bom=has_bom, lines=tuple(split_lines(text)))


def _short_decode_error(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"invalid byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
    return str(exc)


def line_of_offset(lines: Tuple[str, ...], line: int) -> str:
    if 1 <= line <= len(lines):
        return lines[line - 1]
    return ""


def utf16_col(line_text: str, col: int) -> int:
    """Code-point column to UTF-16 code units (the LSP default)."""
    prefix = line_text[:col]
    return col + sum(1 for ch in prefix if ord(ch) > 0xFFFF)
