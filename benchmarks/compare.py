"""Speed at scale: bytelint against its peers and against the floors, side by side, in one run.

    python benchmarks/compare.py                 # everything (Fixit alone takes ~9 minutes)
    python benchmarks/compare.py --quick         # one repeat, no Fixit, no refurb
    python benchmarks/compare.py --repeat 5 --skip pylint --skip refurb

The corpus is the ``.py`` files of the local CPython 3.11 standard library, without
``site-packages/``, ``test/`` and ``lib2to3/tests/data/`` (954 files, 388,905 lines for 3.11.7),
copied to ``benchmarks/.work/corpus/`` (and twice, to ``benchmarks/.work/corpus2x/``, for the
scaling row). The peers (ruff with its PERF rules, flake8, pylint with perflint's checks,
refurb, Fixit 2.2.1 with its default rules) are installed into a throwaway virtual environment,
``benchmarks/.work/speed-peers/``, never into bytelint's. bytelint is the one installed next to
the interpreter given by ``--python`` (default: ``.venvs/py311``), with ``target-version = py39``
(every rule applies to it) and ``--jobs`` workers, with its default rules; one more cold row runs
every rule (``--select ALL``: the opt-in BL102 too), and one targets 3.11 only, what a project
that names no target gets on 3.11.

Each row is one command, run ``--repeat`` times (Fixit once) through a small wrapper process
that reports the command's wall time, the CPU time of it and its children (user + sys, from
``getrusage(RUSAGE_CHILDREN)``) and their peak resident memory (the largest single process).
The table shows medians, and bytelint's ratio to each row. The machine may be shared: read the
ratios, not the seconds, and see the load averages printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import Dict, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
EXCLUDED = ("site-packages", "test", os.path.join("lib2to3", "tests", "data"))
SMALL_FILE = "colorsys.py"  # 166 lines: the pre-commit / editor-on-save case
PEERS = ["ruff==0.17.5", "flake8", "pylint", "perflint==0.8.1", "refurb==2.3.1", "fixit==2.2.1"]
PEER_NAMES = ("ruff", "flake8", "pylint", "refurb", "fixit")
PYPROJECT = '[tool.bytelint]\ntarget-version = "py39"\n'

# Runs a command and prints {"wall", "cpu", "rss_mib", "rc", "out_lines"} as JSON: the
# rusage of the children of this wrapper are exactly the command's processes.
WRAPPER = r"""
import json, resource, subprocess, sys, time
cmd, cwd, out = json.loads(sys.argv[1])
with open(out, "wb") as handle:
    start = time.perf_counter()
    rc = subprocess.run(cmd, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "rb") as handle:
    lines = handle.read().count(b"\n")
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
                  "rc": rc, "out_lines": lines}))
"""

FLOORS = r"""
import ast, json, sys, time, warnings
from multiprocessing import Pool
kind, listing = sys.argv[1], sys.argv[2]
paths = open(listing).read().split("\n")
def read(path):
    with open(path, "rb") as handle:
        return handle.read()
def parse_cst(path):
    import libcst
    libcst.parse_module(read(path))
    return 0
warnings.simplefilter("ignore")
if kind == "compile":
    for p in paths:
        compile(read(p), p, "exec", dont_inherit=True)
elif kind == "ast":
    for p in paths:
        ast.parse(read(p), p)
elif kind == "libcst":
    for p in paths:
        parse_cst(p)
elif kind == "libcst2":
    with Pool(2) as pool:
        pool.map(parse_cst, paths, chunksize=8)
"""

# In one process (bytelint's interpreter): the CPU each rule's two halves take on the corpus.
RULE_PROFILE = r"""
import json, sys, time
from collections import defaultdict
from bytelint.cli import load_settings
from bytelint.registry import all_rules
from bytelint.runner import lint_file
paths = open(sys.argv[1]).read().split("\n")
config = load_settings(paths[:1], None)
evidence, check = defaultdict(float), defaultdict(float)
for cls in {type(r) for r in all_rules()}:
    def ev(self, file, original=cls.evidence, code=cls.code):
        start = time.process_time()
        try:
            return original(self, file)
        finally:
            evidence[code] += time.process_time() - start
    def ch(self, node, ctx, found, original=cls.check, code=cls.code):
        start = time.process_time()
        try:
            return list(original(self, node, ctx, found))
        finally:
            check[code] += time.process_time() - start
    cls.evidence, cls.check = ev, ch
