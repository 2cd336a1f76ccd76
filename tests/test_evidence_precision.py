"""The bytecode halves rule out, before any parsing, what the libcst halves would reject: a
function whose only evidence is such a site gets no tree. Each case is a pattern the source
check never reports (so its evidence must be empty) next to the reported pattern (evidence
present, and a finding), on the running interpreter."""

from __future__ import annotations

import textwrap

import pytest

from bytelint.bytecode import compile_source
from bytelint.config import Config
from bytelint.engine import FileContext
from bytelint.registry import all_rules
from bytelint.source import decode

from helpers import findings, targets

RULES = {rule.code: rule for rule in all_rules()}


def _evidence_lines(code: str, source: str, target=None):
    data = textwrap.dedent(source).encode("utf-8")
    config = Config(select=(code,), target_versions=targets(target), preview=True)
    compiled = compile_source(data, "example.py")
    assert compiled.code is not None, compiled.error
    file = FileContext(path="example.py", source=decode(data), code=compiled.code, config=config)
    evidence = RULES[code].evidence(file)
    return sorted(set(evidence.lines())) if evidence else []


# (rule, source the check never reports, source it reports, target)
CASES = [
    (
        "BL202",
        "def f(xs):\n    out = []\n    for i in xs:\n        out.append(i % 7)\n    return out\n",
        "def f(xs):\n    out = []\n    for x in xs:\n        out.append('<%s>' % (x,))\n    return out\n",
        "py39",
    ),
    (
        "BL601",
        "def f(xs):\n    n = 0\n    for v in xs:\n        n += isinstance(v, tuple)\n    return n\n",
        "def f(xs, items):\n    n = 0\n    for v in xs:\n        n += v * len(items)\n    return n\n",
        None,
    ),
    (
        "BL601",
        "class C:\n    def f(self, xs):\n        n = 0\n        for v in xs:\n            n += v * len(self.items)\n        return n\n",
        "class C:\n    def f(self, xs, items):\n        n = 0\n        for v in xs:\n            n += v * len(items)\n        return n\n",
        None,
    ),
    (
        "BL601",
        "def f(xs, m):\n    t = 0\n    for i in xs:\n        t += min(m * (i + 1), 13)\n    return t\n",
        "def f(xs, m):\n    t = 0\n    for i in xs:\n        t += i * min(m + 1, 13)\n    return t\n",
        None,
    ),
    (
        "BL201",
        "def f(xs):\n    n = 0\n    for x in xs:\n        n = n + x\n    return n\n",
        "def f(xs):\n    s = b''\n    for x in xs:\n        s = s + x\n    return s\n",
        None,
    ),
    (
        "BL201",
        "class C:\n    def f(self, xs):\n        self.n = 0\n        for x in xs:\n            self.n = self.n + x\n",
        "class C:\n    def f(self, xs):\n        self.out = ''\n        for x in xs:\n            self.out = self.out + x\n",
        None,
    ),
    (
        "BL201",
        "def f(xs, scan):\n    j = 0\n    for x in xs:\n        name, j = scan(j)\n        j = j + 1\n    return j\n",
        "def f(xs):\n    s = b''\n    for x in xs:\n        s = s + x\n    return s\n",
        None,
    ),
    (
        "BL201",
        "def f(env, items):\n    for k, v in items:\n        env['HTTP_' + k] = v\n        env[-1] += v\n",
        "def f(env, items):\n    for k, v in items:\n        env['all'] += v + ';'\n",
        None,
    ),
    (
        "BL306",
        "def f(xs):\n    seen = set()\n    n = 0\n    for x in xs:\n        if x in seen:\n            n += 1\n    return n\n",
        "def f(xs):\n    names = ['a', 'b', 'c']\n    n = 0\n    for x in xs:\n        if x in names:\n            n += 1\n    return n\n",
        None,
    ),
    (
        "BL106",
        "def f(xs):\n    out = []\n    for x in xs:\n        out.append([y for y in x])\n    return out\n",
        "def f(xs):\n    out = []\n    for x in xs:\n        out.append(sorted(x, key=lambda p: p[0]))\n    return out\n",
        None,
    ),
    (
        "BL502",
        "def f(d, ks):\n    out = []\n    for k in ks:\n        try:\n            out.append(d.get(k))\n        except KeyError:\n            continue\n    return out\n",
        "def f(d, ks):\n    out = []\n    for k in ks:\n        try:\n            v = d[k]\n        except KeyError:\n            continue\n        out.append(v)\n    return out\n",
        None,
    ),
]


@pytest.mark.parametrize("code, quiet, reported, target", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bytecode_half_rules_out_what_the_source_half_rejects(code, quiet, reported, target):
    assert _evidence_lines(code, quiet, target) == []
    assert not [f for f in findings(quiet, select=(code,), target=target) if f.code == code]
    assert _evidence_lines(code, reported, target)
    assert [f for f in findings(reported, select=(code,), target=target) if f.code == code]


def test_percent_formatting_has_no_evidence_where_every_target_compiles_it_as_an_fstring():
    source = "def f(xs):\n    out = []\n    for x in xs:\n        out.append('<%s>' % (x,))\n    return out\n"
    assert _evidence_lines("BL202", source, "py39")
    assert _evidence_lines("BL202", source, "py311") == []


def test_a_number_added_is_never_a_concatenation():
    """`s = s + 1` raises for a sequence: neither half takes it for one, whatever `s` held."""
    source = "def f(xs):\n    s = b''\n    for x in xs:\n        s = s + 1\n    return s\n"
    assert _evidence_lines("BL201", source) == []
    assert not findings(source, select=("BL201",))
