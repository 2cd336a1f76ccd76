"""BL305: list.pop(0) / list.insert(0, x) in a loop: quadratic, use collections.deque."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.bytecode.operands import call_shape, producer
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, few_iterations, function_scope, hot_sites, units_naming
from bytelint.fixfacts import bound_once_to, builtin_visible, importable, owner_unit, truth_test, uses_of, with_import
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid

_RECEIVERS = (Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.NAME_LOAD, Kind.GLOBAL_LOAD, Kind.ATTR_LOAD)
# constructors of containers whose pop(0) / insert(0, x) is not a list's
_NOT_LISTS = frozenset({"deque", "dict", "OrderedDict", "defaultdict", "Counter", "set", "SortedList"})


class ListPopFrontInLoop(Rule):
    """
    ## What it does
    Flags `lst.pop(0)` and `lst.insert(0, x)` inside a loop, when the loop keeps working on
    the same list (it does not assign a new list to that name or attribute on each iteration).

    ## Why is this bad?
    A list keeps its items in one array. Removing or inserting at the front moves every other
    item one place, so each call costs time proportional to the list's length and draining
    (or filling) a list from the front in a loop is quadratic. `collections.deque` removes and
    adds at either end in constant time (`popleft()`, `appendleft()`). Measured on 20,000 and
    40,000 items (`benchmarks/rules/list_pop_front_in_loop.py`), the ratio doubles with the
    size, as a quadratic cost does:

    | case | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `pop(0)`, 20,000 | 22.8x | 24.9x | 39.5x | 30.3x | 30.5x |
    | `pop(0)`, 40,000 | 45.6x | 50.9x | 80.7x | 62.4x | 62.3x |
    | `insert(0, x)`, 20,000 | 46.1x | 48.8x | 133.4x | 67.1x | 63.2x |
    | `insert(0, x)`, 40,000 | 90.3x | 96.0x | 265.4x | 130.3x | 124.6x |
    | `pop(0)`, 50 items | 1.48x | 1.42x | 1.62x | 1.37x | 1.20x |

    The bytecode confirms the call: a `pop` with the single constant argument `0` (or an
    `insert` whose first argument is the constant `0`) that runs on every iteration of a loop
    in which the receiving variable or attribute is not stored to. A list that is rebuilt on
    each iteration (`parts = line.split(); head = parts.pop(0)`) is not reported: it is popped
    once per list, not drained. Receivers created by `deque()`, `dict()` and similar
    constructors in the same function are skipped (`dict.pop(0)` removes the key 0, and
    `deque.insert(0, x)` is already constant time).

    ## Example
    ```python
    def process(tasks):
        while tasks:
            task = tasks.pop(0)
            task.run()
    ```

    ## Use instead
    ```python
    from collections import deque


    def process(tasks):
        tasks = deque(tasks)
        while tasks:
            task = tasks.popleft()
            task.run()
    ```

    ## Fix safety
    The fix is offered for a local variable bound once, to a list display or `list(...)`,
    that never leaves the function: its only other uses are `pop()`, `pop(0)`,
    `insert(0, x)`, `append`, `extend`, `remove`, `count`, `index`, `clear`, `len()`, an `in`
    test, indexing with a single index, and truth tests (`while q:`). It makes the list a
    `collections.deque` (`q = deque([root])`; `deque` is imported inside the function unless
    the module already imports it or `collections`) and turns `pop(0)` into `popleft()` and
    `insert(0, x)` into `appendleft(x)` throughout the function. It is **unsafe** (applied
    with `--unsafe-fixes`): those operations do the same on a deque, but the error messages
    differ (`pop from an empty deque`), `list` could be rebound at run time, and whatever
    inspects the function's variables (a debugger, `locals()`) sees a deque. A list passed
    in, stored on an object or returned is never converted: other code may expect a list
    (slicing, `sort()`, `==` with a list). When it must stay a list, iterating over it (or
    popping from the end after reversing it once) also avoids the quadratic cost.

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: 18 findings, all read, 18 true positives
    (queues drained with `pop(0)` in `cmd`, `difflib`, `email.header`, `optparse`, front inserts
    in `ctypes`, `distutils`, `minidom`, ...). On the third-party packages of a 3.11 virtualenv
    (pip, setuptools, hypothesis, pygments, libcst, click, attrs, pytest and others): 19
    findings, 19 true positives (BFS queues in `distlib` and `pkg_resources`, `yaml`'s event
    queue, ...). Some lists are short (version parts, trimming a few blank lines): the pattern
    is still the quadratic one. The first run had 4 false positives in 23 (`sys.path.insert(0,
    ...)` twice, which must stay a list, and two tkinter `Entry.insert(0, text)` calls); since
    then receivers rooted at an imported module are skipped, `insert(0, x)` is reported only on
    names the function uses as a list (assigns a list to, or calls `append`/`pop`/... on), and
    loops over at most 100 literal items or constant `range()` values are left alone.

    ## References
    - [Python docs: using lists as queues](https://docs.python.org/3/tutorial/datastructures.html#using-lists-as-queues)
    - [Python wiki: TimeComplexity](https://wiki.python.org/moin/TimeComplexity)
    """

    code = "BL305"
    name = "list-pop-front-in-loop"
    summary = "list.pop(0) / list.insert(0, x) in a loop moves the whole list every time: use a deque"
    versions = ">=3.9"
    node_types = (cst.Call,)
    fixable = "unsafe"
    requires_names = frozenset({"pop", "insert"})

    VALID = (
        Valid("def f(q):\n    return q.pop(0)\n"),
        Valid("def f(q):\n    while q:\n        q.pop()\n"),
        Valid("def f(lines):\n    for line in lines:\n        parts = line.split()\n        head = parts.pop(0)\n        print(head, parts)\n"),
        Valid("from collections import deque\n\ndef f(xs):\n    q = deque()\n    for x in xs:\n        q.insert(0, x)\n    return q\n"),
        Valid("def f(keys):\n    d = {0: 'a'}\n    for k in keys:\n        d.pop(0, None)\n"),
        Valid("def f(q):\n    while q:\n        q.pop(1)\n"),
    )
    INVALID = (
        Invalid("def f(q):\n    while q:\n        print(q.pop(0))\n", count=1, message="popleft()"),
        Invalid("def f(xs):\n    out = []\n    for x in xs:\n        out.insert(0, x)\n    return out\n", count=1, message="appendleft(x)"),
        Invalid(
            "class Scheduler:\n    def run(self):\n        while self.queue:\n            job = self.queue.pop(0)\n            job()\n",
            count=1,
            message="self.queue",
        ),
        Invalid("def f(q):\n    return [q.pop(0) for _ in range(len(q))]\n", count=1),
        Invalid(
            "def bfs(root):\n    queue = [root]  # to visit\n    order = []\n    while queue:\n        node = queue.pop(0)\n"
            "        order.append(node)\n        queue.extend(node.children)\n    return order\n",
            count=1,
            message="queue.popleft()",
            fixed="def bfs(root):\n    from collections import deque\n    queue = deque([root])  # to visit\n    order = []\n"
            "    while queue:\n        node = queue.popleft()\n        order.append(node)\n        queue.extend(node.children)\n"
            "    return order\n",
        ),
        Invalid(
            "from collections import deque\n\n\ndef drain(items, limit):\n    q = list(items)\n    while q and len(q) > limit:\n"
            "        print(q.pop(0))\n    for x in items:\n        q.insert(0, x)\n",
            count=2,
            fixed="from collections import deque\n\n\ndef drain(items, limit):\n    q = deque(items)\n    while q and len(q) > limit:\n"
            "        print(q.popleft())\n    for x in items:\n        q.appendleft(x)\n",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        def is_front_call(unit, instr) -> bool:
            if instr.argval not in (1, 2):
                return False  # `pop(0)`, `insert(0, x)`: no stack walk for other calls
            shape = call_shape(instr)
            if shape is None or shape.star or shape.keywords or shape.callee is None:
                return False
            callee = shape.callee
            if callee.kind not in (Kind.ATTR_LOAD, Kind.METHOD_LOAD):
                return False
            if callee.name == "pop":
                if len(shape.positional) != 1:
                    return False
            elif callee.name == "insert":
                if len(shape.positional) != 2:
                    return False
            else:
                return False
            first = shape.positional[0]
            if first is None or first.kind is not Kind.CONST_LOAD or first.argval != 0 or type(first.argval) is not int:
                return False
            receiver = producer(callee, 0)
            if receiver is None or receiver.kind not in _RECEIVERS:
                return False
            loop = unit.hot_loop_of(instr)
            if loop is not None and _stored_in(loop, receiver):
                return False  # a new list each iteration: popped once, not drained
            return True

        return SiteIndex(hot_sites(units_naming(file.bytecode.units, self.requires_names), (Kind.CALL,), is_front_call))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("pop", "insert"):
            return
        sites = [s for s in evidence.within(ctx.span(node)) if _same_call(s, node, ctx)]
        if not sites:
            return
        receiver = _dotted(func.value)
        if receiver is None:
            return
        root = receiver.split(".", 1)[0]
        namespace = ctx.file.bytecode.namespace
        if root in namespace.imported_modules or root in namespace.from_imports:
            return  # `sys.path.insert(0, d)`: a module's list, which must stay a list
        if isinstance(func.value, cst.Name) and _made_by_other_constructor(ctx, func.value.value):
            return
        if ctx.loops and few_iterations(ctx.loops[-1]):
            return
        if func.attr.value == "insert" and not _used_as_list(ctx, receiver):
            return  # `entry.insert(0, text)` on a widget or another non-list
        if func.attr.value == "pop":
            what, fix = f"`{receiver}.pop(0)`", f"`{receiver}.popleft()`"
            verb = "moves every remaining item"
        else:
            item = cst.Module(body=()).code_for_node(node.args[1].value)
            if len(item) > 20 or "\n" in item:
                item = "x"
            what, fix = f"`{receiver}.insert(0, ...)`", f"`{receiver}.appendleft({item})`"
            verb = "moves every item"
        yield Report(
            node,
            f"{what} in a loop {verb} of the list one place on every call (quadratic over the loop); "
            f"make it a collections.deque and use {fix}",
            evidence=(f"{sites[0].instr.opname} of {func.attr.value}(0, ...) on every iteration of a loop that keeps the same receiver",),
            fix=_fix(func.value, ctx, sites[0]) if isinstance(func.value, cst.Name) else None,
        )


def _stored_in(loop, receiver) -> bool:
    if receiver.kind is Kind.ATTR_LOAD:
        return any(i.kind is Kind.ATTR_STORE and i.name == receiver.name for i in loop.instrs())
    return receiver.name in loop.stored_names()


def _dotted(expr) -> Optional[str]:
    parts = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


class _Assigned(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.values = []

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value == self.name:
                self.values.append(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == self.name and node.value is not None:
            self.values.append(node.value)


def _made_by_other_constructor(ctx: NodeContext, name: str) -> bool:
    scope, _ = function_scope(ctx)
    visitor = _Assigned(name)
    scope.visit(visitor)
    for value in visitor.values:
        if isinstance(value, (cst.Dict, cst.DictComp, cst.Set, cst.SetComp)):
            return True
        if isinstance(value, cst.Call):
            func = value.func
            called = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
            if called in _NOT_LISTS:
                return True
    return False


_LIST_METHODS = frozenset({"append", "extend", "pop", "sort", "reverse", "remove"})
_LIST_BUILDERS = frozenset({"list", "sorted"})


class _ListUse(cst.CSTVisitor):
    """Does the scope treat the receiver as a list: assign it a list, or call list methods on it?"""

    def __init__(self, receiver: str) -> None:
        super().__init__()
        self.receiver = receiver
        self.found = False

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(_dotted(t.target) == self.receiver for t in node.targets) and _makes_list(node.value):
            self.found = True

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and _dotted(node.target) == self.receiver and _makes_list(node.value):
            self.found = True

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _LIST_METHODS and _dotted(func.value) == self.receiver:
            self.found = True


def _makes_list(value) -> bool:
    if isinstance(value, (cst.List, cst.ListComp)):
        return True
    if isinstance(value, cst.Subscript):
        return True  # `x[:]`, a slice copy (of a list, usually)
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Name) and func.value in _LIST_BUILDERS:
            return True
        if isinstance(func, cst.Attribute) and func.attr.value in ("split", "rsplit", "splitlines", "readlines"):
            return True
    return False


def _used_as_list(ctx: NodeContext, receiver: str) -> bool:
    scope, _ = function_scope(ctx)
    visitor = _ListUse(receiver)
    scope.visit(visitor)
    return visitor.found


def _same_call(site, node: cst.Call, ctx: NodeContext) -> bool:
    span = site.instr.span
    if span is None:
        return True
    node_span = ctx.span(node)
    return (span[0], span[1], span[2], span[3]) == (node_span.line, node_span.col, node_span.end_line, node_span.end_col)


# --- fix ------------------------------------------------------------------------------------

# deque methods that take the same arguments and do the same as the list's
_SAME_METHODS = frozenset({"append", "extend", "remove", "count", "index", "clear"})


def _is_zero(arg: cst.Arg) -> bool:
    return arg.keyword is None and not arg.star and isinstance(arg.value, cst.Integer) and arg.value.value == "0"


def _rewrite_use(name: cst.Name, ancestors, replacements: dict) -> bool:
    """Record how a read of the list turns into a read of the deque; False when it cannot."""
    parent = ancestors[-1] if ancestors else None
    if isinstance(parent, cst.Attribute) and parent.value is name and len(ancestors) > 1:
        call = ancestors[-2]
        if not isinstance(call, cst.Call) or call.func is not parent or any(a.keyword or a.star for a in call.args):
            return False
        method, args = parent.attr.value, call.args
        if method == "pop" and not args:
            return True
        if method == "pop" and len(args) == 1 and _is_zero(args[0]):
            replacements[call] = call.with_changes(func=parent.with_changes(attr=cst.Name("popleft")), args=())
            return True
        if method == "insert" and len(args) == 2 and _is_zero(args[0]):
            new_args = [args[1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
            replacements[call] = call.with_changes(func=parent.with_changes(attr=cst.Name("appendleft")), args=new_args)
            return True
        return method in _SAME_METHODS
    if isinstance(parent, cst.Arg) and len(ancestors) > 1:
        call = ancestors[-2]  # len(q)
        return isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "len" and len(call.args) == 1
    if isinstance(parent, cst.ComparisonTarget):
        return parent.comparator is name and isinstance(parent.operator, (cst.In, cst.NotIn))
    if isinstance(parent, cst.Subscript):
        return parent.value is name and len(parent.slice) == 1 and isinstance(parent.slice[0].slice, cst.Index)
    return truth_test(name, ancestors)


def _fix(receiver: cst.Name, ctx: NodeContext, site) -> Optional[FixSpec]:
    """Make a local list that never leaves the function a deque: `q = [...]` -> `q =
    deque([...])`, `q.pop(0)` -> `q.popleft()`, `q.insert(0, x)` -> `q.appendleft(x)`, in the
    whole function. Unsafe (see the docs)."""
    function, kind = function_scope(ctx)
    name = receiver.value
    if kind != "function" or not bound_once_to(function, owner_unit(site.unit), name, (cst.List, cst.Call)):
        return None
    uses = uses_of(function, name)
    replacements: dict = {}
    binding = None
    for node, ancestors in uses.uses:
        parent = ancestors[-1]
        if isinstance(parent, cst.AssignTarget) and parent.target is node:
            binding = ancestors[-2]
            continue
        if isinstance(parent, cst.Param) or not _rewrite_use(node, ancestors, replacements):
            return None  # the list is used as a list, or leaves the function
    line = uses.statement_of.get(id(binding))
    if binding is None or line is None or len(binding.targets) != 1:
        return None
    value = binding.value
    if isinstance(value, cst.Call):
        if not (isinstance(value.func, cst.Name) and value.func.value == "list" and len(value.args) <= 1):
            return None
        if value.args and (value.args[0].keyword or value.args[0].star) or not builtin_visible(ctx, "list"):
            return None
    found = importable(ctx, function, "collections", "deque", prefer_module=False)
    if found is None:
        return None
    deque, imports = found
    if isinstance(value, cst.List):
        args = [cst.Arg(value)] if value.elements else []
        new_value = cst.Call(func=cst.parse_expression(deque), args=args)
    else:
        new_value = value.with_changes(func=cst.parse_expression(deque))
    replacements[line] = line.with_changes(body=[binding.with_changes(value=new_value)])
    replacements = with_import(function, None, replacements, imports)
    return FixSpec(replacements, safe=False, description=f"make {name} a collections.deque")
