"""Never execute, never lose: linting and fixing run no code of the file, a fix killed at any
moment leaves every file whole (original or fully fixed), and concurrent runs agree."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

BYTELINT = str(Path(sys.executable).with_name("bytelint"))
FN = "def f(items):\n    total = 0\n    for item in items:\n        total += len(item)\n    return total\n"


def test_lint_and_fix_never_run_the_file(tmp_path):
    marker = tmp_path / "MARKER"
    touch = f"open({str(marker)!r}, 'w').close()"
    source = (
        f"{touch}\n"
        f"for _ in range(3):\n    {touch}\n"
        f"class C:\n    {touch}\n"
        f"def deco(f):\n    {touch}\n    return f\n"
        f"@deco\ndef g(x=({touch})):\n    return x\n"
        + FN
    )
    (tmp_path / "evil.py").write_text(source)
    for command in (["check", "--no-cache"], ["fix", "--unsafe-fixes"]):
        proc = subprocess.run([BYTELINT, *command, "--target-version", "py39", "--extend-select", "BL102", "evil.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    assert "_len = len" in (tmp_path / "evil.py").read_text()  # the fix did run
    assert not marker.exists()


def test_killed_fix_leaves_every_file_whole(tmp_path):
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "f.py").write_text(FN * 3)
    args = ["fix", "--unsafe-fixes", "--quiet", "--target-version", "py39", "--extend-select", "BL102"]
    subprocess.run([BYTELINT, *args, "f.py"], cwd=ref, capture_output=True, timeout=120)
    original, fixed = (FN * 3).encode(), (ref / "f.py").read_bytes()
    assert fixed != original
    tree = tmp_path / "tree"
    tree.mkdir()
    rng = random.Random(1)
    for attempt in range(3):
        for n in range(60):
            (tree / f"m{n}.py").write_bytes(original)
        proc = subprocess.Popen([BYTELINT, *args, "-j", "2", "."], cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.5, 3.0))
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers, mid-run
        except ProcessLookupError:
            pass
        proc.wait()
        contents = [(tree / f"m{n}.py").read_bytes() for n in range(60)]
        assert all(c in (original, fixed) for c in contents)
        subprocess.run([BYTELINT, *args, "-j", "2", "."], cwd=tree, capture_output=True, timeout=300)
        assert all((tree / f"m{n}.py").read_bytes() == fixed for n in range(60))


def test_concurrent_checks_agree(tmp_path):
    for n in range(20):
        (tmp_path / f"m{n}.py").write_text(FN)
    command = [BYTELINT, "check", "--target-version", "py39", "--extend-select", "BL102", "--output-format", "concise", "."]
    procs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [1, 1]
    assert outputs[0][0] == outputs[1][0] and outputs[0][0].count(": BL102 ") == 20
    assert not any("Traceback" in err for _, err in outputs)
