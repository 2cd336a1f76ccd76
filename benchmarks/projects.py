#!/usr/bin/env python3
"""Run ``bytelint fix`` on real projects and check that their test suites still pass.

    .venvs/py311/bin/python benchmarks/projects.py                     # every project
    .venvs/py311/bin/python benchmarks/projects.py --project sqlparse  # one project
    .venvs/py311/bin/python benchmarks/projects.py --fresh             # redo downloads and venvs

For each project (pinned sdist from the package index, which ships its test suite):

1. download the sdist (``pip download --no-deps --no-binary :all:``) into
   ``benchmarks/.work/projects/``, unpack it afresh on every run, and create a throwaway venv
   (``benchmarks/.work/projects/venvs/NAME``) with the project installed editable plus the
   test requirements; downloads and venvs are cached, ``--fresh`` redoes them;
2. stage ``before``: count bytelint's findings in the project's source package (never its
   tests), run the test suite (``pytest --junitxml``), keep a copy of the source package;
3. stage ``safe``: ``bytelint fix --target-version T --select ALL`` (T = the project's
   requires-python minimum, else py39; every rule, the opt-in ones too), run the tests again; stage ``unsafe``: ``bytelint fix --unsafe-fixes``,
   run the tests again. After each fix, every changed file must also compile on every bytelint
   interpreter (``.venvs/py3X``) the target version covers;
4. time a deterministic workload of the library on each stage's copy of the source package,
   stages interleaved round by round, best of N (CPU time) in a subprocess of the project venv;
5. print a summary table and write it to ``benchmarks/.work/projects.json``; each stage's diff
   is kept in ``benchmarks/.work/projects/NAME-VERSION.STAGE.diff``.

Exit status: 0 all good; 1 a fix made a test fail that passed before (compared by test id),
or a fixed file does not compile on a target version; 2 the run itself failed (download,
install, a test run that crashed, bytelint exiting with an error).

Stdlib only; run it with the py311 venv's interpreter. Never run two of these at once.
"""

from __future__ import annotations

import argparse
import difflib
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORK = os.path.join(HERE, ".work")
PROJECTS_DIR = os.path.join(WORK, "projects")
VENVS_DIR = os.path.join(PROJECTS_DIR, "venvs")
RESULT_JSON = os.path.join(WORK, "projects.json")
DEFAULT_BYTELINT = os.path.join(REPO, ".venvs", "py311", "bin", "bytelint")

STAGES = ("before", "safe", "unsafe")
TEST_TIMEOUT = 900
ROUNDS = 3  # workload: subprocess launches per stage, interleaved
REPEAT = 5  # workload: timed repetitions inside each launch

# The workloads: ``SETUP`` runs once, then ``run()`` is timed. Deterministic (no randomness,
# fixed inputs) and chosen to go through the loops that bytelint fixes.
SQLPARSE_WORKLOAD = textwrap.dedent(
    """
    import sqlparse

    statements = []
    for i in range(12):
        statements.append(
            f"select a.id, b.name as name_{i}, c.total, count(*) as n, "
            f"sum(c.amount) over (partition by a.id order by c.day) as running, "
            f"case when a.kind = 'x{i}' then 1 when a.kind = 'y' then 2 else 0 end as k "
            f"from accounts a left join users b on a.user_id = b.id "
            f"inner join (select account_id, day, amount, total from charges where day > {i}) c "
            f"on c.account_id = a.id "
            f"where a.id > {i} and b.name like 'n%' and c.total in (1, 2, 3, {i}) "
            f"group by a.id, b.name, c.total order by 2 desc, 3 limit {i + 10}; "
            f"-- comment {i}\\n"
            f"insert into log (id, note, value) values ({i}, 'it''s {i}', 'v{i}'), "
            f"({i + 1}, 'b', 'w'); "
            f"update accounts set total = total + {i}, note = 'n' where id = {i};\\n"
        )
    SQL = "".join(statements)

    def run():
        sqlparse.format(SQL, reindent=True, keyword_case="upper", wrap_after=60)
        sqlparse.format(SQL, reindent_aligned=True)
        sqlparse.format(SQL, output_format="python")
        sqlparse.format(SQL, strip_comments=True, strip_whitespace=True, identifier_case="lower")
        sqlparse.format(SQL, output_format="php", truncate_strings=4)
        sqlparse.split(SQL)
    """
)

