"""Loop detection against ground truth computed from ``ast`` (docs/bytecode.md §1.4).

For every snippet the expected loop depth of a source line is the deepest loop nesting of any AST
node starting on it (comprehension generators count as loops; function and class bodies restart
at 0; lambdas, comprehensions and generator expressions inherit).  The bytecode depth of a line
is the maximum over its instructions of the instruction's loop depth plus its unit's inherited
depth.  Loop headers and break/return/raise lines are ambiguous and skipped.
"""

import ast
import os
import sysconfig
import textwrap

import pytest

from bytelint.bytecode import Kind, ModuleBytecode, ScopeKind, compile_source
from bytelint.bytecode import instruction_set as iset
from bytelint.bytecode.flowgraph import may_loop, natural_loops
from bytelint.bytecode.rawcode import RawCode, uses_any

SNIPPETS = {
    "for": """
        def f(xs):
            out = []
            for x in xs:
                out.append(x)
            return out
    """,
    "nested_for": """
        def f(m):
            total = 0
            for row in m:
                n = len(row)
                for v in row:
                    total += v * n
                total -= 1
            done(total)
    """,
    "while": """
        def f(n):
            i = 0
            while i < n:
                i += 1
                g(i)
            done(i)
    """,
    "while_true_break": """
        def f():
            while True:
                if g():
                    break
                h()
            done()
    """,
    "while_else": """
        def f(n):
            while n > 0:
                n -= 1
                g(n)
            else:
                done(n)
            after(n)
    """,
    "for_else_continue_break": """
        def f(xs):
            for x in xs:
                if x < 0:
                    continue
                if x > 100:
                    break
                g(x)
            else:
                done()
            after()
    """,
    "nested_while": """
        def f(n):
            i = 0
            while i < n:
                j = 0
                while j < i:
                    g(i, j)
                    j += 1
                i += 1
            done()
    """,
    "if_at_end_of_body": """
        def f(xs):
            for x in xs:
                g(x)
                if x:
                    h(x)
            done()
    """,
    "try_except_in_loop": """
        def f(xs):
            out = []
            for x in xs:
                try:
                    out.append(g(x))
                except ValueError:
                    out.append(0)
            done(out)
            return out
    """,
    "try_finally_continue": """
        def f(xs):
            for x in xs:
                try:
                    if g(x):
                        continue
                    h(x)
                finally:
                    cleanup(x)
            done()
    """,
    "with_in_loop": """
        def f(paths):
            for p in paths:
                with open(p) as fh:
                    use(fh)
            done()
    """,
    "loop_in_try": """
        def f(xs):
            try:
                for x in xs:
                    g(x)
            except ValueError:
                handle()
            done()
    """,
    "try_after_loop": """
        def f(xs):
            for x in xs:
                g(x)
            try:
                h()
            except KeyError:
                k()
            done()
    """,
    "multiline_listcomp": """
        def f(xs):
            out = [
                x * 2
                for x in xs
                if x
            ]
            return out
    """,
    "nested_listcomp": """
        def f(m):
            flat = [v for row in m for v in row]
            grid = [[c * 2 for c in row] for row in m]
            done(flat, grid)
    """,
    "genexpr_in_loop": """
        def f(m):
            total = 0
            for row in m:
                total += sum(v * v for v in row)
            done(total)
    """,
    "async_for": """
        async def f(ait):
            out = []
            async for x in ait:
                out.append(x)
            done(out)
    """,
    "await_in_loop": """
        async def f(xs):
            for x in xs:
                await g(x)
            await done()
    """,
    "yield_from": """
        def f(xs):
            yield from xs
            done()
    """,
    "module_level_loop": """
        total = 0
        for i in range(10):
            total += i
        done(total)
    """,
    "class_body_loop": """
        class C:
            names = []
            for i in range(3):
                names.append(i)
            done = len(names)
    """,
    "dict_set_comp_and_lambda_in_loop": """
        def f(xs):
            for x in xs:
                d = {k: v for k, v in x}
                s = {k for k in x}
                key = lambda y: y * 2
            done(d, s, key)
    """,
    # 3.10+ duplicate the while test at the bottom; `continue` jumps to the top copy, which
    # makes two natural loops out of one source loop unless they are merged (flowgraph.py)
    "while_continue": """
        def f(j, n):
            while j < n:
                c = g(j)
                if c:
                    j += 2
                    continue
                j += 1
            done(j)
    """,
    "while_true_try_continue": """
        def f(sock):
            while True:
                try:
                    data = sock.recv(4096)
                    if not data:
                        break
                    process(data)
                except InterruptedError:
                    continue
                except BlockingIOError:
                    wait()
            done()
    """,
    "while_compound_test_continue": """
        def f(value, ends):
            while value and (value[0] == "x" or value[0] not in ends):
                if value[0] == ".":
                    value = value[1:]
                    continue
                value = step(value)
            done(value)
    """,
    "while_chained_compare_continue": """
        def f(i, n):
            while 0 <= i < n:
                m = g(i)
                if m:
                    i += 2
                    continue
                i += 1
            done(i)
    """,
    "while_continue_at_function_end": """
        def f(it):
            last = False
            while not last:
                ent = g()
                try:
                    nxt = next(it)
                except StopIteration:
                    last = True
                if ent:
                    h(ent)
                    continue
                k(ent)
    """,
    "while_continue_in_for": """
        def f(lines):
            out = ""
            for line in lines:
                i = 0
                n = len(line)
                while i < n:
                    c = line[i]
                    if c == "=":
                        i += 1
                        continue
                    out += c
                    i += 1
            done(out)
    """,
    "nested_while_true": """
        def f():
            while True:
                x = g()
                while x:
                    x = h(x)
                k()
    """,
}

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SKIP = (ast.Break, ast.Return, ast.Raise)
_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def expected_depths(source: str):
    """line -> loop depth from the AST, and the set of ambiguous lines."""
    depth_of = {}
    ambiguous = set()

    def note(node, depth):
        line = getattr(node, "lineno", None)
        if line is not None:
            depth_of[line] = max(depth_of.get(line, 0), depth)

    def visit(node, depth):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            note(node, depth)
            for d in node.decorator_list:
                visit(d, depth)
            if not isinstance(node, ast.ClassDef):
                for d in node.args.defaults + node.args.kw_defaults:
                    if d is not None:
                        visit(d, depth)
            else:
                for b in node.bases:
                    visit(b, depth)
            for stmt in node.body:
                visit(stmt, 0)
            return
        if isinstance(node, _LOOPS):
            header = node.test if isinstance(node, ast.While) else node.iter
            ambiguous.update(range(node.lineno, header.end_lineno + 1))
            if isinstance(node, ast.While):
                visit(node.test, depth + 1)
            else:
                visit(node.iter, depth)
                visit(node.target, depth + 1)
            for stmt in node.body:
                visit(stmt, depth + 1)
            for stmt in node.orelse:
                visit(stmt, depth)
            return
        if isinstance(node, _SKIP):
            ambiguous.add(node.lineno)
        if isinstance(node, _COMPS):
            # CPython puts the comprehension's own loop machinery (FOR_ITER, append, back
            # edge) on the line where it starts: a header line when the comprehension spans
            # several lines.
            if node.end_lineno != node.lineno:
                ambiguous.add(node.lineno)
                for gen in node.generators:  # 3.13 places FOR_ITER on the iterable
                    ambiguous.update(range(gen.iter.lineno, gen.iter.end_lineno + 1))
            note(node, depth)
            inner = depth
            for i, gen in enumerate(node.generators):
                visit(gen.iter, depth if i == 0 else inner)
                inner += 1
                visit(gen.target, inner)
                for cond in gen.ifs:
                    visit(cond, inner)
            if isinstance(node, ast.DictComp):
                visit(node.key, inner)
                visit(node.value, inner)
            else:
                visit(node.elt, inner)
            return
        note(node, depth)
        for child in ast.iter_child_nodes(node):
            visit(child, depth)

    for stmt in ast.parse(source).body:
        visit(stmt, 0)
    return depth_of, ambiguous


