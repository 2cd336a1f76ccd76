"""BL106: a `def` or `lambda` re-created on every loop iteration although nothing in it changes."""

from __future__ import annotations

from typing import Iterable, Optional, Set

import libcst as cst

from bytelint.bytecode import Kind, ScopeKind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, function_scope, hot_sites, iteration_weight, site_in_scope
from bytelint.rule import Invalid, Report, Rule, Valid
from bytelint.tree import children

from ._loop_helpers import loop_names, running_loops

_IN_FUNCTIONS = (ScopeKind.FUNCTION, ScopeKind.COMPREHENSION, ScopeKind.GENEXPR)
# Creating a function object costs about as much as 2-3 weight units (evidence.iteration_weight):
# the benchmark's `sorted(row, key=lambda v: -v)` loop (20 units) runs 1.10-1.16x faster with
# the lambda hoisted. At 5% of the iteration that is one creation per 35-55 units; 40 it is.
_WEIGHT_PER_FUNCTION = 40
# Callables that use a function argument during the call and keep no reference that could tell
# two equal functions apart.
_CONSUMERS = frozenset({"sorted", "min", "max", "filter", "map"})
_CONSUMER_METHODS = frozenset(
    {
        "sort", "sub", "subn", "reduce", "groupby", "takewhile", "dropwhile", "filterfalse",
        "accumulate", "starmap", "nsmallest", "nlargest", "bisect_left", "bisect_right", "bisect",
        "insort", "insort_left", "insort_right", "merge",
    }
)


