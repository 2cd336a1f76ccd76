"""Rules that rule candidates out on ``ast`` trees first (``Rule.screen``) find what they find
without the screen: the screen only spares libcst trees."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

import pytest

from bytelint import engine, tree
from bytelint.config import Config
from bytelint.registry import all_rules

from helpers import targets

SCREENED = [rule for rule in all_rules() if rule.screen_types]


def _lint(source: bytes, code: str, target: str, screened: bool, monkeypatch, fix_edits: bool = True, path: str = "example.py"):
    rule = next(r for r in SCREENED if r.code == code)
    parsed = []
    with monkeypatch.context() as patch:
        if not screened:
            patch.setattr(type(rule), "screen_types", ())
        original = tree.parse_region

        def counting(lines, first, last, blanks=()):
            parsed.append((first, last))
            return original(lines, first, last, blanks)

        patch.setattr(tree, "parse_region", counting)
        config = Config(select=(code,), target_versions=targets(target), preview=True, fix_edits=fix_edits)
        result = engine.lint_source(source, path, config)
    assert result.error is None, result.error
    return result.findings, parsed


def test_some_rule_screens():
    assert "BL304" in [rule.code for rule in SCREENED]


def _examples():
    for rule in SCREENED:
        for number, example in enumerate((*rule.VALID, *rule.INVALID)):
            for target in sorted({getattr(example, "target", None) or "py39", "py312"}):
                yield pytest.param(rule.code, example, target, id=f"{rule.code}-{number}-{target}")


@pytest.mark.parametrize("code, example, target", list(_examples()))
def test_every_example_finds_the_same_with_the_screen(code, example, target, monkeypatch):
    for fix_edits in (True, False):
        with_screen, _ = _lint(example.code.encode(), code, target, True, monkeypatch, fix_edits)
        without, _ = _lint(example.code.encode(), code, target, False, monkeypatch, fix_edits)
        assert with_screen == without  # messages, spans, fixes and their text


SHAPES = """\
import functools

def f(xs, rows, d):
    out = []
    for x in xs:  # two statements: never a comprehension
        out.append(x)
        print(x)
    for row in rows:  # the outer loop is ruled out, the inner one is a finding
        cells = []
        for c in row:
            cells.append(c * 2)
        print(cells)
    seen = set()
    for z in xs:
        if z:
            for y in z:
                seen.add(y % 7)
    keyed = {}
    for k in xs:
        keyed[k] = len(k)
    try:
        late = []
        for x in xs:
            late.append(x + 1)
    except ValueError:
        pass
    used = []
    for x in xs:
        used.append(used and x)
    early = []
    print(early)
    for x in xs:
        early.append(x + 3)
    text = f'''{[
        x for x in xs]}'''  # 3.9's ast misplaces what this holds
    again = list()
    for x in xs:
        again.append(functools.reduce(max, x))
    return out, cells, seen, keyed, late, used, early, text, again


class C:
    @functools.lru_cache()
    def m(self, rows):
        found = []
        for r in rows:
            found.append(len(r))
        self.found = found
        other = []
        for row in rows:
            other.append(row)
            other.append(row)
        return other