def bytecode_depths(source: str):
    result = compile_source(source.encode(), "<snippet>")
    assert result.code is not None, result.error
    mb = ModuleBytecode.build(result.code, source.splitlines(keepends=True))
    depths = {}
    for unit in mb.units:
        for instr in unit.instrs:
            if instr.line is None or instr.kind is Kind.NOISE:
                continue
            d = unit.depth_of(instr)
            depths[instr.line] = max(depths.get(instr.line, 0), d)
    return mb, depths


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_loop_depth_per_line_matches_ast(name):
    source = textwrap.dedent(SNIPPETS[name])
    expected, ambiguous = expected_depths(source)
    _mb, got = bytecode_depths(source)
    lines = source.splitlines()
    wrong = [
        "L%d expected %d got %d: %r" % (line, want, got[line], lines[line - 1].strip())
        for line, want in sorted(expected.items())
        if line not in ambiguous and line in got and got[line] != want
    ]
    assert not wrong
    # every compared line with code really was compared
    assert any(line in got for line in expected if line not in ambiguous)


def _unit(mb, qualname):
    return next(u for u in mb.units if u.qualname == qualname)


STDLIB_REGRESSIONS = [
    # files where an earlier version of the loop finder nested one source loop in itself
    "_markupbase.py", "asyncio/selector_events.py", "asyncio/unix_events.py",
    "email/_header_value_parser.py", "http/cookies.py", "email/quoprimime.py", "platform.py",
    "pprint.py", "argparse.py", "inspect.py",
]


