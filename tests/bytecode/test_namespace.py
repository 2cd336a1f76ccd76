"""The module namespace model (docs/bytecode.md §2.2)."""

import importlib
import os
import sysconfig
import textwrap

import pytest

from bytelint.bytecode import ModuleBytecode, NameClass, builtin_names, compile_source

namespace_module = importlib.import_module("bytelint.bytecode.namespace")

MODULE = textwrap.dedent(
    """
    from helpers import *
    import os.path
    import numpy as np
    import a.b.c as d
    import x
    from os import path
    from os import sep as separator
    from . import sibling
    from ..pkg.mod import thing
    len = lambda s: 0

    def set_global():
        global CONFIG
        CONFIG = 1

    if os.name == "nt":
        def sorted(xs):
            return xs

    try:
        import json
    except ImportError:
        json = None

    class K:
        inside_class = 1

    def f():
        local_only = 1
        import inside_function

    for i in range(3):
        pass
    """
)


def namespace(source):
    result = compile_source(source.encode(), "<test>")
    return ModuleBytecode.build(result.code, source.splitlines(keepends=True)).namespace


def test_bound_names_and_imports():
    ns = namespace(MODULE)
    assert ns.star_import
    for name in ("os", "np", "d", "x", "path", "separator", "sibling", "thing", "len", "set_global",
                 "CONFIG", "sorted", "json", "K", "f", "i"):
        assert name in ns.bound, name
    for name in ("inside_class", "local_only", "inside_function", "a", "numpy", "helpers"):
        assert name not in ns.bound, name
    assert ns.imported_modules == {"os": "os", "np": "numpy", "d": "a.b.c", "x": "x", "json": "json"}
    assert ns.from_imports == {
        "path": "os.path",
        "separator": "os.sep",
        "sibling": ".sibling",
        "thing": "..pkg.mod.thing",
    }
    assert "CONFIG" in ns.rebound and "json" in ns.rebound
    assert "os" not in ns.rebound and "np" not in ns.rebound


def test_classify():
    ns = namespace(MODULE)
    assert ns.classify("len", (3, 12)) is NameClass.MODULE_GLOBAL  # shadows the builtin
    assert ns.classify("sorted", (3, 12)) is NameClass.MODULE_GLOBAL  # conditional def counts
    assert ns.classify("CONFIG", (3, 12)) is NameClass.MODULE_GLOBAL
    assert ns.classify("print", (3, 12)) is NameClass.BUILTIN
    assert ns.classify("__name__", (3, 12)) is NameClass.MODULE_GLOBAL
    assert ns.classify("undefined_name", (3, 12)) is NameClass.UNKNOWN  # maybe from the star import


def test_builtins_follow_the_target_version():
    ns = namespace("import os\n")
    assert not ns.star_import
    assert ns.classify("aiter", (3, 10)) is NameClass.BUILTIN
    assert ns.classify("aiter", (3, 9)) is NameClass.UNDEFINED
    assert ns.classify("ExceptionGroup", (3, 11)) is NameClass.BUILTIN
    assert ns.classify("ExceptionGroup", (3, 10)) is NameClass.UNDEFINED
    assert ns.classify("nope", (3, 13)) is NameClass.UNDEFINED
    assert "aiter" in builtin_names((3, 10)) and "aiter" not in builtin_names((3, 9))


def test_star_import_alone_and_module_level_deletes():
    ns = namespace("from m import *\nv = 1\ndel v\ntry:\n    pass\nexcept E as err:\n    pass\n")
    assert ns.star_import
    assert {"v", "err"} <= ns.bound
    assert "v" in ns.rebound


def test_global_declared_in_function_reaches_module_code():
    # `global S` in a function makes module-level stores of S use STORE_GLOBAL
    ns = namespace("S = ''\ndef g():\n    global S\n    S += 'x'\n")
    assert "S" in ns.bound and "S" in ns.rebound


STDLIB_MODULES = ["os.py", "argparse.py", "typing.py", "subprocess.py", "json/decoder.py", "tkinter/__init__.py"]


@pytest.mark.parametrize("name", STDLIB_MODULES)
def test_windows_read_the_same_namespace_as_every_instruction(name, monkeypatch):
    """namespace_of normalises only windows around the stores and imports it reads; the
    model is the one a scan of the whole module body gives."""
    path = os.path.join(sysconfig.get_paths()["stdlib"], name)
    with open(path, "rb") as fh:
        source = fh.read()
    windowed = ModuleBytecode.build(compile_source(source, path).code, []).namespace
    monkeypatch.setattr(namespace_module, "_windows", lambda ops: [(0, len(ops))])
    whole = ModuleBytecode.build(compile_source(source, path).code, []).namespace
    assert windowed == whole
    assert windowed.imported_modules and windowed.bound
