"""Code units: scope kinds, qualnames, creation sites, unit order."""

import sys
import textwrap

from bytelint.bytecode import Kind, ModuleBytecode, ScopeKind, compile_source

PY = sys.version_info[:2]

SOURCE = textwrap.dedent(
    """
    def outer(v):
        class Local(Base, metaclass=Meta):
            attr = v
            def method(self):
                return [y for y in self]
        def inner():
            return v
        return Local, inner

    @decorator
    class C:
        def m(self):
            return (x for x in self)
        key = lambda self: self.m()

    async def coro(xs):
        async for x in xs:
            await x

    def gen():
        yield 1

    async def agen():
        yield 2

    squares = [i * i for i in range(3)]
    evens = {i for i in range(4)}
    """
)


def build(source=SOURCE):
    result = compile_source(source.encode(), "<test>")
    return ModuleBytecode.build(result.code, source.splitlines(keepends=True))


def test_scope_kinds_and_qualnames():
    mb = build()
    got = [(u.kind, u.qualname) for u in mb.units]
    comps = PY < (3, 12)  # PEP 709: list/set comprehensions are inlined from 3.12
    expected = [
        (ScopeKind.MODULE, "<module>"),
        (ScopeKind.FUNCTION, "outer"),
        (ScopeKind.CLASS, "outer.<locals>.Local"),
        (ScopeKind.FUNCTION, "outer.<locals>.Local.method"),
    ]
    if comps:
        expected.append((ScopeKind.COMPREHENSION, "outer.<locals>.Local.method.<locals>.<listcomp>"))
    expected += [
        (ScopeKind.FUNCTION, "outer.<locals>.inner"),
        (ScopeKind.CLASS, "C"),
        (ScopeKind.FUNCTION, "C.m"),
        (ScopeKind.GENEXPR, "C.m.<locals>.<genexpr>"),
        (ScopeKind.LAMBDA, "C.<lambda>"),
        (ScopeKind.FUNCTION, "coro"),
        (ScopeKind.FUNCTION, "gen"),
        (ScopeKind.FUNCTION, "agen"),
    ]
    if comps:
        expected += [(ScopeKind.COMPREHENSION, "<listcomp>"), (ScopeKind.COMPREHENSION, "<setcomp>")]
    assert got == expected


def test_flags_parents_and_creation_sites():
    mb = build()
    by_name = {u.qualname: u for u in mb.units}
    assert by_name["coro"].is_async and not by_name["coro"].is_generator
    assert by_name["gen"].is_generator and not by_name["gen"].is_async
    assert by_name["agen"].is_generator and by_name["agen"].is_async
    assert by_name["C.m.<locals>.<genexpr>"].is_generator
    assert by_name["outer"].parent is mb.module and mb.module.parent is None
    assert mb.module.creation_offset is None and mb.module.first_line in (1, 2)
    for u in mb.units[1:]:
        load = [i for i in u.parent.instrs if i.offset == u.creation_offset]
        assert load and load[-1].kind is Kind.CONST_LOAD and load[-1].argval is u.code
        assert u in u.parent.children
    assert by_name["outer.<locals>.inner"].first_line == 7
    assert by_name["outer.<locals>.inner"].name == "inner"


def test_class_detection_is_not_by_name():
    # a function and a class with the same name; a class built inside a function with a closure
    source = textwrap.dedent(
        """
        def Thing():
            pass
        def make(v):
            class Thing:
                x = v
            return Thing
        """
    )
    kinds = [(u.kind, u.qualname) for u in build(source).units]
    assert kinds == [
        (ScopeKind.MODULE, "<module>"),
        (ScopeKind.FUNCTION, "Thing"),
        (ScopeKind.FUNCTION, "make"),
        (ScopeKind.CLASS, "make.<locals>.Thing"),
    ]


def test_class_kind_agrees_with_code_flags():
    # class bodies (like module code) are compiled without CO_NEWLOCALS; every other unit has it
    import inspect

    for u in build().units[1:]:
        assert (u.kind is ScopeKind.CLASS) == (not u.code.co_flags & inspect.CO_NEWLOCALS), u


def test_deeply_nested_lambdas():
    source = "for i in x:\n    f = " + "lambda: " * 300 + "0\n"
    mb = build(source)
    assert len(mb.units) == 301
    assert all(u.kind is ScopeKind.LAMBDA for u in mb.units[1:])
    assert mb.units[-1].parent is mb.units[-2]
    assert mb.units[-1].inherited_depth() == 1


def test_module_level_inlined_comprehension_is_a_loop_of_the_module():
    mb = build("r = [i * 2 for i in range(3)]\n")
    if PY >= (3, 12):
        assert len(mb.units) == 1
        assert [lp.kind for lp in mb.module.loops] == ["for"]
        # inlined comprehensions use fast locals even in module code
        assert any(i.kind is Kind.FAST_STORE and i.name == "i" for i in mb.module.instrs)
    else:
        assert [u.kind for u in mb.units] == [ScopeKind.MODULE, ScopeKind.COMPREHENSION]
        assert mb.module.loops == [] and len(mb.units[1].loops) == 1
