"""Spans: CPython's UTF-8 byte columns become code-point columns (docs/bytecode.md §5)."""

import os
import subprocess
import sys
import textwrap

import pytest

from bytelint.bytecode import Kind, ModuleBytecode, compile_source

HAS_COLUMNS = sys.version_info >= (3, 11)
TAB_LINE = '\ts = "héllo€" + foo(y)'


def build_text(text, data=None):
    data = text.encode("utf-8") if data is None else data
    result = compile_source(data, "<test>")
    assert result.code is not None, result.error
    return ModuleBytecode.build(result.code, text.splitlines(keepends=True))


def loads_of(mb, name):
    return [i for u in mb.units for i in u.instrs if i.name == name and i.kind is not Kind.NOISE]


def test_tab_and_non_ascii_columns():
    text = "def f(y):\n" + TAB_LINE + "\n\treturn s\n"
    mb = build_text(text)
    (foo,) = loads_of(mb, "foo")
    assert foo.kind is Kind.GLOBAL_LOAD and foo.line == 2
    col = TAB_LINE.index("foo")  # 16 code points; 19 UTF-8 bytes
    # the same spans on every version: CPython's columns on 3.11+, the AST's before (synthetic.py)
    assert mb.has_columns == HAS_COLUMNS
    assert foo.span == (2, col, 2, col + 3)
    (y,) = [i for i in loads_of(mb, "y") if i.line == 2]
    assert y.span == (2, col + 4, 2, col + 5)
    (store,) = [i for i in loads_of(mb, "s") if i.kind is Kind.FAST_STORE]
    assert store.span == (2, 1, 2, 2)
    const = next(i for i in mb.units[1].instrs if i.kind is Kind.CONST_LOAD and i.line == 2)
    assert const.span == (2, 5, 2, 5 + len('"héllo€"'))


def test_multiline_span_converts_both_ends():
    text = textwrap.dedent(
        """\
        def f(obj):
            return obj.méthode(
                "ä",
                "€")
        """
    )
    mb = build_text(text)
    (call,) = [i for i in mb.units[1].instrs if i.kind is Kind.CALL]
    assert call.span == (2, 11, 4, len('        "€")'))
    assert call.line in (2, 4)


def test_latin1_file():
    text = '# -*- coding: latin-1 -*-\ndef f(y):\n    s = "\xe9t\xe9" + foo(y)\n    return s\n'
    data = text.encode("latin-1")
    mb = build_text(data.decode("latin-1"), data)
    (foo,) = loads_of(mb, "foo")
    assert foo.line == 3
    if HAS_COLUMNS:
        col = text.splitlines()[2].index("foo")
        assert foo.span == (3, col, 3, col + 3)


def test_form_feed_does_not_shift_lines():
    # str.splitlines breaks on \x0c but CPython does not: the column map re-splits.
    text = "x = 1  \x0c  # page\ndef f(y):\n    return 'é' + foo(y)\n"
    mb = build_text(text)
    (foo,) = loads_of(mb, "foo")
    assert foo.line == 3
    if HAS_COLUMNS:
        col = text.splitlines()[-1].index("foo")
        assert foo.span == (3, col, 3, col + 3)


def test_bom_is_not_a_column():
    text = "\ufeffx = 'é' + foo\n"
    result = compile_source(text.encode("utf-8"), "<test>")
    mb = ModuleBytecode.build(result.code, text.splitlines(keepends=True))
    (foo,) = loads_of(mb, "foo")
    if HAS_COLUMNS:
        col = text.index("foo") - 1
        assert foo.span == (1, col, 1, col + 3)


def test_missing_lines_give_no_span():
    result = compile_source(b"def f():\n    return g()\n", "<test>")
    mb = ModuleBytecode.build(result.code, [])
    (g,) = loads_of(mb, "g")
    assert g.line == 2 and g.span is None


_CHILD = """
import sys
sys.path.insert(0, %r)
from bytelint.bytecode import ModuleBytecode, compile_source
text = "def f(y):\\n" + %r + "\\n\\treturn s\\n"
mb = ModuleBytecode.build(compile_source(text.encode(), "t.py").code, text.splitlines(True))
foo = [i for u in mb.units for i in u.instrs if i.name == "foo"][0]
print(foo.line, foo.span, mb.has_columns)
"""


def test_no_debug_ranges_still_gives_spans_from_the_ast():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONNODEBUGRANGES="1")
    out = subprocess.run(
        [sys.executable, "-c", _CHILD % (root, TAB_LINE)],
        env=env, capture_output=True, text=True, check=True,
    )
    col = TAB_LINE.index("foo")
    assert out.stdout.strip() == f"2 (2, {col}, 2, {col + 3}) False"
    assert out.stderr == ""


def test_two_calls_on_one_line_have_their_own_spans_on_every_version():
    text = "def f(fields, queue):\n    kind, job = fields.pop(0), queue.pop(0)\n"
    mb = build_text(text)
    calls = [i for i in mb.units[1].instrs if i.kind is Kind.CALL]
    assert [c.span for c in calls] == [(2, 16, 2, 29), (2, 31, 2, 43)]
    pops = [i for i in mb.units[1].instrs if i.kind is Kind.METHOD_LOAD or (i.kind is Kind.ATTR_LOAD and i.name == "pop")]
    assert [p.span for p in pops] == [(2, 16, 2, 26), (2, 31, 2, 40)]


@pytest.mark.skipif(HAS_COLUMNS, reason="3.11+ record columns (recovery only serves PYTHONNODEBUGRANGES there)")
def test_recovered_positions_cover_nearly_every_code_object_of_the_stdlib():
    """Where CPython records no columns, synthetic.py recovers them for a code object when the
    renumbered compilation agrees with the real one: nearly always (docs/bytecode.md §5.4)."""
    import sysconfig
    from pathlib import Path

    from bytelint.bytecode import synthetic

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.glob("*.py"))[::5]
    agreed = total = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        try:
            code = compile(text, str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            continue
        found = synthetic.positions(code, text, str(path))
        stack = [code]
        while stack:
            current = stack.pop()
            stack.extend(c for c in current.co_consts if hasattr(c, "co_code"))
            total += 1
            agreed += bool(found.of(current))
    assert total > 500
    assert agreed / total > 0.98, (agreed, total)
