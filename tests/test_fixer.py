"""bytelint's fixer: proven rewrites that keep the file's bytes apart from the fix."""

from __future__ import annotations

import codecs
import os
import stat
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest

from bytelint.config import Config
from bytelint.fixer import fix_file, fix_source, write_atomically
from bytelint.rule import FixSpec, Report, Rule
from helpers import rule_classes, targets

PY39 = Config(target_versions=targets("py39"), preview=True, extend_select=("BL102",))  # BL102 is opt-in
SLOW = "def f(items):\n    total = 0\n    for item in items:\n        total += len(item)  # hot\n    return total\n"
FIXED = "def f(items):\n    total = 0\n    _len = len\n    for item in items:\n        total += _len(item)  # hot\n    return total\n"


def test_fix_applies_and_keeps_comments():
    outcome = fix_source(SLOW.encode(), "f.py", PY39, unsafe=True)
    assert outcome.fixed.decode() == FIXED
    assert [f.code for f in outcome.applied] == ["BL102"] and outcome.failed == []


def test_fixed_findings_are_placed_where_they_were_in_the_original():
    # the loop's rewrite comes first; the pattern's fix is found again in the rewritten text,
    # on another line, and is still reported where the user saw it
    source = 'import re\n\n\ndef f(lines):\n    out = []\n    for line in lines:\n        out.append(re.search("a+", line))\n    return out\n'
    from bytelint.engine import lint_source

    config = Config(target_versions=targets("py311"))
    before = {(f.code, f.span.line, f.span.col) for f in lint_source(source.encode(), "f.py", config).findings}
    outcome = fix_source(source.encode(), "f.py", config, unsafe=True)
    placed = [(f.code, f.span.line, f.span.col) for f in outcome.applied]
    assert sorted(c for c, _, _ in placed) == ["BL203", "BL304"], outcome.fixed
    assert set(placed) <= before, (placed, before)


def test_a_finding_a_fix_created_is_not_placed_on_another():
    # the module loop becomes a function, whose global lookups are found and fixed next round:
    # reported at the loop's line, not on top of the first function's identical finding
    source = "import sys\ndef g(xs):\n    for x in xs:\n        print(len(x))\nfor a in sys.argv * 1000:\n    print(len(a))\n"
    outcome = fix_source(source.encode(), "f.py", Config(target_versions=targets("py39"), extend_select=("BL102",)), unsafe=True)
    placed = sorted((f.code, f.span.line) for f in outcome.applied)
    assert placed == [("BL101", 5), ("BL102", 3), ("BL102", 5)], placed


def test_unsafe_fix_needs_opt_in():
    outcome = fix_source(SLOW.encode(), "f.py", PY39)
    assert outcome.fixed is None and outcome.unsafe_available == 1
    assert fix_source(SLOW.encode(), "f.py", PY39, unsafe=True).fixed is not None


class _SafeRename(Rule):
    """A test rule with a safe fix: renames `slow_name` to `fast_name`."""

    code = "BL997"
    name = "test-safe-fix"
    summary = "test"
    node_types = (cst.Name,)

    def check(self, node, ctx, evidence):
        if node.value == "slow_name":
            yield Report(node, "rename", fix=FixSpec({node: cst.Name("fast_name")}, safe=True, description="rename"))


def test_safe_fixes_apply_without_opt_in():
    outcome = fix_source(b"slow_name = 1\n", "f.py", Config(), rules=[_SafeRename()])
    assert outcome.fixed == b"fast_name = 1\n"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_endings_bom_and_encoding_survive(newline):
    source = codecs.BOM_UTF8 + SLOW.replace("\n", newline).encode()
    outcome = fix_source(source, "f.py", PY39, unsafe=True)
    assert outcome.fixed.startswith(codecs.BOM_UTF8)
    assert outcome.fixed[3:].decode() == FIXED.replace("\n", newline)
    latin = ("# -*- coding: latin-1 -*-\n# café\n" + SLOW).encode("latin-1")
    fixed = fix_source(latin, "f.py", PY39, unsafe=True).fixed
    assert fixed.decode("latin-1") == "# -*- coding: latin-1 -*-\n# café\n" + FIXED


