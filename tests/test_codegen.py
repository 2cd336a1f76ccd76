"""The engine's lean libcst code paths give exactly what libcst's own give: positions (as
``PositionProvider``), a fix's text (as transforming and regenerating the whole module), the
calls a read-only visitor sees (as ``CSTNode.visit``), and the walk's order."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from bytelint import codegen, tree

SOURCES = [
    "",
    "\n",
    "x = 1",  # no trailing newline
    "# only a comment\n",
    "x = 1\r\ny = 2\r\n",
    "x = 1\ry = 2\r",
    textwrap.dedent(
        '''\
        """Doc."""
        import os, sys as system
        from . import (a,
            b)


        @decorator(arg)
        @other
        async def f(x: int = 1, *args, y=f"{1 + 2!r:>{w}}", **kw) -> "T":
            """Docstring
            over lines."""
            for i, (j, k) in enumerate(xs):  # comment
                if i: continue
                elif j:
                    pass
                else:
                    break
            else:
                y = [v for v in range(3) if v] + [*a, *b]
            while not done:
                try:
                    yield from g()
                except (A, B) as e:
                    raise X from e
                finally:
                    del z
            async with ctx() as c, other:
                await c
            return lambda q, /, r=2: q ** -r


        class C(Base, metaclass=Meta):
            attr: int = 3
            def m(self): return self.attr; x = 1

            def n(self):
                s = 'é' + "\\N{BULLET}" + """
        multi
        line"""
                return s[1:2, ::3]
        # trailing comment
        '''
    ),
    "match command:\n    case [x, *rest] if x > 0:\n        pass\n    case {'k': v, **kw}:\n        pass\n    case Point(x=0) | None:\n        pass\n    case _:\n        pass\n",
    "if True:\n\tx = 1\n\tif x:\n\t\ty = (\n\t\t\t1,\n\t\t)\n",
    "def f():\n    x = '''\ntext at column 0\n'''\n    return x\n",
    "x = 1 \\\n    + 2\n",
    "é = 'ü'; ü = é  # ünïcode\n",
]


@pytest.mark.parametrize("source", SOURCES)
def test_positions_equal_position_provider(source):
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    got = codegen.positions(module)
    # whitespace and operator tokens' positions are not computed (a few record their own)
    tokens = {id(node) for node in expected if isinstance(node, codegen.LEAN_TOKENS)}
    expected = {node: rng for node, rng in expected.items() if id(node) not in tokens}
    assert set(got) - tokens == {id(node) for node in expected}
    for node, rng in expected.items():
        assert got[id(node)] == (rng.start.line, rng.start.column, rng.end.line, rng.end.column), type(node).__name__


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements):
        super().__init__()
        self.replacements = {id(k): v for k, v in replacements.items()}

    def on_leave(self, original_node, updated_node):
        return self.replacements.get(id(original_node), updated_node)


def _paths(module):
    """(path from the module to each For/While/Return node)."""
    found = []
    stack = []

    def enter(node):
        stack.append(node)
        if isinstance(node, (cst.For, cst.While, cst.Return, cst.Name)):
            found.append(tuple(stack))

    tree.walk(module, enter, lambda node: stack.pop())
    return found


@pytest.mark.parametrize("source", [s for s in SOURCES if "for" in s or "return" in s or "while" in s])
def test_replaced_text_equals_whole_module_transform(source):
    module = cst.parse_module(source)
    positions = codegen.positions(module)
    checked = 0
    for path in _paths(module):
        node = path[-1]
        extra = cst.parse_statement("pass\n")
        if isinstance(node, cst.BaseStatement):
            replacement = cst.FlattenSentinel([extra, node])
        elif isinstance(node, cst.BaseSmallStatement):
            replacement = cst.Expr(cst.Name("renamed"))
        else:
            replacement = cst.Name("renamed")
        transformer = _Replace({node: replacement})
        expected = module.visit(transformer).code
        for targets in ([node], {node: replacement}):  # a mapping: only the path is rebuilt
            fast = codegen.replaced_text(module, positions, module.code, path, targets, transformer)
            if fast is not None:
                assert fast == expected
                checked += 1
    assert checked


def test_nested_targets_the_outer_replacement_wins():
    module = cst.parse_module("def f(xs):\n    for x in xs:\n        print(x)\n")
    positions = codegen.positions(module)
    function = module.body[0]
    loop = function.body.body[0]
    call = loop.body.body[0]
    replacements = {loop: cst.parse_statement("pass\n"), call: cst.parse_statement("log(x)\n")}
    transformer = _Replace(replacements)
    fast = codegen.replaced_text(module, positions, module.code, (module, function, function.body, loop), replacements, transformer)
    assert fast == module.visit(transformer).code == "def f(xs):\n    pass\n"


def test_replaced_text_finds_targets_below_the_reported_node():
    module = cst.parse_module("def f(xs):\n    for x in xs:\n        print(x)\n    return 1\n")
    positions = codegen.positions(module)
    function = module.body[0]
    call = function.body.body[0].body.body[0]
    transformer = _Replace({call: cst.parse_statement("log(x)\n")})
    fast = codegen.replaced_text(module, positions, module.code, (module, function), [call], transformer)
    assert fast == module.visit(transformer).code == "def f(xs):\n    for x in xs:\n        log(x)\n    return 1\n"


def test_replaced_text_declines_what_it_cannot_do():
    module = cst.parse_module("x = 1\nfor i in y:\n    pass")  # no trailing newline
    positions = codegen.positions(module)
    loop = module.body[1]
    transformer = _Replace({loop: cst.RemovalSentinel.REMOVE})
    assert codegen.replaced_text(module, positions, module.code, (module, loop), [loop], transformer) is None
    other = cst.parse_statement("z = 3\n")
    assert codegen.replaced_text(module, positions, module.code, (module, loop), [other], transformer) is None


class _Recorder(cst.CSTVisitor):
    def __init__(self):
        self.calls = []

    def on_visit(self, node):
        self.calls.append(("visit", id(node)))
        return len(self.calls) % 11 != 0 and super().on_visit(node)

    def on_leave(self, original_node):
        self.calls.append(("leave", id(original_node)))
        super().on_leave(original_node)


class _Names(cst.CSTVisitor):
    def __init__(self):
        self.calls = []

    def visit_Name(self, node):
        self.calls.append(node.value)

    def visit_Attribute(self, node):
        self.calls.append(".")
        return len(self.calls) % 3 != 0

    def leave_FunctionDef(self, node):
        self.calls.append("/def")

    def visit_Comment(self, node):
        self.calls.append(node.value)


class _NamesOnly(cst.CSTVisitor):
    """No token handler: the fast visit does not enter whitespace or operator tokens."""

    def __init__(self):
        self.calls = []

    def visit_Name(self, node):
        self.calls.append(node.value)

    def leave_Call(self, node):
        self.calls.append("/call")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("visitor", [_Recorder, _Names, _NamesOnly])
def test_fast_visit_makes_the_same_calls(source, visitor):
    module = cst.parse_module(source)
    slow, fast = visitor(), visitor()
    tree._original_visit(module, slow)
    tree.fast_visit(module, fast)
    assert fast.calls == slow.calls


def test_fast_visits_are_installed_only_for_plain_visitors():
    import bytelint.engine  # noqa: F401  (installs them)

    assert cst.CSTNode.visit is tree._visit
    assert tree._fast_visitor(_Names)

    class Attributes(cst.CSTVisitor):
        def visit_For_body(self, node):
            pass

    class Transformer(cst.CSTTransformer):
        pass

    assert not tree._fast_visitor(Attributes)
    assert not tree._fast_visitor(Transformer)
    module = cst.parse_module("for x in y:\n    pass\n")
    assert module.visit(Transformer()).code == module.code


@pytest.mark.parametrize("source", SOURCES)
def test_walk_order_is_children_order(source):
    module = cst.parse_module(source)

    def reference(node, out):
        out.append(id(node))
        for child in tree.children(node):
            reference(child, out)
        out.append(-id(node))

    expected = []
    reference(module, expected)
    got = []
    tree.walk(module, lambda n: got.append(id(n)), lambda n: got.append(-id(n)))
    assert got == expected


def test_fast_visit_calls_only_the_visitors_own_handlers():
    # libcst's bases define a no-op handler for every node type: those are not called, and
    # token subtrees are skipped for a visitor that handles no token
    assert tree._handlers(_NamesOnly, cst.Name) == (False, "visit_Name", None, False)
    assert tree._handlers(_NamesOnly, cst.Call) == (False, None, "leave_Call", False)
    assert tree._handlers(_NamesOnly, cst.If) == (False, None, None, False)
    assert tree._handlers(_NamesOnly, cst.Comma) == (True, None, None, False)
    assert tree._handlers(_NamesOnly, cst.SimpleWhitespace) == (True, None, None, False)
    assert tree._handlers(_Names, cst.Comment) == (False, "visit_Comment", None, False)  # handles a token
    assert tree._handlers(_Names, cst.Comma)[0] is False
    # a visitor with its own on_visit/on_leave sees every node through them
    assert tree._handlers(_Recorder, cst.Comma) == (False, "on_visit", "on_leave", True)