TOMLKIT_WORKLOAD = textwrap.dedent(
    """
    import datetime
    import tomlkit

    Q3 = '"' * 3
    lines = ['title = "bytelint workload"', "# a comment", ""]
    for i in range(150):
        lines += [
            f"[server_{i}]",
            f'host = "10.0.{i % 256}.{i % 7}"  # inline comment',
            f"ports = [ {i}, {i + 1}, {i + 2} ]",
            f"enabled = {'true' if i % 2 else 'false'}",
            f"ratio = {i}.5e-3",
            f"when = 1979-05-27T07:{i % 60:02d}:00Z",
            f'owner = {{ name = "Tom {i}", dob = 1979-05-27, tags = ["a", "b\\\\tc"] }}',
            f"literal = 'C:\\\\Users\\\\{i}'",
            f"multi = {Q3}",
            f"line one {i}",
            f'line two with "quotes" and \\\\u00e9{Q3}',
            "",
            f"[[server_{i}.products]]",
            f'name = "Hammer {i}"',
            f"sku = {738594937 + i}",
            "",
        ]
    TEXT = "\\n".join(lines)

    def build():
        doc = tomlkit.document()
        for i in range(60):
            table = tomlkit.table()
            table.add("name", f"item {i}")
            table.add("values", list(range(i % 10)))
            table.add("when", datetime.date(2020, 1, 1 + i % 28))
            table.add(tomlkit.comment(f"comment {i}"))
            doc.add(f"t{i}", table)
        return tomlkit.dumps(doc)

    def run():
        doc = tomlkit.parse(TEXT)
        tomlkit.dumps(doc)
        doc.unwrap()
        build()
    """
)

PROJECTS = {
    "sqlparse": {
        "dist": "sqlparse",
        "version": "0.6.1",
        "package": "sqlparse",  # the source package, relative to the unpacked sdist
        "tests": ["tests"],
        "test_requirements": ["pytest==8.4.2"],
        "workload": SQLPARSE_WORKLOAD,
        "number": 1,
    },
    "tomlkit": {
        "dist": "tomlkit",
        "version": "0.15.2",
        "package": "tomlkit",
        "tests": ["tests"],
        "test_requirements": ["pytest==8.4.2", "PyYAML==6.0.3"],
        "workload": TOMLKIT_WORKLOAD,
        "number": 1,
    },
}

# Runs in the project venv: put one stage's copy of the source package first on sys.path,
# check that it is what gets imported, time ``run()``.
TIMER = textwrap.dedent(
    """
    import gc, json, sys, time
    stage_dir, module, number, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sys.path.insert(0, stage_dir)
    namespace = {"__name__": "__workload__"}
    exec(compile(sys.stdin.read(), "<workload>", "exec"), namespace)
    imported = sys.modules[module].__file__
    run = namespace["run"]
    run()  # warm-up (and lets the 3.11+ adaptive interpreter specialise)
    clock = time.process_time
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        start = clock()
        for _ in range(number):
            run()
        best = min(best, (clock() - start) / number)
        gc.enable()
    print(json.dumps({"best_s": best, "imported": imported}))
    """
)


