"""block_setups(): per-iteration try/with block setups (<=3.10 only)."""

import textwrap

from bytelint.bytecode import RUNNING_VERSION, ModuleBytecode
from bytelint.bytecode.blocks import block_setups


def _loops(src):
    src = textwrap.dedent(src)
    mb = ModuleBytecode.build(compile(src, "<t>", "exec", dont_inherit=True), src.splitlines(True))
    return [loop for unit in mb.units for loop in unit.loops]


def test_try_in_loop():
    (loop,) = _loops(
        """
        def f(d, keys):
            for k in keys:
                try:
                    d[k]
                except KeyError:
                    raise ValueError(k)
        """
    )
    assert block_setups(loop) == (1 if RUNNING_VERSION < (3, 11) else 0)


def test_try_and_with_in_loop():
    (loop,) = _loops(
        """
        def f(paths):
            for p in paths:
                try:
                    with open(p) as fh:
                        fh.read()
                except OSError:
                    return None
        """
    )
    assert block_setups(loop) == (2 if RUNNING_VERSION < (3, 11) else 0)


def test_try_around_loop_costs_no_iteration():
    (loop,) = _loops(
        """
        def f(d, keys):
            try:
                for k in keys:
                    d[k]
            except KeyError:
                return None
        """
    )
    assert block_setups(loop) == 0
