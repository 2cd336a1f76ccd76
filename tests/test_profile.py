"""Profile-guided linting (bytelint/profile.py, bytelint/profile_readers.py): a real cProfile run
and collapsed stacks (py-spy, austin) ranking and hiding findings through ``bytelint check``,
the figures in every output format, the language server's hints, and unusable profiles."""

from __future__ import annotations

import io
import json
import marshal
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lsprotocol import types

from bytelint import measurements, output, profile
from bytelint.formats import github, lsp, sarif
from bytelint.profile import Figures, ProfileError, load_profile, match_paths, parse_min_share, resolve, scopes_of
from bytelint.registry import all_rules, rule_by_code
from bytelint.results import FileResult, Finding, Span

from lsp_support import SERVER, Document, client_fixture
from test_cli import run

# One slow pattern (BL304: a list filled by append in a loop) in a cold function, in a hot one
# and in main, whose own time is small although everything runs under it.
PROGRAM = textwrap.dedent(
    """\
    def cold(items):
        doubled = []
        for item in items:
            doubled.append(item * 2)
        return doubled


    def hot(items):
        shifted = []
        for item in items:
            shifted.append(item + 1)
        return shifted


    def main():
        cold(range(10))
        data = list(range(2000))
        sizes = []
        for _ in range(200):
            sizes.append(len(hot(data)))
        return sizes


    if __name__ == "__main__":
        main()
    """
)
COLD, HOT, MAIN = 3, 10, 19  # the line of each finding
SETTINGS = '[project]\nname = "demo"\nrequires-python = ">=3.9"\n[tool.bytelint]\nselect = ["BL304"]\n'


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text(SETTINGS)
    package = tmp_path / "src" / "demo"
    package.mkdir(parents=True)
    (package / "prog.py").write_text(PROGRAM)
    return tmp_path


def finding_lines(stdout: str):
    return [int(line.split(":")[1]) for line in stdout.splitlines() if ": BL304 " in line]


def percent_in(line: str) -> float:
    return float(line.rsplit("[", 1)[1].split("%")[0])


# -- the issue's two end-to-end tests ------------------------------------------------------


