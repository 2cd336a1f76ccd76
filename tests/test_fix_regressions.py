"""Fixer bugs found by running `bytelint fix` on real projects (benchmarks/projects.py), each
reduced to a minimal reproduction. Each test states what should hold; while the bug is there
it was marked ``xfail(strict=True)``; the markers are gone with the bugs, and the tests stay
as regression tests."""

from __future__ import annotations


import libcst as cst
import pytest

from bytelint.config import Config
from bytelint.fixer import fix_source
from bytelint.registry import all_rules
from bytelint.rule import FixSpec, Report, Rule
from helpers import targets

PY39 = Config(target_versions=targets("py39"), preview=True, extend_select=("BL102",))  # BL102 is opt-in


def _run(source: str, call: str):
    namespace: dict = {"__name__": "regression"}
    exec(compile(source, "regression.py", "exec"), namespace)
    return eval(call, namespace)


# A builtin that bytelint calls "pure" still runs user code when it is called on a user object
# (len -> __len__, str -> __str__, isinstance -> __instancecheck__, and so on), and iterating a
# user generator runs user code on every pass. That code can rebind the builtin's name in the
# module, so binding `_len = len` before the loop is not safe "for every input".
BUILTIN_CALL_RUNS_USER_CODE = """\
class Item:
    def __len__(self):
        globals()["len"] = lambda obj: 42
        return 1


def f(items):
    total = 0
    for item in items:
        total += len(item)
    return total
"""


def test_safe_bl102_fix_keeps_behaviour_when_a_builtin_runs_user_code():
    outcome = fix_source(BUILTIN_CALL_RUNS_USER_CODE.encode(), "f.py", PY39)  # safe fixes only
    fixed = outcome.fixed.decode() if outcome.fixed else BUILTIN_CALL_RUNS_USER_CODE
    call = "f([Item(), Item()])"
    assert _run(fixed, call) == _run(BUILTIN_CALL_RUNS_USER_CODE, call) == 43


# On 3.11+ `x is None` / `x is not None` compile to POP_JUMP_*_IF_NONE / _NOT_NONE, which the
# bytecode layer splits into an IS and a JUMP; the JUMP keeps its absolute target offset in
# the unit's shape, so any fix that adds code above it in the same function "changes code
# outside the edited lines" and is dropped. In tomlkit 0.15.2 this drops 21 of 47 unsafe fixes.
IS_NONE_AFTER_THE_LOOP = """\
def f(items, u):
    for item in items:
        print(item)
    u = u + 1
    if u is None:
        return 0
    return u
"""


def test_is_none_test_after_the_loop_does_not_drop_the_fix():
    outcome = fix_source(IS_NONE_AFTER_THE_LOOP.encode(), "f.py", PY39, unsafe=True)
    assert outcome.failed == []
    assert [f.code for f in outcome.applied] == ["BL102"]
    assert "_print = print" in outcome.fixed.decode()


class _BrokenReturnFix(Rule):
    """A test rule whose fix never compiles (so it is always dropped)."""

    code = "BL997"
    name = "test-broken-return-fix"
    summary = "test"
    node_types = (cst.Return,)

    def check(self, node, ctx, evidence):
        yield Report(node, "return", fix=FixSpec({node: cst.Nonlocal(names=[cst.NameItem(cst.Name("x"))])}, safe=True, description="break it"))


# A fix that is dropped in a later round (after another fix was applied above it) is reported
# at its line in the partly fixed text, which is neither the file on disk (with --diff nothing
# is written) nor, in general, the written result.
LATER_DROPPED_FIX = """\
def a(items):
    for item in items:
        print(len(item))


def b():
    return 1
"""


def test_dropped_fix_is_reported_at_its_line_in_the_file():
    rules = [rule for rule in all_rules() if rule.code == "BL102"] + [_BrokenReturnFix()]
    outcome = fix_source(LATER_DROPPED_FIX.encode(), "f.py", PY39, unsafe=True, rules=rules)
    assert [f.code for f in outcome.applied] == ["BL102"]
    [(finding, _reason)] = outcome.failed
    assert finding.code == "BL997"
    assert finding.span.line == 7


