"""Knowing the rules: `bytelint rules`, `bytelint explain CODE|PATH:LINE`, and the generated
files (bytelint/measurements.py, docs/rules.md) that must match their sources."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from bytelint import explain as explain_module
from bytelint import reference
from bytelint.config import Config
from bytelint.registry import all_rules
from bytelint.versions import targets_from_minimum

from test_cli import run

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (ROOT / "benchmarks" / "results").is_dir(), reason="needs a bytelint checkout")
def test_generated_files_are_up_to_date():
    for path, text in reference.generated_files(ROOT).items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        assert current == text, f"{path} is out of date: run `python -m bytelint.reference`"


def test_check_mode_reports_stale_files(tmp_path, monkeypatch):
    stale = tmp_path / "measurements.py"
    stale.write_text("PYTHONS = {}\nCASES = {}\n")
    monkeypatch.setattr(reference, "MEASUREMENTS_PATH", stale)
    monkeypatch.setattr(reference, "DOCS_PATH", Path("rules.md"))
    data = {"PYTHONS": {}, "CASES": {}}
    monkeypatch.setattr(reference, "collect_measurements", lambda root: data)
    assert reference.main(["--check", "--root", str(tmp_path)]) == 1
    assert reference.main(["--root", str(tmp_path)]) == 0
    assert (tmp_path / "rules.md").read_text().startswith("# Rule reference")
    assert reference.main(["--check", "--root", str(tmp_path)]) == 0


def headings(markdown: str):
    return [m.group(1) for m in re.finditer(r"^#{1,6} (.+)$", markdown, re.M)]


def test_every_rule_url_points_at_a_heading_of_the_reference():
    docs = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    anchors = {reference.github_anchor(h) for h in headings(docs)}
    for rule in all_rules():
        fragment = rule.url().split("#", 1)[1]
        assert fragment == f"{rule.code.lower()}-{rule.name}"
        assert fragment in anchors, f"{rule.code}: no heading for #{fragment}"


def test_reference_has_each_rules_docs_versions_fix_and_measurements():
    data = reference.collect_measurements(ROOT) if (ROOT / "benchmarks" / "results").is_dir() else reference._measurements()
    text = reference.render_rules_md(all_rules(), data)
    for rule in all_rules():
        section = text.split(f"## {rule.code} {rule.name}\n", 1)[1].split("\n## ", 1)[0]
        assert f"Applies to target versions: {reference.describe_versions(rule)}" in section
        assert f"Automatic fix: {reference.fix_label(rule)}" in section
        for title in rule.doc_sections():
            assert f"### {title}" in section
        if reference.measured_cases(rule, data):
            assert "| case |" in section


def test_github_anchor():
    assert reference.github_anchor("BL101 module-level-loop") == "bl101-module-level-loop"
    assert reference.github_anchor("Why is this bad?") == "why-is-this-bad"


def test_measurements_ship_with_the_package():
    from bytelint import measurements

    assert set(measurements.PYTHONS) <= set(reference.VERSIONS)
    module_level = measurements.CASES["module-level-loop"]
    assert all(set(case["ratios"]) <= set(reference.VERSIONS) for case in module_level.values())


def test_rules_table_and_json():
    proc = run("rules")
    assert proc.returncode == 0
    header, *rows = proc.stdout.splitlines()
    assert header.split()[:5] == ["code", "name", "fix", "applies", "to"] and "3.13" in header
    bl102 = next(r for r in rows if r.startswith("BL102"))
    assert "3.9, 3.10" in bl102 and "(" in bl102  # measured on 3.11+ too, where it does not report
    data = json.loads(run("rules", "--output-format", "json").stdout)
    by_code = {row["code"]: row for row in data}
    assert {"BL101", "BL102", "BL103", "BL201"} <= set(by_code)
    row = by_code["BL101"]
    assert row["applies_to"] == list(reference.VERSIONS)
    assert row["measured"]["3.11"]["min"] > 1.5
    assert row["url"].endswith("#bl101-module-level-loop")
    assert row["fix"] in (None, "safe", "unsafe", "safe or unsafe") and row["fixable"] == (row["fix"] is not None)
    assert by_code["BL102"]["applies_to"] == ["3.9", "3.10"]


def test_explain_code():
    proc = run("explain", "BL201")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("BL201 quadratic-concat-in-loop: ")
    assert any(line.startswith("  Measured speedup of the fix: 3.9 ") for line in lines)
    assert "## Why is this bad?" in proc.stdout and "## Use instead" in proc.stdout
    assert run("explain", "quadratic-concat-in-loop").stdout == proc.stdout


SOURCE = textwrap.dedent(
    """\
    import math

    total = 0
    for i in range(10**6):
        total += i


    def roots(xs):
        out = []
        for x in xs:
            out.append(math.sqrt(x))
        return out
    """
)


@pytest.fixture
def module(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nrequires-python = ">=3.9"\n')
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    return tmp_path


def test_explain_line_shows_the_loop_its_cost_and_the_fixed_form(module):
    proc = run("explain", "app.py:4", cwd=module)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("app.py:4:1: BL101 module-level-loop\n")
    assert "Your code (lines 4-5, in module code):" in out
    assert re.search(r"name_store\s+total\s+STORE_NAME\s+dict store of a name", out)
    assert "per iteration: dict lookup of a name x2, dict store of a name x2" in out
    # the loop after the fix (or, without one, the rule's documented fix), compared
    assert "After the unsafe fix" in out or "docs Use instead" in out
    assert re.search(r"dict lookup of a name\s+2\s+0", out)


def test_explain_line_without_a_fix_compares_with_the_docs(module, monkeypatch):
    real = explain_module.lint_source

    def without_fixes(*args, **kwargs):
        result = real(*args, **kwargs)
        return replace(result, findings=tuple(replace(f, fix=None) for f in result.findings))

    monkeypatch.setattr(explain_module, "lint_source", without_fixes)
    config = Config(target_versions=targets_from_minimum((3, 9)))
    lines, found = explain_module.explain_line(str(module / "app.py"), 11, config)
    text = "\n".join(lines)
    assert found and "BL103 attribute-lookup-in-loop" in text
    assert "This finding has no automatic fix. For comparison, NOT your code" in text
    assert "Docs Use instead" in text and "your code  docs Use instead" in text
    assert re.search(r">\s+11\s+\w+\s+sqrt", text)  # the finding's span is marked


def test_explain_line_errors(module):
    proc = run("explain", "app.py:2", cwd=module)
    assert proc.returncode == 1 and "no finding on this line; findings are on lines 4, " in proc.stdout
    proc = run("explain", "missing.py:3", cwd=module)
    assert proc.returncode == 2 and "missing.py" in proc.stderr and "Traceback" not in proc.stderr
    (module / "broken.py").write_text("def f(:\n")
    proc = run("explain", "broken.py:1", cwd=module)
    assert proc.returncode == 2 and "SyntaxError" in proc.stderr
