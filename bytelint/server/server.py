"""The pygls language server behind ``bytelint lsp`` (design notes: ``bytelint/server/__init__.py``)."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tokenize
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.lsp.server import LanguageServer

from .. import __version__
from .. import profile as profiling
from ..config import Config, ConfigError, find_pyproject, load_config, needs_targets
from ..discovery import FileFinder
from ..engine import lint_source
from ..formats import lsp as lsp_format
from ..registry import known_codes
from ..results import Finding
from ..source import split_lines
from .actions import noqa_edit, reanchor_pairs, safe_fix_findings, wants

FIX_ALL_KIND = "source.fixAll.bytelint"
CHANGE_DELAY = 0.3  # seconds of quiet after a change before linting (typing is not linted per key)

_converter = get_converter()


@dataclass
class DocumentState:
    generation: int = 0  # bumped by every change: a lint of an older generation is not published
    task: Optional["asyncio.Future[Any]"] = None
    # The last version that could be analysed, and its findings.
    good_version: Optional[int] = None
    good_lines: Tuple[str, ...] = ()
    good_findings: Tuple[Finding, ...] = ()
    good_figures: Dict[Finding, Any] = field(default_factory=dict)  # a profile's, if any
    # What is published now, for which version, and whether it is carried over (stale).
    published_version: Optional[int] = None
    stale: bool = False
    last_problem: Optional[str] = None


@dataclass
class ConfigCache:
    """Configurations by pyproject.toml, re-read when the file's modification time changes."""

    entries: Dict[Optional[str], Tuple[Optional[int], Any]] = field(default_factory=dict)

    def for_path(self, path: str) -> Config:
        pyproject = find_pyproject(Path(path))
        key = str(pyproject) if pyproject else None
        try:
            stamp = pyproject.stat().st_mtime_ns if pyproject else None
        except OSError:
            stamp = None
        cached = self.entries.get(key)
        if cached is None or cached[0] != stamp:
            try:
                value: Any = load_config(pyproject, known_codes())
                needs_targets(value)
            except ConfigError as exc:
                value = exc
            cached = (stamp, value)
            self.entries[key] = cached
        if isinstance(cached[1], ConfigError):
            raise cached[1]
        return cached[1]


@dataclass
class ProfileCache:
    """Profiles by path, re-read when the file changes (a new profiling run)."""

    entries: Dict[str, Tuple[Tuple[int, int], Any]] = field(default_factory=dict)

    def load(self, path: str) -> "profiling.Profile":
        try:
            info = os.stat(path)
            stamp = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = (0, -1)
        cached = self.entries.get(path)
        if cached is None or cached[0] != stamp:
            try:
                value: Any = profiling.load_profile(path)
            except profiling.ProfileError as exc:
                value = exc
            cached = self.entries[path] = (stamp, value)
        if isinstance(cached[1], profiling.ProfileError):
            raise cached[1]
        return cached[1]


def profile_settings(options: Any) -> Dict[str, Any]:
    """``profile`` and ``minShare`` (or ``min-share``) from initialization options or
    ``workspace/didChangeConfiguration`` settings, flat or under ``bytelint``."""
    if isinstance(options, dict) and isinstance(options.get("bytelint"), dict):
        options = options["bytelint"]
    if not isinstance(options, dict):
        return {}
    found: Dict[str, Any] = {}
    if isinstance(options.get("profile"), str) and options["profile"]:
        found["profile"] = options["profile"]
    for key in ("minShare", "min-share", "min_share"):
        if options.get(key) is not None:
            found["min_share"] = profiling.parse_min_share(options[key], f"bytelint setting {key!r}")
            break
    return found


def _graded(
    profiles: ProfileCache, profile_path: str, text: str, path: str, findings: Sequence[Finding], config: Config, base: str
) -> Tuple[Dict[Finding, Any], Optional[str]]:
    """In the lint thread: the profile's figures of each finding, or the profile's problem."""
    try:
        loaded = profiles.load(profile_path)
    except profiling.ProfileError as exc:
        return {}, str(exc)
    return profiling.annotate(loaded, {path: text}, findings, config.target_versions, base)[0], None


