"""What the engine parses: regions of the file, with what no rule reads left out. Findings
and fixes are those of a tree of the whole file."""

from __future__ import annotations

import pytest

from bytelint import engine, regions, tree
from bytelint.config import Config
from bytelint.evidence import SiteIndex

from helpers import targets

TABLE = "NAMES = {\n" + "".join(f"    'n{i}': {i},\n" for i in range(300)) + "}\n"
HELPERS = "\ndef helper(x):\n    return x\n\n"
SOURCE = (
    "import os\n"
    + TABLE
    + "CODES = {}\n"
    + "for name, code in NAMES.items():\n"
    + "    CODES[code] = name\n"
    + "    CODES[name] = code\n"
    + HELPERS
)


def _lint(source: str, select, monkeypatch, whole: bool = False):
    parsed = []
    real = tree.parse_region

    def recording(lines, first, last, blanks=()):
        module, text = real(lines, first, last, blanks)
        parsed.append(text)
        return module, text

    monkeypatch.setattr(tree, "parse_region", recording)
    if whole:
        monkeypatch.setattr(regions, "regions", lambda total, cuts, wanted: [(1, total)])
        monkeypatch.setattr(regions, "blank_members", lambda *a: {})
        monkeypatch.setattr(regions, "leave_out_statements", lambda *a: None)
    config = Config(select=tuple(select), target_versions=targets("py39"), preview=True)
    result = engine.lint_source(source.encode(), "example.py", config)
    assert result.error is None
    return result.findings, parsed


def test_statements_no_rule_reads_are_left_out(monkeypatch):
    found, parsed = _lint(SOURCE, ("BL101",), monkeypatch)
    assert [f.code for f in found] == ["BL101"]
    assert len(parsed) == 1
    text = parsed[0]
    assert "'n7': 7" not in text and "import os" not in text  # emptied, not parsed
    assert "for name, code in NAMES.items():" in text
    assert text.count("\n") == SOURCE.count("\n", 0, SOURCE.index("\ndef helper")) + 1  # positions kept
    whole, _ = _lint(SOURCE, ("BL101",), monkeypatch, whole=True)
    assert found == whole  # same message, span and fix edits
    assert found[0].fix is not None and found[0].fix.edits


@pytest.mark.parametrize("statement_local", [False, True])
def test_a_rule_reading_the_scope_keeps_the_region_whole(statement_local, monkeypatch):
    # BL201 reads the value a name is given before the loop (`out = b''`). Read as a rule of
    # its scope, nothing of the region is left out; as a statement-local rule, its evidence
    # names the statements that store to the name (context lines): the table goes, the
    # initial value stays, and the finding is the same.
    source = "out = b''\n" + TABLE + "for x in PARTS:\n    out = out + x\n"
    rule = next(r for r in engine.select_rules(Config(select=("BL201",)), None) if r.code == "BL201")
    monkeypatch.setattr(type(rule), "statement_local", statement_local)
    found, parsed = _lint(source, ("BL101", "BL201"), monkeypatch)
    assert ("'n7': 7" in parsed[0]) is not statement_local
    assert "out = b''" in parsed[0]
    assert "BL201" in [f.code for f in found]


def test_without_its_context_lines_a_statement_local_rule_loses_findings(monkeypatch):
    source = "out = b''\n" + TABLE + "for x in PARTS:\n    out = out + x\n"
    monkeypatch.setattr(SiteIndex, "context_lines", lambda self: ())
    found, parsed = _lint(source, ("BL101", "BL201"), monkeypatch)
    assert "out = b''" not in parsed[0]
    assert "BL201" not in [f.code for f in found]  # the type came from the initial value


