"""compile_source never raises for bad input, never prints, never inherits flags."""

from __future__ import annotations

import os
import subprocess
import sys

from bytelint.bytecode import Kind, ModuleBytecode, compile_source

PY = sys.version_info[:2]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_ok():
    result = compile_source(b"x = 1\n", "ok.py")
    assert result.ok and result.code.co_filename == "ok.py"
    assert result.error is None and result.error_line is None and result.warnings == ()


def test_syntax_error_has_message_and_line():
    result = compile_source(b"x = 1\ny = 2\ndef f(:\n    pass\n", "bad.py")
    assert result.code is None
    assert result.error.startswith("SyntaxError: ")
    assert result.error.endswith("(line 3)")
    assert result.error_line == 3
    assert "\n" not in result.error


def test_nul_byte_is_an_error_not_an_exception():
    result = compile_source(b"x = 1\x00\n", "nul.py")
    assert result.code is None
    # docs/bytecode.md §10.2 measured ValueError up to 3.11; 3.11.7 already raises SyntaxError
    expected = ("ValueError",) if PY <= (3, 10) else ("SyntaxError",) if PY >= (3, 12) else (
        "ValueError", "SyntaxError")
    assert result.error.split(":")[0] in expected
    assert "null bytes" in result.error


def test_bad_encoding_is_an_error():
    result = compile_source(b"x = '\xff'\n", "enc.py")
    assert result.code is None and result.error


def test_warnings_are_recorded_not_printed(capfd):
    result = compile_source(b'x = "\\d"\ny = x is 1\n', "warn.py")
    assert result.ok
    categories = {(cat, line) for cat, line, _msg in result.warnings}
    escape = "DeprecationWarning" if PY <= (3, 11) else "SyntaxWarning"
    assert (escape, 1) in categories
    assert ("SyntaxWarning", 2) in categories
    assert any("\\d" in msg for _c, _l, msg in result.warnings)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_warnings_do_not_become_errors_under_W_error():
    child = (
        "import sys; sys.path.insert(0, %r)\n"
        "from bytelint.bytecode import compile_source\n"
        "r = compile_source(b'x = \"\\\\d\"\\n', 'w.py')\n"
        "print(r.code is not None, len(r.warnings))\n" % ROOT
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", child], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "1"]
    assert out.stderr == ""


def test_deep_expression_is_an_error_not_a_crash():
    source = b"x = " + b" + ".join([b"a"] * 100000) + b"\n"
    result = compile_source(source, "deep.py")
    assert result.code is None
    assert result.error.startswith("RecursionError: ")


def test_future_flags_of_the_caller_do_not_leak():
    # this test module has `from __future__ import annotations`; the compiled code must not
    source = "def f(a: int) -> str:\n    pass\n"
    result = compile_source(source.encode(), "ann.py")
    mb = ModuleBytecode.build(result.code, source.splitlines(True))
    names = [i.name for i in mb.module.instrs if i.kind is Kind.NAME_LOAD]
    assert "int" in names and "str" in names
    import __future__

    assert not result.code.co_flags & __future__.annotations.compiler_flag


def test_optimize_zero_keeps_asserts():
    result = compile_source(b"def f(x):\n    assert x\n", "a.py")
    mb = ModuleBytecode.build(result.code, [])
    assert any(i.kind is Kind.RAISE for i in mb.units[1].instrs)
