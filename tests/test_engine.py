"""lint_source on unusual and hostile input: plain data back, never an exception."""

from __future__ import annotations

import codecs

import pytest

from bytelint.bytecode import RUNNING_VERSION
from bytelint.config import Config
from bytelint.engine import lint_source

SLOW = b"total = 0\nfor i in range(10**6):\n    total += i\n"


def lint(data: bytes):
    return lint_source(data, "f.py", Config(target_versions=((3, 9), (3, 10), (3, 11), (3, 12), (3, 13))))


def test_finding_is_plain_data():
    result = lint(SLOW)
    assert result.error is None
    [finding] = result.findings
    assert (finding.code, finding.span.line, finding.span.col) == ("BL101", 2, 0)
    assert finding.to_dict()["span"]["line"] == 2


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"def f(:\n    pass\n", "SyntaxError"),
        (b"x = 1\x00\n", "NUL"),
        (b"x = '\xff\xfe'\n", "cannot decode"),
        (b"# -*- coding: no-such-codec -*-\nx = 1\n", "no-such-codec"),
    ],
)
def test_bad_input_is_one_line_error(data, expected):
    result = lint(data)
    assert result.error is not None and expected in result.error
    assert "\n" not in result.error and result.findings == ()


def test_latin1_cookie_and_bom_and_line_endings():
    latin = "# -*- coding: latin-1 -*-\ntotal = 'é'\nfor i in range(10**6):\n    total += 'x'\n".encode("latin-1")
    assert any(f.code == "BL101" for f in lint(latin).findings)
    bom = codecs.BOM_UTF8 + SLOW
    assert [f.span.line for f in lint(bom).findings] == [2]
    assert [f.span.line for f in lint(SLOW.replace(b"\n", b"\r\n")).findings] == [2]
    assert [f.span.line for f in lint(SLOW.replace(b"\n", b"\r")).findings] == [2]


def test_form_feed_does_not_shift_lines():
    data = b"x = 1\n\x0c\ntotal = 0\nfor i in range(10**6):\n    total += i\n"
    assert [f.span.line for f in lint(data).findings] == [4]


def test_empty_file():
    result = lint(b"")
    assert result.error is None and result.findings == ()


def test_newer_syntax_is_a_notice_not_an_error():
    data = b"type Point = tuple[float, float]\nfor i in range(10**6):\n    pass\n"
    result = lint(data)
    if RUNNING_VERSION >= (3, 12):
        assert result.error is None and result.findings
    else:
        assert result.error is None and result.findings == ()
        assert result.notices and "bytecode checks skipped" in result.notices[0]


def test_compiler_recursion_is_reported():
    data = ("x = " + "+".join(["a"] * 100_000) + "\n").encode()
    result = lint(data)
    assert result.error is not None and "\n" not in result.error


def test_deep_nesting_past_block_limit():
    lines = []
    for depth in range(25):
        lines.append("    " * depth + f"for i{depth} in x:")
    lines.append("    " * 25 + "pass")
    result = lint(("\n".join(lines) + "\n").encode())
    assert result.findings == ()
    assert result.error or result.notices


def test_noqa_and_file_opt_out():
    assert lint(SLOW.replace(b"10**6):", b"10**6):  # noqa")).findings == ()
    assert lint(SLOW.replace(b"10**6):", b"10**6):  # noqa: BL101")).findings == ()
    assert lint(SLOW.replace(b"10**6):", b"10**6):  # noqa: BL201")).findings != ()
    assert lint(b"# bytelint: noqa\n" + SLOW).findings == ()


def test_linted_code_is_never_executed(tmp_path):
    marker = tmp_path / "marker"
    data = f"open({str(marker)!r}, 'w').write('ran')\nfor i in range(10**6):\n    pass\n".encode()
    lint(data)
    assert not marker.exists()


def test_non_ascii_columns_are_code_points():
    data = "é = 'ü'\nfor ü in range(10**6):\n    é += ü\n".encode()
    [finding] = [f for f in lint(data).findings if f.code == "BL101"]
    assert finding.span.col == 0 and finding.span.end_col == len("for ü in range(10**6)")
