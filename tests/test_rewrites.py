"""rewrites.py: the fast ``replace_reads`` and ``scope_names`` agree with their slow,
obviously-correct definitions (libcst's transformer over the whole node; the names in the tree)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from bytelint import bytecode
from bytelint.rewrites import _NonExpressionNames, _ReplaceReads, fresh_name, names_in, replace_reads, scope_names

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SAMPLES = ["argparse.py", "textwrap.py", "difflib.py", "json/encoder.py", "csv.py", "string.py"]


def _slow_replace(node, match):
    finder = _NonExpressionNames()
    node.visit(finder)
    transformer = _ReplaceReads(match, finder.excluded)
    return node.visit(transformer), transformer.count


class _Loops(cst.CSTVisitor):
    def __init__(self):
        super().__init__()
        self.loops = []

    def visit_For(self, node):
        self.loops.append(node)

    def visit_While(self, node):
        self.loops.append(node)


def _loops(path: Path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    visitor = _Loops()
    module.visit(visitor)
    return module, visitor.loops


@pytest.mark.parametrize("name", SAMPLES)
def test_replace_reads_equals_the_transformer_on_real_loops(name):
    module, loops = _loops(STDLIB / name)
    assert loops
    compared = 0
    for loop in loops:
        used = sorted(names_in(loop.body))
        chosen = set(used[::3])  # a third of the names, and the attribute chains that start with them

        def match(expr):
            if isinstance(expr, cst.Name) and expr.value in chosen:
                return cst.Name(expr.value + "_local")
            if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value in chosen:
                return cst.Name(expr.value.value + "_" + expr.attr.value)
            return None

        fast, fast_count = replace_reads(loop.body, match)
        slow, slow_count = _slow_replace(loop.body, match)
        assert fast_count == slow_count
        wrap = cst.Module(body=())
        assert wrap.code_for_node(fast) == wrap.code_for_node(slow)
        compared += fast_count > 0
    assert compared


def test_replace_reads_skips_stores_attributes_keywords_and_nested_scopes():
    body = cst.parse_module(
        "for x in xs:\n"
        "    x = n + obj.n + f(n=n)\n"
        "    def g(n=n):\n"
        "        return n\n"
        "    lam = lambda: n\n"
        "    n += 1\n"
    ).body[0].body

    new, count = replace_reads(body, lambda e: cst.Name("m") if isinstance(e, cst.Name) and e.value == "n" else None)
    code = cst.Module(body=()).code_for_node(new)
    assert count == 2
    assert "x = m + obj.n + f(n=m)" in code
    assert "def g(n=n):" in code and "lambda: n" in code and "n += 1" in code


def test_replace_reads_leaves_module_names_and_match_patterns():
    body = cst.parse_module(
        "for x in xs:\n"
        "    import m.sub\n"
        "    from m.sub import y\n"
        "    match x:\n"
        "        case m.sub:\n"
        "            print(m.sub)\n"
    ).body[0].body

    def match(expr):
        return cst.Name("sub") if isinstance(expr, cst.Attribute) and cst.Module(body=()).code_for_node(expr) == "m.sub" else None

    new, count = replace_reads(body, match)
    code = cst.Module(body=()).code_for_node(new)
    assert count == 1
    assert "import m.sub" in code and "from m.sub import y" in code
    assert "case m.sub:" in code  # `case sub:` would bind, not compare
    assert "print(sub)" in code


def test_replace_reads_without_a_match_returns_the_node_itself():
    body = cst.parse_statement("for x in xs:\n    print(x)\n").body
    assert replace_reads(body, lambda e: None) == (body, 0)


def _import_from_modules(node) -> set:
    """Names that only spell a module in `from a.b import c` (not variables)."""
    found = set()

    class _Modules(cst.CSTVisitor):
        def visit_ImportFrom(self, imp):
            if imp.module is not None:
                found.update(names_in(imp.module))

    node.visit(_Modules())
    return found


@pytest.mark.parametrize("name", SAMPLES)
def test_scope_names_cover_the_names_of_each_function(name):
    """Every variable name in a function's tree is taken in its compiled scope, so a fresh
    name picked from the bytecode never clashes with one in the source."""
    source = (STDLIB / name).read_bytes()
    compiled = bytecode.compile_source(source, name)
    module_bc = bytecode.ModuleBytecode.build(compiled.code, source.decode("utf-8").splitlines(keepends=True))
    tree_module = cst.parse_module(source)
    functions = {}

    class _Functions(cst.CSTVisitor):
        def visit_FunctionDef(self, node):
            functions.setdefault(node.name.value, []).append(node)

    tree_module.visit(_Functions())
    checked = 0
    for unit in module_bc.units:
        if unit.kind is not bytecode.ScopeKind.FUNCTION or len(functions.get(unit.name, ())) != 1:
            continue
        node = functions[unit.name][0]
        # names in the body (decorators, defaults and annotations run in the enclosing scope)
        in_tree = names_in(node.body) | {p.name.value for p in node.params.params + node.params.kwonly_params + node.params.posonly_params}
        taken = scope_names(unit)
        not_variables = {"True", "False", "None"} | _import_from_modules(node.body)
        missing = {n for n in in_tree - taken - not_variables if fresh_name(n, taken) == n}
        assert not missing, (unit.name, missing)
        checked += 1
    assert checked
