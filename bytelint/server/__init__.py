"""``bytelint lsp``: a language server over standard input and output, built on pygls 2 and
lsprotocol (the optional extra ``bytelint[lsp]``).

- Diagnostics on open, change (debounced) and save, linted in a worker thread so requests
  are answered while a large file is analysed; a result for a version the editor has already
  replaced is dropped.
- Half-typed code: while the buffer does not compile, the diagnostics of the last version that
  did are kept, each moved to where its line now is (by the line's text) or dropped if that line
  is gone; their fixes are withheld until the code compiles again. No syntax-error diagnostic is
  added: the editor's Python support already reports those.
- Code actions: a quick fix per diagnostic that carries a fix, ``# noqa: CODE`` for the line
  (merged into an existing ``# noqa: ...`` list), and ``source.fixAll.bytelint``, which applies
  the safe fixes the way ``bytelint fix`` does (each one proved before it is kept).
- Configuration: the ``pyproject.toml`` nearest to each document, as ``bytelint check`` finds
  it (re-read when it changes); excluded files get no diagnostics, per-file-ignores apply.
- Profile-guided (``bytelint/profile.py``): with a profile (``profile``/``min-share`` in the
  configuration, or the client's ``initializationOptions`` / ``workspace/didChangeConfiguration``
  settings ``{"bytelint": {"profile", "minShare"}}``), diagnostics carry its figures in
  ``data.profile``, and those in code under ``minShare`` or absent from it are Hints.
"""

from __future__ import annotations

from typing import Optional


def missing_dependency() -> Optional[str]:
    """None if the server can run, else what to install (phrased for the user)."""
    try:
        import lsprotocol.types  # noqa: F401
        from pygls.lsp.server import LanguageServer  # noqa: F401  (pygls 2 layout)
    except ImportError as exc:
        return (
            f"`bytelint lsp` needs pygls 2 and lsprotocol ({exc}); "
            "install them with: pip install 'bytelint[lsp]'"
        )
    return None


def main() -> None:
    from .server import serve

    serve()