class FunctionDefinedInLoop(Rule):
    """
    ## What it does
    Flags a `lambda` or nested `def` inside a loop when the function does not depend on the
    iteration: it uses no name the loop assigns (not even as a default value), has no
    decorator, and is only called or handed to a function that calls it (`sorted(...,
    key=...)`, `max`, `filter`, `map`, `re.sub`, `list.sort`, ...).

    ## Why is this bad?
    `def` and `lambda` are executed statements: each time one runs, CPython allocates a new
    function object around the same compiled code (and binds its name). Nothing about the
    function changes between iterations, so defining it once before the loop does the same
    work once. Hoisting the function speeds up the benchmark's loops on every version
    (`benchmarks/rules/function_defined_in_loop.py`, paired-median ratios):

    | loop | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `max(a, b, key=lambda p: p[1])` | 1.11x | 1.14x | 1.18x | 1.22x | 1.66x |
    | `sorted(row, key=lambda v: -v)`, 5 items | 1.09x | 1.10x | 1.16x | 1.17x | 1.21x |
    | nested `def` called once per iteration | 1.44x | 1.56x | 2.14x | 2.53x | 2.72x |
    | `lambda` closing over a function local | 1.14x | 1.18x | 1.24x | 1.28x | 1.32x |

    (From 3.11 a function created anew each time also defeats the interpreter's
    specialisation of the call, hence the larger gains for the nested `def`.)

    The bytecode confirms that the function is created inside the compiled loop body, on the
    path every ordinary iteration takes, and sizes the iteration: a loop doing more than
    40 units of compiled work per created function (calls counted four times) is not
    reported, because there the creation costs under 5%. Functions stored, returned or passed
    to other code are left alone: hoisting would make every iteration share one function
    object, which a registry or a callback list can tell apart.

    ## Example
    ```python
    def top_items(groups):
        out = []
        for items in groups:
            out.append(max(items, key=lambda item: item[1]))
        return out
    ```

    ## Use instead
    ```python
    def top_items(groups):
        out = []
        second = lambda item: item[1]
        for items in groups:
            out.append(max(items, key=second))
        return out
    ```

    ## Fix safety
    No automatic fix yet. Moving the definition before the loop is safe when, as checked
    here, the function reads nothing the loop assigns; `operator.itemgetter(1)` is an
    alternative for simple key functions.

    ## References
    - [Python docs: function definitions are executable statements](https://docs.python.org/3/reference/compound_stmts.html#function-definitions)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded) with `--target-version py39`: **no findings**. Without the iteration
    size limit and the "only called" condition there are 21 candidates (key functions and
    predicates passed to `max`, `spill`, `rec_test`, `textwrap.indent`, a Tk callback): all
    sit in loops doing far more work than creating the function (a report there would
    promise a gain under 5%), and one is a stored callback. The INVALID examples are the
    shapes it reports.
    """

    code = "BL106"
    name = "function-defined-in-loop"
    summary = "`def`/`lambda` re-created on every loop iteration although it does not change"
    versions = ">=3.9"
    node_types = (cst.Lambda, cst.FunctionDef)

    VALID = (
        Valid("def f(groups):\n    key = lambda it: it[1]\n    return [max(g, key=key) for g in groups]\n"),
        Valid("def f(groups):\n    out = []\n    for g in groups:\n        out.append(max(g, key=lambda it: it[g[0]]))\n    return out\n"),
        Valid("def f(buttons, handlers):\n    for b in buttons:\n        handlers.append(lambda: print('clicked'))\n"),
        Valid("def f(names):\n    for n in names:\n        def show(v=n):\n            print(v)\n        show()\n"),
        Valid("def f(groups):\n    for g in groups:\n        @cache\n        def helper(x):\n            return x * 2\n        print(helper(g))\n"),
        Valid("def f(names, reg):\n    for n in names:\n        def handler(event):\n            return event\n        reg[n] = handler\n"),
        Valid("for g in [[1, 2], [3]]:\n    print(max(g, key=lambda v: -v))\n"),
    )
    INVALID = (
        Invalid(
            "def f(groups):\n    out = []\n    for g in groups:\n        out.append(max(g, key=lambda it: it[1]))\n    return out\n",
            count=1,
            message="lambda",
        ),
        Invalid(
            "def f(rows):\n    total = 0\n    for r in rows:\n        def weight(v):\n            return v * v + 1\n        total += weight(r)\n    return total\n",
            count=1,
            message="`weight`",
        ),
        Invalid("def f(rows):\n    for r in rows:\n        r.sort(key=lambda v: -v)\n", count=1),
        Invalid(
            "def f(rows, scale):\n    return [sorted(r, key=lambda v: v * scale) for r in rows]\n",
            count=1,
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        def in_function(unit, instr) -> bool:
            if unit.kind not in _IN_FUNCTIONS or _makes_comprehension(unit, instr):
                return False
            loop = unit.hot_loop_of(instr)  # too heavy an iteration: `check` says the same
            return loop is None or iteration_weight(loop) <= _WEIGHT_PER_FUNCTION

        return SiteIndex(hot_sites(file.bytecode.units, (Kind.MAKE_FUNCTION,), in_function))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if function_scope(ctx)[1] != "function":
            return
        loops = running_loops(ctx, node)
        if not loops:
            return
        depth = sum(levels for _, levels in loops)
        sites = [s for s in evidence.within(ctx.span(node)) if s.depth == depth and site_in_scope(s, ctx)]
        if not sites:
            return
        if isinstance(node, cst.FunctionDef) and node.decorators:
            return
        loop = loops[-1][0]
        changing = loop_names(loop).assigned
        if _free_names(node) & changing:
            return  # depends on the iteration (a loop variable, a default value)
        if not _only_called(node, ctx, loop):
            return
        weight = max(iteration_weight(site.loop) for site in sites)
        if weight > _WEIGHT_PER_FUNCTION:
            return
        what = "lambda" if isinstance(node, cst.Lambda) else f"function `{node.name.value}`"
        yield Report(
            node,
            f"{what} is created again on every iteration of the loop (a new function object each time) "
            f"although it uses nothing the loop changes; define it once before the loop",
            span=_def_line(ctx, node),
            evidence=(
                "function object built inside the compiled loop body",
                f"iteration weight {weight} (instructions, calls x4)",
            ),
        )


_COMPREHENSION_NAMES = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})


