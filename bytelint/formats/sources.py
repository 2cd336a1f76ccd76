"""The source lines of linted files, for formats that show or measure them (``full`` excerpts,
UTF-16 columns for LSP). Files are read once; text passed in (standard input, an editor buffer)
takes precedence over the disk."""

from __future__ import annotations

from typing import Dict, Mapping, Optional, Tuple

from ..source import SourceError, decode, split_lines


class SourceLines:
    def __init__(self, sources: Optional[Mapping[str, bytes]] = None) -> None:
        self._sources = dict(sources or {})
        self._cache: Dict[str, Tuple[str, ...]] = {}

    def __call__(self, path: str) -> Tuple[str, ...]:
        """The file's lines with their endings (index 0 is line 1); () if it cannot be read."""
        if path not in self._cache:
            data = self._sources.get(path)
            try:
                if data is None:
                    with open(path, "rb") as handle:
                        data = handle.read()
                self._cache[path] = decode(data).lines
            except (OSError, SourceError):
                self._cache[path] = ()
        return self._cache[path]

    @staticmethod
    def of_text(text: str) -> Tuple[str, ...]:
        return tuple(split_lines(text))
