"""``bytelint lsp`` end to end: the real server in a subprocess, driven over stdio as an editor
drives it (pytest-lsp on 3.10+, pygls' client on 3.9: see tests/lsp_support.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time

import pytest
from lsprotocol import types

from lsp_support import FIX_SERVER, SERVER, Document, client_fixture, wait_for

client = client_fixture(SERVER)
fix_client = client_fixture(FIX_SERVER)

MODULE_LOOP = "total = 0\nfor i in range(10**6):\n    total += i\n"
CLEAN = "def f(xs):\n    return sum(xs)\n"


def codes(diagnostics):
    return sorted(d.code for d in diagnostics)


# The rules these tests rely on; other rules come and go.
SETTINGS = '[project]\nname = "demo"\nrequires-python = ">=3.9"\n[tool.bytelint]\nselect = ["BL101", "BL103"]\n'


@pytest.fixture(autouse=True)
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text(SETTINGS)
    return tmp_path


@pytest.mark.asyncio
async def test_diagnostics_on_open(client, tmp_path):
    doc = Document(client, tmp_path / "slow.py", MODULE_LOOP)
    diagnostics = await doc.published(lambda d: len(d) > 0)
    assert codes(diagnostics) == ["BL101"]
    d = diagnostics[0]
    assert (d.range.start.line, d.range.start.character) == (1, 0)  # 0-based: line 2 of the file
    assert d.range.end == types.Position(line=1, character=len("for i in range(10**6)"))
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.source == "bytelint"
    assert d.code_description.href.endswith("docs/rules.md#bl101-module-level-loop")
    assert "move the loop into a function" in d.message
    clean = Document(client, tmp_path / "clean.py", CLEAN)
    assert not await clean.published()


@pytest.mark.asyncio
async def test_columns_are_utf16_code_units(client, tmp_path):
    # The emoji before the finding is one code point but two UTF-16 code units.
    source = textwrap.dedent(
        """\
        import math


        def f(xs):
            out = []
            for x in xs:
                out.append(("\U0001F600", math.sqrt(x)))
            return out
        """
    )
    doc = Document(client, tmp_path / "emoji.py", source)
    diagnostics = await doc.published(lambda d: any(x.code == "BL103" for x in d))
    bl103 = next(d for d in diagnostics if d.code == "BL103")
    line = source.splitlines()[6]
    assert bl103.range.start.character == line.index("math.sqrt") + 1
    assert bl103.range.end.character == line.index("math.sqrt") + len("math.sqrt") + 1


@pytest.mark.asyncio
async def test_change_and_save_republish(client, tmp_path):
    doc = Document(client, tmp_path / "slow.py", MODULE_LOOP)
    await doc.published(lambda d: codes(d) == ["BL101"])
    doc.replace("def main():\n" + textwrap.indent(MODULE_LOOP, "    "))
    await doc.published(lambda d: not d)
    # an incremental change that brings a module-level loop back
    doc.insert(len(doc.text.splitlines()), 0, "for j in range(10**6):\n    print(j)\n")
    await doc.published(lambda d: codes(d) == ["BL101"])
    doc.forget_diagnostics()
    doc.save()
    assert codes(await doc.published()) == ["BL101"]


@pytest.mark.asyncio
async def test_broken_code_keeps_moved_diagnostics_until_it_compiles(client, tmp_path):
    doc = Document(client, tmp_path / "slow.py", MODULE_LOOP)
    await doc.published(lambda d: codes(d) == ["BL101"])
    # Half-typed code above the loop: it no longer compiles, the loop moved down one line.
    doc.replace("def half_typed(:\n" + MODULE_LOOP)
    stale = await doc.published(lambda d: len(d) == 1 and d[0].range.start.line == 2)
    assert stale[0].data["stale"] is True and stale[0].code == "BL101"
    # The flagged line itself is edited while still broken: its diagnostic goes.
    doc.replace("def half_typed(:\nfor i in range(10):\n    pass\n")
    await doc.published(lambda d: not d)
    # Compiles again: fresh diagnostics.
    doc.replace("def done():\n    pass\n" + MODULE_LOOP)
    fresh = await doc.published(lambda d: len(d) == 1)
    assert fresh[0].range.start.line == 3 and "stale" not in (fresh[0].data or {})


@pytest.mark.asyncio
async def test_pyproject_configuration_is_honoured(client, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        SETTINGS + 'per-file-ignores = {"scripts/*" = ["BL101"]}\nextend-exclude = ["generated/"]\n'
    )
    for sub in ("scripts", "generated", "src"):
        (tmp_path / sub).mkdir()
    ignored = Document(client, tmp_path / "scripts" / "load.py", MODULE_LOOP)
    excluded = Document(client, tmp_path / "generated" / "table.py", MODULE_LOOP)
    linted = Document(client, tmp_path / "src" / "app.py", MODULE_LOOP)
    assert codes(await linted.published(lambda d: len(d) > 0)) == ["BL101"]
    assert not await ignored.published()
    assert not await excluded.published()
    # The configuration is re-read when it changes.
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n[tool.bytelint]\nignore = ["BL101"]\n')
    linted.forget_diagnostics()
    linted.save()
    assert not await linted.published()


@pytest.mark.asyncio
async def test_paths_with_spaces_and_unsaved_buffers(client, tmp_path):
    folder = tmp_path / "my project"
    folder.mkdir()
    (folder / "pyproject.toml").write_text('[tool.bytelint]\nignore = ["BL101"]\n')
    spaced = Document(client, folder / "slow one.py", MODULE_LOOP)  # file:///.../my%20project/slow%20one.py
    assert "%20" in spaced.uri
    assert not await spaced.published()
    # An unsaved buffer: linted as a file at the workspace root, with its configuration.
    untitled = Document.__new__(Document)
    untitled.client, untitled.uri, untitled.text, untitled.version = client, "untitled:Untitled-1", MODULE_LOOP, 1
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=untitled.uri, language_id="python", version=1, text=MODULE_LOOP)
        )
    )
    assert codes(await untitled.published(lambda d: len(d) > 0)) == ["BL101"]


@pytest.mark.asyncio
async def test_bad_configuration_is_shown_not_crashed_on(client, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.bytelint]\nselekt = []\n")
    doc = Document(client, tmp_path / "slow.py", MODULE_LOOP)
    assert not await doc.published()
    await wait_for(lambda: client.messages, what="a window/showMessage")
    assert "selekt" in client.messages[-1].message


@pytest.mark.asyncio
async def test_large_file_stays_responsive(client, tmp_path):
    # 5,000 lines that compile; a module-level loop every 50 functions (what the rules flag, and
    # the cost of their fixes, is not what this test measures).
    chunk = textwrap.dedent(
        """\

        def f{n}(a, b):
            c = a + b * {n}
            if c > 10:
                return c * 2
            return c - 1
        """
    )
    loop = "\nfor _i{n} in range(1000):\n    total{n} = _i{n}\n"
    source = "".join(chunk.format(n=n) + (loop.format(n=n) if n % 50 == 0 else "") for n in range(830))
    assert len(source.splitlines()) >= 5000
    doc = Document(client, tmp_path / "big.py", source)
    # While the first lint runs, requests are answered at once.
    started = time.monotonic()
    await doc.code_actions([])
    assert time.monotonic() - started < 5
    first = await doc.published(lambda d: len(d) > 0, timeout=120)
    assert set(codes(first)) == {"BL101"} and len(first) == 17
    # A burst of typing: only the final text's diagnostics matter, and they come.
    for n in range(10):
        doc.insert(0, 0, f"# edit {n}\n")
        await asyncio.sleep(0.02)
    doc.insert(0, 0, "for late in range(10**6):\n    late_total = late\n")
    final = await doc.published(lambda d: any(x.range.start.line == 0 for x in d), timeout=120)
    assert len(final) == len(first) + 1
    # Broken in the middle of a big file: no crash, diagnostics kept.
    doc.insert(2500, 0, "def broken(:\n")  # between two functions
    await asyncio.sleep(2)
    started = time.monotonic()
    await doc.code_actions([])
    assert time.monotonic() - started < 5
    kept = await doc.published(lambda d: len(d) > 0 and d[0].data.get("stale"), timeout=120)
    assert len(kept) == len(final)


@pytest.mark.asyncio
async def test_noqa_action_applied_end_to_end(client, tmp_path):
    doc = Document(client, tmp_path / "slow.py", MODULE_LOOP.replace("10**6):", "10**6):  # noqa: E501"))
    diagnostics = await doc.published(lambda d: len(d) == 1)
    actions = await doc.code_actions(diagnostics, only=[types.CodeActionKind.QuickFix])
    noqa = [a for a in actions if "noqa" in a.title]
    assert len(noqa) == 1 and noqa[0].kind == types.CodeActionKind.QuickFix
    assert noqa[0].diagnostics[0].code == "BL101"
    doc.apply(noqa[0].edit)
    # merged into the existing noqa list
    assert doc.text.splitlines()[1] == "for i in range(10**6):  # noqa: E501, BL101"
    await doc.published(lambda d: not d)
    # ... and appended where there was none
    other = Document(client, tmp_path / "other.py", MODULE_LOOP)
    diagnostics = await other.published(lambda d: len(d) == 1)
    action = next(a for a in await other.code_actions(diagnostics) if "noqa" in a.title)
    other.apply(action.edit)
    assert other.text.splitlines()[1] == "for i in range(10**6):  # noqa: BL101"
    await other.published(lambda d: not d)


@pytest.mark.asyncio
async def test_quick_fix_and_fix_all(fix_client, tmp_path):
    source = "def f():\n    a = 10**6\n    b = 2**20\n    c = 10**6\n    return a + b + c\n"
    doc = Document(fix_client, tmp_path / "powers.py", source)
    diagnostics = await doc.published(lambda d: len(d) == 3)
    assert codes(diagnostics) == ["BL999"] * 3
    assert diagnostics[0].data["fix"]["safe"] is True

    # A quick fix per diagnostic: the safe one preferred, the unsafe one labelled.
    actions = await doc.code_actions([diagnostics[1]])
    titles = [a.title for a in actions]
    assert any("write 1048576" in t and "unsafe" in t for t in titles), titles
    safe_actions = await doc.code_actions([diagnostics[0]])
    fix = next(a for a in safe_actions if "write 1_000_000" in a.title)
    assert fix.is_preferred
    doc.apply(fix.edit)
    assert doc.text.splitlines()[1] == "    a = 1_000_000"
    remaining = await doc.published(lambda d: len(d) == 2)

    # Fix all: the safe fixes only, proved as `bytelint fix` proves them.
    actions = await doc.code_actions([], only=[types.CodeActionKind.SourceFixAll])
    assert [a.kind for a in actions] == ["source.fixAll.bytelint"]
    doc.apply(actions[0].edit)
    assert doc.text == "def f():\n    a = 1_000_000\n    b = 2**20\n    c = 1_000_000\n    return a + b + c\n"
    left = await doc.published(lambda d: len(d) == 1)
    assert left[0].data["fix"]["safe"] is False
    assert remaining  # (the quick fix left two)

    # Offered in the light-bulb menu only while safe fixes exist, resolved lazily.
    assert not [a for a in await doc.code_actions(left) if a.kind == "source.fixAll.bytelint"]


@pytest.mark.asyncio
async def test_fix_all_offered_lazily_and_resolved(fix_client, tmp_path):
    doc = Document(fix_client, tmp_path / "powers.py", "X = [10**6 for _ in range(3)]\n")
    diagnostics = await doc.published(lambda d: len(d) == 1)
    lazy = [a for a in await doc.code_actions(diagnostics) if a.kind == "source.fixAll.bytelint"]
    assert len(lazy) == 1 and lazy[0].edit is None
    resolved = await fix_client.code_action_resolve_async(lazy[0])
    doc.apply(resolved.edit)
    assert doc.text == "X = [1_000_000 for _ in range(3)]\n"


def test_clear_error_without_pygls():
    script = "import sys; sys.modules['pygls'] = None; from bytelint.cli import main; sys.argv = ['bytelint', 'lsp']; main()"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "pip install 'bytelint[lsp]'" in proc.stderr and "Traceback" not in proc.stderr