# BL102's fix renames what other rules recognise (`re.search` -> `_re.search`, `len(name)` ->
# `_len(name)`), so after `bytelint fix --unsafe-fixes` their findings are gone although the slow
# code is still there: the regex is still looked up in re's cache on every pass (BL203) and
# `len(name)` is still computed on every pass (BL601). In sqlparse 0.6.1 this hides a BL203 and
# a BL601 finding. What should hold: a finding disappears only when its own pattern is gone.
HIDDEN_BY_BL102 = """\
import re


def f(lines, name):
    out = []
    for line in lines:
        if re.search("a+", line):
            out.append(line * len(name))
    return out
"""


def test_bl102_fix_does_not_hide_other_findings():
    from bytelint.registry import known_codes

    if not {"BL203", "BL601"} <= set(known_codes()):
        pytest.skip("BL203 and BL601 are not registered")
    before = {f.code for f in fix_source(HIDDEN_BY_BL102.encode(), "f.py", PY39).remaining.findings}
    assert {"BL203", "BL601"} <= before
    outcome = fix_source(HIDDEN_BY_BL102.encode(), "f.py", PY39, unsafe=True)
    left_or_fixed = {f.code for f in outcome.remaining.findings} | {f.code for f in outcome.applied}
    assert {"BL203", "BL601"} <= left_or_fixed


# The fixer remembers a rejected fix by (rule, message), not by place. Here `a`'s BL102 fix is
# rejected (it would hide the BL601 finding `len(sep)`); `b`'s second loop, whose message is the
# same ("len (2x)"), waits one round (its fix overlaps the first loop's) and is then skipped as
# already rejected, although its fix passes every proof: a second `bytelint fix` applies it, so
# one run does not reach a fixed point. On CPython 3.11's pydoc.py the same happens, and also a
# fix rejected for hiding a finding that a later round fixes is never retried.
# tests/test_fix_stdlib.py exempts files with such rejections until this holds.
SAME_MESSAGE_ELSEWHERE = """\
def a(items, sep):
    total = 0
    for item in items:
        total += len(item) + len(sep)
    return total


def b(items, other):
    total = 0
    for x in other:
        total += abs(x)
    for item in items:
        total += len(item) + len(item[0])
    return total
"""


def test_one_fix_run_reaches_a_fixed_point_despite_a_rejection_with_the_same_message():
    outcome = fix_source(SAME_MESSAGE_ELSEWHERE.encode(), "f.py", PY39, unsafe=True)
    assert fix_source(outcome.fixed, "f.py", PY39, unsafe=True).fixed is None


class _DropPass(Rule):
    """A test rule whose fix deletes a `pass` line (and so changes no instruction)."""

    code = "BL996"
    name = "test-drop-pass"
    summary = "test"
    node_types = (cst.Pass,)

    def check(self, node, ctx, evidence):
        yield Report(node, "pass", fix=FixSpec({ctx.parent: cst.RemovalSentinel.REMOVE}, safe=True, description="drop it"))


# Proof 2 ("code outside the edited lines compiles the same") maps a deleted line range
# asymmetrically: in the old text it leaves out the line before and the line after the deletion,
# in the new text one line more (fixer._new_ranges: `start + max(added, 1)` for added == 0), so
# code two lines below a deleted line counts as changed and the fix is dropped. BL105's fix
# (which deletes the import inside the loop) is offered only where that line holds no code
# until this is fixed.
DELETED_LINE = """\
def f(x):
    x += 1
    pass
    x += 2
    x += 3
    return x
"""


def test_deleting_a_line_is_proven_against_the_right_neighbours():
    outcome = fix_source(DELETED_LINE.encode(), "f.py", Config(), rules=[_DropPass()])
    assert outcome.failed == []
    assert outcome.fixed.decode() == DELETED_LINE.replace("    pass\n", "")
