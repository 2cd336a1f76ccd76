"""Every rule's fixture and its reviewed snapshot.

``tests/fixtures/<rule module>.py`` is realistic code for one rule (a log parser, a report
builder, ...) holding the true positives it must catch and the near misses it must stay silent
on. It is linted, never run, and must compile on Python 3.9. Its header says how it is linted::

    # targets: py39 py311        each a `target-version` (that version and newer); the first is
                                 the primary one; `py39+preview` also turns preview on
    # rule: BL201                optional, checked against the module's rule

and each interesting line says what it expects, with the reason::

    self.text += piece  # error: BL201 an attribute has no in-place path
    t += self.cfg.a + self.cfg.b  # error: BL103 x2 two chains hoisted
    total += len(row)  # error[py39]: BL102 only when 3.9/3.10 are targets
    if ch in ["a", "e"]:  # ok: the compiler folds the list into a tuple constant

Two more annotations record what review found wrong with a rule, until the rule is fixed:
``# fp: CODE reason`` (the rule reports this line but should not: a suspected false positive;
expected for now) and ``# fn: CODE reason`` (the rule should report this line but does not: a
suspected false negative; expected silent for now). When the rule is fixed the annotation
check fails on that line: turn the annotation into ``# ok`` or ``# error``. Inside the
brackets, ``@3.9`` limits an annotation to the interpreter running bytelint: findings must not
depend on it (the bytecode is normalised across versions), so ``# fp[@3.9 @3.10]: ...``
records such a bug. ``grep -rn "# f[pn]" tests/fixtures`` lists the open ones.

``<rule module>.snapshot`` records, for each target, the findings of that rule alone
(``line:col CODE message``, columns 1-based as in the text output). A finding that only some
interpreters report (a bug, annotated as above) is prefixed with them: ``@3.9,3.10 12:5 ...``.
For a rule whose class declares a fix (``fixable``), or whose findings carry one,
``<rule module>.fixed.py`` is the fixture after every fix of that rule (unsafe ones included)
for the primary target, as the newest interpreter makes it; an interpreter whose fixes differ
(a bug) records its own next to it, ``<rule module>.fixed@3.9.py``.

The annotations review the snapshot: for every target, the lines with findings must be
exactly the lines annotated ``# error`` (or ``# fp``) for that target and interpreter, with the
annotated count, so a ``# ok`` line, or any unannotated line, must have none. CI runs this file
on 3.9-3.13. After a deliberate change, regenerate (on every interpreter, when findings differ
between them) and read the diff::

    BYTELINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_fixtures.py

The annotation checks still run on regeneration, so a snapshot that contradicts its fixture
fails instead of being recorded.
"""

from __future__ import annotations

import ast
import difflib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Tuple

import pytest

from bytelint.bytecode import RUNNING_VERSION, SUPPORTED_VERSIONS
from bytelint.config import Config
from bytelint.engine import lint_source
from bytelint.fixer import fix_source
from bytelint.results import Finding
from bytelint.versions import format_version, parse_version, targets_from_minimum
from helpers import rule_classes

FIXTURES = Path(__file__).resolve().parent / "fixtures"
UPDATE = os.environ.get("BYTELINT_UPDATE_SNAPSHOTS", "") not in ("", "0")
REGENERATE = "BYTELINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_fixtures.py"
INTERPRETER = format_version(RUNNING_VERSION)
INTERPRETERS: FrozenSet[str] = frozenset(format_version(v) for v in SUPPORTED_VERSIONS)

_TARGET = re.compile(r"^py3\d{1,2}(\+preview)?$")
_ERROR = re.compile(r"#\s*(error|fp|fn)(?:\[([^\]]*)\])?:\s*(BL\d{3})(?:\s+x(\d+))?\b")
_ANY = re.compile(r"#\s*(error|fp|fn)\b")
_OK = re.compile(r"#\s*ok\b")


def module_of(rule) -> str:
    return rule.__module__.rsplit(".", 1)[1]


RULES = rule_classes()
IDS = [f"{rule.code}-{module_of(rule)}" for rule in RULES]