def _makes_comprehension(unit, instr) -> bool:
    """Does the MAKE_FUNCTION build a comprehension's function (its code object is loaded just
    before it, with the qualified name in between on 3.9/3.10)?"""
    for before in reversed(unit.instrs[max(0, instr.index - 3) : instr.index]):
        name = getattr(before.argval, "co_name", None) if before.kind is Kind.CONST_LOAD else None
        if name is not None:
            return name in _COMPREHENSION_NAMES
    return False


def _def_line(ctx: NodeContext, node: cst.CSTNode):
    if isinstance(node, cst.FunctionDef):
        span = ctx.span(node.name)
        return span
    return None


def _names_in(node: cst.CSTNode, out: Set[str]) -> Set[str]:
    if isinstance(node, cst.Name):
        out.add(node.value)
    for child in children(node):
        _names_in(child, out)
    return out


def _free_names(node: cst.CSTNode) -> Set[str]:
    """Names the function reads from outside (its parameters excepted) plus every name in its
    default values."""
    params = node.params
    own = set()
    defaults: Set[str] = set()
    for group in (params.posonly_params, params.params, params.kwonly_params):
        for param in group:
            own.add(param.name.value)
            if param.default is not None:
                _names_in(param.default, defaults)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            own.add(star.name.value)
    body = _names_in(node.body, set())
    return (body - own) | defaults


def _consumer_call(call: cst.Call) -> bool:
    func = call.func
    if isinstance(func, cst.Name) and func.value in _CONSUMERS:
        return True
    if isinstance(func, cst.Attribute) and func.attr.value in _CONSUMER_METHODS:
        return True
    return any(arg.keyword is not None and arg.keyword.value == "key" for arg in call.args)


def _only_called(node: cst.CSTNode, ctx: NodeContext, loop: cst.CSTNode) -> bool:
    """Is the function used only during the iteration: a lambda passed straight to a consumer,
    or a name (from `def` or `name = lambda`) that the loop only calls or passes to one?"""
    parent = ctx.parent
    if isinstance(node, cst.Lambda):
        if isinstance(parent, cst.Arg):
            call = ctx.ancestors[-2] if len(ctx.ancestors) >= 2 else None
            return isinstance(call, cst.Call) and _consumer_call(call)
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            return _name_only_called(parent.targets[0].target.value, loop)
        return False
    return _name_only_called(node.name.value, loop)


def _name_only_called(name: str, loop: cst.CSTNode) -> bool:
    uses = _NameUses(name)
    uses.scan(loop.body if isinstance(loop, (cst.For, cst.While)) else loop, None)
    return uses.called > 0 and uses.ok


class _NameUses:
    """How the loop uses one name: calls `name(...)` and consumer arguments are fine, anything
    else (stored, returned, passed elsewhere) is not."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.called = 0
        self.ok = True

    def scan(self, node: cst.CSTNode, parent: Optional[cst.CSTNode]) -> None:
        if isinstance(node, cst.Call):
            if isinstance(node.func, cst.Name) and node.func.value == self.name:
                self.called += 1
                for arg in node.args:
                    self.scan(arg, node)
                return
            for arg in node.args:
                if isinstance(arg.value, cst.Name) and arg.value.value == self.name:
                    if _consumer_call(node):
                        self.called += 1
                    else:
                        self.ok = False
                    continue
                self.scan(arg, node)
            self.scan(node.func, node)
            return
        if isinstance(node, cst.Name) and node.value == self.name:
            if not isinstance(parent, (cst.FunctionDef, cst.AssignTarget)):
                self.ok = False
            return
        if isinstance(node, cst.FunctionDef):
            if node.name.value == self.name:
                return
        for child in children(node):
            self.scan(child, node)
