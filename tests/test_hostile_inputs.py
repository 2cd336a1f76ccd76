"""Hostile and unusual files, through the real CLI: each gets a correct result or one clear
line on stderr naming it (exit status 2 for errors), never a traceback, and every other file
in the run is still linted (``good.py`` next to it always yields its BL101)."""

from __future__ import annotations

import codecs
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from bytelint.config import Config
from bytelint.runner import lint_paths
from bytelint.source import split_lines
from bytelint.versions import targets_from_minimum

BYTELINT = str(Path(sys.executable).with_name("bytelint"))
SLOW = b"total = 0\nfor i in range(10**6):\n    total += i\n"
GOOD_FINDING = "good.py:2:1: BL101"
FN = "def f{i}(items):\n    total = 0\n    for item in items:\n        total += len(item)\n    return total\n\n"


def run(tmp_path: Path, *args: str, timeout: float = 240):
    """`bytelint check` on good.py and the named paths, from tmp_path."""
    (tmp_path / "good.py").write_bytes(SLOW)
    proc = subprocess.run(
        [BYTELINT, "check", "--no-cache", "--target-version", "py39", "--extend-select", "BL102", "good.py", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=timeout,
    )
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert GOOD_FINDING in proc.stdout, (proc.stdout, proc.stderr)
    return proc


def assert_error(proc, name: str, words: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if name in line]
    assert len(lines) == 1 and lines[0].startswith("bytelint: error: "), proc.stderr
    assert words.lower() in lines[0].lower(), lines[0]


def lint_hostile(tmp_path: Path, data: bytes, name: str = "hostile.py"):
    (tmp_path / name).write_bytes(data)
    return run(tmp_path, name)


@pytest.mark.parametrize(
    "data, words",
    [
        (b"def f(:\n    pass\n", "SyntaxError"),
        (b"x = 1\x00\n", "NUL bytes"),
        (b"x = '\xff\xfe'\n", "cannot decode"),
        (b"x = " + b"(" * 1000 + b"1" + b")" * 1000 + b"\n", "nested parentheses"),
        (b"".join(b"    " * i + b"for x%d in y:\n" % i for i in range(25)) + b"    " * 25 + b"pass\n", "nested blocks"),
        (bytes(range(256)) * 8, "NUL bytes"),  # a binary file named .py
        (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 4, "cannot decode"),
        # errors of the compiler, not the parser: no newer Python accepts them either
        (b"from __future__ import rested_snopes\n", "future feature"),
        (b"x = 1\nfrom __future__ import annotations\n", "__future__"),
        (b"def f(a, a):\n    pass\n", "duplicate argument"),
        (b"return 1\n", "'return' outside function"),
    ],
    ids=["syntax", "nul", "undecodable", "deep-parens", "deep-blocks", "binary", "binary-no-nul", "future", "late-future", "duplicate-arg", "return"],
)
def test_bad_file_is_one_error_line(tmp_path, data, words):
    assert_error(lint_hostile(tmp_path, data), "hostile.py", words)


NEWER_SYNTAX = {
    "match": ((3, 10), "match x:\n    case 1:\n        pass\n"),
    "except-star": ((3, 11), "try:\n    pass\nexcept* ValueError:\n    pass\n"),
    "pep695": ((3, 12), "type X = int\ndef f[T](x: T) -> T:\n    return x\n"),
    "pep701": ((3, 12), 'y = f"{"a"}"\n'),
}


@pytest.mark.parametrize("case", sorted(NEWER_SYNTAX))
def test_newer_syntax_is_a_notice_on_older_pythons(tmp_path, case):
    needs, code = NEWER_SYNTAX[case]
    proc = lint_hostile(tmp_path, code.encode())
    assert proc.returncode == 1, proc.stderr  # good.py's finding; no error
    notices = [line for line in proc.stderr.splitlines() if "hostile.py" in line]
    if sys.version_info[:2] < needs:
        assert len(notices) == 1 and notices[0].startswith("bytelint: notice: "), proc.stderr
        assert "newer" in notices[0]
    else:
        assert notices == []


SLOW_TEXT = SLOW.decode()


@pytest.mark.parametrize(
    "data, line",
    [
        ("# -*- coding: latin-1 -*-\ntotal = 'é'\nfor i in range(10**6):\n    total += 'x'\n".encode("latin-1"), 3),
        (codecs.BOM_UTF8 + SLOW, 2),
        (SLOW.replace(b"\n", b"\r\n"), 2),
        (SLOW.replace(b"\n", b"\r"), 2),
        (b"total = 0\r\nfor i in range(10**6):\r    total += i\n", 2),
        (b"total = 0\nfor i in range(10**6):\n\ttotal += i\n", 2),
        (b"\x0c\ntotal = 0  # \x0b\x1c\nfor i in range(10**6):\n    total += i\n", 3),
        ("total = '\u2028\x85'\nfor i in range(10**6):\n    total += 'x'\n".encode(), 2),
    ],
    ids=["latin1-cookie", "bom", "crlf", "cr", "mixed-endings", "tabs", "form-feed", "unicode-separators"],
)
def test_unusual_encodings_and_endings_are_linted(tmp_path, data, line):
    proc = lint_hostile(tmp_path, data)
    assert proc.returncode == 1 and f"hostile.py:{line}:1: BL101" in proc.stdout, (proc.stdout, proc.stderr)


def test_empty_file(tmp_path):
    proc = lint_hostile(tmp_path, b"")
    assert proc.returncode == 1 and "hostile.py" not in proc.stderr


def test_five_megabyte_file_finishes_in_bounded_memory(tmp_path):
    parts, size, i = [], 0, 0
    while size < 5 * 1024 * 1024:
        part = FN.format(i=i) if i % 1000 == 0 else f"def g{i}(a, b):\n    return a + b * {i}\n\n"
        parts.append(part)
        size += len(part)
        i += 1
    proc = lint_hostile(tmp_path, "".join(parts).encode(), "big.py")
    assert proc.returncode == 1 and "big.py:3:5: BL102" in proc.stdout
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kb < 2 * 1024 * 1024, f"peak RSS {peak_kb} kB"


def test_huge_expression_is_linted_or_one_error(tmp_path):
    # 100,000 terms: the compiler recurses (RecursionError on some versions).
    proc = lint_hostile(tmp_path, b"x = " + b" + ".join([b"1"] * 100_000) + b"\n")
    lines = [line for line in proc.stderr.splitlines() if "hostile.py" in line]
    if proc.returncode == 2:
        assert len(lines) == 1 and lines[0].startswith("bytelint: error: "), proc.stderr
    else:
        assert proc.returncode == 1 and lines == []


def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.py"
    path.write_bytes(SLOW)
    path.chmod(0)
    try:
        readable = os.access(path, os.R_OK)  # root reads anything: then it is simply linted
        proc = run(tmp_path, "secret.py")
    finally:
        path.chmod(0o644)
    if readable:
        assert proc.returncode == 1 and "secret.py:2:1: BL101" in proc.stdout
    else:
        assert_error(proc, "secret.py", "permission denied")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_fifo_is_refused_not_waited_on(tmp_path):
    # Where chmod 000 cannot stop root, a FIFO is a path whose open() would otherwise hang.
    os.mkfifo(tmp_path / "pipe.py")
    assert_error(run(tmp_path, "pipe.py", timeout=60), "pipe.py", "not a regular file")


def test_dangling_symlink(tmp_path):
    os.symlink("nowhere.py", tmp_path / "dangling.py")
    assert_error(run(tmp_path, "dangling.py"), "dangling.py", "no such file")


def test_symlink_loop_named_and_found(tmp_path):
    os.symlink("b.py", tmp_path / "a.py")
    os.symlink("a.py", tmp_path / "b.py")
    proc = run(tmp_path, "a.py")
    assert_error(proc, "a.py", "symbolic links")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "also.py").write_bytes(SLOW)
    proc = run(tmp_path, ".")  # found by discovery: one error line each, the rest still linted
    errors = sorted(line for line in proc.stderr.splitlines() if line.startswith("bytelint: error:"))
    assert proc.returncode == 2, proc.stderr
    assert [e.split(":")[2].strip() for e in errors] == ["a.py", "b.py"]
    assert all("symbolic links" in line for line in errors), proc.stderr
    assert os.path.join("sub", "also.py") + ":2:1: BL101" in proc.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_fifo_and_unreadable_directory_found_by_the_walk(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "also.py").write_bytes(SLOW)  # found by the walk, linted all the same
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inner.py").write_bytes(SLOW)
    locked.chmod(0)
    try:
        readable = os.access(locked, os.R_OK)  # root reads anything
        proc = run(tmp_path, ".", timeout=60)
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 2, proc.stderr
    assert "bytelint: error: pipe.py: not a regular file" in proc.stderr
    assert os.path.join("sub", "also.py") + ":2:1: BL101" in proc.stdout
    if readable:
        assert os.path.join("locked", "inner.py") + ":2:1: BL101" in proc.stdout
    else:
        assert "bytelint: error: locked: cannot read directory: Permission denied" in proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_a_fifo_met_by_the_walk_is_never_opened(tmp_path):
    import threading

    os.mkfifo(tmp_path / "pipe.py")
    opened = threading.Event()

    def writer():  # open() for writing blocks until somebody opens the FIFO for reading
        fd = os.open(tmp_path / "pipe.py", os.O_WRONLY)
        opened.set()
        os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    proc = run(tmp_path, ".", timeout=60)
    assert "pipe.py: not a regular file" in proc.stderr
    assert not opened.wait(0.5), "bytelint opened the FIFO"
    os.close(os.open(tmp_path / "pipe.py", os.O_RDONLY | os.O_NONBLOCK))  # release the writer
    thread.join(5)