def test_cprofile_run_ranks_the_hot_finding_first_and_hides_the_cold_one(project):
    prog = os.path.join("src", "demo", "prog.py")
    subprocess.run([sys.executable, "-m", "cProfile", "-o", "prog.prof", prog], cwd=project, check=True, timeout=120)

    proc = run("check", "--profile", "prog.prof", prog, cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert finding_lines(proc.stdout) == [HOT, MAIN, COLD], proc.stdout  # by estimated saving, not by line
    first = proc.stdout.splitlines()[0]
    assert first.startswith(f"{prog}:{HOT}:5: BL304 ")
    assert "% of time, 200 calls, est. saving " in first and percent_in(first) > 50
    assert "1 call, est. saving" in proc.stdout.splitlines()[2]

    proc = run("check", "--profile", "prog.prof", "--min-share", "1%", prog, cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert finding_lines(proc.stdout) == [HOT, MAIN]
    assert "Found 2 findings (BL304 x2) in 1 of 1 files; 1 finding hidden in code under 1% of the profile (--min-share)." in proc.stdout

    # a machine format keeps its shape on stdout; the hidden count is a notice on stderr
    proc = run("check", "--profile", "prog.prof", "--min-share", "1%", "--output-format", "json", prog, cwd=project)
    assert proc.returncode == 1, proc.stderr
    assert sorted(f["location"]["line"] for f in json.loads(proc.stdout)) == sorted([HOT, MAIN])
    assert "bytelint: notice: 1 finding hidden in code under 1% of the profile (--min-share)" in proc.stderr


PREFIX = "/srv/app/lib/python3.12/site-packages/demo/prog.py"  # an installed copy: other prefix


def py_spy_raw(path: str = PREFIX) -> str:
    """``py-spy record --format raw --threads --subprocesses``: process and thread frames, then
    ``function (file:line)`` frames, outermost first, and a sample count."""
    head = f'process 4242:"python -m demo.prog";thread (0x7F3A2B);<module> ({path}:24);main ({path}:{MAIN})'
    return "\n".join(
        [
            f"{head};hot ({path}:{HOT}) 880",
            f"{head};hot ({path}:9);PyList_Append (libpython3.12.so.1.0) 60",  # --native: still hot's own time
            f"{head} 30",
            f"process 4242:\"python -m demo.prog\";thread (0x7F3A2B);<module> ({path}:24);main ({path}:15);cold ({path}:{COLD}) 2",
            f'process 4242:"python -m demo.prog";thread (0x7F3A2B);<module> ({path}:24) 28',
            "",
        ]
    )


def austin(path: str = "/home/ci/checkout/src/demo/prog.py") -> str:
    """austin 3 (``P<pid>;T<tid>;file:function:line;... microseconds``), with its metadata."""
    head = f"P4242;T0:7f3a2b;{path}:<module>:24;{path}:main:{MAIN}"
    return "\n".join(
        [
            "# austin: 3.6.0",
            "# interval: 100",
            "# mode: wall",
            "",
            f"{head};{path}:hot:{HOT} 8800",
            f"{head};{path}:hot:9 600",
            f"{head} 300",
            f"P4242;T0:7f3a2b;{path}:<module>:24;{path}:main:15;{path}:cold:{COLD} 20",
            f"P4242;T0:7f3a2b;{path}:<module>:24 280",
            "P4242;T0:7f3a2c 0",  # an idle thread without frames
            "",
        ]
    )


@pytest.mark.parametrize("name, text", [("spy.txt", py_spy_raw()), ("austin.txt", austin())])
def test_collapsed_stacks_rank_and_hide(project, name, text):
    (project / name).write_text(text)
    prog = os.path.join("src", "demo", "prog.py")
    proc = run("check", "--profile", name, "--min-share", "1", prog, cwd=project)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert finding_lines(proc.stdout) == [HOT, MAIN]
    speedup = profile.speedup_for("manual-list-building", rule_by_code("BL304").versions, profile_targets())[0]
    assert lines[0].endswith(f"[94.0% of time, est. saving {0.94 * (1 - 1 / speedup) * 100:.1f}%]")  # no calls
    assert lines[1].endswith(f"[97.2% of time, est. saving {0.03 * (1 - 1 / speedup) * 100:.1f}%]")
    assert "1 finding hidden in code under 1% of the profile (--min-share)" in proc.stdout


def profile_targets():
    return tuple((3, minor) for minor in range(9, 14))


def test_austin_alternative_format_and_windows_paths(tmp_path):
    source = tmp_path / "prog.py"
    source.write_text(PROGRAM)
    path = "C:\\work\\demo\\prog.py"
    (tmp_path / "alt.txt").write_text(f"P1;T1;{path}:main;L{MAIN};{path}:hot;L{HOT} 75\nP1;T1;{path}:main;L{MAIN} 25\n")
    loaded = load_profile(str(tmp_path / "alt.txt"))
    assert (path, HOT, "hot") in loaded.frames and loaded.total == 100
    findings = [Finding("BL304", "manual-list-building", "m", str(source), Span(line, 4, line, 9), "u") for line in (HOT, MAIN)]
    figures, matched = profile.annotate(loaded, {str(source): PROGRAM}, findings, [(3, 11)])
    assert matched == 1
    assert (figures[findings[0]].share, figures[findings[0]].self_share) == (0.75, 0.75)
    assert (figures[findings[1]].share, figures[findings[1]].self_share) == (1.0, 0.25)
    assert figures[findings[0]].function == "hot" and figures[findings[0]].calls is None


# -- figures in every output format ----------------------------------------------------------


def test_machine_formats_carry_the_figures(project):
    (project / "spy.txt").write_text(py_spy_raw())
    prog = os.path.join("src", "demo", "prog.py")
    data = json.loads(run("check", "--profile", "spy.txt", "--output-format", "json", prog, cwd=project).stdout)
    assert [d["location"]["line"] for d in data] == [HOT, MAIN, COLD]
    hot = data[0]["profile"]
    assert hot["function"] == "hot" and hot["in_profile"] and hot["calls"] is None
    assert (hot["share"], hot["self_share"]) == (0.94, 0.94)
    assert hot["estimated_saving"] == pytest.approx(0.94 * (1 - 1 / hot["speedup"]), abs=1e-5)
    assert hot["speedup_measured"] and hot["speedup_version"] in measurements.PYTHONS

    log = json.loads(run("check", "--profile", "spy.txt", "--output-format", "sarif", prog, cwd=project).stdout)
    result = log["runs"][0]["results"][0]
    assert result["properties"]["profile"] == hot
    assert result["rank"] == pytest.approx(hot["estimated_saving"] * 100, abs=1e-3)

    payload = json.loads(run("check", "--profile", "spy.txt", "--output-format", "lsp", prog, cwd=project).stdout)
    assert payload[0]["diagnostics"][0]["data"]["profile"] == hot

    annotations = run("check", "--profile", "spy.txt", "--output-format", "github", prog, cwd=project).stdout
    assert "[94.0%25 of time, est. saving " in annotations.splitlines()[0]  # % escaped for Actions


def test_sarif_with_figures_is_valid_sarif(project):
    from test_formats import _sarif_schema

    schema = _sarif_schema()
    import jsonschema

    (project / "spy.txt").write_text(py_spy_raw())
    log = json.loads(run("check", "--profile", "spy.txt", "--output-format", "sarif", "src", cwd=project).stdout)
    assert all("rank" in result for result in log["runs"][0]["results"])
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, errors[:3]


def sample_finding(line=HOT):
    return Finding("BL304", "manual-list-building", "list filled in a loop", "src/demo/prog.py", Span(line, 4, line, 18), "https://x")


def test_without_a_profile_every_format_is_unchanged():
    finding = sample_finding()
    figures = {finding: Figures("hot", True, 0.5, 0.25, 1000, 0.01, 1.04, "3.11", True)}
    for fmt in ("text", "concise", "full", "json", "json-lines", "lsp", "sarif", "github"):
        plain, explicit, graded = io.StringIO(), io.StringIO(), io.StringIO()
        output.write_findings(fmt, [finding], [FileResult(finding.path, (finding,))], plain)
        output.write_findings(fmt, [finding], [FileResult(finding.path, (finding,))], explicit, profile=None)
        output.write_findings(fmt, [finding], [FileResult(finding.path, (finding,))], graded, profile=figures)
        assert plain.getvalue() == explicit.getvalue() != graded.getvalue(), fmt
        assert '"profile":' not in plain.getvalue() and "of time" not in plain.getvalue()
    text = io.StringIO()
    output.write_text([finding], text, profile=figures)
    assert text.getvalue().endswith("list filled in a loop [50.0% of time, 1,000 calls, est. saving 1.0%]\n")
    assert "profile" not in output.finding_json(finding)
    assert lsp.diagnostic(finding, ["x\n"] * 20)["severity"] == lsp.SEVERITY_WARNING
    hinted = lsp.diagnostic(finding, ["x\n"] * 20, figures=figures[finding], cold=True)
    assert hinted["severity"] == lsp.SEVERITY_HINT and hinted["data"]["profile"]["calls"] == 1000
    assert "properties" not in sarif.sarif_log([finding], [], all_rules())["runs"][0]["results"][0]
    assert github.annotation(finding).startswith("::warning ") and "of time" not in github.annotation(finding)


def test_figures_label():
    assert Figures("f", False).label() == "[not in the profile]"
    assert Figures("f", True, 0.123, 0.1, 4000, 0.021).label() == "[12.3% of time, 4,000 calls, est. saving 2.1%]"
    assert Figures("f", True, 0.0004, 0.0001, 1, 0.00001).label() == "[<0.1% of time, 1 call, est. saving <0.1%]"
    assert Figures("f", True, 1.0, 0.5, None, 0.2).label() == "[100% of time, est. saving 20.0%]"


# -- the estimate ----------------------------------------------------------------------------


def test_estimated_saving_uses_the_median_measured_speedup_of_the_version():
    running = profile.running_version()
    key = f"{running[0]}.{running[1]}"
    cases = [c["ratios"][key] for c in measurements.CASES["manual-list-building"].values() if c["expect"] != "not-faster"]
    cases.sort()
    middle = len(cases) // 2
    expected = cases[middle] if len(cases) % 2 else (cases[middle - 1] + cases[middle]) / 2
    assert profile.speedup_for("manual-list-building", ">=3.9", [(3, 9), running]) == (max(1.0, expected), key, True)
    # The running version is not a target where the rule applies: the oldest one that is.
    assert profile.speedup_for("global-lookup-in-loop", "<3.11", [(3, 9), (3, 13)])[1] == "3.9"
    # No measurement: the conservative default, said to be one.
    assert profile.speedup_for("no-such-rule", ">=3.9", [running]) == (profile.DEFAULT_SPEEDUP, key, False)


def test_module_level_findings_map_to_the_module_entry(tmp_path):
    source = "total = 0\nfor i in range(10):\n    total += i\n"
    (tmp_path / "script.py").write_text(source)
    (tmp_path / "s.txt").write_text("<module> (script.py:3) 40\nother (elsewhere.py:1) 60\n")
    finding = Finding("BL101", "module-level-loop", "m", str(tmp_path / "script.py"), Span(2, 0, 2, 20), "u")
    figures, _ = profile.annotate(load_profile(str(tmp_path / "s.txt")), {finding.path: source}, [finding], [(3, 11)])
    assert figures[finding].function == "<module>"
    assert (figures[finding].share, figures[finding].self_share) == (0.4, 0.4)


# -- mapping profile entries onto the linted code ----------------------------------------------


def test_paths_match_by_the_longest_common_tail(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    linted = ["src/pkg/util.py", "tools/util.py", "src/pkg/__init__.py", "app.py"]
    matched = match_paths(
        [
            "/venv/lib/site-packages/pkg/util.py",  # an installed copy: pkg/util.py
            "/other/checkout/tools/util.py",
            "/usr/lib/python3.11/json/__init__.py",  # __init__.py alone says nothing
            "/venv/lib/site-packages/pkg/__init__.py",
            "app.py",  # relative: where the program ran
            "C:\\ci\\app.py",
            "/usr/lib/python3.11/random.py",
        ],
        linted,
    )
    assert matched["src/pkg/util.py"] == {"/venv/lib/site-packages/pkg/util.py"}
    assert matched["tools/util.py"] == {"/other/checkout/tools/util.py"}
    assert matched["src/pkg/__init__.py"] == {"/venv/lib/site-packages/pkg/__init__.py"}
    assert matched["app.py"] == {"app.py"}  # the same file beats a shared name
    assert match_paths(["/srv/x/util.py"], ["a/util.py"]) == {"a/util.py": {"/srv/x/util.py"}}
    assert match_paths(["/usr/lib/json/__init__.py"], ["pkg/__init__.py"]) == {}


DECORATED = textwrap.dedent(
    """\
    import functools


    class Box:
        @functools.lru_cache()
        @staticmethod
        def fill(n):
            return [i for i in range(n)]

        def size(self):
            def fill(x):
                return x
            return fill(1)


    def fill(n):
        return sorted(n, key=lambda v: -v)
    """
)


def test_entries_resolve_to_scopes_with_decorators_shifted_lines_and_nesting():
    scopes = scopes_of(DECORATED)
    names = {i: s.qualname for i, s in enumerate(scopes)}
    found = lambda name, line: (names[resolve(scopes, name, line)[0]], resolve(scopes, name, line)[1])  # noqa: E731
    assert found("fill", 5) == ("Box.fill", False)  # cProfile: the first decorator's line
    assert found("fill", 7) == ("Box.fill", False)  # the def line
    assert found("fill", 8) == ("Box.fill", False)  # a sampler: the line running
    assert found("fill", 12) == ("Box.size.<locals>.fill", False)  # the innermost holding the line
    assert found("fill", 17) == ("fill", False)
    assert found("fill", 19) == ("fill", False)  # shifted (another revision): the nearest
    assert found("Box.fill", 40) == ("Box.fill", False)  # a qualified name (py-spy, 3.11+)
    assert found("<listcomp>", 8) == ("Box.fill", True)  # comprehensions belong to their function
    assert found("<lambda>", 17) == ("fill", True)
    assert found("Box", 4) == ("Box", False)  # a class body
    assert found("<module>", 1) == ("<module>", False)
    assert resolve(scopes, "missing", 3) is None
    assert scopes_of("def broken(:\n") == []


def test_a_profile_of_another_program_matches_nothing_and_says_so(project):
    (project / "other.txt").write_text("main (/srv/elsewhere/tool.py:3) 10\n")
    proc = run("check", "--profile", "other.txt", "src", cwd=project)
    assert proc.returncode == 1
    assert "[not in the profile]" in proc.stdout
    assert "bytelint: warning: the profile other.txt names none of the files with findings" in proc.stderr
    proc = run("check", "--profile", "other.txt", "--min-share", "0.5%", "src", cwd=project)
    assert proc.returncode == 0, proc.stdout  # every finding hidden: nothing to report
    assert "No findings in 1 file; 3 findings hidden in code under 0.5% of the profile (--min-share)." in proc.stdout


# -- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize("text, fraction", [("1%", 0.01), ("1", 0.01), ("0.5%", 0.005), (" 2 % ", 0.02), (0.5, 0.005), (3, 0.03), ("100%", 1.0)])
def test_min_share_spellings(text, fraction):
    assert parse_min_share(text) == pytest.approx(fraction)


@pytest.mark.parametrize("text", ["", "one", "-1%", "101", "nan", True, None, [1]])
def test_min_share_rejects_the_rest(text):
    with pytest.raises(ProfileError, match="--min-share must be a percentage"):
        parse_min_share(text)


def test_profile_and_min_share_in_pyproject(project):
    (project / "spy.txt").write_text(py_spy_raw())
    (project / "pyproject.toml").write_text(SETTINGS + 'profile = "spy.txt"\nmin-share = "1%"\n')
    proc = run("check", "demo", cwd=project / "src")  # the profile is relative to pyproject.toml
    assert finding_lines(proc.stdout) == [HOT, MAIN], proc.stderr
    assert "1 finding hidden" in proc.stdout
    proc = run("check", "--min-share", "0", "src", cwd=project)  # the command line overrides
    assert finding_lines(proc.stdout) == [HOT, MAIN, COLD]
    (project / "pyproject.toml").write_text(SETTINGS + 'min-share = "lots"\n')
    proc = run("check", "src", cwd=project)
    assert proc.returncode == 2 and "'min-share' must be a percentage" in proc.stderr
    (project / "pyproject.toml").write_text(SETTINGS + "profile = 3\n")
    proc = run("check", "src", cwd=project)
    assert proc.returncode == 2 and "'profile' must be a file path" in proc.stderr


# -- unusable profiles ---------------------------------------------------------------------


def broken_profiles(tmp_path: Path, real: bytes):
    cases = {
        "empty.prof": b"",
        "garbage.prof": bytes(range(256)) * 4,
        "truncated.prof": real[: len(real) // 2],
        "list.prof": marshal.dumps([1, 2, 3]),
        "wrong-entries.prof": marshal.dumps({("a.py", 1, "f"): "not a tuple"}),
        "no-time.prof": marshal.dumps({("a.py", 1, "f"): (1, 1, 0.0, 0.0, {})}),
        "source.py": PROGRAM.encode(),
        "bad-count.txt": b"main (a.py:1);f (a.py:2) many\n",
        "no-samples.txt": b"main (a.py:1) 0\n",
        "comments-only.txt": b"# austin: 3.6.0\n\n",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "a-directory.prof").mkdir()
    return [*cases, "a-directory.prof", "missing.prof"]


def test_unusable_profiles_are_one_clear_error(tmp_path):
    real = marshal.dumps({("a.py", line, f"f{line}"): (1, 1, 0.5, 0.5, {}) for line in range(1, 51)})
    (tmp_path / "ok.prof").write_bytes(real)
    assert load_profile(str(tmp_path / "ok.prof")).total == 25.0
    for name in broken_profiles(tmp_path, real):
        with pytest.raises(ProfileError) as caught:
            load_profile(str(tmp_path / name))
        message = str(caught.value)
        assert message.startswith(str(tmp_path / name) + ": ") and "\n" not in message, message


def test_the_cli_exits_2_with_one_line_for_an_unusable_profile(project):
    (project / "garbage.prof").write_bytes(bytes(range(256)))
    (project / "spy.txt").write_text(py_spy_raw())
    for args, expected in [
        (["--profile", "missing.prof"], "bytelint: error: missing.prof: no such profile file"),
        (["--profile", "garbage.prof"], "bytelint: error: garbage.prof: not a cProfile (pstats) file or collapsed stacks"),
        (["--profile", "src"], "bytelint: error: src: is a directory, not a profile file"),
        (["--profile", "spy.txt", "--min-share", "much"], "bytelint: error: --min-share must be a percentage"),
        (["--min-share", "1%"], "bytelint: error: --min-share needs a profile"),
    ]:
        proc = run("check", *args, "src", cwd=project)
        assert proc.returncode == 2, (args, proc.stdout)
        assert proc.stdout == ""
        assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith(expected), (args, proc.stderr)
    # set in the configuration: the message names the file and the key
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'profile = "gone.prof"\n')
    proc = run("check", "src", cwd=project)
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert f"{pyproject}: [tool.bytelint] 'profile': " in proc.stderr and "no such profile file" in proc.stderr


# -- the language server -----------------------------------------------------------------------

client = client_fixture(SERVER)


def severities(diagnostics):
    return {d.range.start.line + 1: d.severity for d in diagnostics}


@pytest.mark.asyncio
async def test_language_server_downgrades_cold_code_to_hints(client, project):
    (project / "spy.txt").write_text(py_spy_raw())
    (project / "pyproject.toml").write_text(SETTINGS + 'profile = "spy.txt"\nmin-share = "1%"\n')
    doc = Document(client, project / "src" / "demo" / "prog.py", PROGRAM)
    diagnostics = await doc.published(lambda d: len(d) == 3)
    assert severities(diagnostics) == {
        HOT: types.DiagnosticSeverity.Warning,
        MAIN: types.DiagnosticSeverity.Warning,
        COLD: types.DiagnosticSeverity.Hint,
    }
    hot = next(d for d in diagnostics if d.range.start.line + 1 == HOT)
    assert hot.data["profile"]["share"] == 0.94 and hot.data["profile"]["function"] == "hot"
    # Half-typed: the carried-over diagnostics keep their severity and figures.
    doc.replace(PROGRAM + "def broken(:\n")
    carried = await doc.published(lambda d: all(x.data.get("stale") for x in d) and len(d) == 3)
    assert severities(carried) == severities(diagnostics)


@pytest.mark.asyncio
async def test_language_server_profile_from_client_settings(client, project):
    (project / "austin.txt").write_text(austin())
    doc = Document(client, project / "src" / "demo" / "prog.py", PROGRAM)
    plain = await doc.published(lambda d: len(d) == 3)
    assert set(severities(plain).values()) == {types.DiagnosticSeverity.Warning}
    assert all("profile" not in d.data for d in plain)
    doc.forget_diagnostics()
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"bytelint": {"profile": "austin.txt", "minShare": "5%"}})
    )
    graded = await doc.published(lambda d: len(d) == 3 and all("profile" in x.data for x in d))
    assert severities(graded)[COLD] == types.DiagnosticSeverity.Hint
    assert severities(graded)[HOT] == types.DiagnosticSeverity.Warning
    # A profile that cannot be read: said once, and the diagnostics stay as they were.
    doc.forget_diagnostics()
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"bytelint": {"profile": "missing.prof"}}))
    again = await doc.published(lambda d: len(d) == 3)
    assert set(severities(again).values()) == {types.DiagnosticSeverity.Warning}


def test_client_settings_spellings():
    from bytelint.server.server import profile_settings

    assert profile_settings({"profile": "p.prof", "minShare": "1%"}) == {"profile": "p.prof", "min_share": 0.01}
    assert profile_settings({"bytelint": {"profile": "p.prof", "min-share": 2}}) == {"profile": "p.prof", "min_share": 0.02}
    assert profile_settings(None) == {} and profile_settings({"other": 1}) == {}
    with pytest.raises(ProfileError):
        profile_settings({"minShare": "hot"})