@pytest.mark.parametrize("name", STDLIB_REGRESSIONS)
def test_stdlib_never_deeper_than_source(name):
    """Bytecode depth never exceeds the AST depth (it may be lower on exit paths: code that
    always leaves the loop, e.g. right before a ``return``, runs at most once per loop)."""
    path = os.path.join(sysconfig.get_paths()["stdlib"], name)
    if not os.path.exists(path):
        pytest.skip("not in this stdlib")
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    expected, ambiguous = expected_depths(source)
    _mb, got = bytecode_depths(source)
    deeper = [line for line, want in expected.items()
              if line not in ambiguous and got.get(line, 0) > want]
    assert deeper == []
    compared = [line for line in expected if line not in ambiguous and line in got]
    same = [line for line in compared if got[line] == expected[line]]
    assert len(same) > 0.85 * len(compared)


def test_loop_kinds_and_nesting():
    source = textwrap.dedent(SNIPPETS["nested_for"] + SNIPPETS["async_for"].replace("def f", "def a")
                             + SNIPPETS["while"].replace("def f", "def w"))
    mb, _ = bytecode_depths(source)
    f = _unit(mb, "f")
    assert [(lp.kind, lp.depth) for lp in f.loops] == [("for", 1), ("for", 2)]
    outer, inner = f.loops
    assert inner.parent is outer and outer.parent is None
    assert inner.offsets < outer.offsets
    assert outer.first_line == 4 and outer.last_line >= 8
    assert [lp.kind for lp in _unit(mb, "a").loops] == ["async for"]
    assert [lp.kind for lp in _unit(mb, "w").loops] == ["while"]


def test_await_and_yield_from_are_not_loops():
    source = textwrap.dedent(SNIPPETS["yield_from"] + SNIPPETS["await_in_loop"].replace("def f", "def a"))
    mb, _ = bytecode_depths(source)
    assert _unit(mb, "f").loops == []
    assert [lp.kind for lp in _unit(mb, "a").loops] == ["for"]


def test_hot_offsets_exclude_except_handler():
    source = textwrap.dedent(SNIPPETS["try_except_in_loop"])
    mb, _ = bytecode_depths(source)
    f = _unit(mb, "f")
    (loop,) = f.loops
    body_call = [i for i in f.instrs if i.line == 6 and i.name == "g"]
    handler = [i for i in f.instrs if i.line == 8 and i.name in ("out", "append")]
    after = [i for i in f.instrs if i.line == 9]
    assert body_call and handler and after
    for i in body_call:
        assert i.offset in loop.hot_offsets
        assert f.hot_loop_of(i) is loop
    for i in handler:  # the handler continues the loop: in the body, but not hot
        assert f.loop_of(i) is loop
        assert i.offset not in loop.hot_offsets
        assert f.hot_loop_of(i) is None
    for i in after:
        assert f.loop_of(i) is None
    assert loop.hot_offsets < loop.offsets
    assert {i.offset for i in loop.hot_instrs()} == set(loop.hot_offsets)
    assert {i.offset for i in loop.instrs()} == set(loop.offsets)


def test_inherited_depth_of_comprehensions_and_functions():
    source = textwrap.dedent(
        """
        def f(m):
            for row in m:
                total = sum(v for v in row)
                key = lambda y: y
                def helper():
                    for q in row:
                        pass
        """
    )
    mb, _ = bytecode_depths(source)
    by_kind = {u.kind: u for u in mb.units}
    assert by_kind[ScopeKind.GENEXPR].inherited_depth() == 1
    assert by_kind[ScopeKind.LAMBDA].inherited_depth() == 1
    helper = _unit(mb, "f.<locals>.helper")
    assert helper.inherited_depth() == 0
    assert [lp.depth for lp in helper.loops] == [1]


def test_functions_without_loops_have_none():
    source = "def f(x):\n    if x:\n        return 1\n    return [2]\n"
    mb, _ = bytecode_depths(source)
    assert all(u.loops == [] for u in mb.units)


@pytest.mark.parametrize("name", STDLIB_REGRESSIONS)
def test_may_loop_only_rules_out_code_without_loops(name):
    """``may_loop`` reads co_code's opcode bytes without decoding: False must mean no loop,
    and it must rule out most code objects (those are never decoded)."""
    path = os.path.join(sysconfig.get_paths()["stdlib"], name)
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    mb = ModuleBytecode.build(compile_source(source.encode(), path).code, source.splitlines(True))
    ruled_out = [unit for unit in mb.units if not may_loop(unit.code)]
    assert all(natural_loops(RawCode(unit.code)) == [] for unit in ruled_out)
    assert all(uses_any(unit.code, [iset.STORE_GLOBAL]) == (iset.STORE_GLOBAL in RawCode(unit.code).ops) for unit in mb.units)
    assert ruled_out and any(unit.loops for unit in mb.units)


def test_instrs_of_is_the_filtered_instruction_list():
    source = "def f(xs):\n    t = 0\n    for x in xs:\n        t += x.a + len(x)\n    return t\n"
    mb = ModuleBytecode.build(compile_source(source.encode(), "t.py").code, source.splitlines(True))
    unit = mb.units[1]
    for kinds in ({Kind.FAST_LOAD}, {Kind.ATTR_LOAD, Kind.CALL, Kind.INPLACE}, {Kind.YIELD}):
        assert unit.instrs_of(frozenset(kinds)) == [i for i in unit.instrs if i.kind in kinds]