class RunError(Exception):
    """The run itself failed (not a finding about bytelint's fixes)."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_cmd(args: List[str], cwd: Optional[str] = None, timeout: int = 600, env=None, stdin: Optional[str] = None):
    return subprocess.run(
        args, cwd=cwd, env=env, input=stdin, text=True, capture_output=True, timeout=timeout
    )


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# --- download, unpack, venv -----------------------------------------------------------------


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def sdist_path(spec: dict) -> Optional[str]:
    want = f"{normalized(spec['dist'])}-{spec['version']}"
    for path in glob.glob(os.path.join(PROJECTS_DIR, "*.tar.gz")):
        base = os.path.basename(path)[: -len(".tar.gz")]
        name, _, version = base.rpartition("-")
        if f"{normalized(name)}-{version}" == want:
            return path
    return None


def download(spec: dict) -> str:
    found = sdist_path(spec)
    if found:
        return found
    os.makedirs(PROJECTS_DIR, exist_ok=True)
    requirement = f"{spec['dist']}=={spec['version']}"
    log(f"  downloading {requirement}")
    result = run_cmd(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         requirement, "-d", PROJECTS_DIR],
        timeout=600,
    )
    found = sdist_path(spec)
    if result.returncode != 0 or not found:
        raise RunError(f"pip download {requirement} failed:\n{tail(result.stderr)}")
    return found


def unpack(archive: str) -> str:
    """Unpack afresh (a pristine tree on every run); returns the project directory."""
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        top = members[0].name.split("/")[0]
        destination = os.path.join(PROJECTS_DIR, top)
        if os.path.isdir(destination):
            shutil.rmtree(destination)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(PROJECTS_DIR, filter="data")
        else:  # pragma: no cover - old interpreters
            tar.extractall(PROJECTS_DIR)
    return destination


def find_python311() -> str:
    if sys.version_info[:2] == (3, 11):
        return getattr(sys, "_base_executable", None) or sys.executable
    found = shutil.which("python3.11")
    if not found:
        raise RunError("python3.11 not found: run this script with .venvs/py311/bin/python")
    return found


def make_venv(name: str, spec: dict, project_dir: str) -> str:
    """The project's venv (cached): the project editable, plus its test requirements."""
    venv = os.path.join(VENVS_DIR, name)
    python = os.path.join(venv, "bin", "python")
    marker = os.path.join(venv, "bytelint-projects.json")
    key = {"project_dir": project_dir, "version": spec["version"], "requirements": spec["test_requirements"]}
    if os.path.exists(python) and os.path.exists(marker):
        with open(marker) as handle:
            if json.load(handle) == key:
                return python
    if os.path.isdir(venv):
        shutil.rmtree(venv)
    log(f"  creating venv {os.path.relpath(venv, REPO)}")
    result = run_cmd([find_python311(), "-m", "venv", venv])
    if result.returncode != 0:
        raise RunError(f"venv creation failed:\n{tail(result.stderr)}")
    result = run_cmd(
        [python, "-m", "pip", "install", "-q", "-e", project_dir, *spec["test_requirements"]],
        timeout=900,
    )
    if result.returncode != 0:
        raise RunError(f"pip install failed:\n{tail(result.stderr)}")
    with open(marker, "w") as handle:
        json.dump(key, handle)
    return python


def target_version(project_dir: str) -> str:
    """``pyXY`` from the lower bound of requires-python (PKG-INFO, else pyproject), else py39;
    never below py39 (bytelint's oldest target)."""
    text = ""
    pkg_info = os.path.join(project_dir, "PKG-INFO")
    if os.path.exists(pkg_info):
        with open(pkg_info, encoding="utf-8", errors="replace") as handle:
            match = re.search(r"^Requires-Python:\s*(.+)$", handle.read(), re.M)
            text = match.group(1) if match else ""
    if not text and os.path.exists(os.path.join(project_dir, "pyproject.toml")):
        import tomllib

        with open(os.path.join(project_dir, "pyproject.toml"), "rb") as handle:
            text = tomllib.load(handle).get("project", {}).get("requires-python", "")
    minors = [int(m) for m in re.findall(r">=?\s*3\.(\d+)", text)]
    return f"py3{max(9, max(minors))}" if minors else "py39"


# --- bytelint ---------------------------------------------------------------------------------


def bytelint_findings(bytelint: str, target: str, cwd: str, package: str) -> List[dict]:
    result = run_cmd(
        [bytelint, "check", "--target-version", target, "--select", "ALL", "--output-format", "json", "--exit-zero",
         "--no-respect-gitignore", package],
        cwd=cwd,
    )
    if result.returncode != 0:
        raise RunError(f"bytelint check exited {result.returncode}:\n{tail(result.stderr)}")
    return json.loads(result.stdout or "[]")