@dataclass(frozen=True)
class Fixture:
    rule: type
    path: Path
    source: bytes
    targets: Tuple[str, ...]
    # line -> {target: findings expected on this interpreter}; a line with no target expects none
    expected: Dict[int, Dict[str, int]]
    ok_lines: Tuple[int, ...]
    # suspected rule bugs: (line, "fp" or "fn", the annotation)
    known_bugs: Tuple[Tuple[int, str, str], ...]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def snapshot_path(self) -> Path:
        return self.path.with_suffix(".snapshot")

    @property
    def fixed_path(self) -> Path:
        return self.path.with_name(f"{self.name}.fixed.py")

    def fixed_path_on(self, interpreter: str) -> Path:
        """Where an interpreter whose fixes differ from the others' records its own (a bug)."""
        return self.path.with_name(f"{self.name}.fixed@{interpreter}.py")


def _config(rule, target: str) -> Config:
    version, _, flag = target.partition("+")
    return Config(select=(rule.code,), target_versions=targets_from_minimum(parse_version(version)), preview=flag == "preview")


@lru_cache(maxsize=None)
def load(rule) -> Fixture:
    path = FIXTURES / f"{module_of(rule)}.py"
    if not path.is_file():
        pytest.fail(f"{rule.code} has no fixture: write tests/fixtures/{path.name} (see docs/writing-rules.md)")
    source = path.read_bytes()
    lines = source.decode("utf-8").splitlines()
    header: Dict[str, str] = {}
    for line in lines:
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].partition(":")
        if sep and key.strip() in ("targets", "rule"):
            header[key.strip()] = value.strip()
    targets = tuple(header.get("targets", "").split())
    assert targets, f"{path.name}: the header needs a `# targets: py39 ...` line"
    for target in targets:
        assert _TARGET.match(target), f"{path.name}: bad target {target!r} (py39, py311, py39+preview, ...)"
        parse_version(target.partition("+")[0])
    if "rule" in header:
        assert header["rule"] == rule.code, f"{path.name} says it is for {header['rule']}, not {rule.code}"
    expected: Dict[int, Dict[str, int]] = {}
    ok_lines = []
    bugs = []
    for number, line in enumerate(lines, 1):
        where = f"{path.name}:{number}"
        if len(_ANY.findall(line)) != len(_ERROR.findall(line)):
            pytest.fail(f"{where}: malformed annotation (the form is `# error[py39 @3.9]: BL101 x2 why`)")
        for match in _ERROR.finditer(line):
            kind, only, code, count = match.groups()
            assert code == rule.code, f"{where}: annotation for {code} in the fixture of {rule.code}"
            tokens = (only or "").replace(",", " ").split()
            interpreters = {t[1:] for t in tokens if t.startswith("@")}
            chosen = tuple(t for t in tokens if not t.startswith("@")) or targets
            assert not set(chosen) - set(targets), f"{where}: targets {sorted(set(chosen) - set(targets))} not in the header"
            assert interpreters <= INTERPRETERS, f"{where}: unknown interpreters {sorted(interpreters - INTERPRETERS)}"
            if kind != "error":
                bugs.append((number, kind, line[match.start() :].lstrip("# ")))
            expected.setdefault(number, {})
            if kind == "fn" or (interpreters and INTERPRETER not in interpreters):
                continue  # silent (for now, or on this interpreter)
            for target in chosen:
                expected[number][target] = expected[number].get(target, 0) + int(count or 1)
        if _OK.search(line):
            assert number not in expected, f"{where}: both `# ok` and an `# error`/`# fp`/`# fn` annotation"
            ok_lines.append(number)
    return Fixture(rule, path, source, targets, expected, tuple(ok_lines), tuple(bugs))


@lru_cache(maxsize=None)
def findings(rule, target: str) -> Tuple[Finding, ...]:
    fixture = load(rule)
    result = lint_source(fixture.source, f"tests/fixtures/{fixture.path.name}", _config(rule, target))
    assert result.error is None, f"{fixture.path.name} [{target}]: {result.error}"
    assert not result.notices, f"{fixture.path.name} [{target}]: {result.notices}"
    return tuple(f for f in result.findings if f.code == rule.code)


# --- snapshots: one section per target, lines optionally limited to some interpreters ------------