"""


@pytest.mark.parametrize("target", ["py39", "py312"])
def test_loops_of_every_shape_find_the_same(target, monkeypatch):
    with_screen, _ = _lint(SHAPES.encode(), "BL304", target, True, monkeypatch)
    without, _ = _lint(SHAPES.encode(), "BL304", target, False, monkeypatch)
    dicts = [19] if target == "py39" else []  # d[k] = v pays on 3.9/3.10 only
    assert [f.span.line for f in without] == [10, 14, *dicts, 37, 46]
    assert with_screen == without


FORMATS = """\
def f(rows, log, d):
    out = []
    for a, b in rows:
        log(str(a), '{} = {!r}'.format(a, b), '{:>10}'.format(a))  # one of three calls formats
        log('{0}: {name}'.format(a, name=b) + '%s-%r' % (a, b))
        log('%d items' % (a,), '%s' % a, '{}'.format(*b), '{}'.format(**d))
        log('{} {}'
            ' {}'.format(a, b, str(a)))
        log(f\'\'\'{'{}'.format(a)}
        {b}\'\'\')  # 3.9's ast misplaces what this holds
        out.append(b'%s' % (a,))
    return out
"""


@pytest.mark.parametrize("target", ["py39", "py311"])
def test_formatting_of_every_shape_finds_the_same(target, monkeypatch):
    with_screen, _ = _lint(FORMATS.encode(), "BL202", target, True, monkeypatch)
    without, _ = _lint(FORMATS.encode(), "BL202", target, False, monkeypatch)
    assert [(f.span.line, f.span.col) for f in without] == [(4, 20), (5, 12), *([(5, 46)] if target == "py39" else []), (7, 12), (9, 17)]
    assert with_screen == without


CONCATS = """\
class C:
    def f(self, rows, words):
        s = ''
        n = 0
        line = ''
        self.out = ''
        for row in rows:
            n += 1
            n = n + -2
            s += row
            s = s + ',' + row
            s = (s + ',') + row
            t = ''
            t += row
            self.out = self.out + row + ';'
            for w in words:
                if len(line) > 70:
                    line = ''
                line += ' ' + w
            b = b''
            for w in words:
                b = b + w
            u, (v, *rest) = row
            v += 'x'
            (total := 0)
            total += 1.5
        return s, n, t, line, b, v
"""


@pytest.mark.parametrize("target", ["py39", "py311"])
def test_concatenations_of_every_shape_find_the_same(target, monkeypatch):
    with_screen, _ = _lint(CONCATS.encode(), "BL201", target, True, monkeypatch)
    without, _ = _lint(CONCATS.encode(), "BL201", target, False, monkeypatch)
    assert {15, 22} <= {f.span.line for f in without}
    assert with_screen == without


INVARIANTS = """\
import math

def f(xs, ys, d, k):
    out = []
    for x in xs:
        out.append(len(ys) + len(x) + abs(k) + math.sqrt(k) + max(k, key=abs))
        out.append(sum(ys[k]) + sum(ys[1:]) + sorted(ys, reverse=True)[0])
        out.append([len(ys) for _ in x] + [len(d) for d in ys])
        for y in ys:
            out.append(len(d) + len(y))
        else:
            out.append(len(d))
        with open(x) as handle:
            out.append(len(handle))
        try:
            pass
        except ValueError as error:
            out.append(len(error))
        k = len(ys)
    while len(ys) > len(out):
        out.append(len(xs) + abs(len(ys)))
    return out, (lambda: len(ys))
"""


@pytest.mark.parametrize("target", ["py39", "py311"])
def test_invariant_calls_of_every_shape_find_the_same(target, monkeypatch):
    with_screen, _ = _lint(INVARIANTS.encode(), "BL601", target, True, monkeypatch)
    without, _ = _lint(INVARIANTS.encode(), "BL601", target, False, monkeypatch)
    assert len(without) >= 3
    assert with_screen == without


def test_a_file_whose_candidates_are_all_ruled_out_builds_no_libcst_tree(monkeypatch):
    source = b"def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n        print(x)\n    return out\n"
    with_screen, parsed = _lint(source, "BL304", "py39", True, monkeypatch)
    without, parsed_without = _lint(source, "BL304", "py39", False, monkeypatch)
    assert with_screen == without == ()
    assert parsed == [] and parsed_without == [(1, 6)]


def test_when_ast_cannot_read_the_file_libcst_checks_alone(monkeypatch):
    def failing(*args, **kwargs):
        raise RecursionError("too deep for this test")

    expected, _ = _lint(SHAPES.encode(), "BL304", "py39", False, monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr(ast, "parse", failing)
        found, _ = _lint(SHAPES.encode(), "BL304", "py39", True, monkeypatch)
    assert found == expected and len(found) == 5


def test_a_module_level_loop_whose_container_is_made_in_an_earlier_region(monkeypatch):
    # BL101's evidence on line 3 merges lines 1-4 into libcst's tree; the ast tree screened
    # holds lines 7-8 alone, where `out = []` is not to be seen
    source = (
        b"import re\nout = []\nfor p in ['a', 'b'] * 100:\n    print(re.compile(p))\n"
        b"def helper(x):\n    return x\nfor i in range(1000):\n    out.append(i * 3)\n"
    )
    config = Config(select=("BL101", "BL304"), target_versions=targets("py312"), preview=True)
    with_screen = engine.lint_source(source, "example.py", config).findings
    monkeypatch.setattr(type(next(r for r in SCREENED if r.code == "BL304")), "screen_types", ())
    without = engine.lint_source(source, "example.py", config).findings
    assert [(f.code, f.span.line) for f in without] == [("BL101", 3), ("BL101", 7), ("BL304", 7)]
    assert with_screen == without


def test_the_files_own_warnings_are_not_printed(recwarn):
    source = b"import re\n\ndef f(xs):\n    out = []\n    for x in xs:\n        out.append(re.match('\\d', x))\n    return out\n"
    for fix_edits in (True, False):
        config = Config(target_versions=targets("py39"), preview=True, fix_edits=fix_edits)
        assert engine.lint_source(source, "example.py", config).findings
    assert not [w for w in recwarn if "escape" in str(w.message)]


def _stdlib_files():
    root = Path(sysconfig.get_paths()["stdlib"])
    names = ["argparse.py", "difflib.py", "inspect.py", "textwrap.py", "tokenize.py", "pickletools.py",
             "json/decoder.py", "email/_header_value_parser.py", "configparser.py", "statistics.py",
             "symtable.py", "tkinter/tix.py", "pydoc.py", "dataclasses.py", "typing.py"]
    return [root / name for name in names if (root / name).is_file()]


@pytest.mark.parametrize("path", _stdlib_files(), ids=lambda p: p.name)
def test_standard_library_modules_find_the_same(path, monkeypatch):
    source = path.read_bytes()
    for rule in SCREENED:
        with_screen, parsed = _lint(source, rule.code, "py39", True, monkeypatch, path=str(path))
        without, parsed_without = _lint(source, rule.code, "py39", False, monkeypatch, path=str(path))
        assert with_screen == without
        assert len(parsed) <= len(parsed_without)