start = time.process_time()
for path in paths:
    lint_file(path, config)
print(json.dumps({"total": time.process_time() - start, "evidence": evidence, "check": check}))
"""


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


# --- The corpus -------------------------------------------------------------------------------


def stdlib_of(python: str) -> Path:
    code = "import sys, sysconfig; print(sysconfig.get_paths()['stdlib']); print(sys.version_info[:2] == (3, 11))"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    if out[1] != "True":
        sys.exit(f"{python} is not CPython 3.11 (the corpus is 3.11's standard library); pass --python")
    return Path(out[0])


def corpus_files(stdlib: Path) -> List[Path]:
    files = []
    for directory, dirs, names in os.walk(stdlib):
        rel = os.path.relpath(directory, stdlib)
        dirs[:] = sorted(d for d in dirs if os.path.normpath(os.path.join(rel, d)) not in EXCLUDED)
        files.extend(Path(directory, n) for n in sorted(names) if n.endswith(".py"))
    return files


def build_corpus(stdlib: Path) -> Dict[str, object]:
    """benchmarks/.work/corpus/stdlib and, for the 2x row, corpus2x/{a,b}/stdlib."""
    files = corpus_files(stdlib)
    stamp = f"{stdlib}\n{len(files)}\n"
    for root, copies in ((WORK / "corpus", ("",)), (WORK / "corpus2x", ("a", "b"))):
        if (root / ".stamp").is_file() and (root / ".stamp").read_text() == stamp:
            continue
        shutil.rmtree(root, ignore_errors=True)
        for copy in copies:
            for source in files:
                target = root / copy / "stdlib" / source.relative_to(stdlib)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        (root / "pyproject.toml").write_text(PYPROJECT)
        (root / ".stamp").write_text(stamp)
    data = b"".join(f.read_bytes() for f in files)
    (WORK / "corpus" / "files.txt").write_text("\n".join(str(WORK / "corpus" / "stdlib" / f.relative_to(stdlib)) for f in files))
    return {"files": len(files), "lines": data.count(b"\n"), "mb": len(data) / 1e6}


# --- The peers --------------------------------------------------------------------------------


def ensure_peers(path: Path, python: str) -> Path:
    bin_dir = path / ("Scripts" if os.name == "nt" else "bin")
    if not (path / ".installed").is_file():
        shutil.rmtree(path, ignore_errors=True)
        log(f"installing the peers into {path} ...")
        subprocess.run([python, "-m", "venv", str(path)], check=True)
        subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", *PEERS], check=True)
        (path / ".installed").write_text("\n".join(PEERS))
    return bin_dir


def peer_versions(bin_dir: Path) -> Dict[str, str]:
    code = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps({n: m.version(n) for n in ('ruff', 'flake8', 'pylint', 'perflint', 'refurb', 'fixit', 'mypy')}))"
    )
    out = subprocess.run([str(bin_dir / "python"), "-c", code], capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def perflint_messages(bin_dir: Path) -> str:
    out = subprocess.run(
        [str(bin_dir / "pylint"), "--load-plugins=perflint", "--list-msgs-enabled"], capture_output=True, text=True
    ).stdout
    ids = sorted({line.split("(")[1].split(")")[0] for line in out.splitlines() if "(W8" in line or "(R8" in line or "(C8" in line})
    if not ids:
        raise RuntimeError("pylint lists no perflint messages: is perflint installed in the peers' venv?")
    return ",".join(ids)


# --- Measuring --------------------------------------------------------------------------------


# Every tool runs as a user runs it: with its modules' bytecode caches (the first repeat writes
# them if a setting like PYTHONDONTWRITEBYTECODE kept them from being written before).
RUN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}


def measure(cmd: Sequence[str], cwd: Path, repeat: int, before=None) -> Dict[str, object]:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        out = WORK / "last-output.txt"
        proc = subprocess.run(
            [sys.executable, "-c", WRAPPER, json.dumps([list(cmd), str(cwd), str(out)])],
            capture_output=True,
            text=True,
            env=RUN_ENV,
        )
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr)
        runs.append(json.loads(proc.stdout))
    return {
        "wall": statistics.median(r["wall"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "rss_mib": max(r["rss_mib"] for r in runs),
        "rc": runs[-1]["rc"],
        "out_lines": runs[-1]["out_lines"],
        "runs": [round(r["wall"], 3) for r in runs],
    }


def remove(path: Path):
    return lambda: shutil.rmtree(path, ignore_errors=True)


def byte_compile(python: str) -> None:
    """Write bytelint's ``.pyc`` files, as ``pip install`` does for the peers' wheels: an
    editable checkout run under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile its own
    modules again in every timed run."""
    script = "import os, bytelint, bytelint.rules as r; print(os.path.dirname(bytelint.__file__)); print(os.path.dirname(r.__file__))"
    dirs = subprocess.run([python, "-c", script], check=True, capture_output=True, text=True).stdout.split()
    subprocess.run([python, "-m", "compileall", "-q", *dirs], check=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the median is shown (Fixit runs once)")
    parser.add_argument("--skip", action="append", default=[], choices=PEER_NAMES + ("floors", "2x"), help="leave a row out")
    parser.add_argument("--quick", action="store_true", help="one repeat, and no Fixit or refurb")
    parser.add_argument("--python", default=str(ROOT / ".venvs" / "py311" / "bin" / "python"), help="CPython 3.11 with bytelint installed")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--rules", action="store_true", help="also show the CPU each rule takes (one process; the first rule to ask for the bytecode pays for building it)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
        args.skip += ["fixit", "refurb"]
    python = args.python
    bytelint = str(Path(python).with_name("bytelint"))
    if not Path(bytelint).exists():
        sys.exit(f"no bytelint next to {python}")

    WORK.mkdir(exist_ok=True)
    byte_compile(python)
    corpus = build_corpus(stdlib_of(python))
    base = WORK / "corpus"
    log(f"corpus: {corpus['files']} files, {corpus['lines']:,} lines, {corpus['mb']:.1f} MB; load {load()}")
    jobs = str(args.jobs)
    rows: Dict[str, Dict[str, object]] = {}

    def row(name, cmd, cwd=base, repeat=args.repeat, before=None):
        log(f"{name} ... (load {load()})")
        rows[name] = measure(cmd, cwd, repeat, before)
        log(f"  {rows[name]['wall']:.2f} s wall, {rows[name]['cpu']:.2f} s CPU, {rows[name]['rss_mib']:.0f} MiB, runs {rows[name]['runs']}")

    check = [bytelint, "check", "-q", "--exit-zero", "--jobs", jobs]
    cold_cache, warm_cache, cache2x = WORK / "cache-cold", WORK / "cache-warm", WORK / "cache-2x"
    row("bytelint cold", check + ["--cache-dir", str(cold_cache), "stdlib"], before=remove(cold_cache))
    # the default rules leave out the opt-in ones (BL102): this row runs every rule there is
    row("bytelint cold, every rule (--select ALL)", check + ["--no-cache", "--select", "ALL", "stdlib"])
    # what a project without a target version gets on this interpreter: target 3.11 (the rules
    # for 3.9-3.10 only, such as BL102, do not run)
    row("bytelint cold, target 3.11", check + ["--no-cache", "--target-version", "py311", "stdlib"])
    measure(check + ["--cache-dir", str(warm_cache), "stdlib"], base, 1, remove(warm_cache))  # fill it
    row("bytelint warm", check + ["--cache-dir", str(warm_cache), "stdlib"])
    small = f"stdlib/{SMALL_FILE}"
    row("bytelint 1 small file, changed", check + ["--no-cache", small])
    row("bytelint 1 small file, unchanged", check + ["--cache-dir", str(warm_cache), small])
    if "2x" not in args.skip:
        row("bytelint 2x corpus cold", check + ["--cache-dir", str(cache2x), "a", "b"], cwd=WORK / "corpus2x", before=remove(cache2x))

    if "floors" not in args.skip:
        listing = str(base / "files.txt")
        for kind, name in (("compile", "floor: compile()"), ("ast", "floor: ast.parse"), ("libcst", "floor: libcst parse_module"), ("libcst2", "floor: libcst parse_module, 2 processes")):
            row(name, [python, "-c", FLOORS, kind, listing])

    skipped = set(args.skip)
    versions: Dict[str, str] = {}
    if skipped < set(PEER_NAMES):
        bin_dir = ensure_peers(WORK / "speed-peers", python)
        versions = peer_versions(bin_dir)
        b = lambda tool: str(bin_dir / tool)  # noqa: E731
        if "ruff" not in skipped:
            row("ruff (PERF)", [b("ruff"), "check", "--isolated", "--no-cache", "--no-respect-gitignore", "--select", "PERF", "--exit-zero", "stdlib"])
        if "flake8" not in skipped:
            row("flake8", [b("flake8"), "--isolated", "--exit-zero", "-j", jobs, "stdlib"])
        if "pylint" not in skipped:
            enable = perflint_messages(bin_dir)
            row("pylint + perflint", [b("pylint"), "-j", jobs, "--load-plugins=perflint", "--disable=all", f"--enable={enable}", "--exit-zero", "stdlib"])
        if "refurb" not in skipped:  # without mypy's incremental cache from the previous run
            row("refurb", [b("refurb"), "--quiet", "stdlib"], before=remove(base / ".mypy_cache"))
        if "fixit" not in skipped:
            row("fixit 2.2.1", [b("fixit"), "lint", "stdlib"], repeat=1)

    report(rows, corpus, versions, args)
    if args.rules:
        log("per-rule profile ...")
        out = subprocess.run([python, "-c", RULE_PROFILE, str(base / "files.txt")], cwd=base, capture_output=True, text=True, check=True)
        profile = json.loads(out.stdout)
        print(f"\nPer rule, one process, CPU s (of {profile['total']:.1f} s in all; evidence = bytecode half, check = libcst half with fixes):\n")
        print("| rule | evidence | check | total |\n| --- | ---: | ---: | ---: |")
        codes = set(profile["evidence"]) | set(profile["check"])
        cost = {c: profile["evidence"].get(c, 0.0) + profile["check"].get(c, 0.0) for c in codes}
        for code in sorted(codes, key=lambda c: -cost[c]):
            print(f"| {code} | {profile['evidence'].get(code, 0.0):.2f} | {profile['check'].get(code, 0.0):.2f} | {cost[code]:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"corpus": corpus, "rows": rows, "peers": versions, "load": load()}, indent=2))
    return 0


def report(rows: Dict[str, Dict[str, object]], corpus, versions, args) -> None:
    cold = rows["bytelint cold"]
    print(f"\nCorpus: CPython 3.11 stdlib, {corpus['files']} files, {corpus['lines']:,} lines, {corpus['mb']:.1f} MB; "
          f"--jobs {args.jobs}, median of {args.repeat} (Fixit: 1); load average at the end {load()}")
    if versions:
        print("Peers: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print("\n| run | wall (s) | CPU (s) | peak RSS (MiB) | output lines | bytelint cold / this (wall) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in rows.items():
        ratio = cold["wall"] / r["wall"] if r["wall"] else float("nan")
        print(f"| {name} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['rss_mib']:.0f} | {r['out_lines']} | {ratio:.2f} |")
    print()
    if "bytelint 2x corpus cold" in rows:
        print(f"Scaling: 2x corpus / 1x corpus = {rows['bytelint 2x corpus cold']['wall'] / cold['wall']:.2f} (wall), "
              f"{rows['bytelint 2x corpus cold']['cpu'] / cold['cpu']:.2f} (CPU)")
    warm = rows["bytelint warm"]
    if "ruff (PERF)" in rows:
        print(f"Warm run / ruff cold: {warm['wall'] / rows['ruff (PERF)']['wall']:.2f}")
    print("(A ratio above 1 in the last column: bytelint's cold run takes longer than that row.)")


if __name__ == "__main__":
    sys.exit(main())