Snapshot = Dict[str, Dict[str, FrozenSet[str]]]  # target -> finding line -> interpreters


def _entry(finding: Finding) -> str:
    return f"{finding.span.line}:{finding.span.col + 1} {finding.code} {finding.message}"


def _sort_key(entry: str):
    position = entry.split(" ", 1)[0].split(":")
    return (int(position[0]), int(position[1]), entry)


def read_snapshot(path: Path) -> Snapshot:
    snapshot: Snapshot = {}
    section = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = snapshot.setdefault(line[1:-1], {})
            continue
        assert section is not None, f"{path.name}: a finding before the first [target] section"
        interpreters = INTERPRETERS
        if line.startswith("@"):
            only, line = line[1:].split(" ", 1)
            interpreters = frozenset(only.split(","))
        section[line] = interpreters
    return snapshot


def format_snapshot(rule, snapshot: Snapshot) -> str:
    fixture = load(rule)
    out = [
        f"# {rule.code} {rule.name} on tests/fixtures/{fixture.path.name}: `line:col CODE message` per target.",
        "# Reviewed through the fixture's `# error` / `# ok` annotations; regenerate with",
        f"# {REGENERATE}",
    ]
    for target in fixture.targets:
        out += ["", f"[{target}]"]
        for entry, interpreters in sorted(snapshot.get(target, {}).items(), key=lambda item: _sort_key(item[0])):
            if interpreters == INTERPRETERS:
                out.append(entry)
            elif interpreters:
                only = ",".join(sorted(interpreters, key=lambda v: tuple(map(int, v.split(".")))))
                out.append(f"@{only} {entry}")
    return "\n".join(out) + "\n"


def current(rule) -> Dict[str, List[str]]:
    """This interpreter's findings, as snapshot entries, per target."""
    return {target: [_entry(f) for f in findings(rule, target)] for target in load(rule).targets}


def merged(rule, recorded: Snapshot) -> Snapshot:
    """The recorded snapshot with this interpreter's findings in place of what it recorded."""
    result: Snapshot = {}
    for target, entries in current(rule).items():
        section = {entry: interpreters - {INTERPRETER} for entry, interpreters in recorded.get(target, {}).items()}
        for entry in entries:
            section[entry] = section.get(entry, frozenset()) | {INTERPRETER}
        result[target] = section
    return result


def _fail_with_diff(path: Path, recorded: str, now: str, what: str) -> None:
    diff = "".join(
        difflib.unified_diff(recorded.splitlines(True), now.splitlines(True), f"{path.name} (recorded)", f"{path.name} (Python {INTERPRETER})")
    )
    pytest.fail(f"{what} {path.name} is out of date (if the change is intended: {REGENERATE}, then review):\n{diff}", pytrace=False)


# --- the tests ----------------------------------------------------------------------------------