FIXED_LINE = re.compile(r"^Fixed (?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>\w+) (?P<what>.*)$")
DROPPED_LINE = re.compile(
    r"^bytelint: warning: (?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>\w+) fix not applied: (?P<reason>.*)$"
)


def bytelint_fix(bytelint: str, target: str, cwd: str, package: str, unsafe: bool) -> dict:
    args = [bytelint, "fix", "--target-version", target, "--select", "ALL", "--show-fixes", "--no-respect-gitignore"]
    if unsafe:
        args.append("--unsafe-fixes")
    result = run_cmd(args + [package], cwd=cwd, timeout=900)
    if result.returncode not in (0, 1):
        raise RunError(f"bytelint fix exited {result.returncode}:\n{tail(result.stderr)}")
    fixed = [m.groupdict() for m in map(FIXED_LINE.match, result.stdout.splitlines()) if m]
    dropped = [m.groupdict() for m in map(DROPPED_LINE.match, result.stderr.splitlines()) if m]
    summary = [line for line in result.stdout.splitlines() if line.startswith("Fixed ") and not FIXED_LINE.match(line)]
    return {"fixed": fixed, "dropped": dropped, "summary": summary[-1] if summary else ""}


def target_interpreters(target: str) -> List[Tuple[str, str]]:
    """(pyXY, python) for every bytelint venv interpreter at or above the target version."""
    minimum = int(target[3:])
    found = []
    for path in sorted(glob.glob(os.path.join(REPO, ".venvs", "py3*", "bin", "python"))):
        name = path.split(os.sep)[-3]
        if name[3:].isdigit() and int(name[3:]) >= minimum:
            found.append((name, path))
    return sorted(found, key=lambda item: int(item[0][3:]))


COMPILE_CHECK = textwrap.dedent(
    """
    import json, sys
    problems = {}
    for path in sys.argv[1:]:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            compile(data, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems[path] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(problems))
    """
)


def compile_everywhere(target: str, paths: List[str]) -> Dict[str, Dict[str, str]]:
    """{pyXY: {path: error}} for changed files that do not compile on a target interpreter."""
    if not paths:
        return {}
    problems = {}
    for name, python in target_interpreters(target):
        result = run_cmd([python, "-c", COMPILE_CHECK, *paths])
        if result.returncode != 0:
            raise RunError(f"compile check on {name} failed:\n{tail(result.stderr)}")
        found = json.loads(result.stdout)
        if found:
            problems[name] = found
    return problems


# --- tests ------------------------------------------------------------------------------------


SUMMARY_LINE = re.compile(r"^=*\s*(\d+ \w+.*) in [\d.]+s.*$")


