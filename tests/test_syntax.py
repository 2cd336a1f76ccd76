"""Rules that report from ``ast`` trees (syntax.py) find what their libcst check finds."""

from __future__ import annotations

import ast
import sys
import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from bytelint import codegen, engine, syntax
from bytelint.config import Config
from bytelint.registry import all_rules

from helpers import targets

AST_RULES = [rule for rule in all_rules() if rule.syntax_types]


def _findings(source: bytes, code: str, target: str, from_ast: bool, monkeypatch, path: str = "example.py"):
    rule = next(r for r in AST_RULES if r.code == code)
    with monkeypatch.context() as patch:
        if not from_ast:
            patch.setattr(type(rule), "syntax_types", ())
        config = Config(select=(code,), target_versions=targets(target), preview=True, fix_edits=False)
        result = engine.lint_source(source, path, config)
    assert result.error is None, result.error
    return result.findings


def test_some_rule_reports_from_ast():
    assert [rule.code for rule in AST_RULES] == ["BL102", "BL103"]


def _examples():
    for rule in AST_RULES:
        for number, example in enumerate((*rule.VALID, *rule.INVALID)):
            yield pytest.param(rule.code, example, id=f"{rule.code}-{number}")


@pytest.mark.parametrize("code, example", list(_examples()))
def test_every_example_reads_the_same_from_ast(code, example, monkeypatch):
    target = getattr(example, "target", None) or "py39"
    from_ast = _findings(example.code.encode(), code, target, True, monkeypatch)
    from_cst = _findings(example.code.encode(), code, target, False, monkeypatch)
    assert from_ast == from_cst  # messages, spans, evidence, fix descriptions and safety


SHAPES = """\
import functools

def f(xs, ys, d):
    out = []
    for x in (xs):
        out.append(len(x))
    for a, b in ((xs, ys)):
        out.append(abs(a))
    while (len(out) < 10  # a comment inside the parentheses
           ):
        out.append(min(out))
    total = sum(len(x) for x in xs)
    nested = [[abs(y) for y in ys if y > len(x)] for x in xs]
    keyed = {k: str(v) for k, v in d.items()}
    squares = set((abs(v) for v in ys))
    text = "é" + "".join(str(len(x)) for x in xs)
    table = f'''rows:
  {[str(len(x)) for x in xs]} {sum(abs(y) for y in ys)}'''  # 3.9's ast misplaces these
    async def g(stream):
        async for item in stream:
            out.append(len(item))
    return out, total, nested, keyed, squares, text, table, g, (lambda zs: [abs(z) for z in zs])


class C:
    @functools.lru_cache()
    def m(self, rows):
        for row in rows:
            print(len(row), repr(row))
        return [
            # the rows again
            str(r) for r in rows
        ]
"""


def test_loops_of_every_shape_read_the_same(monkeypatch):
    from_ast = _findings(SHAPES.encode(), "BL102", "py39", True, monkeypatch)
    from_cst = _findings(SHAPES.encode(), "BL102", "py39", False, monkeypatch)
    assert len(from_cst) >= 10
    assert from_ast == from_cst


ATTRIBUTES = """\
import math, os

class C:
    def f(self, xs, d, g):
        t = 0
        for x in xs:
            t += {self.a: self.b, self.c: math.pi}[x]  # keys and values interleaved
        for x in xs:
            t += self.d if self.e else self.d.real
        for x in xs:
            t += g(*xs, k=self.f, **d) + g(*xs, key=self.f.imag)
        for x in xs:
            t += f"{self.g} {os.sep}" + f\'\'\'{self.h}
              \'\'\'
        for y in xs:
            with y as (self.z):
                t += self.z.size
        for y in xs:
            try:
                t += self.w
            except KeyError as self_w:
                t += self_w
        for y in xs:
            (self.v).real
            del self.u
            t += self.u + self.s.t.u
        for z in range(10):
            t += self.k
        for z in range(1000):
            t += self.k + self.m.n
            [math.e for q in xs]
            def inner():
                return inner.r
        while self.p:
            t += self.p.x
            while t < self.o:
                t += 1
        return t, inner
"""


