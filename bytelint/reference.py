"""Knowing the rules: what ``bytelint rules``, ``bytelint explain CODE`` and the generated
``docs/rules.md`` say about each rule (code, name, fix, target versions, measured speedups),
and the generator of the two generated files:

- ``bytelint/measurements.py``: the benchmark results (``benchmarks/results/<version>.json``,
  which stay in the repository) reduced to the numbers the package shows, so that
  ``bytelint rules`` has them after ``pip install .``;
- ``docs/rules.md``: the rule reference, from the rules' docstrings and those numbers.

Regenerate both after changing a rule or re-running the benchmarks (a test fails until then)::

    python -m bytelint.reference            # write both
    python -m bytelint.reference --check    # exit 1 if either is out of date
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .bytecode import SUPPORTED_VERSIONS
from .registry import all_rules
from .versions import consecutive_runs, format_version, parse_version, targets_from_minimum, targets_from_requires_python

VERSIONS: Tuple[str, ...] = tuple(format_version(v) for v in SUPPORTED_VERSIONS)
ROOT = Path(__file__).resolve().parent.parent
MEASUREMENTS_PATH = Path(__file__).resolve().parent / "measurements.py"
DOCS_PATH = Path("docs") / "rules.md"
REGENERATE = "python -m bytelint.reference"

# -- reading the shipped measurements -------------------------------------------------------


def _measurements() -> Dict[str, Any]:
    try:
        from . import measurements
    except ImportError:  # pragma: no cover - a build without the generated module
        return {"PYTHONS": {}, "CASES": {}}
    return {"PYTHONS": measurements.PYTHONS, "CASES": measurements.CASES}


def measured_cases(rule: Any, data: Optional[Dict[str, Any]] = None) -> Dict[str, Dict[str, Any]]:
    """case -> {"expect": ..., "ratios": {"3.9": paired median, ...}} for the rule's benchmark."""
    data = data or _measurements()
    return data["CASES"].get(rule.name, {})


