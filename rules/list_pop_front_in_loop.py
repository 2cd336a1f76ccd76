"""BL305: list.pop(0) / list.insert(0, x) in a loop: quadratic, use collections.deque."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.bytecode.operands import call_shape, producer
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, few_iterations, function_scope, hot_sites
from bytelint.rule import Invalid, Report, Rule, Valid

_RECEIVERS = (Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.NAME_LOAD, Kind.GLOBAL_LOAD, Kind.ATTR_LOAD)
_NAME_STORES = (Kind.FAST_STORE, Kind.DEREF_STORE, Kind.NAME_STORE, Kind.GLOBAL_STORE)
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
    No automatic fix yet. A deque is not a list: it has no slicing, `sort()` or `insert()` at
    arbitrary speed, and indexing into its middle is O(n). Other code that receives the
    object may expect a list. When the list must stay a list, iterating over it (or popping
    from the end after reversing it once) also avoids the quadratic cost.

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
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        def is_front_call(unit, instr) -> bool:
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

        return SiteIndex(hot_sites(file.bytecode.units, (Kind.CALL,), is_front_call))

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
            if len(item) > 20:
                item = "x"
            what, fix = f"`{receiver}.insert(0, ...)`", f"`{receiver}.appendleft({item})`"
            verb = "moves every item"
        yield Report(
            node,
            f"{what} in a loop {verb} of the list one place on every call (quadratic over the loop); "
            f"make it a collections.deque and use {fix}",
            evidence=(f"{sites[0].instr.opname} of {func.attr.value}(0, ...) on every iteration of a loop that keeps the same receiver",),
        )


def _stored_in(loop, receiver) -> bool:
    if receiver.kind is Kind.ATTR_LOAD:
        return any(i.kind is Kind.ATTR_STORE and i.name == receiver.name for i in loop.instrs())
    return any(i.kind in _NAME_STORES and i.name == receiver.name for i in loop.instrs())


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
