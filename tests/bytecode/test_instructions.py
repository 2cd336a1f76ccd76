"""The normalised instruction view reads the same on CPython 3.9-3.13."""

import dis
import os
import sys
import sysconfig
import textwrap

import pytest

from bytelint.bytecode import Kind, ModuleBytecode, compile_source

PY = sys.version_info[:2]


def build(source):
    source = textwrap.dedent(source)
    result = compile_source(source.encode(), "<test>")
    assert result.code is not None, result.error
    return ModuleBytecode.build(result.code, source.splitlines(keepends=True))


def unit(mb, qualname):
    return next(u for u in mb.units if u.qualname == qualname)


def shape(instrs):
    """(kind name, name or op or const) of the instructions, NOISE dropped."""
    out = []
    for i in instrs:
        if i.kind is Kind.NOISE:
            continue
        detail = i.name if i.name is not None else i.op
        if detail is None and i.kind is Kind.CONST_LOAD:
            detail = i.argval
        if detail is None and i.kind is Kind.CALL:
            detail = i.argval
        out.append((i.kind.name, detail))
    return out


def line_shape(u, line):
    return shape(i for i in u.instrs if i.line == line)


def test_method_call():
    mb = build(
        """
        def f(x, y):
            x.append(y)
            done()
        """
    )
    u = unit(mb, "f")
    assert line_shape(u, 3) == [
        ("FAST_LOAD", "x"), ("METHOD_LOAD", "append"), ("FAST_LOAD", "y"), ("CALL", 1), ("POP", None)
    ]
    (load,) = [i for i in u.instrs if i.name == "append"]
    assert load.is_method


def test_imported_module_function_call():
    mb = build(
        """
        import math
        def f(x):
            return math.sqrt(x)
        """
    )
    got = line_shape(unit(mb, "f"), 4)
    # docs/bytecode.md §3: a method-form load on <=3.10, a plain attribute load on 3.11+
    attr_kind = "METHOD_LOAD" if PY < (3, 11) else "ATTR_LOAD"
    assert got == [
        ("GLOBAL_LOAD", "math"), (attr_kind, "sqrt"), ("FAST_LOAD", "x"), ("CALL", 1), ("RETURN", None)
    ]


def test_attribute_chain_and_store():
    mb = build(
        """
        def f(obj, c):
            v = obj.a.b
            obj.a.b = c
            done()
        """
    )
    u = unit(mb, "f")
    assert line_shape(u, 3) == [
        ("FAST_LOAD", "obj"), ("ATTR_LOAD", "a"), ("ATTR_LOAD", "b"), ("FAST_STORE", "v")
    ]
    assert line_shape(u, 4) == [
        ("FAST_LOAD", "c"), ("FAST_LOAD", "obj"), ("ATTR_LOAD", "a"), ("ATTR_STORE", "b")
    ]


STR_CONCAT = """
    import sys
    S = ""
    def local(xs):
        s = ""
        for x in xs:
            s += "x"
    def global_(xs):
        global S
        for x in xs:
            S += "x"
    def attr(self, xs):
        for x in xs:
            self.s += "x"
    def subscript(d, xs):
        for x in xs:
            d["k"] += "x"
    def outer(xs):
        s = ""
        def inner():
            nonlocal s
            for x in xs:
                s += "x"
        return inner
    T = ""
    for x in sys.argv:
        T += "x"  # (S would be STORE_GLOBAL here: `global S` in a function reaches module code)
"""


@pytest.mark.parametrize(
    "qualname, store_kind, name",
    [
        ("local", Kind.FAST_STORE, "s"),
        ("global_", Kind.GLOBAL_STORE, "S"),
        ("attr", Kind.ATTR_STORE, "s"),
        ("subscript", Kind.SUBSCR_STORE, None),
        ("outer.<locals>.inner", Kind.DEREF_STORE, "s"),
        ("<module>", Kind.NAME_STORE, "T"),
    ],
)
def test_inplace_add_next_store(qualname, store_kind, name):
    mb = build(STR_CONCAT)
    u = unit(mb, qualname)
    (add,) = [i for i in u.instrs if i.kind is Kind.INPLACE]
    assert add.op == "+="
    assert u.loop_of(add) is not None
    store = u.next_store(add)
    assert store is not None and store.kind is store_kind and store.name == name


def test_next_store_none_when_value_is_used():
    mb = build(
        """
        def f(a, b):
            return g(a + b)
        """
    )
    u = unit(mb, "f")
    (add,) = [i for i in u.instrs if i.kind is Kind.BINARY]
    assert add.op == "+"
    assert u.next_store(add) is None


def test_superinstructions_are_split():
    mb = build(
        """
        def f(a, b):
            c = a + b
            a, b = b, a
            return c
        """
    )
    u = unit(mb, "f")
    assert line_shape(u, 3) == [
        ("FAST_LOAD", "a"), ("FAST_LOAD", "b"), ("BINARY", "+"), ("FAST_STORE", "c")
    ]
    if PY >= (3, 13):
        loads = [i for i in u.instrs if i.opname == "LOAD_FAST_LOAD_FAST"]
        assert loads and loads[0].offset == loads[1].offset
    swap = [i for i in line_shape(u, 4) if i[0] != "STACK"]
    assert sorted(swap) == sorted(
        [("FAST_LOAD", "b"), ("FAST_LOAD", "a"), ("FAST_STORE", "a"), ("FAST_STORE", "b")]
    )
    assert line_shape(u, 5) == [("FAST_LOAD", "c"), ("RETURN", None)]