def run_tests(python: str, project_dir: str, spec: dict, junit: str) -> dict:
    if os.path.exists(junit):
        os.unlink(junit)
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    args = [python, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", f"--junitxml={junit}", *spec["tests"]]
    started = time.monotonic()
    result = run_cmd(args, cwd=project_dir, timeout=TEST_TIMEOUT, env=env)
    elapsed = time.monotonic() - started
    if result.returncode not in (0, 1) or not os.path.exists(junit):
        raise RunError(f"pytest exited {result.returncode}:\n{tail(result.stdout + result.stderr)}")
    outcomes: Dict[str, str] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("failure") is not None:
            outcome = "failed"
        elif case.find("error") is not None:
            outcome = "error"
        elif case.find("skipped") is not None:
            outcome = "skipped"
        else:
            outcome = "passed"
        previous = outcomes.get(test_id)
        if previous in ("failed", "error"):
            continue  # e.g. a call that passed and a teardown that errored
        outcomes[test_id] = outcome
    summary = ""
    for line in reversed(result.stdout.splitlines()):
        match = SUMMARY_LINE.match(line.strip())
        if match:
            summary = line.strip().strip("= ")
            break
    counts = summary_counts(summary)
    if not counts:  # no summary line: count the JUnit report instead
        counts = {kind: sum(1 for o in outcomes.values() if o == kind) for kind in ("passed", "failed", "error", "skipped")}
    failures = [line for line in result.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return {"counts": counts, "summary": summary, "seconds": round(elapsed, 1), "outcomes": outcomes,
            "failure_lines": failures[:50]}


def summary_counts(summary: str) -> Dict[str, int]:
    """``537 passed, 2 xfailed, 1 warning in 5.79s`` -> {"passed": 537, "xfailed": 2, "warning": 1}."""
    plural = {"errors": "error", "warnings": "warning", "deselected": "deselected"}
    counts = {}
    for number, kind in re.findall(r"(\d+) (\w+)", summary.split(" in ")[0]):
        counts[plural.get(kind, kind)] = int(number)
    return counts


def new_failures(before: dict, after: dict) -> List[str]:
    """Tests failing (or erroring) after a fix that did not fail before."""
    bad = ("failed", "error")
    return sorted(t for t, o in after["outcomes"].items() if o in bad and before["outcomes"].get(t) not in bad)


# --- snapshots, diffs, workload -----------------------------------------------------------------


def snapshot(project_dir: str, package: str, destination: str) -> None:
    if os.path.isdir(destination):
        shutil.rmtree(destination)
    shutil.copytree(
        os.path.join(project_dir, package),
        os.path.join(destination, os.path.basename(package)),
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def python_files(root: str) -> Dict[str, str]:
    files = {}
    for directory, _dirs, names in os.walk(root):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
                    files[os.path.relpath(path, root)] = handle.read()
    return files


def tree_diff(old_root: str, new_root: str) -> Tuple[str, List[str]]:
    old, new = python_files(old_root), python_files(new_root)
    chunks, changed = [], []
    for rel in sorted(set(old) | set(new)):
        if old.get(rel) != new.get(rel):
            changed.append(rel)
            chunks.extend(difflib.unified_diff(
                old.get(rel, "").splitlines(True), new.get(rel, "").splitlines(True),
                fromfile=f"a/{rel}", tofile=f"b/{rel}",
            ))
    return "".join(chunks), changed


def time_workload(python: str, spec: dict, stage_dirs: Dict[str, str], module: str,
                  isolated: bool = False) -> Dict[str, float]:
    """Best time per ``run()`` on each stage's copy, stages interleaved for ROUNDS rounds.
    ``isolated``: run with ``-I`` (an interpreter that does not have the project installed;
    the stage's copy is all it imports of it)."""
    best = {stage: float("inf") for stage in stage_dirs}
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)
    for _round in range(ROUNDS):
        for stage, directory in stage_dirs.items():
            result = run_cmd(
                [python, *(["-I"] if isolated else []), "-c", TIMER, directory, module,
                 str(spec["number"]), str(REPEAT)],
                env=env, stdin=spec["workload"], timeout=600,
            )
            if result.returncode != 0:
                raise RunError(f"workload on stage {stage} failed:\n{tail(result.stderr)}")
            data = json.loads(result.stdout.strip().splitlines()[-1])
            if not os.path.abspath(data["imported"]).startswith(os.path.abspath(directory) + os.sep):
                raise RunError(f"workload imported {data['imported']}, not the {stage} copy in {directory}")
            best[stage] = min(best[stage], data["best_s"])
    return best


# --- one project --------------------------------------------------------------------------------


def run_project(name: str, spec: dict, bytelint: str, fresh: bool) -> dict:
    log(f"== {name} {spec['version']}")
    if fresh:
        archive = sdist_path(spec)
        if archive:
            os.unlink(archive)
        shutil.rmtree(os.path.join(VENVS_DIR, name), ignore_errors=True)
    project_dir = unpack(download(spec))
    python = make_venv(name, spec, project_dir)
    target = target_version(project_dir)
    package = spec["package"]
    module = os.path.basename(package)
    label = f"{normalized(spec['dist'])}-{spec['version']}"
    stages_root = os.path.join(PROJECTS_DIR, "stages", name)
    junit = os.path.join(PROJECTS_DIR, f"{label}.junit.xml")

    freeze = run_cmd([python, "-m", "pip", "freeze", "--exclude-editable"]).stdout.split()
    record = {"project": name, "version": spec["version"], "target": target, "package": package,
              "venv_packages": freeze, "stages": {}, "problems": []}
    stage_dirs = {}
    baseline_tests = None
    for stage in STAGES:
        log(f"  stage {stage}")
        entry: dict = {}
        if stage != "before":
            fix = bytelint_fix(bytelint, target, project_dir, package, unsafe=(stage == "unsafe"))
            entry["fixed"] = fix["fixed"]
            entry["dropped"] = fix["dropped"]
            entry["fix_summary"] = fix["summary"]
        found = bytelint_findings(bytelint, target, project_dir, package)
        entry["findings"] = len(found)
        entry["by_rule"] = dict(sorted(Counter(f["code"] for f in found).items()))
        if stage == "before":
            entry["fixable_safe"] = sum(1 for f in found if f.get("fix") and f["fix"]["applicability"] == "safe")
            entry["fixable_unsafe"] = sum(1 for f in found if f.get("fix") and f["fix"]["applicability"] != "safe")
        stage_dir = os.path.join(stages_root, stage)
        snapshot(project_dir, package, stage_dir)
        stage_dirs[stage] = stage_dir
        if stage != "before":
            previous = stage_dirs[STAGES[STAGES.index(stage) - 1]]
            diff, changed = tree_diff(previous, stage_dir)
            diff_path = os.path.join(PROJECTS_DIR, f"{label}.{stage}.diff")
            with open(diff_path, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(diff)
            entry["changed_files"] = changed
            entry["diff"] = os.path.relpath(diff_path, REPO)
            broken = compile_everywhere(target, [os.path.join(stage_dir, rel) for rel in changed])
            entry["compile_errors"] = broken
            for version, files in broken.items():
                for path, error in files.items():
                    record["problems"].append(f"{stage}: {os.path.relpath(path, stage_dir)} does not compile on {version}: {error}")
        tests = run_tests(python, project_dir, spec, junit)
        log(f"    tests: {tests['summary']} ({tests['seconds']} s)")
        if stage == "before":
            baseline_tests = tests
            entry["new_failures"] = []
        else:
            entry["new_failures"] = new_failures(baseline_tests, tests)
            for test_id in entry["new_failures"]:
                record["problems"].append(f"{stage}: new failure {test_id}")
        entry["tests"] = {k: tests[k] for k in ("counts", "summary", "seconds", "failure_lines")}
        record["stages"][stage] = entry

    log("  timing the workload (project venv, py311)")
    times = time_workload(python, spec, stage_dirs, module)
    for stage in STAGES:
        record["stages"][stage]["workload_s"] = times[stage]
        record["stages"][stage]["speedup"] = times["before"] / times[stage] if times[stage] else None
    # The target version is where the fixes claim their speed (BL102 only pays on 3.9/3.10):
    # time the same stage copies on bytelint's interpreter for it, when there is one.
    oldest = dict(target_interpreters(target)).get(target)
    record["target_python"] = target if oldest and target != "py311" else None
    if record["target_python"]:
        log(f"  timing the workload ({target})")
        times = time_workload(oldest, spec, stage_dirs, module, isolated=True)
        for stage in STAGES:
            record["stages"][stage]["workload_target_s"] = times[stage]
            record["stages"][stage]["speedup_target"] = times["before"] / times[stage] if times[stage] else None
    return record


# --- report -------------------------------------------------------------------------------------


def format_table(records: List[dict]) -> str:
    header = ["project", "version", "target", "stage", "findings", "fixed", "dropped",
              "tests passed/failed", "new failures", "workload py311", "speedup", "on target", "speedup"]
    rows = []
    for record in records:
        if "error" in record:
            rows.append([record["project"], record.get("version", ""), "", "ERROR"] + [""] * (len(header) - 4))
            continue
        for index, stage in enumerate(STAGES):
            entry = record["stages"][stage]
            counts = entry["tests"]["counts"]
            failed = counts.get("failed", 0) + counts.get("error", 0)
            others = ", ".join(f"{n} {k}" for k, n in counts.items() if k not in ("passed", "failed", "error", "warning"))
            target_s = entry.get("workload_target_s")
            rows.append([
                record["project"] if index == 0 else "",
                record["version"] if index == 0 else "",
                record["target"] if index == 0 else "",
                stage,
                str(entry["findings"]),
                "-" if stage == "before" else str(len(entry["fixed"])),
                "-" if stage == "before" else str(len(entry["dropped"])),
                f"{counts.get('passed', 0)}/{failed}" + (f" ({others})" if others else ""),
                "-" if stage == "before" else str(len(entry["new_failures"])),
                f"{entry['workload_s'] * 1000:.1f} ms",
                f"{entry['speedup']:.3f}x",
                f"{record['target_python']} {target_s * 1000:.1f} ms" if target_s else "-",
                f"{entry['speedup_target']:.3f}x" if target_s else "-",
            ])
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def bytelint_identity(bytelint: str) -> dict:
    version = run_cmd([bytelint, "--version"]).stdout.strip()
    head = run_cmd(["git", "rev-parse", "HEAD"], cwd=REPO).stdout.strip()
    dirty = run_cmd(["git", "status", "--porcelain", "--", "bytelint", "rules"], cwd=REPO).stdout.strip()
    return {"version": version, "commit": head, "dirty": bool(dirty)}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", action="append", choices=sorted(PROJECTS),
                        help="run only this project (repeatable; default: all)")
    parser.add_argument("--fresh", action="store_true", help="download again and recreate the venvs")
    parser.add_argument("--bytelint", default=DEFAULT_BYTELINT, help="the bytelint executable (default: %(default)s)")
    parser.add_argument("--list", action="store_true", help="list the projects and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, spec in PROJECTS.items():
            print(f"{name}=={spec['version']}  package {spec['package']}  tests {' '.join(spec['tests'])}")
        return 0
    if not os.path.exists(args.bytelint):
        log(f"error: {args.bytelint} not found")
        return 2

    started = time.monotonic()
    records = []
    for name in args.project or list(PROJECTS):
        try:
            records.append(run_project(name, PROJECTS[name], args.bytelint, args.fresh))
        except (RunError, subprocess.TimeoutExpired, OSError) as exc:
            log(f"  error: {exc}")
            records.append({"project": name, "version": PROJECTS[name]["version"], "error": str(exc)})

    elapsed = time.monotonic() - started
    print(format_table(records))
    for record in records:
        for stage in ("safe", "unsafe"):
            for drop in record.get("stages", {}).get(stage, {}).get("dropped", []):
                print(f"dropped ({record['project']}, {stage}): {drop['path']}:{drop['line']}: {drop['code']} {drop['reason']}")
        for problem in record.get("problems", []):
            print(f"PROBLEM ({record['project']}): {problem}")
        if "error" in record:
            print(f"ERROR ({record['project']}): {tail(record['error'], 5)}")
    print(f"\n{len(records)} project(s) in {elapsed:.0f} s; workload: best of {ROUNDS}x{REPEAT} "
          f"(CPU time), stages interleaved; speedup = before / stage (> 1 is faster).")

    os.makedirs(WORK, exist_ok=True)
    previous = {}
    if os.path.exists(RESULT_JSON) and args.project:
        try:
            with open(RESULT_JSON) as handle:
                previous = {r["project"]: r for r in json.load(handle).get("projects", [])}
        except (OSError, ValueError, KeyError):
            previous = {}
    previous.update({r["project"]: r for r in records})
    payload = {
        "bytelint": bytelint_identity(args.bytelint),
        "python": platform.python_version(),
        "seconds": round(elapsed, 1),
        "workload": {"rounds": ROUNDS, "repeat": REPEAT, "clock": "process_time"},
        "projects": [previous[name] for name in PROJECTS if name in previous],
    }
    with open(RESULT_JSON, "w") as handle:
        json.dump(payload, handle, indent=2)
    print(f"written {os.path.relpath(RESULT_JSON, REPO)}")

    if any("error" in r for r in records):
        return 2
    if any(r["problems"] for r in records):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