@pytest.mark.parametrize("with_scope", [True, False])
def test_a_function_imported_from_re_has_its_function_read_whole(with_scope, monkeypatch):
    prologue = "".join(f"    v{i} = str({i}).upper()\n" for i in range(50))
    source = (
        "from re import findall\n\ndef f(lines):\n" + prologue
        + "    re = lines[0]  # a local named re: the fix cannot `import re` here\n"
        + "    for line in lines:\n        print(findall('[0-9]', line))\n    return re\n"
    )
    if not with_scope:
        monkeypatch.setattr(SiteIndex, "scope_lines", lambda self: ())
    found, parsed = _lint(source, ("BL203",), monkeypatch)
    assert [f.code for f in found] == ["BL203"]
    assert ("v7 = " in parsed[0]) is with_scope
    assert (found[0].fix is None) is with_scope  # without the function whole, a wrong fix
    whole, _ = _lint(source, ("BL203",), monkeypatch, whole=True)
    assert (found == whole) is with_scope


def test_blank_statements_keeps_statements_holding_a_line():
    lines = "a = 1\n@dec\ndef f():\n    pass\nb = [\n    1,\n]\nfor x in b:\n    pass\n".splitlines(True)
    assert regions.blank_statements(lines, 1, len(lines), [8]) == [(1, 1), (2, 4), (5, 7)]
    assert regions.blank_statements(lines, 1, len(lines), [3, 6]) == [(1, 1), (8, 9)]
    assert regions.blank_statements(lines, 5, 9, [8]) == [(5, 7)]
    assert regions.blank_statements(["x = (\n"], 1, 1, [1]) == []  # does not parse alone


def test_blank_statements_reads_a_tree_parsed_with_fewer_lines_left_out(monkeypatch):
    import ast

    source = (
        "class C:\n    def a(self):\n        return 1\n\n    def b(self, xs):\n        n = 0\n"
        "        m = 1\n        for x in xs:\n            n += x\n        return n\n"
    )
    lines = source.splitlines(True)
    blanks = [(2, 4)]  # method a, left out of the libcst text
    expected = regions.blank_statements(lines, 1, len(lines), [9], (), blanks)
    parsed = (ast.parse(source), ())  # parsed with nothing left out
    monkeypatch.setattr(regions, "quiet_parse", lambda text: pytest.fail("parsed again"))
    reused = regions.blank_statements(lines, 1, len(lines), [9], (), blanks, parsed)

    def covered(ranges):
        return {n for start, end in ranges for n in range(start, end + 1)}

    assert covered(reused) == covered(expected)  # the same lines left out (a's twice, harmless)
    assert (6, 6) in expected and (7, 7) in expected  # b's statements outside the loop
    with pytest.raises(BaseException):  # a tree with more left out than libcst's text: not used
        regions.blank_statements(lines, 1, len(lines), [9], (), [], (parsed[0], ((2, 4),)))


PROLOGUE = "".join(f"    v{i} = str({i}).upper()\n" for i in range(50))
FUNCTION = (
    "def f(xs):\n"
    + PROLOGUE
    + "    def g(parts):\n"
    + "        out = b''\n"
    + "        kept_too = 1\n"
    + "        for p in parts:\n"
    + "            out = out + p\n"
    + "        return out\n"
    + "    if xs:\n"
    + "        first = 1\n"
    + "        second = 2\n"
    + "    else:\n"
    + "        total = 0\n"
    + "        for x in xs:\n"
    + "            total += len(x) + abs(x) + len(str(x))\n"
    + "    return g\n"
)


@pytest.mark.parametrize("scope_reader", ["BL201", None])
def test_statements_of_a_function_no_rule_reads_are_left_out(scope_reader, monkeypatch):
    # BL102 wants the loop in the `else`; BL201 the concatenation in g and the statement
    # giving `out` its first value. Made to read its scope, BL201 keeps g whole.
    if scope_reader:
        rule = next(r for r in engine.select_rules(Config(select=(scope_reader,)), None) if r.code == scope_reader)
        monkeypatch.setattr(type(rule), "statement_local", False)
    found, parsed = _lint(FUNCTION, ("BL102", "BL201"), monkeypatch)
    whole, _ = _lint(FUNCTION, ("BL102", "BL201"), monkeypatch, whole=True)
    assert sorted(f.code for f in found) == ["BL102", "BL201"]
    assert found == whole  # same messages, spans and fix edits
    text = parsed[0]
    assert "v7 = " not in text and "return g" not in text  # f's other statements
    assert ("kept_too = 1" in text) is bool(scope_reader)
    assert "out = b''" in text
    assert "first = 1" in text and "second = 2" not in text  # a block keeps its first statement
    assert "total = 0" not in text and "for x in xs:" in text