MORE_ATTRIBUTES = """\
import math, m

async def f(xs, tokens, q):
    out = []
    async for x in xs:
        out.append(math.sqrt(x))
    for t in tokens:
        async for u in q:
            while u not in m.styles:
                u = u.parent
    for n in xs:
        from m.sub import x
        import m.other as o
        print(m.sub, m.other, o)
    for x in xs:
        if x is None:
            raise ValueError(f\"\"\"bad
  {m.z.y}\"\"\")  # 3.9's ast misplaces what this holds
        out.append(m.z.y)
    return out
"""
MATCHING = """\
import m

def g(items):
    for it in items:
        match it:
            case {m.A: m.B, m.B: 1}:
                pass
            case m.C:
                print(m.C.x)
"""


@pytest.mark.parametrize("target", ["py39", "py311"])
def test_more_attribute_reads_read_the_same(target, monkeypatch):
    source = MORE_ATTRIBUTES + (MATCHING if sys.version_info >= (3, 10) else "")
    from_ast = _findings(source.encode(), "BL103", target, True, monkeypatch)
    from_cst = _findings(source.encode(), "BL103", target, False, monkeypatch)
    assert from_ast == from_cst
    lines = {f.span.line for f in from_cst}
    if target == "py39":
        assert 6 in lines  # an `async for` loop
    assert 12 not in lines and 13 not in lines  # module names in imports are not reads


@pytest.mark.parametrize("target", ["py39", "py311"])
def test_attribute_reads_of_every_shape_read_the_same(target, monkeypatch):
    from_ast = _findings(ATTRIBUTES.encode(), "BL103", target, True, monkeypatch)
    from_cst = _findings(ATTRIBUTES.encode(), "BL103", target, False, monkeypatch)
    assert len(from_cst) >= (15 if target == "py39" else 2)  # the evidence is the running interpreter's
    assert from_ast == from_cst


def _stdlib_files():
    root = Path(sysconfig.get_paths()["stdlib"])
    names = ["argparse.py", "difflib.py", "inspect.py", "textwrap.py", "tokenize.py", "pickletools.py",
             "json/decoder.py", "email/_header_value_parser.py", "configparser.py", "statistics.py"]
    return [root / name for name in names if (root / name).is_file()]


@pytest.mark.parametrize("path", _stdlib_files(), ids=lambda p: p.name)
def test_standard_library_modules_read_the_same(path, monkeypatch):
    source = path.read_bytes()
    for rule in AST_RULES:
        from_ast = _findings(source, rule.code, "py39", True, monkeypatch, str(path))
        from_cst = _findings(source, rule.code, "py39", False, monkeypatch, str(path))
        assert from_ast == from_cst


@pytest.mark.parametrize(
    "source",
    [
        "f(x for x in y)\n",
        "h = (x for x in y)\n",
        "k = ((  # c\n    x for x in y\n))\n",
        "for a in (b, c):\n    pass\n",
        "for a in ((b, c)):\n    pass\n",
        "for a, b in ('x', y), ('z', w):\n    pass\n",
        "for a in (\n    (1, 2),  # )\n    (3, 4),\n):\n    pass\n",
        "while (x < 3  # c\n  ):\n    pass\n",
        "s = 'ééé'; t = [x for x in 'é']\n",
        "u = {k: v for k, v in d}\n",
    ],
)
def test_spans_are_those_of_libcst(source):
    module = cst.parse_module(source)
    positions = codegen.positions(module)
    wanted = (cst.GeneratorExp, cst.ListComp, cst.DictComp, cst.Tuple, cst.Comparison)
    expected = []

    class Spans(cst.CSTVisitor):
        def on_visit(self, node):
            if isinstance(node, wanted):
                expected.append(positions[id(node)])
            return True

    module.visit(Spans())

    class File:
        class source:
            lines = source.splitlines(True)

    ctx = syntax.SyntaxContext(File)
    kinds = (ast.GeneratorExp, ast.ListComp, ast.DictComp, ast.Tuple, ast.Compare)
    nodes = sorted((n for n in ast.walk(ast.parse(source)) if isinstance(n, kinds)), key=lambda n: (n.lineno, n.col_offset))
    spans = [ctx.span(n) for n in nodes]
    assert [(s.line, s.col, s.end_line, s.end_col) for s in spans] == sorted(tuple(p) for p in expected)
