#!/usr/bin/env python3
"""Run bytelint's rule micro-benchmarks on the running interpreter.

    python3 benchmarks/run_rules.py                  # all rules, full run
    python3 benchmarks/run_rules.py --rule module-level-loop
    python3 benchmarks/run_rules.py --quick          # smoke run, < ~30 s
    $(pyenv root)/versions/3.9.18/bin/python3 benchmarks/run_rules.py

Every ``benchmarks/rules/*.py`` (not starting with ``_``) is imported by file
path and must define ``RULE = "<kebab-name>"`` and ``CASES = [Case, ...]``;
adding a rule's benchmark needs no change here.

Prints a table (per case: best slow and fast time per execution, ratio of the
bests, median of paired per-round ratios; > 1 means the fix is faster) and
writes ``benchmarks/results/<major>.<minor>.json`` unless ``--no-write``.
A full run (no ``--rule``/``--case``) replaces the file; a partial run merges
its rules into the existing file.  ``--quick`` results are smoke-grade and are
not written unless ``--write`` is given.

Cases whose ``expect`` is "faster" but whose paired median is below 1.05 are
marked ``!`` (the claim is contradicted on this interpreter); cases marked
"version-dependent" that fall below 1.05 are marked ``~``; "not-faster"
controls that measure >= 1.05 are marked ``?``.

Never run two benchmark processes at once.
Stdlib only; no need for bytelint to be installed.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import platform
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import harness  # noqa: E402
from harness import CLAIM_THRESHOLD, Case, run_case  # noqa: E402

RULES_DIR = os.path.join(HERE, "rules")
RESULTS_DIR = os.path.join(HERE, "results")

FULL_ROUNDS = 15
FULL_MIN_ROUND = 0.02
QUICK_ROUNDS = 2
QUICK_MIN_ROUND = 0.005


def discover(rules_dir=RULES_DIR):
    """Return ``[(module_stem, RULE, CASES)]`` sorted by file name."""
    found = []
    for path in sorted(glob.glob(os.path.join(rules_dir, "*.py"))):
        stem = os.path.splitext(os.path.basename(path))[0]
        if stem.startswith("_"):
            continue
        modname = "bytelint_bench_rules_" + stem
        spec = importlib.util.spec_from_file_location(modname, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[modname] = module
        spec.loader.exec_module(module)
        rule = getattr(module, "RULE", None)
        cases = getattr(module, "CASES", None)
        if not isinstance(rule, str) or not isinstance(cases, (list, tuple)):
            raise SystemExit("%s: must define RULE (str) and CASES (list)"
                             % path)
        names = [c.name for c in cases]
        for c in cases:
            if not isinstance(c, Case):
                raise SystemExit("%s: CASES item %r is not a harness.Case"
                                 % (path, c))
        if len(set(names)) != len(names):
            raise SystemExit("%s: duplicate case names" % path)
        found.append((stem, rule, list(cases)))
    return found


def _fmt_time(s):
    if s >= 1.0:
        return "%.3f s" % s
    if s >= 1e-3:
        return "%.2f ms" % (s * 1e3)
    return "%.1f us" % (s * 1e6)


def _flag(case, res):
    if res.paired_median >= CLAIM_THRESHOLD:
        return ""
    if case.expect == "faster":
        return "!"
    if case.expect == "version-dependent":
        return "~"
    return ""


def _flag_all(case, res):
    if case.expect == "not-faster" and res.paired_median >= CLAIM_THRESHOLD:
        return "?"
    return _flag(case, res)


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Run bytelint rule micro-benchmarks on this interpreter.")
    p.add_argument("--rule", action="append", default=[], metavar="NAME",
                   help="only this rule (kebab RULE name or module file "
                        "stem); repeatable")
    p.add_argument("--case", action="append", default=[], metavar="NAME",
                   help="only cases with this name; repeatable")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: %d rounds of >= %g ms (not written "
                        "unless --write)" % (QUICK_ROUNDS,
                                             QUICK_MIN_ROUND * 1e3))
    p.add_argument("--rounds", type=int, default=None,
                   help="interleaved rounds per case (default %d, quick %d)"
                        % (FULL_ROUNDS, QUICK_ROUNDS))
    p.add_argument("--min-round", type=float, default=None, metavar="SEC",
                   help="minimum seconds per timed round (default %g, "
                        "quick %g)" % (FULL_MIN_ROUND, QUICK_MIN_ROUND))
    g = p.add_mutually_exclusive_group()
    g.add_argument("--no-write", action="store_true",
                   help="do not write benchmarks/results/<ver>.json")
    g.add_argument("--write", action="store_true",
                   help="write results even with --quick")
    p.add_argument("--output", metavar="PATH", default=None,
                   help="JSON path (default benchmarks/results/"
                        "<major>.<minor>.json)")
    p.add_argument("--list", action="store_true",
                   help="list rules and cases, run nothing")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print executions per round and case notes")
    args = p.parse_args(argv)

    rounds = args.rounds or (QUICK_ROUNDS if args.quick else FULL_ROUNDS)
    min_round = args.min_round or (QUICK_MIN_ROUND if args.quick
                                   else FULL_MIN_ROUND)

    rules = discover()
    if args.rule:
        wanted = set(args.rule)
        unknown = wanted - {r for _, r, _ in rules} - {s for s, _, _ in rules}
        if unknown:
            p.error("unknown rule(s): %s (known: %s)" % (
                ", ".join(sorted(unknown)),
                ", ".join(r for _, r, _ in rules)))
        rules = [t for t in rules if t[0] in wanted or t[1] in wanted]
    if args.case:
        rules = [(s, r, [c for c in cs if c.name in args.case])
                 for s, r, cs in rules]
        rules = [t for t in rules if t[2]]

    if args.list:
        for stem, rule, cases in rules:
            print("%s  (rules/%s.py)" % (rule, stem))
            for c in cases:
                print("    %-28s mode=%-8s expect=%s" % (c.name, c.mode,
                                                         c.expect))
        return 0

    clock, clock_name = harness.pick_timer(min_round)
    ver = platform.python_version()
    print("bytelint rule benchmarks -- %s %s (%s)" % (
        platform.python_implementation(), ver, sys.executable))
    print("clock=%s rounds=%d min_round=%gms%s" % (
        clock_name, rounds, min_round * 1e3, " QUICK" if args.quick else ""))
    print("ratio = best slow / best fast; paired = median of per-round "
          "slow/fast; > 1 means the fix is faster")
    print("! = claim contradicted (< %.2f), ~ = version-dependent case below "
          "%.2f, ? = control expected not faster but >= %.2f"
          % (CLAIM_THRESHOLD, CLAIM_THRESHOLD, CLAIM_THRESHOLD))
    print()
    width = max([len("%s/%s" % (r, c.name)) for _, r, cs in rules
                 for c in cs] + [4])
    header = "%-*s %11s %11s %8s %8s" % (width, "case", "slow", "fast",
                                         "ratio", "paired")
    print(header)
    print("-" * len(header))

    results = {}
    errors = 0
    t_start = time.perf_counter()
    for stem, rule, cases in rules:
        for case in cases:
            label = "%s/%s" % (rule, case.name)
            try:
                res = run_case(case, rounds=rounds, min_round=min_round,
                               label=label, clock=clock,
                               clock_name=clock_name)
            except Exception:
                errors += 1
                print("%-*s ERROR" % (width, label))
                traceback.print_exc()
                continue
            results.setdefault(rule, {})[case.name] = res.as_json()
            line = "%-*s %11s %11s %7.3fx %7.3fx %s" % (
                width, label, _fmt_time(res.slow_s), _fmt_time(res.fast_s),
                res.ratio, res.paired_median, _flag_all(case, res))
            if args.verbose:
                line += "  [n=%d/%d]" % (res.slow_number, res.fast_number)
            print(line.rstrip())
            if args.verbose and case.note:
                print("%-*s   %s" % (width, "", case.note))
            sys.stdout.flush()
    elapsed = time.perf_counter() - t_start
    print()
    print("%d case(s) in %.1f s wall" % (
        sum(len(v) for v in results.values()), elapsed))

    write = (not args.no_write) and (args.write or not args.quick)
    if write and results:
        out = args.output or os.path.join(
            RESULTS_DIR, "%d.%d.json" % sys.version_info[:2])
        partial = bool(args.rule or args.case)
        data = {"python": ver, "rules": {}}
        if partial and os.path.exists(out):
            try:
                with open(out) as f:
                    old = json.load(f)
                if isinstance(old.get("rules"), dict):
                    data["rules"] = old["rules"]
            except (OSError, ValueError):
                pass
        for rule, cases in results.items():
            data["rules"].setdefault(rule, {}).update(cases)
        data["meta"] = {
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
            "platform": platform.platform(),
            "clock": clock_name,
            "rounds": rounds,
            "min_round_s": min_round,
            "quick": bool(args.quick),
            "partial": partial,
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        d = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(d):
            os.makedirs(d)
        tmp = out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2, sort_keys=False)
            f.write("\n")
        os.replace(tmp, out)
        shown = os.path.relpath(out)
        if shown.startswith(".."):
            shown = os.path.abspath(out)
        print("wrote %s" % shown)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