def _examples():
    from bytelint.registry import all_rules

    for rule in all_rules():
        for number, example in enumerate((*rule.VALID, *rule.INVALID)):
            yield pytest.param(rule.code, example, id=f"{rule.code}-{number}")


@pytest.mark.parametrize("code, example", list(_examples()))
def test_every_example_reads_the_same_with_statements_left_out(code, example, monkeypatch):
    """Each rule's examples, with every region however small left to ``blank_statements``
    and with every statement of the example's module body after a padding function: the
    findings (messages, spans, fix edits) are those of a tree of the whole file. A rule marked
    ``statement_local`` that read a statement it does not hold would differ here."""
    padding = "def _padding():\n" + "".join(f"    p{i} = {i}\n" for i in range(5)) + "\n\n"
    source = padding + example.code
    monkeypatch.setattr(regions, "SMALL_REGION", 0)
    config = Config(select=(code,), target_versions=targets(example.target), preview=True)
    cut = engine.lint_source(source.encode(), "example.py", config)
    with monkeypatch.context() as whole:
        whole.setattr(regions, "regions", lambda total, cuts, wanted: [(1, total)])
        whole.setattr(regions, "blank_members", lambda *a: {})
        whole.setattr(regions, "leave_out_statements", lambda *a: None)
        full = engine.lint_source(source.encode(), "example.py", config)
    assert cut == full


def test_a_method_alone_in_an_if_of_its_class_is_left_in():
    import ast

    from bytelint import bytecode
    from bytelint.source import decode

    source = (
        "class C:\n    def a(self):\n        return 1\n    if FLAG:\n        def b(self):\n            return 2\n"
        "    def c(self, xs):\n        for x in xs:\n            print(len(x))\n"
    ).encode()
    text = decode(source)
    module = bytecode.ModuleBytecode.build(bytecode.compile_source(source, "c.py").code, text.lines)
    span = (1, len(text.lines))
    blanks = regions.blank_members(module, [span], [9], text.lines)[span]
    assert blanks == [(2, 3)]  # `a` goes; `b`, the only statement of its block, stays
    ast.parse(tree.region_text(text.lines, *span, blanks))
    without_indents = regions.blank_members(module, [span], [9])[span]
    assert (5, 6) in without_indents  # what the file's lines avoid: an `if` left without a body


def test_declarations_the_bytecode_does_not_show_stay(monkeypatch):
    # `nonlocal ok` compiles to nothing, yet BL306 must see it (the list belongs to g, and a
    # set there would break g's `ok[0]`); `set: type` makes `set` a local that the fix's
    # `set(...)` call would then find unbound.
    padding = "".join(f"        v{i} = str({i})\n" for i in range(45))
    source = (
        "def g(xs, ys):\n    ok = None\n    def f():\n        nonlocal ok\n" + padding
        + "        ok = list(ys)\n        return [x for x in xs if x in ok]\n    return f, ok[0]\n\n"
        "def h(xs, ys):\n    set: type\n" + padding.replace("        ", "    ")
        + "    ok = list(ys)\n    return [x for x in xs if x in ok]\n"
    )
    found, parsed = _lint(source, ("BL306",), monkeypatch)
    whole, _ = _lint(source, ("BL306",), monkeypatch, whole=True)
    assert found == whole
    assert "nonlocal ok" in parsed[0] and "set: type" in "".join(parsed) and "v7 = " not in parsed[0]
    g_end = source[: source.index("def h")].count("\n")
    assert all(f.span.line > g_end and f.fix is None for f in found), found