def test_syntax_error_file_is_never_modified(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(SLOW + "def broken(:\n")
    before = path.read_bytes()
    outcome = fix_file(str(path), PY39, unsafe=True)
    assert outcome.error is None and not outcome.changed and outcome.remaining.error
    assert path.read_bytes() == before


def test_unchanged_file_is_not_touched(tmp_path):
    path = tmp_path / "clean.py"
    path.write_text("def f(xs):\n    return sum(xs)\n")
    os.utime(path, (1_000_000, 1_000_000))
    fix_file(str(path), PY39)
    assert path.stat().st_mtime == 1_000_000


def test_file_mode_is_kept_and_no_temporary_files_remain(tmp_path):
    path = tmp_path / "script.py"
    path.write_text(SLOW)
    path.chmod(0o750)
    outcome = fix_file(str(path), PY39, unsafe=True)
    assert outcome.changed and path.read_text() == FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.py"]


class _BrokenFix(Rule):
    """A test rule whose fix breaks the code."""

    code = "BL999"
    name = "test-broken-fix"
    summary = "test"
    node_types = (cst.Return,)

    def check(self, node, ctx, evidence):
        yield Report(node, "return", fix=FixSpec({node: cst.Nonlocal(names=[cst.NameItem(cst.Name("x"))])}, safe=True, description="break it"))


class _ChangesOtherCode(Rule):
    """A test rule whose fix also changes code it does not claim to touch."""

    code = "BL998"
    name = "test-wide-fix"
    summary = "test"
    node_types = (cst.Module,)

    def check(self, node, ctx, evidence):
        new = node.with_changes(body=[cst.parse_statement("x = 2\n")] + list(node.body[1:]))
        yield Report(node, "module", fix=FixSpec({node: new}, safe=True, description="rewrite"))


def test_fix_that_does_not_compile_is_dropped_and_reported():
    outcome = fix_source(b"def f():\n    return 1\n", "f.py", Config(), rules=[_BrokenFix()])
    assert outcome.fixed is None and outcome.applied == []
    [(finding, reason)] = outcome.failed
    assert finding.code == "BL999" and "does not compile" in reason


def test_fix_must_leave_untouched_code_alone_or_remove_the_finding():
    outcome = fix_source(b"x = 1\ny = 1\n", "f.py", Config(), rules=[_ChangesOtherCode()])
    assert outcome.fixed is None and outcome.failed


def test_write_atomically_replaces_in_one_step(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"old")
    write_atomically(str(path), b"new")
    assert path.read_bytes() == b"new"


FIXED_EXAMPLES = [
    pytest.param(rule, example, id=f"{rule.code}-{i}")
    for rule in rule_classes()
    for i, example in enumerate(rule.INVALID)
    if example.fixed is not None
]


@pytest.mark.parametrize("rule, example", FIXED_EXAMPLES)
def test_invalid_examples_fix_to_the_exact_source(rule, example):
    config = Config(select=(rule.code,), target_versions=targets(example.target), preview=True)
    outcome = fix_source(example.code.encode(), "example.py", config, unsafe=True)
    assert outcome.failed == [], outcome.failed
    assert outcome.fixed is not None and outcome.fixed.decode() == example.fixed
    again = fix_source(outcome.fixed, "example.py", config, unsafe=True)
    assert again.fixed is None, "fixing twice must change nothing"


ALL_INVALID = [
    pytest.param(rule, example, id=f"{rule.code}-{i}") for rule in rule_classes() for i, example in enumerate(rule.INVALID)
]


@pytest.mark.parametrize("rule, example", ALL_INVALID)
def test_every_fix_compiles_and_is_idempotent(rule, example):
    config = Config(target_versions=targets(example.target), preview=True)
    outcome = fix_source(example.code.encode(), "example.py", config, unsafe=True)
    result = outcome.fixed or example.code.encode()
    compile(result, "example.py", "exec", dont_inherit=True)
    assert fix_source(result, "example.py", config, unsafe=True).fixed is None


def test_fix_command_and_diff(tmp_path):
    exe = str(Path(sys.executable).with_name("bytelint"))
    path = tmp_path / "m.py"
    path.write_text(SLOW)
    base = [exe, "--target-version", "py39", "--select", "BL102"]
    proc = subprocess.run([exe, "fix", "--diff", "--unsafe-fixes", *base[1:], str(path)], capture_output=True, text=True)
    assert proc.returncode == 1 and "+    _len = len" in proc.stdout and path.read_text() == SLOW
    proc = subprocess.run([exe, "fix", *base[1:], str(path)], capture_output=True, text=True)
    assert proc.returncode == 1 and path.read_text() == SLOW  # unsafe: not applied without opt-in
    assert "1 more unsafe fix available with --unsafe-fixes" in proc.stdout
    proc = subprocess.run([exe, "check", "--fix", "--unsafe-fixes", "--show-fixes", *base[1:], str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Fixed" in proc.stdout and path.read_text() == FIXED
    proc = subprocess.run([exe, "fix", "--diff", "--unsafe-fixes", *base[1:], str(path)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == ""


# Each fixer's safe/unsafe decision (see the rules' "Fix safety" docs): (code, source, target,
# True = safe fix, False = unsafe fix, None = no fix offered).
SAFETY = [
    # BL302/BL303: safe only when the receiver is certainly a dict
    ("BL302", "def f():\n    d = {1: 2}\n    for k, _ in d.items():\n        print(k)\n", None, True),
    ("BL302", "def f():\n    d = {k: k for k in 'ab'}\n    for _, v in d.items():\n        print(v)\n", None, True),
    ("BL302", "def f(d):\n    for k, _ in d.items():\n        print(k)\n", None, False),
    ("BL302", "def f():\n    d = dict()\n    for k, _ in d.items():\n        print(k)\n", None, False),
    ("BL302", "def f(e):\n    d = {1: 2}\n    if e:\n        d = e\n    for k, _ in d.items():\n        print(k)\n", None, False),
    ("BL302", "def f():\n    d = {1: 2}\n    def g():\n        nonlocal d\n        d = None\n    for k, _ in d.items():\n        print(k)\n", None, False),
    ("BL302", "def f():\n    d = {1: 2}\n    for k, _ in d.items():\n        print(k, locals())\n", None, False),
    ("BL302", "d = {1: 2}\nfor k, _ in d.items():\n    print(k)\n", None, False),
    ("BL303", "def f(ks):\n    d = {'a': 1}\n    return [k for k in ks if k in d.keys()]\n", None, True),
    ("BL303", "def f(ks, d):\n    return [k for k in ks if k in d.keys()]\n", None, False),
    ("BL303", "def f(ks):\n    d = {'a': 1}\n    del d\n    d = {}\n    return [k for k in ks if k in d.keys()]\n", None, False),
    # BL309: safe only for a literal separator
    ("BL309", "def f(xs):\n    return ', '.join(str(x) for x in xs if x)\n", None, True),
    # a method (or next()) per item may raise StopIteration: a generator turns it into RuntimeError
    ("BL309", "def f(xs):\n    return ', '.join(x.strip() for x in xs)\n", None, False),
    ("BL309", "IT = iter('abc')\n\ndef f(n):\n    return ''.join(next(IT) for _ in range(n))\n", None, False),
    ("BL309", "def f(xs, sep):\n    return sep.join(x.strip() for x in xs)\n", None, False),
    ("BL309", "async def f(xs, g):\n    return ''.join(await g(x) for x in xs)\n", None, None),
    # BL304: safe only on inlined comprehensions, a literal container and nothing to observe it
    ("BL304", "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out\n", "py312", True),
    ("BL304", "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out\n", "py39", False),
    ("BL304", "def f(xs):\n    out = list()\n    for x in xs:\n        out.append(x * 2)\n    return out\n", "py312", False),
    ("BL304", "def f(xs):\n    s = set()\n    for x in xs:\n        s.add(x * 2)\n    return s\n", "py312", False),
    ("BL304", "def f(xs, c):\n    with c:\n        out = []\n        for x in xs:\n            out.append(x * 2)\n    return out\n", "py312", False),
    ("BL304", "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out, lambda: out\n", "py312", False),
    ("BL304", "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out, vars()\n", "py312", False),
    ("BL304", "out = []\nfor x in range(1000):\n    out.append(x * 2)\n", "py312", False),
    ("BL304", "def f(xs):\n    out = []\n    for x in xs:\n        out.append(super().g(x))\n    return out\n", "py39", None),
    # BL202: safe only when evaluating the arguments can neither run code nor fail
    ("BL202", "def f(pairs):\n    for a, b in pairs:\n        print('{} = {}'.format(a, b))\n", None, True),
    ("BL202", "def f(pairs, sep):\n    for a in pairs:\n        print('%s%s' % (a, sep))\n", "py39", True),
    ("BL202", "def f(pairs):\n    for a in pairs:\n        print('{} = {}'.format(a, a.name))\n", None, False),
    ("BL202", "G = 1\n\ndef f(pairs):\n    for a in pairs:\n        print('{} = {}'.format(a, G))\n", None, False),
    ("BL202", "def f(pairs):\n    for a in pairs:\n        print('{1} = {0}'.format(a.x, a.y))\n", None, None),
    ("BL202", "def f(pairs):\n    for a in pairs:\n        print('{}'.format(a, a.y))\n", None, None),
    ("BL202", 'def f(pairs):\n    for a in pairs:\n        print("{}".format(a["k"]))\n', None, None),
    # always unsafe, or not offered
    ("BL301", "def f(xs):\n    for x in list(xs):\n        print(x)\n", None, False),
    ("BL307", "def f(xs):\n    return sorted(xs)[0]\n", None, False),
    ("BL307", "def f(xs, min):\n    return sorted(xs)[0]\n", None, None),
    ("BL307", "def max(xs):\n    return 0\n\ndef f(xs):\n    return sorted(xs)[-1]\n", None, None),
    ("BL401", "def f(rows):\n    for r in rows:\n        x = dict()\n", "py39", False),
    ("BL401", "def f(rows):\n    for r in rows:\n        print(f'{dict()}')\n", "py39", None),
    ("BL305", "def f(root):\n    q = [root]\n    while q:\n        print(q.pop(0))\n", None, False),
    ("BL305", "def f(root):\n    q = [root]\n    while q:\n        print(q.pop(0))\n    return q\n", None, None),
    ("BL305", "def f(q):\n    while q:\n        print(q.pop(0))\n", None, None),
    ("BL306", "def f(xs, ys):\n    ok = list(ys)\n    return [x for x in xs if x in ok]\n", None, False),
    ("BL306", "def f(xs, ys):\n    ok = list(ys)\n    return [x for x in xs if x in ok], ok[0]\n", None, None),
    ("BL308", "def f(xs):\n    return sum(xs, [])\n", None, False),
    ("BL105", "def f(xs):\n    for x in xs:\n        import os\n        print(os.sep)\n", None, False),
    ("BL105", "def f(xs):\n    for x in xs:\n        print(os.sep)\n        import os\n", None, None),
    ("BL203", "import re\n\ndef f(xs):\n    return [re.sub('a', 'b', x, flags=re.I) for x in xs]\n", None, False),
    ("BL203", "import re\n\ndef f(xs, flags):\n    return [re.sub('a', 'b', x, flags=flags) for x in xs]\n", None, None),
    ("BL402", "def f(xs, a, b):\n    for x in xs:\n        if x in (a, b):\n            print(x)\n", None, False),
    # BL101: not offered where the function would change what the loop's names mean
    ("BL101", "import sys\nfor name in sys.argv:\n    exec(f'{name}_len = {len(name)}')\n", None, None),
    ("BL101", "import sys\nfor i, name in enumerate(sys.argv):\n    locals()[name] = i\n", None, None),
    ("BL101", "import sys\nout = []\nfor n in range(len(sys.argv) * 100):\n    item: list = [n]\n    out.append(item)\n", None, None),
    ("BL101", "import sys\nn = 0\nfor line in sys.argv:\n    n += 1\n", None, False),
]


@pytest.mark.parametrize("code, source, target, safe", SAFETY, ids=[f"{c[0]}-{i}" for i, c in enumerate(SAFETY)])
def test_fix_safety_decisions(code, source, target, safe):
    from bytelint.engine import lint_source

    config = Config(select=(code,), target_versions=targets(target), preview=True)
    found = [f for f in lint_source(source.encode(), "f.py", config).findings if f.code == code]
    assert found, f"{code} did not fire"
    fixes = {None if f.fix is None else f.fix.safe for f in found}
    assert fixes == {safe}, [(f.message, f.fix) for f in found]
    if safe is not None:
        outcome = fix_source(source.encode(), "f.py", config, unsafe=not safe)
        assert outcome.failed == [] and outcome.fixed is not None, outcome.failed


def _run(source: str, call: str):
    namespace: dict = {"__name__": "fixed"}
    exec(compile(source, "fixed.py", "exec"), namespace)
    return namespace["f"](*call)


# Safe fixes keep behaviour: the fixed code computes the same on sample inputs.
SAME_RESULT = [
    ("BL302", "def f(xs):\n    d = {x: x * 2 for x in xs}\n    t = 0\n    for _, v in d.items():\n        t += v\n    return t\n", None, ([1, 2, 3],)),
    ("BL303", "def f(ks):\n    d = {'a': 1, 'b': 2}\n    return [k for k in ks if k in d.keys()]\n", None, (["a", "c", "b"],)),
    ("BL309", "def f(xs):\n    return '-'.join(str(x) for x in xs if x)\n", None, ([" a", "", 3],)),
    ("BL304", "def f(xs):\n    out = []\n    for x in xs:\n        if x % 2:\n            out.append(x * 2)\n    return out\n", "py312", ([1, 2, 3],)),
    ("BL202", "def f(pairs):\n    out = []\n    for a, b in pairs:\n        out.append('{!r} = {} {{}}'.format(a, b))\n    return out\n", None, ([("x", 1.5)],)),
    ("BL202", "def f(pairs):\n    out = []\n    for a, b in pairs:\n        out.append('%s=%r 100%%' % (a, b))\n    return out\n", "py39", ([("x", "y")],)),
]


@pytest.mark.parametrize("code, source, target, args", SAME_RESULT, ids=[c[0] for c in SAME_RESULT])
def test_safe_fixes_compute_the_same(code, source, target, args):
    config = Config(select=(code,), target_versions=targets(target), preview=True)
    outcome = fix_source(source.encode(), "f.py", config)  # safe fixes only
    assert outcome.fixed is not None and outcome.failed == []
    assert _run(outcome.fixed.decode(), args) == _run(source, args)