def _encode(text: str) -> bytes:
    """The buffer as the bytes the file would hold (honouring a coding cookie)."""
    head = "".join(split_lines(text)[:2]).encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(head).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        return text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return text.encode("utf-8", "surrogatepass")


class BytelintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("bytelint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.states: Dict[str, DocumentState] = {}
        self.configs = ConfigCache()
        # One lint at a time, off the event loop: requests stay answered during a long lint.
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bytelint-lint")
        self.shown_errors: set = set()
        # Profile-guided diagnostics: settings from the client (over [tool.bytelint]).
        self.settings: Dict[str, Any] = {}
        self.profiles = ProfileCache()

    # -- documents ------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        value = self.workspace.position_encoding or lsp_format.UTF16
        return str(getattr(value, "value", value))

    def path_of(self, uri: str) -> str:
        """The file a document is (its configuration, per-file-ignores and excludes are that
        path's); an unsaved buffer counts as a file at the workspace root."""
        path = uri_to_path(uri)
        if path is None:
            root = self.workspace.root_path or os.getcwd()
            name = os.path.basename(urlparse(uri).path) or "untitled"
            path = os.path.join(root, name if name.endswith(".py") else name + ".py")
        return path

    def config_for(self, path: str) -> Optional[Config]:
        try:
            return self.configs.for_path(path)
        except ConfigError as exc:
            self.show_error(f"bytelint: {exc}")
            return None

    def show_error(self, message: str) -> None:
        if message not in self.shown_errors:
            self.shown_errors.add(message)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))

    def apply_settings(self, options: Any) -> None:
        if options is None:  # a client that sends no settings keeps the ones it gave
            return
        try:
            self.settings = profile_settings(options)
        except profiling.ProfileError as exc:
            self.settings = {}
            self.show_error(f"bytelint: {exc}")

    def profile_for(self, config: Config) -> Tuple[Optional[str], Optional[float]]:
        """The profile to grade this document's diagnostics by (the client's setting, else
        ``profile`` in [tool.bytelint]; relative to the workspace root) and the share under
        which code is cold; (None, None) without one."""
        path = self.settings.get("profile") or config.profile
        if not path:
            return None, None
        if not os.path.isabs(path):
            path = os.path.join(self.workspace.root_path or os.getcwd(), path)
        return path, self.settings.get("min_share", config.min_share)

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        state = self.states.setdefault(uri, DocumentState())
        state.generation += 1
        if state.task is not None and not state.task.done():
            state.task.cancel()
        state.task = asyncio.ensure_future(self._lint_later(uri, state.generation, delay))

    async def _lint_later(self, uri: str, generation: int, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        state = self.states.get(uri)
        if state is None or state.generation != generation:
            return
        document = self.workspace.get_text_document(uri)
        version, text = document.version, document.source
        path = self.path_of(uri)
        config = self.config_for(path)
        if config is None or not any(FileFinder(config, force_exclude=True).find([path])):
            self.publish(uri, version, (), split_lines(text), stale=False)
            return
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self.pool, lint_source, _encode(text), path, config)
        profile_path, min_share = self.profile_for(config)
        figures: Dict[Finding, Any] = {}
        if profile_path is not None and result.findings:
            base = self.workspace.root_path or os.getcwd()
            figures, trouble = await loop.run_in_executor(
                self.pool, _graded, self.profiles, profile_path, text, path, result.findings, config, base
            )
            if trouble:  # diagnostics stay as without a profile; the user is told once
                self.show_error(f"bytelint: {trouble}")
                profile_path = None
        state = self.states.get(uri)
        if state is None or state.generation != generation:
            return  # the buffer changed meanwhile: a newer lint is on its way
        lines = tuple(split_lines(text))
        # An error (it does not compile, cannot be decoded) or checks skipped for this text.
        skipped = [n for n in result.notices if "checks skipped" in n] if not result.findings else []
        problem = result.error or "; ".join(skipped) or None
        graded = (figures, min_share) if profile_path is not None else None
        if problem is None:
            state.good_version, state.good_lines, state.good_findings = version, lines, result.findings
            state.good_figures = figures
            state.last_problem = None
            self.publish(uri, version, result.findings, lines, stale=False, graded=graded)
            return
        # The text cannot be analysed (half-typed): carry the last good diagnostics over.
        if problem != state.last_problem:
            state.last_problem = problem
            self.window_log_message(
                types.LogMessageParams(type=types.MessageType.Log, message=f"bytelint: {path}: {problem}")
            )
        carried: List[Finding] = []
        if state.good_findings:
            pairs = await loop.run_in_executor(self.pool, reanchor_pairs, state.good_findings, state.good_lines, lines)
            if self.states.get(uri) is not state or state.generation != generation:
                return
            carried = [moved for _, moved in pairs]
            if graded is not None:  # the figures of the text they were found in
                graded = ({moved: state.good_figures[old] for old, moved in pairs if old in state.good_figures}, min_share)
        self.publish(uri, version, carried, lines, stale=True, graded=graded)

    def publish(
        self,
        uri: str,
        version: Optional[int],
        findings: Sequence[Finding],
        lines: Sequence[str],
        stale: bool,
        graded: Optional[Tuple[Dict[Finding, Any], Optional[float]]] = None,
    ) -> None:
        """``graded``: a profile's figures by finding and the cold threshold; diagnostics in
        code under it, or absent from the profile, are Hints instead of Warnings."""
        state = self.states.setdefault(uri, DocumentState())
        state.published_version, state.stale = version, stale
        diagnostics = []
        for finding in findings:
            figures = graded[0].get(finding) if graded else None
            cold = graded is not None and profiling.is_cold(figures, graded[1])
            data = lsp_format.diagnostic(finding, lines, self.encoding, figures, cold)
            if stale:
                data["data"]["stale"] = True
            diagnostics.append(_converter.structure(data, types.Diagnostic))
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics)
        )

    def relint_all(self) -> None:
        for uri in list(self.states):
            self.schedule(uri)

    # -- code actions -----------------------------------------------------------------------

    def workspace_edit(self, uri: str, version: Optional[int], edits: List[types.TextEdit]) -> types.WorkspaceEdit:
        capabilities = self.client_capabilities
        workspace = capabilities.workspace if capabilities else None
        edit_caps = workspace.workspace_edit if workspace else None
        if edit_caps is not None and edit_caps.document_changes:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                        edits=edits,
                    )
                ]
            )
        return types.WorkspaceEdit(changes={uri: edits})

    def quick_fixes(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        uri = params.text_document.uri
        document = self.workspace.get_text_document(uri)
        lines = split_lines(document.source)
        state = self.states.get(uri)
        current = state is not None and state.published_version == document.version and not state.stale
        actions: List[types.CodeAction] = []
        seen = set()
        for diagnostic in params.context.diagnostics:
            if diagnostic.source != lsp_format.SOURCE or not isinstance(diagnostic.code, str):
                continue
            code = diagnostic.code
            data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
            fix = data.get("fix")
            if fix and current and not data.get("stale"):
                edits = [_converter.structure(e, types.TextEdit) for e in fix["edits"]]
                title = f"bytelint: {fix['description']} ({code}{'' if fix['safe'] else ', unsafe fix'})"
                actions.append(
                    types.CodeAction(
                        title=title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=self.workspace_edit(uri, document.version, edits),
                        is_preferred=bool(fix["safe"]),
                    )
                )
            line = diagnostic.range.start.line + 1
            if (line, code) in seen:
                continue
            seen.add((line, code))
            edit = noqa_edit(lines, line, code)
            if edit is not None:
                text_edit = _converter.structure(lsp_format.text_edit(edit, lines, self.encoding), types.TextEdit)
                actions.append(
                    types.CodeAction(
                        title=f"bytelint: ignore {code} on this line (# noqa: {code})",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=self.workspace_edit(uri, document.version, [text_edit]),
                    )
                )
        return actions

    async def fix_all(self, uri: str) -> Optional[Tuple[Optional[int], List[types.TextEdit]]]:
        """Every safe fix applied (and proved) as `bytelint fix` does, as edits of the buffer;
        None if nothing changes. The fixing runs in the lint thread."""
        document = self.workspace.get_text_document(uri)
        version, text = document.version, document.source
        path = self.path_of(uri)
        config = self.config_for(path)
        if config is None:
            return None
        loop = asyncio.get_running_loop()
        edits = await loop.run_in_executor(self.pool, fixed_edits, text, path, config, self.encoding)
        if not edits:
            return None
        return version, [_converter.structure(edit, types.TextEdit) for edit in edits]

    def has_safe_fixes(self, uri: str) -> bool:
        state = self.states.get(uri)
        return bool(state and not state.stale and safe_fix_findings(state.good_findings))


def fixed_edits(text: str, path: str, config: Config, encoding: str) -> List[Dict[str, Any]]:
    """The LSP ``TextEdit``s (as dicts) that apply every safe fix to ``text``."""
    from ..edits import edits_between
    from ..fixer import fix_source

    data = _encode(text)
    outcome = fix_source(data, path, config, unsafe=False)
    if not outcome.changed or outcome.fixed is None:
        return []
    try:
        new_text = outcome.fixed.decode(_encoding_of(data))
    except (UnicodeDecodeError, LookupError):
        return []
    if new_text.startswith("\ufeff") and not text.startswith("\ufeff"):
        new_text = new_text[1:]
    lines = split_lines(text)
    return [lsp_format.text_edit(edit, lines, encoding) for edit in edits_between(text, new_text)]


def uri_to_path(uri: str) -> Optional[str]:
    """A ``file:`` URI's path, percent-decoded (pygls 2 leaves ``%20`` in), else None."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = url2pathname(unquote(parsed.path))
    if parsed.netloc and parsed.netloc != "localhost":
        path = f"//{parsed.netloc}{path}"
    return path


def _encoding_of(data: bytes) -> str:
    try:
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError:
        return "utf-8"


def create_server() -> BytelintServer:
    server = BytelintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: BytelintServer, params: types.InitializeParams) -> None:
        ls.apply_settings(params.initialization_options)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: BytelintServer, params: types.DidChangeConfigurationParams) -> None:
        ls.shown_errors.clear()
        ls.apply_settings(params.settings)
        ls.relint_all()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: BytelintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: BytelintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, CHANGE_DELAY)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: BytelintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("/pyproject.toml"):
            ls.shown_errors.clear()
            ls.relint_all()
        elif uri in ls.states:
            ls.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: BytelintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        state = ls.states.pop(uri, None)
        if state is not None and state.task is not None:
            state.task.cancel()
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: BytelintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith("/pyproject.toml") for change in params.changes):
            ls.shown_errors.clear()
            ls.relint_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
            resolve_provider=True,
        ),
    )
    async def code_action(ls: BytelintServer, params: types.CodeActionParams) -> List[types.CodeAction]:
        only = params.context.only
        actions: List[types.CodeAction] = []
        if wants(only, types.CodeActionKind.QuickFix):
            actions.extend(ls.quick_fixes(params))
        uri = params.text_document.uri
        if only and wants(only, FIX_ALL_KIND):
            # Asked for by kind (on save, or "Fix all"): compute the edit now.
            result = await ls.fix_all(uri)
            if result is not None:
                version, edits = result
                actions.append(
                    types.CodeAction(
                        title="bytelint: fix all safe findings",
                        kind=FIX_ALL_KIND,
                        edit=ls.workspace_edit(uri, version, edits),
                    )
                )
        elif not only and ls.has_safe_fixes(uri):
            # In the light-bulb menu: the edit is computed when chosen (codeAction/resolve).
            actions.append(
                types.CodeAction(title="bytelint: fix all safe findings", kind=FIX_ALL_KIND, data={"uri": uri})
            )
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: BytelintServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        uri = data.get("uri")
        if action.kind == FIX_ALL_KIND and isinstance(uri, str):
            result = await ls.fix_all(uri)
            version, edits = result if result is not None else (None, [])
            action.edit = ls.workspace_edit(uri, version, edits)
        return action

    return server


def serve() -> None:
    # The protocol owns the real stdout; anything else printed (a stray print in a rule, a
    # library's warning) goes to stderr instead of corrupting the JSON-RPC stream.
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    create_server().start_io(stdin, stdout)