def test_directory_named_like_a_module(tmp_path):
    (tmp_path / "x.py").mkdir()
    (tmp_path / "x.py" / "inner.py").write_bytes(SLOW)
    proc = run(tmp_path, "x.py")  # named: a directory is walked
    assert proc.returncode == 1 and "inner.py:2:1: BL101" in proc.stdout
    results = {r.path: r for r in lint_paths([str(tmp_path / "x.py")], Config(), jobs=1)}
    assert results[str(tmp_path / "x.py")].error == "is a directory, not a Python file"


def test_file_deleted_during_run(tmp_path):
    (tmp_path / "good.py").write_bytes(SLOW)
    paths = [str(tmp_path / "good.py"), str(tmp_path / "gone.py")]
    config = Config(target_versions=targets_from_minimum((3, 9)))
    results = {r.path: r for r in lint_paths(paths, config, jobs=1)}
    assert results[paths[1]].error == "no such file"
    assert [f.code for f in results[paths[0]].findings] == ["BL101"]
    proc = run(tmp_path, "gone.py")
    assert_error(proc, "gone.py", "no such file")


def _slow_tree(tmp_path: Path) -> None:
    # big enough to take several seconds however fast the machine: the tests set a 1 s limit
    (tmp_path / "slow.py").write_text("".join(FN.format(i=i) for i in range(6000)))
    for n in range(8):  # enough files for worker processes
        (tmp_path / f"good{n}.py").write_bytes(SLOW)