def test_every_rule_has_a_fixture_and_a_snapshot():
    modules = {module_of(rule): rule for rule in RULES}
    missing = [
        f"{rule.code}: {file}"
        for module, rule in modules.items()
        for file in (f"{module}.py",) + (() if UPDATE else (f"{module}.snapshot",))
        if not (FIXTURES / file).is_file()
    ]
    assert not missing, f"rules without a fixture or snapshot in tests/fixtures/ ({REGENERATE}): {missing}"
    orphans = [
        path.name
        for path in FIXTURES.iterdir()
        if path.name.endswith((".py", ".snapshot")) and path.name.split(".", 1)[0] not in modules
    ]
    assert not orphans, f"fixtures of no registered rule: {orphans}"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_fixture_is_python_39(rule):
    fixture = load(rule)
    text = fixture.source.decode("utf-8")
    ast.parse(text, fixture.path.name, feature_version=(3, 9))
    compile(text, fixture.path.name, "exec", dont_inherit=True)
    lines = len(text.splitlines())
    assert 30 <= lines <= 200, f"{fixture.path.name}: {lines} lines; a fixture is a realistic piece of code"


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_snapshot(rule):
    path = load(rule).snapshot_path
    recorded = read_snapshot(path) if path.is_file() else {}
    if UPDATE:
        text = format_snapshot(rule, merged(rule, recorded))
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"missing snapshot {path.name}: run {REGENERATE}, then review it"
    assert list(recorded) == list(load(rule).targets), f"{path.name}: its [target] sections are not the fixture's targets"
    mine = {target: {e: INTERPRETERS for e, interps in section.items() if INTERPRETER in interps} for target, section in recorded.items()}
    now = {target: {e: INTERPRETERS for e in entries} for target, entries in current(rule).items()}
    if mine != now:
        _fail_with_diff(path, format_snapshot(rule, mine), format_snapshot(rule, now), "snapshot")


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_annotations_match_findings(rule):
    fixture = load(rule)
    problems: List[str] = []
    total = 0
    for target in fixture.targets:
        found: Dict[int, List[Finding]] = {}
        for finding in findings(rule, target):
            found.setdefault(finding.span.line, []).append(finding)
        total += len(findings(rule, target))
        lines = set(found) | {n for n, by_target in fixture.expected.items() if target in by_target}
        for number in sorted(lines):
            want = fixture.expected.get(number, {}).get(target, 0)
            got = found.get(number, [])
            if len(got) != want:
                kinds = sorted({kind for line, kind, _ in fixture.known_bugs if line == number})
                label = "ok" if number in fixture.ok_lines else "/".join(kinds) or ("error" if want else "unannotated")
                messages = "; ".join(f.message for f in got) or "no finding"
                problems.append(f"[{target}] line {number} ({label}): expected {want}, found {len(got)}: {messages}")
    assert total, f"{fixture.path.name}: no finding on any target; a fixture needs true positives"
    assert any(fixture.expected.values()), f"{fixture.path.name}: no `# error` annotation"
    assert fixture.ok_lines, f"{fixture.path.name}: no `# ok` near miss"
    assert not problems, f"{fixture.path.name} on Python {INTERPRETER} disagrees with its annotations:\n" + "\n".join(problems)


def _fixes(rule) -> bool:
    fixture = load(rule)
    return bool(rule.fixable) or any(f.fix is not None for f in findings(rule, fixture.targets[0]))


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_fixed_snapshot(rule):
    fixture = load(rule)
    path = fixture.fixed_path
    if not _fixes(rule):
        stale = [p.name for p in FIXTURES.glob(f"{fixture.name}.fixed*.py")]
        assert not stale, f"{stale}: {rule.code} has no fix any more; delete them"
        return
    name = f"tests/fixtures/{fixture.path.name}"
    # the first of the fixture's targets where the rule offers a fix
    target = next(
        (
            t
            for t in fixture.targets
            if any(f.fix is not None for f in lint_source(fixture.source, name, _config(rule, t)).findings)
        ),
        fixture.targets[0],
    )
    config = _config(rule, target)
    outcome = fix_source(fixture.source, name, config, unsafe=True)
    assert outcome.error is None, outcome.error
    failed = [f"line {finding.span.line}: {reason}" for finding, reason in outcome.failed]
    assert not failed, f"{fixture.path.name}: fixes that failed their proofs: {failed}"
    fixed = outcome.fixed if outcome.fixed is not None else fixture.source
    compile(fixed, path.name, "exec", dont_inherit=True)
    assert fix_source(fixed, name, config, unsafe=True).fixed is None, "fixing the fixed file changed it again"
    # The newest interpreter records <module>.fixed.py; another one whose fixes differ (a bug, like
    # findings that differ) records <module>.fixed@3.9.py next to it.
    own = fixture.fixed_path_on(INTERPRETER)
    if UPDATE:
        if INTERPRETER == max(INTERPRETERS, key=lambda v: tuple(map(int, v.split(".")))) or not path.is_file():
            target = path
        else:
            target = own if path.read_bytes() != fixed else None
            if target is None and own.exists():
                own.unlink()
        if target is not None and (not target.is_file() or target.read_bytes() != fixed):
            target.write_bytes(fixed)
        return
    assert path.is_file(), f"missing fixed snapshot {path.name}: run {REGENERATE}, then review it"
    if own.is_file():
        path = own
    if path.read_bytes() != fixed:
        _fail_with_diff(path, path.read_text(encoding="utf-8"), fixed.decode("utf-8"), "fixed snapshot")
