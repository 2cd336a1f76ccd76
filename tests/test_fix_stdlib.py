"""The fixers on real code: a deterministic sample of the running interpreter's standard
library, copied and fixed with `bytelint fix --unsafe-fixes` (every rule, preview included,
target 3.9 so that every rule applies). Every file that compiled before still compiles, and a
second run changes nothing.

A sample, not all of it, to keep CI (five interpreters) within its time: every 4th file
outside the test suites on 3.11, the version the rules' precision notes are measured on, every
6th elsewhere; about 30 seconds on 3.11 and 10 elsewhere on two cores."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

STDLIB = Path(sysconfig.get_paths()["stdlib"])
STEP = 4 if sys.version_info[:2] == (3, 11) else 6
OPTIONS = ["--unsafe-fixes", "--target-version", "py39", "--preview", "--exit-zero", "--jobs", "2", "--no-respect-gitignore"]


# Not the test suites: their files are many and big (tens of seconds each for the fixer's
# proofs), and hold deliberately broken code that bytelint never modifies anyway.
SKIPPED_DIRS = {"site-packages", "test", "tests", "idle_test"}


def _sample():
    files = sorted(
        path.relative_to(STDLIB)
        for path in STDLIB.rglob("*.py")
        if not SKIPPED_DIRS & set(path.relative_to(STDLIB).parts)
    )
    return files[::STEP]


def _compiles(data: bytes, name: str) -> bool:
    try:
        compile(data, name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _bytelint(*args, cwd):
    exe = str(Path(sys.executable).with_name("bytelint"))
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([exe, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_fixing_the_stdlib_keeps_it_compiling_and_reaches_a_fixed_point(tmp_path):
    root = tmp_path / "stdlib"
    before = {}
    for relative in _sample():
        data = (STDLIB / relative).read_bytes()
        if not _compiles(data, str(relative)):
            continue  # deliberately broken (lib2to3's Python 2 data): never modified anyway
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        before[relative] = data

    first = _bytelint("fix", *OPTIONS, ".", cwd=root)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "internal error" not in first.stdout + first.stderr, first.stdout[-3000:] + first.stderr[-3000:]

    changed = 0
    for relative in sorted(before):
        data = (root / relative).read_bytes()
        changed += data != before[relative]
        assert _compiles(data, str(relative)), f"{relative} no longer compiles after the fixes"
    assert changed, "no fix applied to the sample: the test would prove nothing"

    second = _bytelint("fix", "--diff", *OPTIONS, ".", cwd=root)
    assert second.returncode == 0, second.stdout[-5000:]
    assert not re.findall(r"^--- a/", second.stdout, re.M), second.stdout[-5000:]
