"""Running many files: parallel workers agree with one process, work units, the progress bar
on a terminal (a pty) and its silence when piped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bytelint import runner
from bytelint.config import Config
from bytelint.versions import targets_from_minimum

SOURCES = [
    "total = 0\nfor i in range(10**6):\n    total += i\n",
    "def f(parts):\n    out = ''\n    for p in parts:\n        out += p\n    return out\n",
    "import math\n\ndef f(xs):\n    out = []\n    for x in xs:\n        out.append(math.sqrt(x))\n    return out\n",
    "def f(xs):\n    return sum(xs)\n",
    "def broken(:\n",
    "class C:\n    def f(self, xs):\n        t = 0\n        for x in xs:\n            t += x * self.scale\n        return t\n",
]


@pytest.fixture
def many(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nrequires-python = ">=3.9"\n')
    src = tmp_path / "src"
    src.mkdir()
    for i in range(30):
        (src / f"m{i:02}.py").write_text(SOURCES[i % len(SOURCES)] * (1 + i % 3))
    return tmp_path


def run_cli(*args, cwd, **kwargs):
    exe = str(Path(sys.executable).with_name("bytelint"))
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([exe, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, **kwargs)


def test_jobs_2_gives_the_same_results_as_jobs_1(many):
    one = run_cli("check", "--no-cache", "--jobs", "1", "--output-format", "json", "src", cwd=many)
    two = run_cli("check", "--no-cache", "--jobs", "2", "--output-format", "json", "src", cwd=many)
    assert one.returncode == two.returncode == 2  # findings, and one file that does not compile
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert len(json.loads(one.stdout)) >= 15
    assert one.stderr == two.stderr


def test_lint_paths_parallel_returns_plain_data_for_every_file(many):
    config = Config(root=str(many), target_versions=targets_from_minimum((3, 9)))
    files = sorted(str(p) for p in (many / "src").glob("*.py"))
    serial = sorted(runner.lint_paths(files, config, jobs=1), key=lambda r: r.path)
    parallel = sorted(runner.lint_paths(files, config, jobs=2), key=lambda r: r.path)
    assert serial == parallel
    assert [r.path for r in parallel] == files


def test_chunks_cover_every_file_once_biggest_first():
    paths = [f"f{i}" for i in range(100)]
    sizes = [(i * 37) % 101 for i in range(100)]
    units = runner.chunks(paths, 2, sizes)
    flat = [p for unit in units for p in unit]
    assert sorted(flat) == sorted(paths)
    assert sizes[paths.index(flat[0])] == max(sizes)
    assert all(1 <= len(unit) <= 64 for unit in units)
    assert 4 <= len(units) <= 40


def test_unreadable_and_missing_files_are_per_file_errors(tmp_path):
    config = Config(root=str(tmp_path))
    (tmp_path / "d.py").mkdir()
    results = {r.path: r for r in runner.lint_paths([str(tmp_path / "d.py"), str(tmp_path / "nope.py")], config, jobs=1)}
    assert "directory" in results[str(tmp_path / "d.py")].error
    assert results[str(tmp_path / "nope.py")].error == "no such file"


def _drain(master: int) -> bytes:
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO once the slave side is closed and everything was read
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="pty")
def test_progress_bar_draws_on_a_terminal_and_clears(many):
    import pty

    master, slave = pty.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as stream:
            progress = runner.Progress(stream=stream, delay=0.0)
            assert progress.enabled
            config = Config(root=str(many))
            files = sorted(str(p) for p in (many / "src").glob("*.py"))
            for _ in runner.lint_paths(files, config, jobs=1, progress=progress):
                pass
            progress.close()
        # The kernel hands what the slave side wrote to the master side asynchronously: close
        # the slave and read until end of file rather than trusting a single read.
        os.close(slave)
        slave = None
        output = _drain(master).decode()
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    assert f"] {len(files)}/{len(files)} files" in output
    assert output.startswith("\r[") and output.endswith("\r")


@pytest.mark.skipif(sys.platform == "win32", reason="pty")
def test_progress_waits_a_second_before_drawing():
    import pty

    master, slave = pty.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as stream:
            progress = runner.Progress(stream=stream)
            progress(1, 10)  # immediately: a short run shows nothing
            progress.close()
            assert not progress.shown
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.skipif(sys.platform == "win32", reason="pty")
def test_cli_on_a_pty_stderr_shows_progress_only_when_slow(many, tmp_path):
    """The real command with its stderr on a pty: a slow run (a one-second delay is forced by
    a sitecustomize that slows every file down) draws the bar; the same run piped does not."""
    import pty

    slow = tmp_path / "slowdown"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(
        textwrap.dedent(
            """\
            import time
            import bytelint.runner as r
            _one = r._lint_one
            def _slow(*args):
                time.sleep(0.05)
                return _one(*args)
            r._lint_one = _slow
            """
        )
    )
    exe = str(Path(sys.executable).with_name("bytelint"))
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=str(slow) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [exe, "check", "--no-cache", "-j", "1", "src"], cwd=many, env=env, stdout=subprocess.PIPE, stderr=slave, timeout=300
        )
        os.close(slave)
        drawn = _drain(master).decode(errors="replace")
    finally:
        os.close(master)
    assert proc.returncode == 2
    assert "/30 files" in drawn and "[" in drawn
    piped = subprocess.run([exe, "check", "--no-cache", "-j", "1", "src"], cwd=many, env=env, capture_output=True, text=True, timeout=300)
    assert "files\r" not in piped.stderr and "\r[" not in piped.stderr
    assert piped.stdout.splitlines()[:3] == proc.stdout.decode().splitlines()[:3]