def headline_cases(cases: Dict[str, Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """The cases that measure the rule's claim: not the documented controls (``not-faster``)."""
    return {name: case for name, case in cases.items() if case.get("expect") != "not-faster"}


def speedup_range(rule: Any, version: str, data: Optional[Dict[str, Any]] = None) -> Optional[Tuple[float, float]]:
    ratios = [c["ratios"][version] for c in headline_cases(measured_cases(rule, data)).values() if version in c["ratios"]]
    return (min(ratios), max(ratios)) if ratios else None


def format_ratio(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.2f}"


def format_range(bounds: Optional[Tuple[float, float]]) -> str:
    if bounds is None:
        return "-"
    low, high = bounds
    if format_ratio(low) == format_ratio(high):
        return f"{format_ratio(low)}x"
    return f"{format_ratio(low)}-{format_ratio(high)}x"


def applies_to(rule: Any) -> List[str]:
    return [format_version(v) for v in SUPPORTED_VERSIONS if rule.applies_to(v)]


def describe_versions(rule: Any) -> str:
    return describe_applies(applies_to(rule))


def describe_applies(versions: Sequence[str]) -> str:
    """``3.9+``, ``3.9, 3.10``, ``3.9-3.11``, ``3.9, 3.10, 3.12+`` or ``none``."""
    if not versions:
        return "none"
    runs = consecutive_runs(SUPPORTED_VERSIONS[VERSIONS.index(v)] for v in versions)
    if len(runs) > 1:
        return ", ".join(describe_applies([format_version(v) for v in run]) for run in runs)
    if versions[-1] == VERSIONS[-1] and len(versions) > 1:
        return f"{versions[0]}+"
    return ", ".join(versions) if len(versions) <= 2 else f"{versions[0]}-{versions[-1]}"


@lru_cache(maxsize=None)
def _observed_fixes(rule_class: type) -> Tuple[bool, ...]:
    """The safety of every fix the rule's INVALID examples produce."""
    from .config import Config
    from .engine import lint_source

    rule = rule_class()
    seen = set()
    for example in rule.INVALID:
        spec = example.target
        if spec is None:
            targets = tuple(SUPPORTED_VERSIONS)
        elif spec[0] in "<>=!~":
            targets = targets_from_requires_python(spec) or tuple(SUPPORTED_VERSIONS)
        else:
            targets = targets_from_minimum(parse_version(spec))
        config = Config(select=(rule.code,), target_versions=targets, preview=True)
        result = lint_source(inspect.cleandoc(example.code).encode("utf-8") + b"\n", "example.py", config, [rule])
        seen.update(f.fix.safe for f in result.findings if f.fix is not None)
    return tuple(sorted(seen))


def fix_label(rule: Any) -> str:
    """``safe``, ``unsafe``, ``safe or unsafe`` (depends on the case) or ``none``: as the rule
    declares it (``Rule.fixable``), else as its examples' fixes show."""
    if rule.fixable:
        return rule.fixable
    observed = _observed_fixes(type(rule))
    if not observed:
        return "none"
    if len(observed) == 2:
        return "safe or unsafe"
    return "safe" if observed[0] else "unsafe"


def benchmark_path(rule: Any) -> str:
    return f"benchmarks/rules/{type(rule).__module__.rsplit('.', 1)[1]}.py"


def rule_row(rule: Any, data: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Everything ``bytelint rules`` shows about a rule (also its JSON form)."""
    data = data or _measurements()
    cases = measured_cases(rule, data)
    measured = {}
    for version in VERSIONS:
        bounds = speedup_range(rule, version, data)
        measured[version] = None if bounds is None else {"min": bounds[0], "max": bounds[1]}
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "versions": rule.versions,
        "applies_to": applies_to(rule),
        "fixable": fix_label(rule) != "none",
        "fix": None if fix_label(rule) == "none" else fix_label(rule),
        "preview": rule.preview,
        "opt_in": rule.opt_in,
        "url": rule.url(),
        "measured": measured,
        "cases": cases,
        "benchmark": benchmark_path(rule),
    }


def rule_rows() -> List[Dict[str, Any]]:
    data = _measurements()
    return [rule_row(rule, data) for rule in all_rules()]


def pythons() -> Dict[str, str]:
    return dict(_measurements()["PYTHONS"])


# -- generating bytelint/measurements.py -----------------------------------------------------


def _benchmark_cases(root: Path) -> Dict[str, List[Tuple[str, str]]]:
    """rule name -> [(case name, expect)] in definition order, from benchmarks/rules/*.py."""
    bench = root / "benchmarks"
    found: Dict[str, List[Tuple[str, str]]] = {}
    sys.path.insert(0, str(bench))
    try:
        for path in sorted((bench / "rules").glob("*.py")):
            if path.stem.startswith("_"):
                continue
            name = f"_bytelint_reference_bench_{path.stem}"
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            found[module.RULE] = [(case.name, case.expect) for case in module.CASES]
    finally:
        sys.path.remove(str(bench))
    return found


def collect_measurements(root: Path = ROOT) -> Dict[str, Any]:
    results = root / "benchmarks" / "results"
    if not results.is_dir():
        raise SystemExit(f"{results}: not found; run `{REGENERATE}` from a bytelint checkout")
    expectations = _benchmark_cases(root)
    pythons: Dict[str, str] = {}
    cases: Dict[str, Dict[str, Dict[str, Any]]] = {}
    for version in VERSIONS:
        path = results / f"{version}.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        pythons[version] = data.get("python", version)
        for rule_name, rule_cases in data.get("rules", {}).items():
            for case_name, values in rule_cases.items():
                if "paired_median" in values:
                    entry = cases.setdefault(rule_name, {}).setdefault(case_name, {"ratios": {}})
                    entry["ratios"][version] = round(float(values["paired_median"]), 4)
    ordered: Dict[str, Dict[str, Dict[str, Any]]] = {}
    for rule_name in sorted(cases):
        order = [name for name, _ in expectations.get(rule_name, [])]
        expect = dict(expectations.get(rule_name, []))
        names = sorted(cases[rule_name], key=lambda n: (order.index(n) if n in order else len(order), n))
        ordered[rule_name] = {
            name: {"expect": expect.get(name, "faster"), "ratios": cases[rule_name][name]["ratios"]} for name in names
        }
    return {"PYTHONS": pythons, "CASES": ordered}


def render_measurements(data: Dict[str, Any]) -> str:
    return (
        '"""Measured speedups of each rule\'s fix, per CPython version. GENERATED by\n'
        f"`{REGENERATE}` from benchmarks/results/*.json and the cases of benchmarks/rules/*.py:\n"
        "do not edit by hand.\n\n"
        "CASES[rule name][case] = {\"expect\": the benchmark's expectation (\"not-faster\" marks a\n"
        "documented control), \"ratios\": {version: paired median of slow/fast time}}; a ratio\n"
        "above 1 means the fixed form is faster. PYTHONS gives the interpreter each version's\n"
        'numbers were measured on."""\n\n'
        f"PYTHONS = {json.dumps(data['PYTHONS'])}\n\n"
        f"CASES = {_render_cases(data['CASES'])}\n"
    )


def _render_cases(cases: Dict[str, Dict[str, Any]]) -> str:
    """One line per benchmark case: the module stays short as rules are added."""
    out = ["{"]
    for rule_name, rule_cases in cases.items():
        out.append(f"    {json.dumps(rule_name)}: {{")
        for case_name, case in rule_cases.items():
            out.append(f"        {json.dumps(case_name)}: {json.dumps(case)},")
        out.append("    },")
    out.append("}")
    return "\n".join(out)


# -- generating docs/rules.md ------------------------------------------------------------------


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    slug = heading.strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")


def _measured_table(rule: Any, data: Dict[str, Any]) -> List[str]:
    cases = measured_cases(rule, data)
    if not cases:
        return [f"Not measured yet (`{benchmark_path(rule)}` has no results).", ""]
    versions = [v for v in VERSIONS if any(v in c["ratios"] for c in cases.values())]
    lines = [
        "| case | " + " | ".join(versions) + " |",
        "| --- | " + " | ".join("---:" for _ in versions) + " |",
    ]
    for name, case in cases.items():
        label = f"`{name}`" + (" (control)" if case.get("expect") == "not-faster" else "")
        cells = [f"{format_ratio(case['ratios'][v])}x" if v in case["ratios"] else "-" for v in versions]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    measured_on = ", ".join(data["PYTHONS"].get(v, v) for v in versions)
    lines += [
        "",
        f"Paired median of slow/fast time from `{benchmark_path(rule)}` on CPython {measured_on}; above 1 "
        "means the fixed form is faster. A *control* is a case the rule deliberately does not flag.",
        "",
    ]
    return lines


def render_rules_md(rules: Sequence[Any], data: Dict[str, Any]) -> str:
    out = [
        "# Rule reference",
        "",
        f"<!-- GENERATED by `{REGENERATE}` from the rules' docstrings and benchmarks/results: do not edit. -->",
        "",
        "Every bytelint rule: what it finds, the target versions where it reports, whether it has an "
        "automatic fix, and the speedup its fix measured on each CPython version. "
        "`bytelint rules` prints the same table; `bytelint explain CODE` prints a rule's section.",
        "",
        "| code | name | applies to | fix | " + " | ".join(VERSIONS) + " |",
        "| --- | --- | --- | --- | " + " | ".join("---:" for _ in VERSIONS) + " |",
    ]
    for rule in rules:
        anchor = github_anchor(f"{rule.code} {rule.name}")
        cells = []
        for version in VERSIONS:
            text = format_range(speedup_range(rule, version, data))
            cells.append(text if version in applies_to(rule) or text == "-" else f"({text})")
        preview = " (preview)" if rule.preview else " (opt-in)" if rule.opt_in else ""
        out.append(
            f"| [{rule.code}](#{anchor}) | {rule.name}{preview} | {describe_versions(rule)} | {fix_label(rule)} | "
            + " | ".join(cells)
            + " |"
        )
    out += [
        "",
        "Speedups are the range over each rule's benchmark cases (controls excluded); in parentheses on "
        "versions where the rule does not report.",
        "",
    ]
    for rule in rules:
        out += [f"## {rule.code} {rule.name}", "", f"*{rule.summary}*", ""]
        out.append(f"- Applies to target versions: {describe_versions(rule)} (`{rule.versions}`)")
        out.append(f"- Automatic fix: {fix_label(rule)}")
        if rule.preview:
            out.append("- Preview: enable with `--preview` or by selecting it explicitly")
        if rule.opt_in:
            out.append(f"- Opt-in: not in the default selection; enable it by its code (`extend-select = [\"{rule.code}\"]`)")
        out += ["", "### Measured speedup of the fix", ""]
        out += _measured_table(rule, data)
        for title, body in rule.doc_sections().items():
            out += [f"### {title}", "", body.strip(), ""]
    return "\n".join(out).rstrip("\n") + "\n"


# -- the command ------------------------------------------------------------------------------


def generated_files(root: Path = ROOT) -> Dict[Path, str]:
    data = collect_measurements(root)
    return {
        MEASUREMENTS_PATH: render_measurements(data),
        root / DOCS_PATH: render_rules_md(all_rules(), data),
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bytelint.reference", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report whether the generated files are up to date")
    parser.add_argument("--root", type=Path, default=ROOT, help="the bytelint checkout (default: %(default)s)")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated_files(args.root).items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        verb = "out of date" if args.check else "written"
        sys.stderr.write(f"{path}: {verb}\n")
    if args.check and stale:
        sys.stderr.write(f"run `{REGENERATE}` to regenerate\n")
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