def test_return_const_is_split():
    mb = build("def f():\n    return 1\n")
    assert line_shape(unit(mb, "f"), 2) == [("CONST_LOAD", 1), ("RETURN", None)]


def test_membership_in_constant_list_is_a_tuple_constant():
    mb = build(
        """
        def f(x):
            return x in [1, 2, 3]
        """
    )
    got = line_shape(unit(mb, "f"), 3)
    assert got == [("FAST_LOAD", "x"), ("CONST_LOAD", (1, 2, 3)), ("CONTAINS", "in"), ("RETURN", None)]
    assert not any(k == "BUILD" for k, _ in got)


def test_is_none_reads_the_same_when_fused_into_a_jump():
    mb = build(
        """
        def f(x):
            if x is None:
                g()
            if x is not None:
                g()
        """
    )
    u = unit(mb, "f")
    for line in (3, 5):
        kinds = [k for k, _ in line_shape(u, line)]
        assert kinds[:3] == ["FAST_LOAD", "CONST_LOAD", "IS"]
        assert kinds[3] in ("JUMP", "BACK_EDGE")


def test_compare_and_star_import_and_super():
    mb = build(
        """
        from os import *
        class C(B):
            def m(self, a, b):
                super().m()
                return a < b
        """
    )
    assert any(i.kind is Kind.IMPORT_STAR for i in mb.module.instrs)
    u = unit(mb, "C.m")
    assert ("COMPARE", "<") in line_shape(u, 6)
    (load,) = [i for i in u.instrs if i.name == "m"]
    assert load.is_method
    assert load.kind in (Kind.METHOD_LOAD, Kind.SUPER_ATTR_LOAD)


def test_index_and_match_instrs():
    mb = build("def f(x):\n    for y in x:\n        print(y)\n")
    for u in mb.units:
        assert [i.index for i in u.instrs] == list(range(len(u.instrs)))
        assert all(i.unit is u for i in u.instrs)
        assert all(i.kind is not Kind.NOISE for i in u.match_instrs)
    u = unit(mb, "f")
    kinds = [i.kind for i in u.match_instrs]
    assert Kind.GET_ITER in kinds and Kind.FOR_ITER in kinds and Kind.BACK_EDGE in kinds
    back = next(i for i in u.instrs if i.kind is Kind.BACK_EDGE)
    assert back.argval < back.offset


def _many_constants_source():
    body = "\n".join("    x%d = %d.5 + x%d" % (i, i, max(i - 1, 0)) for i in range(300))
    branches = "\n".join("    if a == %d:\n        b = %d.25" % (i, i) for i in range(120))
    return "def big(a):\n    x0 = 0\n%s\n%s\n    while a:\n        a -= 1\n    return b\n" % (body, branches)


def _stdlib_sample():
    lib = sysconfig.get_paths()["stdlib"]
    names = ["json/decoder.py", "asyncio/tasks.py", "collections/__init__.py", "argparse.py"]
    for name in names:
        path = os.path.join(lib, name)
        if os.path.exists(path):
            with open(path, "rb") as fh:
                yield name, fh.read()
    yield "generated", _many_constants_source().encode()


@pytest.mark.parametrize("name, data", list(_stdlib_sample()), ids=lambda v: v if isinstance(v, str) else "")
def test_decoder_matches_dis(name, data):
    """Offsets, opnames, names, constants, jump targets and lines agree with ``dis``."""
    result = compile_source(data, name)
    assert result.code is not None
    text = data.decode("utf-8")
    mb = ModuleBytecode.build(result.code, text.splitlines(keepends=True))
    checked = 0
    for u in mb.units:
        ours = {}
        for ins in u.instrs:
            ours.setdefault(ins.offset, []).append(ins)
        ref = [i for i in dis.get_instructions(u.code) if i.opname != "CACHE"]
        assert sorted(ours) == [i.offset for i in ref]
        line = None
        for i in ref:
            parts = ours[i.offset]
            last = parts[-1]
            assert last.opname == i.opname
            if i.opcode in dis.hasjrel or i.opcode in dis.hasjabs:
                assert last.argval == i.argval
            elif i.opname in ("LOAD_FAST_LOAD_FAST", "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST"):
                assert (parts[0].name, parts[1].name) == tuple(i.argval)
            elif i.opname in ("LOAD_CONST", "RETURN_CONST"):
                assert parts[0].argval == i.argval and type(parts[0].argval) is type(i.argval)
            elif i.opname != "MAKE_CELL" and (
                i.opcode in dis.hasname or i.opcode in dis.haslocal or i.opcode in dis.hasfree
            ):
                assert last.name == i.argval
            if PY >= (3, 11):
                assert last.line == i.positions.lineno
            elif PY == (3, 9):
                line = i.starts_line if i.starts_line is not None else line
                assert last.line == line
            checked += 1
    assert checked > 100
    if name == "generated":
        assert any(i.opname == "EXTENDED_ARG" for u in mb.units for i in u.instrs)


def test_container_instructions_name_their_container():
    import textwrap

    from bytelint.bytecode import Kind, ModuleBytecode, compile_source

    src = textwrap.dedent(
        """\
        def f(a, b):
            t = (a, b)
            l = [a, b]
            s = {a, b}
            d = {a: b}
            return t, l, s, d
        """
    )
    code = compile_source(src.encode(), "x.py").code
    mb = ModuleBytecode.build(code, src.splitlines(True))
    [unit] = [u for u in mb.units if u.name == "f"]
    built = [i.op for i in unit.instrs if i.kind is Kind.BUILD]
    assert built[:4] == ["tuple", "list", "set", "dict"]
