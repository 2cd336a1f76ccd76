"""operands.py: callee, arguments and operand producers read the same on every version."""

import textwrap

from bytelint.bytecode import Kind, ModuleBytecode, compile_source
from bytelint.bytecode.operands import call_shape, callee_code_unit, producer, unpack_count

SOURCE = textwrap.dedent(
    """
    import math
    def f(xs, d, g):
        a = "".join(s for s in xs)
        b = sorted(xs, key=len)[-1]
        c = g(*xs, **d)
        e = d.get(1, default=2)
        h = math.sqrt(len(xs))
        i = sum(xs, [])
        j = xs.pop(0) + xs.insert(0, a)
        k = g(a, b)(c)
        l = x in [a, b] or x in d.keys()
        m = list()
        for q in list(xs):
            pass
        p = {a: b}.get(a, [1, 2][0])
        r = super().m(a)
        for key, value in d.items():
            pass
        t = [1, 2, 3]
    """
)


def _unit():
    result = compile_source(SOURCE.encode(), "example.py")
    module = ModuleBytecode.build(result.code, SOURCE.splitlines(keepends=True))
    return next(u for u in module.units if u.name == "f")


def _show(instr):
    if instr is None:
        return "?"
    detail = instr.name if instr.name is not None else instr.op if instr.op is not None else instr.argval
    return f"{instr.kind.name}:{detail}"


def _calls(unit, line):
    return [call_shape(i) for i in unit.instrs if i.kind is Kind.CALL and i.line == line]


def test_callees_and_arguments():
    unit = _unit()
    line = {text.strip().split(" = ")[0]: n for n, text in enumerate(SOURCE.splitlines(), 1) if " = " in text}
    # sorted(xs, key=len): one positional argument, one keyword
    (shape,) = _calls(unit, line["b"])
    assert _show(shape.callee) == "GLOBAL_LOAD:sorted"
    assert [_show(p) for p in shape.positional] == ["FAST_LOAD:xs"]
    assert shape.keywords == ("key",)
    # g(*xs, **d)
    (shape,) = _calls(unit, line["c"])
    assert shape.star and _show(shape.callee) == "FAST_LOAD:g"
    # d.get(1, default=2): attribute or method load depending on the version
    (shape,) = _calls(unit, line["e"])
    assert shape.callee.name == "get" and shape.keywords == ("default",)
    assert [_show(p) for p in shape.positional] == ["CONST_LOAD:1"]
    # math.sqrt(len(xs))
    inner, outer = _calls(unit, line["h"])
    assert _show(inner.callee) == "GLOBAL_LOAD:len"
    assert outer.callee.name == "sqrt" and outer.positional[0] is not None and outer.positional[0].kind is Kind.CALL
    # sum(xs, [])
    (shape,) = _calls(unit, line["i"])
    assert [_show(p) for p in shape.positional] == ["FAST_LOAD:xs", "BUILD:list"]
    # xs.pop(0) + xs.insert(0, a)
    pop, insert = _calls(unit, line["j"])
    assert _show(pop.callee) == "METHOD_LOAD:pop" and [_show(p) for p in pop.positional] == ["CONST_LOAD:0"]
    assert [_show(p) for p in insert.positional] == ["CONST_LOAD:0", "FAST_LOAD:a"]
    # g(a, b)(c): the callee of the outer call is the inner call
    first, second = _calls(unit, line["k"])
    assert _show(first.callee) == "FAST_LOAD:g" and second.callee.kind is Kind.CALL
    # list()
    (shape,) = _calls(unit, line["m"])
    assert _show(shape.callee) == "GLOBAL_LOAD:list" and shape.positional == ()
    # super().m(a)
    sup, meth = _calls(unit, line["r"])
    assert _show(sup.callee) == "GLOBAL_LOAD:super"
    assert meth.callee.name == "m" and [_show(p) for p in meth.positional] == ["FAST_LOAD:a"]


def test_operand_producers():
    unit = _unit()
    contains = [i for i in unit.instrs if i.kind is Kind.CONTAINS]
    assert _show(producer(contains[0])) == "BUILD:tuple"  # x in [a, b] is built per evaluation
    keys = producer(contains[1])
    assert keys.kind is Kind.CALL and _show(call_shape(keys).callee) == "METHOD_LOAD:keys"
    subscripts = [i for i in unit.instrs if i.kind is Kind.SUBSCR_LOAD]
    assert _show(producer(subscripts[0])) == "CONST_LOAD:-1"
    assert _show(call_shape(producer(subscripts[0], 1)).callee) == "GLOBAL_LOAD:sorted"
    assert _show(producer(subscripts[1], 1)) == "BUILD:list"
    iters = [i for i in unit.instrs if i.kind is Kind.GET_ITER]
    listcall = next(i for i in iters if i.line == 14)
    assert _show(call_shape(producer(listcall)).callee) == "GLOBAL_LOAD:list"
    # t = [1, 2, 3] is built as an empty list extended by a constant tuple: the list is the value
    store = next(i for i in unit.instrs if i.kind is Kind.FAST_STORE and i.name == "t")
    assert _show(producer(store)) == "BUILD:list"


def test_generator_expression_call():
    unit = _unit()
    join = next(s for s in _calls(unit, 4) if s.callee is not None and s.callee.name == "join")
    (arg,) = join.positional
    assert arg.kind is Kind.CALL
    maker = call_shape(arg).callee
    assert maker.kind is Kind.MAKE_FUNCTION
    assert callee_code_unit(maker).name == "<genexpr>"


def test_unpacking_and_unknowns():
    unit = _unit()
    fors = [i for i in unit.instrs if i.kind is Kind.FOR_ITER]
    after = unit.instrs[fors[-1].index + 1]
    assert unpack_count(after) == 2
    assert unpack_count(fors[-1]) is None
    # a loop header is a jump target: nothing before it is attributed to what follows
    store = unit.instrs[fors[0].index + 1]
    assert store.kind is Kind.FAST_STORE and _show(producer(store)) == "FOR_ITER:" + str(fors[0].argval)
    assert producer(fors[0]) is None


def test_keyword_values():
    unit = _unit()
    (shape,) = _calls(unit, 5)
    assert _show(shape.keyword("key")) == "GLOBAL_LOAD:len" and shape.keyword("reverse") is None
    (shape,) = _calls(unit, 7)
    assert _show(shape.keyword("default")) == "CONST_LOAD:2"


def test_callee_across_an_inlined_comprehension():
    source = "def f(rows, g):\n    return sum([r.cells for r in rows], []), g.h([x for x in rows])(1)\n"
    result = compile_source(source.encode(), "example.py")
    module = ModuleBytecode.build(result.code, source.splitlines(keepends=True))
    unit = next(u for u in module.units if u.name == "f")
    shapes = [call_shape(i) for i in unit.instrs if i.kind is Kind.CALL and i.line == 2]
    callees = [_show(s.callee) if s.callee is None or s.callee.kind is not Kind.CALL else "CALL" for s in shapes]
    assert "GLOBAL_LOAD:sum" in callees
    assert any(c.endswith(":h") for c in callees) and "CALL" in callees