def test_file_timeout_in_workers(tmp_path):
    _slow_tree(tmp_path)
    proc = run(tmp_path, ".", "-j", "2", "--file-timeout", "1")
    assert_error(proc, "slow.py", "took longer than 1 s; skipped")
    assert all(f"good{n}.py:2:1: BL101" in proc.stdout for n in range(8))


def test_file_timeout_from_pyproject_and_when_fixing(tmp_path):
    _slow_tree(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.bytelint]\nfile-timeout = 1\nextend-select = ["BL102"]\n')
    original = (tmp_path / "slow.py").read_bytes()
    assert_error(run(tmp_path, "slow.py", "-j", "1"), "slow.py", "took longer than 1 s")
    proc = subprocess.run(
        [BYTELINT, "fix", "--unsafe-fixes", "--quiet", "--target-version", "py39", "slow.py", "good0.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )
    assert "Traceback" not in proc.stderr
    assert_error(proc, "slow.py", "took longer than 1 s")
    assert (tmp_path / "slow.py").read_bytes() == original  # a skipped file is never written


@pytest.mark.parametrize(
    "text, lines",
    [
        ("a\fb\nc", ["a\fb\n", "c"]),
        ("a\x0bb\r\nc", ["a\x0bb\r\n", "c"]),
        ("a\x1c\x1d\x1eb\n", ["a\x1c\x1d\x1eb\n"]),
        ("é\x85b\n", ["é\x85b\n"]),
        ("a\u2028b\u2029c\r", ["a\u2028b\u2029c\r"]),
        ("a\r\nb\rc\n", ["a\r\n", "b\r", "c\n"]),
        ("", []),
        ("x", ["x"]),
        ("a\n\n", ["a\n", "\n"]),
    ],
)
def test_only_newline_characters_end_a_line(text, lines):
    """Python source breaks lines at \\n, \\r\\n and \\r only, whatever str.splitlines does."""
    assert split_lines(text) == lines
