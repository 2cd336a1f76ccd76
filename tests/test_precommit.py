"""The pre-commit hooks, run by the real ``pre-commit`` tool against this repository.

``pre-commit try-repo REPO HOOK`` installs the hook from REPO into a fresh virtual environment
(from PyPI: the only network these tests need) and runs it. It takes the repository's HEAD plus
its uncommitted changes to tracked files (staged ones and ``git add -u``), committed to a
temporary shadow clone; untracked files are left out. So these tests skip while this checkout
has untracked files in the package (a new module not yet added to git would be missing from
the hook's install); CI runs on a clean clone, where they run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE_DIRS = ("bytelint", "rules")

SLOW = "total = 0\nfor i in range(10**6):\n    total += i\n"
GLOBALS_IN_LOOP = textwrap.dedent(
    """\
    def count(rows):
        total = 0
        for row in rows:
            total += len(row) + abs(row[0])
        return total
    """
)


def _skip_reason():
    if shutil.which("git") is None:
        return "git is not installed"
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        return "pre-commit is not installed (the test extra installs it)"
    if not (REPO / ".git").exists():
        return "not a git checkout of bytelint"
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", *PACKAGE_DIRS, "pyproject.toml"],
        cwd=REPO, capture_output=True, text=True,
    )
    untracked = [line[3:] for line in status.stdout.splitlines() if line.startswith("??")]
    untracked = [path for path in untracked if path.endswith(".py") or path.endswith(".toml")]
    if untracked:
        return f"pre-commit try-repo leaves out untracked files ({', '.join(untracked[:3])}...): add them to git"
    return None


_SKIP = _skip_reason()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(_SKIP is not None, reason=str(_SKIP))]


def git(*args, cwd):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    # One hook environment per test module and interpreter, not the user's ~/.cache.
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nrequires-python = ">=3.9"\n')
    git("init", "-q", cwd=tmp_path)
    return tmp_path


def try_repo(project: Path, hook: str, cache: Path):
    env = dict(os.environ, PRE_COMMIT_HOME=str(cache), NO_COLOR="1", GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    git("add", "-A", cwd=project)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--all-files", "--color", "never"],
        cwd=project, env=env, capture_output=True, text=True, timeout=900,
    )


def test_check_hook_fails_on_findings_and_passes_when_clean(project, cache):
    (project / "slow.py").write_text(SLOW)
    (project / "clean.py").write_text("def f(xs):\n    return sum(xs)\n")
    proc = try_repo(project, "bytelint", cache)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "slow.py:2:1: BL101" in output and "clean.py" not in output.split("Failed", 1)[-1]
    (project / "slow.py").write_text("def main():\n" + textwrap.indent(SLOW, "    "))
    proc = try_repo(project, "bytelint", cache)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_check_hook_honours_excludes(project, cache):
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.9"\n[tool.bytelint]\nextend-exclude = ["generated/"]\n'
    )
    (project / "generated").mkdir()
    (project / "generated" / "table.py").write_text(SLOW)
    proc = try_repo(project, "bytelint", cache)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # --force-exclude: pre-commit names the file


def test_fix_hook_applies_only_safe_fixes(project, cache):
    (project / "clean.py").write_text("def f(xs):\n    return sum(xs)\n")
    proc = try_repo(project, "bytelint-fix", cache)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # A finding whose fix is not safe: reported, the file left alone, the hook fails.
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.9"\n[tool.bytelint]\nextend-select = ["BL102"]\n'
    )
    (project / "count.py").write_text(GLOBALS_IN_LOOP)
    proc = try_repo(project, "bytelint-fix", cache)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "count.py:3:5: BL102" in output
    fixed = (project / "count.py").read_text()
    if fixed != GLOBALS_IN_LOOP:  # a rule made this fix safe: then it is listed as fixed
        assert "Fixed count.py:3:5: BL102" in output
