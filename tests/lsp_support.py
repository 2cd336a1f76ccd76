"""Driving the real ``bytelint lsp`` server as an editor would, for tests/test_lsp.py.

On Python 3.10+ the client is pytest-lsp's (``pytest_lsp.fixture``, which starts the server as
a subprocess over stdio and checks the traffic against the client's capabilities). pytest-lsp
1.x needs Python 3.10 and its 0.4 line does not work with pygls 2 / lsprotocol 2025, so on 3.9
the same tests run through a small client built on pygls 2's own ``LanguageClient``, which is
what pytest-lsp wraps; the API the tests use is the same.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from lsprotocol import types

from bytelint.formats.lsp import code_point_col
from bytelint.source import split_lines

try:
    import pytest_lsp
    from pytest_lsp import ClientServerConfig, LanguageClient
except ImportError:  # Python 3.9: see the module docstring
    pytest_lsp = None

HERE = Path(__file__).resolve().parent
SERVER = [sys.executable, "-m", "bytelint", "lsp"]
FIX_SERVER = [sys.executable, str(HERE / "lsp_fix_server.py")]

CAPABILITIES = types.ClientCapabilities(
    general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
    workspace=types.WorkspaceClientCapabilities(
        apply_edit=True,
        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
    ),
    text_document=types.TextDocumentClientCapabilities(
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
            version_support=True, code_description_support=True, data_support=True
        ),
        code_action=types.CodeActionClientCapabilities(
            code_action_literal_support=types.ClientCodeActionLiteralOptions(
                code_action_kind=types.ClientCodeActionKindOptions(
                    value_set=[types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll]
                )
            ),
            is_preferred_support=True,
            data_support=True,
            resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]),
        ),
    ),
)


def initialize_params(root: Path) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=CAPABILITIES,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
    )


if pytest_lsp is None:
    import pytest_asyncio
    from pygls.lsp.client import LanguageClient as _PyglsClient

    class LanguageClient(_PyglsClient):  # type: ignore[no-redef]
        """The part of pytest-lsp's client the tests use."""

        def __init__(self) -> None:
            super().__init__("bytelint-tests", "1")
            self.diagnostics: Dict[str, Sequence[types.Diagnostic]] = {}
            self.messages: List[types.ShowMessageParams] = []
            self.log_messages: List[types.LogMessageParams] = []

            @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            def _diagnostics(ls, params: types.PublishDiagnosticsParams) -> None:
                ls.diagnostics[params.uri] = params.diagnostics

            @self.feature(types.WINDOW_SHOW_MESSAGE)
            def _show(ls, params: types.ShowMessageParams) -> None:
                ls.messages.append(params)

            @self.feature(types.WINDOW_LOG_MESSAGE)
            def _log(ls, params: types.LogMessageParams) -> None:
                ls.log_messages.append(params)

        async def initialize_session(self, params: types.InitializeParams) -> types.InitializeResult:
            if params.process_id is None:
                params.process_id = os.getpid()
            result = await self.initialize_async(params)
            self.initialized(types.InitializedParams())
            return result

        async def shutdown_session(self) -> None:
            await self.shutdown_async(None)
            self.exit(None)
            if self._server is not None:
                await self._server.wait()


def client_fixture(command: Sequence[str]):
    """A fixture giving a client connected to a freshly started server, initialised with the
    test's ``tmp_path`` as the workspace."""
    if pytest_lsp is not None:

        @pytest_lsp.fixture(config=ClientServerConfig(server_command=list(command)))
        async def fixture(lsp_client: LanguageClient, tmp_path):
            await lsp_client.initialize_session(initialize_params(tmp_path))
            yield
            await lsp_client.shutdown_session()

        return fixture

    @pytest_asyncio.fixture
    async def fixture(tmp_path):
        client = LanguageClient()
        await client.start_io(*command)
        await client.initialize_session(initialize_params(tmp_path))
        yield client
        await client.shutdown_session()
        await client.stop()

    return fixture


async def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition"):
    """Poll until ``predicate()`` is truthy (notifications arrive on the client's own schedule)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


class Document:
    """An open buffer: the text the client holds, kept in step with the server."""

    def __init__(self, client: LanguageClient, path: Path, text: str) -> None:
        self.client = client
        self.uri = path.as_uri()
        self.text = text
        self.version = 1
        client.diagnostics.pop(self.uri, None)
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=self.uri, language_id="python", version=1, text=text)
            )
        )

    def diagnostics(self) -> Optional[Sequence[types.Diagnostic]]:
        return self.client.diagnostics.get(self.uri)

    def forget_diagnostics(self) -> None:
        self.client.diagnostics.pop(self.uri, None)

    async def published(self, predicate=lambda diagnostics: True, timeout: float = 30.0) -> Sequence[types.Diagnostic]:
        """Wait until the server has published diagnostics for this buffer that satisfy
        ``predicate``; return them."""
        await wait_for(
            lambda: self.diagnostics() is not None and predicate(self.diagnostics()), timeout, f"diagnostics of {self.uri}"
        )
        return self.diagnostics()

    def replace(self, text: str) -> None:
        """Send the whole new text (an editor may send full or incremental changes)."""
        self.version += 1
        self.text = text
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def insert(self, line: int, character: int, text: str) -> None:
        """An incremental change: insert ``text`` at a 0-based (line, UTF-16 character)."""
        self.version += 1
        position = types.Position(line=line, character=character)
        self.text = apply_text_edits(self.text, [types.TextEdit(range=types.Range(position, position), new_text=text)])
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(position, position), text=text)],
            )
        )

    def save(self) -> None:
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=self.uri))
        )

    async def code_actions(self, diagnostics: Sequence[types.Diagnostic], only=None) -> List[types.CodeAction]:
        if diagnostics:
            start, end = diagnostics[0].range.start, diagnostics[-1].range.end
        else:
            start = end = types.Position(line=0, character=0)
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri),
                range=types.Range(start=start, end=end),
                context=types.CodeActionContext(diagnostics=list(diagnostics), only=only),
            )
        )
        return [a for a in (result or []) if isinstance(a, types.CodeAction)]

    def apply(self, edit: types.WorkspaceEdit) -> None:
        """Apply a workspace edit to this buffer as the editor would, and tell the server."""
        edits: List[types.TextEdit] = []
        for change in edit.document_changes or []:
            assert change.text_document.uri == self.uri
            assert change.text_document.version in (None, self.version), "edit made for another version"
            edits.extend(change.edits)
        for uri, text_edits in (edit.changes or {}).items():
            assert uri == self.uri
            edits.extend(text_edits)
        self.replace(apply_text_edits(self.text, edits))


def apply_text_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """LSP ``TextEdit``s (UTF-16 positions) applied to ``text``, last first."""
    lines = split_lines(text)

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        start = sum(len(line) for line in lines[: position.line])
        line = lines[position.line].rstrip("\r\n")
        return start + code_point_col(line, position.character)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text
