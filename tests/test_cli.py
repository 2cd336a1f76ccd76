"""The installed ``bytelint`` entry point, run as a subprocess the way users run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SLOW = textwrap.dedent(
    """\
    total = 0
    for i in range(10**6):
        total += i
    """
)
CLEAN = "def f(xs):\n    return sum(xs)\n"


def bytelint_exe() -> str:
    exe = Path(sys.executable).with_name("bytelint")
    assert exe.exists(), "the bytelint entry point is not installed next to this interpreter"
    return str(exe)


def run(*args, cwd=None, env=None):
    full_env = dict(os.environ, NO_COLOR="1")
    full_env.update(env or {})
    return subprocess.run(
        [bytelint_exe(), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nrequires-python = ">=3.9"\n')
    src = tmp_path / "src"
    src.mkdir()
    (src / "slow.py").write_text(SLOW)
    (src / "clean.py").write_text(CLEAN)
    return tmp_path


def test_findings_exit_1_with_location_code_and_docs(project):
    proc = run("check", "src", cwd=project)
    assert proc.returncode == 1, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith(os.path.join("src", "slow.py") + ":2:1: BL101 ")
    assert "move the loop into a function" in first
    assert "Found 1 finding" in proc.stdout
    assert first.startswith(os.path.join("src", "slow.py") + ":2:1: BL101 [!] ")  # an unsafe fix exists
    assert "[!] 1 fixable with `bytelint fix --unsafe-fixes`." in proc.stdout.splitlines()
    assert "docs/rules.md#bl101-module-level-loop" in proc.stdout


def test_clean_exit_0_and_quiet(project):
    proc = run("check", "src/clean.py", cwd=project)
    assert proc.returncode == 0 and "No findings in 1 file" in proc.stdout
    proc = run("check", "--quiet", "src/clean.py", cwd=project)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


def test_exit_zero_select_ignore(project):
    assert run("check", "--exit-zero", "src", cwd=project).returncode == 0
    assert run("check", "--ignore", "BL101", "src", cwd=project).returncode == 0
    assert run("check", "--select", "BL2", "src", cwd=project).returncode == 0
    assert run("check", "--select", "BL101", "src", cwd=project).returncode == 1
    # --extend-select adds to --select, as in ruff
    assert run("check", "--select", "BL2", "--extend-select", "BL101", "src", cwd=project).returncode == 1


def test_fix_takes_the_cache_options_check_takes(project):
    # `fix` is `check --fix`: the same options, though fixing never uses the cache
    proc = run("fix", "--no-cache", "--diff", "--unsafe-fixes", "src", cwd=project)
    assert proc.returncode == 1 and "+def _module_loop():" in proc.stdout, proc.stderr
    assert run("fix", "--cache-dir", str(project / "c"), "--diff", "src/clean.py", cwd=project).returncode == 0


def test_default_path_prints_paths_as_given_without_dot_prefix(project):
    proc = run("check", cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[0].startswith(os.path.join("src", "slow.py") + ":2:1: BL101 ")
    proc = run("check", ".", "--output-format", "json", cwd=project)
    assert [f["path"] for f in json.loads(proc.stdout)] == [os.path.join("src", "slow.py")]


def test_usage_and_config_errors_exit_2(project):
    proc = run("check", "--select", "BL999", "src", cwd=project)
    assert proc.returncode == 2 and "unknown rule code 'BL999'" in proc.stderr
    proc = run("check", "--target-version", "py27", "src", cwd=project)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (project / "pyproject.toml").write_text("[tool.bytelint]\nselekt = []\n")
    proc = run("check", "src", cwd=project)
    assert proc.returncode == 2
    assert "pyproject.toml" in proc.stderr and "selekt" in proc.stderr and "Traceback" not in proc.stderr
    assert run("check", "--no-such-flag", cwd=project).returncode == 2


def test_bad_file_reported_others_still_linted(project):
    (project / "src" / "broken.py").write_text("def f(:\n")
    (project / "src" / "binary.py").write_bytes(b"\x00\x01\x02\xff")
    proc = run("check", "src", cwd=project)
    assert proc.returncode == 2
    assert "BL101" in proc.stdout  # slow.py still linted
    assert os.path.join("src", "broken.py") in proc.stderr and os.path.join("src", "binary.py") in proc.stderr
    assert "Traceback" not in proc.stderr


def test_pyproject_config_and_per_file_ignores(project):
    (project / "pyproject.toml").write_text('[tool.bytelint]\nper-file-ignores = {"src/slow.py" = ["BL101"]}\n')
    assert run("check", "src", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text('[tool.bytelint]\nextend-exclude = ["slow.py"]\n')
    assert run("check", "src", cwd=project).returncode == 0


def test_noqa(project):
    (project / "src" / "slow.py").write_text(SLOW.replace("range(10**6):", "range(10**6):  # noqa: BL101"))
    assert run("check", "src", cwd=project).returncode == 0


def test_gitignore_is_honoured(project):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    (project / ".gitignore").write_text("src/slow.py\n")
    assert run("check", "src", cwd=project).returncode == 0
    assert run("check", "--no-respect-gitignore", "src", cwd=project).returncode == 1


def test_json_output(project):
    proc = run("check", "--output-format", "json", "src", cwd=project)
    data = json.loads(proc.stdout)
    assert proc.returncode == 1 and data[0]["code"] == "BL101"
    assert data[0]["location"] == {"line": 2, "column": 1}


def test_rules_and_explain():
    proc = run("rules", "--output-format", "json")
    rules = json.loads(proc.stdout)
    assert {"BL101", "BL102", "BL103", "BL201"} <= {r["code"] for r in rules}
    proc = run("explain", "BL101")
    assert proc.returncode == 0 and "## Why is this bad?" in proc.stdout
    assert run("explain", "BL999").returncode == 2


def test_module_entry_point(project):
    proc = subprocess.run([sys.executable, "-m", "bytelint", "check", "src"], cwd=project, capture_output=True, text=True)
    assert proc.returncode == 1 and "BL101" in proc.stdout
