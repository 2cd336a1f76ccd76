"""Block setups per loop iteration: what a ``try`` or ``with`` statement costs an ordinary
iteration before CPython 3.11 (docs/bytecode.md §7).

Up to 3.10 entering a ``try``/``with`` block pushes a block on the frame's block stack and
leaving it pops it; from 3.11 an exception table replaces both and costs nothing until
something is raised. Rules that size an iteration ask here how many setups it runs, without
naming opcodes.
"""

from typing import TYPE_CHECKING

from bytelint.bytecode.kinds import Kind

if TYPE_CHECKING:  # pragma: no cover
    from bytelint.bytecode.loops import Loop


def block_setups(loop: "Loop") -> int:
    """Block setups (``try``, ``with``) that an ordinary iteration of *loop* runs in the
    running interpreter's code: 0 on 3.11+; each one on <=3.10 comes with a block pop."""
    return sum(1 for instr in loop.hot_instrs() if instr.kind is Kind.SETUP_BLOCK)
