"""BL101: a loop that runs in module or class-body code."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import Kind, ScopeKind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import header_span, plural, waits
from bytelint.rewrites import is_block_statement
from bytelint.rule import Invalid, Report, Rule, Valid
from bytelint.tree import children

# Per-iteration name accesses that go through a dict at module or class level.
_DICT_ACCESS = frozenset({Kind.NAME_LOAD, Kind.NAME_STORE, Kind.GLOBAL_LOAD, Kind.GLOBAL_STORE})
# Loops over a literal sequence or range() of at most this many items run too few times to matter.
_SMALL_LOOP = 100


class ModuleLevelLoop(Rule):
    """
    ## What it does
    Flags a `for` or `while` loop that runs in module code (including an
    `if __name__ == "__main__":` block) or in a class body.

    ## Why is this bad?
    Outside a function, every variable is an entry in a dictionary: the compiled loop reads
    and writes its loop variable, its accumulators and every name it uses with dictionary
    lookups and stores that CPython never specialises. Inside a function the same names are
    fast locals. The same loop runs about 1.4-2.6x slower at module level on Python 3.9/3.10
    and 2.2-3.5x slower on 3.11-3.13, where functions got faster and module code did not
    (`benchmarks/rules/module_level_loop.py`; the measured table below has each version).

    bytelint reports a loop only when its compiled body really does those dictionary accesses
    (the message counts them), and leaves alone loops that run too few times to matter: over a
    literal collection of at most 100 items (directly, or through a module-level name bound
    once to one, or its `.items()`, `.keys()` or `.values()`), or over a constant `range()` of
    at most 100 numbers. Registration loops at import time usually look like that.

    ## Example
    ```python
    import sys

    total = 0
    for line in sys.stdin:
        total += len(line)
    print(total)
    ```

    ## Use instead
    ```python
    import sys


    def main():
        total = 0
        for line in sys.stdin:
            total += len(line)
        print(total)


    main()
    ```

    ## Fix safety
    The fix (module level only) moves the loop into a new function that is called right away
    and deleted. Names the loop assigns that any other code of the module reads (found in the
    bytecode) are declared `global` in it, so they still end up in the module; so are names that
    other module code assigns (an accumulator set to 0 before the loop keeps counting in the
    module's variable). The others, bound and read only by the loop, become fast locals. It is
    **unsafe** (applied with `--unsafe-fixes`): names the loop assigns and only other modules
    read (`module.i`) are no longer set, and a traceback from the loop shows one more frame. It
    is not offered for a loop that calls `locals()`, `vars()`, `dir()`, `eval()` or `exec()`
    (in a function they would see the function's variables) or that holds an annotated
    assignment (`x: int = ...` at module level records `x` in the module's `__annotations__`).
    Names that the loop must keep global are still dictionary stores, which BL104 may then
    report in the new function.

    ## Precision
    All 31 findings on CPython 3.11's standard library (target 3.11) read: 16 are loops of
    scripts and `if __name__ == "__main__":` blocks, 12 build tables at import time with tens to
    thousands of iterations (`html/entities.py`: 2,231), and 3 run over a handful of items
    computed at run time (`multiprocessing/managers.py`: 3 view types), whose count the
    bytecode cannot show: 28 of 31 true positives (90%). Two `"a b c".split()` loops found
    earlier are no longer reported, nor are loops whose every pass calls `sleep()`, `input()`
    or `wait()` (demos and prompts in `__main__` blocks: the wait dwarfs the lookups).

    ## References
    - [Python docs: Naming and binding](https://docs.python.org/3/reference/executionmodel.html#naming-and-binding)
    - [Python FAQ: performance tips](https://wiki.python.org/moin/PythonSpeed/PerformanceTips#Local_Variables)
    """

    code = "BL101"
    statement_local = True  # the loop statement and the bytecode: nothing else of the module
    name = "module-level-loop"
    summary = "Loop runs at module or class level, where every name access is a dict operation"
    versions = ">=3.9"
    node_types = (cst.For, cst.While)
    fixable = "unsafe"

    VALID = (
        Valid("import time\nfor n in range(10**6):\n    print(n)\n    time.sleep(0.05)\n"),
        Valid("names = []\nwhile True:\n    name = input('name? ')\n    if not name:\n        break\n    names.append(name)\n"),
        Valid("def main():\n    total = 0\n    for i in range(10**6):\n        total += i\n    return total\n"),
        Valid("for name in ('a', 'b', 'c'):\n    print(name)\n"),
        Valid("for i in range(10):\n    print(i)\n"),
        Valid("HANDLERS = {'a': 1, 'b': 2}\nfor key, value in HANDLERS.items():\n    print(key, value)\n"),
        Valid("for kind in 'audio image video'.split():\n    print(kind)\n"),
        Valid("NAMES = ('a', 'b')\nif input():\n    NAMES += ('c',)\nfor n in NAMES[1:]:\n    print(n)\n"),
        Valid("x = [i * 2 for i in range(10**6)]\n"),
        Valid("class C:\n    def m(self, xs):\n        for x in xs:\n            print(x)\n"),
    )
    INVALID = (
        Invalid(
            "total = 0\nfor i in range(10**6):\n    total += i\nprint(total)\n",
            count=1,
            message="module level",
            fixed=(
                "total = 0\ndef _module_loop():\n    global total\n    for i in range(10**6):\n        total += i\n"
                "_module_loop()\ndel _module_loop\nprint(total)\n"
            ),
        ),
        Invalid(
            # bound before the loop, only read inside it: still the module's variable
            "import sys\nn = 0\nfor line in sys.argv:\n    n += 1\n    print(n, line)\n",
            count=1,
            fixed=(
                "import sys\nn = 0\ndef _module_loop():\n    global n\n    for line in sys.argv:\n        n += 1\n"
                "        print(n, line)\n_module_loop()\ndel _module_loop\n"
            ),
        ),
        Invalid("import sys\nwhile True:\n    line = sys.stdin.readline()\n    if not line:\n        break\n", count=1),
        Invalid("import sys\nfor name in sys.argv:\n    exec(f'{name}_len = {len(name)}')\n", count=1),
        Invalid("import sys\nout = []\nfor n in range(len(sys.argv) * 100):\n    item: list = [n]\n    out.append(item)\n", count=1),
        Invalid("if __name__ == '__main__':\n    for arg in __import__('sys').argv:\n        print(arg)\n", count=1),
        Invalid("class Table:\n    rows = []\n    for i in range(1000):\n        rows.append(i * i)\n", count=1, message="class body"),
        Invalid("for a in range(1000):\n    for b in range(1000):\n        pass\n", count=1),
    )

    def evidence(self, file: FileContext) -> "_Loops":
        loops = []
        for unit in file.bytecode.units:
            if unit.kind not in (ScopeKind.MODULE, ScopeKind.CLASS):
                continue
            sizes = None
            for loop in unit.loops:
                if loop.parent is not None:
                    continue
                accesses = Counter(
                    instr.name for instr in loop.hot_instrs() if instr.kind in _DICT_ACCESS and instr.name
                )
                if not accesses:
                    continue
                if sizes is None:
                    sizes = _literal_sizes(file.bytecode.module)
                bound = _iteration_bound(unit, loop, sizes)
                if bound is not None and bound <= _SMALL_LOOP:
                    continue
                if waits(loop):
                    continue  # `time.sleep()`, `input()`: the lookups are nothing next to the wait
                loops.append((unit, loop, accesses))
        return _Loops(loops)

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence) -> Iterable[Report]:
        if ctx.scope_kind not in ("module", "class") or ctx.loops:
            return
        span = ctx.span(node)
        wanted = ScopeKind.MODULE if ctx.scope_kind == "module" else ScopeKind.CLASS
        for unit, loop, accesses in evidence:
            if unit.kind != wanted or loop.first_line is None:
                continue
            if not (span.line <= loop.first_line and loop.last_line <= span.end_line):
                continue
            total = sum(accesses.values())
            names = ", ".join(name for name, _ in accesses.most_common(4))
            if len(accesses) > 4:
                names += ", ..."
            where = "module level" if wanted == ScopeKind.MODULE else "class body"
            yield Report(
                node,
                f"loop at {where}: its body does {plural(total, 'dict lookup')} or stores of "
                f"names ({names}) on each pass instead of fast local accesses; move the loop into a function",
                span=header_span(ctx, node),
                evidence=tuple(f"{name}: {count}x per pass" for name, count in accesses.most_common()),
                fix=_into_function(node, ctx, unit, loop) if wanted == ScopeKind.MODULE and is_block_statement(ctx, node) else None,
            )
            return


class _Loops(list):
    def lines(self):
        for _unit, loop, _accesses in self:
            if loop.first_line is not None:
                yield loop.first_line


_SIZED_CONSTANTS = (tuple, frozenset, str, bytes)
_VIEWS = ("items", "keys", "values")


def _previous(instrs, index: int):
    """The instruction before ``index`` that is not noise, or None."""
    index -= 1
    while index >= 0 and instrs[index].kind is Kind.NOISE:
        index -= 1
    return instrs[index] if index >= 0 else None


def _size_of_value(instrs, index: int) -> Optional[int]:
    """Size of the collection that instruction ``index`` leaves on the stack, when the compiled
    code shows it: a constant, a display built from its items, or a list/set display extended
    from a constant (`[1, 2, 3]` compiles to an empty list extended by a tuple constant)."""
    instr = instrs[index]
    if instr.kind is Kind.CONST_LOAD and isinstance(instr.argval, _SIZED_CONSTANTS):
        return len(instr.argval)
    if instr.kind is Kind.BUILD and instr.op in ("tuple", "list", "set", "dict") and isinstance(instr.argval, int):
        return instr.argval
    if instr.kind is Kind.EXTEND:
        before = _previous(instrs, index)
        built = _previous(instrs, before.index) if before is not None else None
        if (
            before is not None
            and before.kind is Kind.CONST_LOAD
            and isinstance(before.argval, _SIZED_CONSTANTS)
            and built is not None
            and built.kind is Kind.BUILD
            and built.argval == 0
        ):
            return len(before.argval)
    return None


def _literal_sizes(module) -> dict:
    """Module-level names bound exactly once, to a collection of known size."""
    sizes: dict = {}
    instrs = module.instrs
    for instr in instrs:
        if instr.kind is not Kind.NAME_STORE:
            continue
        before = _previous(instrs, instr.index)
        if before is not None and before.kind is Kind.INPLACE and before.op == "+=" and sizes.get(instr.name):
            added = _previous(instrs, before.index)  # NAMES += ("more",): still a known size
            extra = _size_of_value(instrs, added.index) if added is not None else None
            sizes[instr.name] = None if extra is None else sizes[instr.name] + extra
            continue
        if instr.name in sizes:
            sizes[instr.name] = None  # bound twice: unknown
            continue
        sizes[instr.name] = _size_of_value(instrs, before.index) if before is not None else None
    return {name: size for name, size in sizes.items() if size is not None}


def _iteration_bound(unit, loop, sizes: dict) -> Optional[int]:
    """How many times a `for` loop can run, when the compiled code shows it: over a literal
    collection (directly, through a module-level name bound once to one, a slice of it, or its
    .items()/.keys()/.values()), or over range() of constants."""
    instrs = unit.instrs
    header = next((i for i in instrs if i.offset == loop.header), None)
    if header is None or header.kind is not Kind.FOR_ITER:
        return None
    get_iter = _previous(instrs, header.index)
    if get_iter is None or get_iter.kind is not Kind.GET_ITER:
        return None
    value = _previous(instrs, get_iter.index)
    if value is None:
        return None
    size = _size_of_value(instrs, value.index)
    if size is not None:
        return size
    if value.kind is Kind.CALL and value.argval == 0:  # 'a b c'.split(): as many as its words
        method = _previous(instrs, value.index)
        text = _previous(instrs, method.index) if method is not None else None
        if (
            method is not None
            and method.kind in (Kind.ATTR_LOAD, Kind.METHOD_LOAD)
            and method.name == "split"
            and text is not None
            and text.kind is Kind.CONST_LOAD
            and isinstance(text.argval, str)
        ):
            return len(text.argval.split())
    if value.kind is Kind.CALL:
        args = []
        cursor = value
        for _ in range(value.argval if isinstance(value.argval, int) else 0):
            cursor = _previous(instrs, cursor.index)
            if cursor is None or cursor.kind is not Kind.CONST_LOAD or not isinstance(cursor.argval, int):
                break
            args.append(cursor.argval)
        else:
            callee = _previous(instrs, cursor.index)
            if callee is None:
                return None
            if callee.kind in (Kind.NAME_LOAD, Kind.GLOBAL_LOAD) and callee.name == "range" and 1 <= len(args) <= 2:
                start, stop = (0, args[0]) if len(args) == 1 else (args[1], args[0])
                return max(0, stop - start)
            if not args and callee.kind in (Kind.ATTR_LOAD, Kind.METHOD_LOAD) and callee.name in _VIEWS:
                value = _previous(instrs, callee.index)
                if value is None:
                    return None
    if value.kind is Kind.SUBSCR_LOAD:  # a slice or item of a known collection is no longer
        for _ in range(4):
            value = _previous(instrs, value.index)
            if value is None or value.kind is Kind.NAME_LOAD:
                break
    if value is not None and value.kind is Kind.NAME_LOAD:
        return sizes.get(value.name)
    return None


def _annotates(node: cst.CSTNode) -> bool:
    """Does the loop hold an annotated assignment to a name (outside nested scopes)?"""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.AnnAssign) and isinstance(current.target, cst.Name):
            return True
        if current is not node and isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(children(current))
    return False


def _names_of_every_code_object(bytecode) -> set:
    """Every name any code object of the module uses (bytecode, not the tree)."""
    taken: set = set()
    for other in bytecode.units:
        code = other.code
        taken.update(code.co_names, code.co_varnames, code.co_cellvars, code.co_freevars)
    return taken


def _into_function(node, ctx: NodeContext, unit, loop):
    """``def _module_loop(): global <names read elsewhere>; <loop>`` + call + ``del``."""
    from bytelint.rewrites import fresh_name
    from bytelint.rule import FixSpec

    from bytelint.fixfacts import names_introspection

    if names_introspection(loop.instrs()):
        return None  # `locals()[k] = v`, `exec("x = 1")`: in a function they would see its locals
    if _annotates(node):
        return None  # `x: T = v` records x in the module's __annotations__, not in a function
    # A name the loop assigns stays a module global when any other code of the module reads,
    # assigns or deletes it: `total = 0` before the loop and `total += i` in it must keep
    # updating the same module variable (a local would start unbound).
    assigned = {i.name for i in loop.instrs() if i.kind in (Kind.NAME_STORE, Kind.DELETE) and i.name}
    used_elsewhere = set()
    for other in ctx.file.bytecode.units:
        code = other.code
        if other is not unit and assigned.isdisjoint((*code.co_names, *code.co_varnames, *code.co_cellvars, *code.co_freevars)):
            continue  # names no instruction of it can use: nothing to decode
        for instr in other.instrs:
            if instr.kind in (Kind.NAME_LOAD, Kind.GLOBAL_LOAD, Kind.GLOBAL_STORE, Kind.DELETE) or (
                other is unit and instr.kind is Kind.NAME_STORE
            ):
                if other is unit and instr.offset in loop.offsets:
                    continue
                used_elsewhere.add(instr.name)
    keep = sorted(assigned & used_elsewhere)
    taken = ctx.file.memo("module names", ctx.file.bytecode, lambda: _names_of_every_code_object(ctx.file.bytecode))
    function = fresh_name("_module_loop", taken)
    body = []
    if keep:
        body.append(cst.SimpleStatementLine([cst.Global([cst.NameItem(cst.Name(n)) for n in keep])]))
    body.append(node.with_changes(leading_lines=()))
    definition = cst.FunctionDef(
        name=cst.Name(function),
        params=cst.Parameters(),
        body=cst.IndentedBlock(body),
        leading_lines=node.leading_lines,
    )
    call = cst.parse_statement(f"{function}()\n")
    delete = cst.parse_statement(f"del {function}\n")
    return FixSpec(
        {node: cst.FlattenSentinel([definition, call, delete])},
        safe=False,
        description=f"move the loop into function {function}() and call it",
    )
