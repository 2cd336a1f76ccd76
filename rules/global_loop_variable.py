"""BL104: a loop in a function that stores a `global` name on every iteration."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Set

import libcst as cst

from bytelint.bytecode import Kind, ScopeKind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, function_scope, header_span, hot_sites, iteration_weight, loop_depth, loop_sites
from bytelint.rule import Invalid, Report, Rule, Valid

_FUNCTION_KINDS = (ScopeKind.FUNCTION, ScopeKind.COMPREHENSION, ScopeKind.GENEXPR)
# One global store (with the global read that usually goes with it: `total += x`, `for i in`)
# costs 3-6 weight units (evidence.iteration_weight) more than a local one: the benchmark's
# `total += len(s)` loop, 12 units, runs 1.28-1.50x faster with a local. At 5% of the iteration
# that is one store per 60-120 units; 60 keeps a margin.
_WEIGHT_PER_STORE = 60


class GlobalLoopVariable(Rule):
    """
    ## What it does
    Flags a loop in a function that assigns, on every iteration, a name the function declares
    `global`: a loop variable (`for i in ...` after `global i`) or an accumulator
    (`total += x` after `global total`).

    ## Why is this bad?
    A local variable lives in the frame: storing it is an array write. A `global` name is an
    entry in the module's dictionary: every iteration does a dictionary store, and every read
    of it a dictionary lookup (the specialising interpreter of 3.11+ caches global reads, but
    not global stores). Accumulating in a local and assigning the global once after the loop is faster
    on every version, even in a loop that calls a builtin every iteration
    (`benchmarks/rules/global_loop_variable.py`, paired-median ratios; docs/bytecode.md §8
    measured 1.4-2.8x):

    | loop | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `total += k` (`global total`) | 1.38x | 1.40x | 1.39x | 1.43x | 1.49x |
    | `for i in range(N)` (`global i`) | 1.38x | 1.37x | 1.39x | 1.42x | 1.51x |
    | `total += len(s)` (`global total`) | 1.27x | 1.26x | 1.49x | 1.43x | 1.58x |

    The bytecode decides: a report needs a store to a global inside the compiled loop body, on
    the path every ordinary iteration takes (a store just before `break` or `return` is not
    counted), and enough stores for the size of the iteration (at least one per 60 units of
    its compiled work, calls counted four times). From the source, the global must be the
    loop's own variable or an accumulator (`g += x`, `g = g + x`) assigned unconditionally
    (not under an `if`): a cache filled once, or a counter bumped on a rare branch, is not a
    per-iteration cost. Module-level loops are BL101's.

    ## Example
    ```python
    total = 0


    def add_all(values):
        global total
        for v in values:
            total += v
    ```

    ## Use instead
    ```python
    total = 0


    def add_all(values):
        global total
        subtotal = total
        for v in values:
            subtotal += v
        total = subtotal
    ```

    ## Fix safety
    No automatic fix yet. Accumulating locally is safe when nothing the loop calls reads the
    global while the loop runs (a callback, another thread); otherwise they would see the old
    value until the loop ends.

    ## References
    - [Python docs: the global statement](https://docs.python.org/3/reference/simple_stmts.html#the-global-statement)
    - [Python FAQ: performance tips, local variables](https://wiki.python.org/moin/PythonSpeed/PerformanceTips#Local_Variables)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded) with `--target-version py39`: **no findings**. A first version that
    reported any global store in a loop gave 5 findings, 0 of 5 true positives (caches set
    once inside a search loop, option counters bumped under an `if`, a loop over a few
    expensive getters); the rule was narrowed to loop variables and unconditional
    accumulators, which those corpora do not contain. The INVALID examples are the shapes it
    reports.
    """

    code = "BL104"
    statement_local = True  # the loop and the bytecode
    name = "global-loop-variable"
    summary = "Loop stores a `global` name on every iteration (a dict store each time)"
    versions = ">=3.9"
    node_types = (cst.For, cst.While)

    VALID = (
        Valid("def f(values):\n    total = 0\n    for v in values:\n        total += v\n    return total\n"),
        Valid("def f(values):\n    global total\n    t = 0\n    for v in values:\n        t += v\n    total = t\n"),
        Valid("def f(values):\n    global found\n    for v in values:\n        if v:\n            found = v\n            break\n"),
        Valid("total = 0\nfor v in range(10):\n    total += v\n"),
        Valid("def f(getters):\n    global node\n    for get in getters:\n        node = get()\n        if node:\n            return node\n"),
        Valid("def f(opts):\n    global verbose\n    for o in opts:\n        if o == '-v':\n            verbose = verbose + 1\n"),
        Valid(
            "def f(paths):\n    global cache\n    for p in paths:\n        with open(p) as fh:\n            data = fh.read()\n"
            "            parsed = [line.split(',') for line in data.splitlines() if line and not line.startswith('#')]\n"
            "            rows = [tuple(int(x) for x in r) for r in parsed if len(r) > 2]\n"
            "            cache = {r[0]: r for r in rows if r[1] > 0 and r[2] < 100}\n"
            "            print(len(cache), len(rows), sum(len(r) for r in rows), max(rows), min(rows))\n"
        ),
    )
    INVALID = (
        Invalid("def f(values):\n    global total\n    for v in values:\n        total += v\n", count=1, message="`total`"),
        Invalid("def f(n):\n    global i\n    for i in range(n):\n        print(i)\n", count=1, message="global"),
        Invalid(
            "def f(lines):\n    global count, last\n    count = 0\n    while lines:\n        last = lines.pop()\n        count += 1\n",
            count=1,
            message="accumulator `count`",
        ),
        Invalid("def f(rows):\n    global seen\n    for row in rows:\n        for x in row:\n            seen = seen + x\n", count=1),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        def is_global_store(unit, instr) -> bool:
            return unit.kind in _FUNCTION_KINDS

        return SiteIndex(hot_sites(file.bytecode.units, (Kind.GLOBAL_STORE,), is_global_store))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if function_scope(ctx)[1] != "function":
            return
        sites = loop_sites(evidence, ctx, node, loop_depth(ctx) + 1)
        if not sites:
            return
        stored = {site.instr.name for site in sites}
        kinds = {}
        if isinstance(node, cst.For):
            for name in _bound_names(node.target) & stored:
                kinds[name] = "loop variable"
        for name in _accumulated(node.body.body) & stored:
            kinds.setdefault(name, "accumulator")
        sites = [site for site in sites if site.instr.name in kinds]
        if not sites:
            return
        weight = max(iteration_weight(site.loop) for site in sites)
        if weight > _WEIGHT_PER_STORE * len(sites):
            return
        counts = Counter(site.instr.name for site in sites)
        names = ", ".join(f"{kinds[name]} `{name}`" for name in counts)
        stores = len(sites)
        what = "a global store" if stores == 1 else f"{stores} global stores"
        yield Report(
            node,
            f"{names}, declared `global`, assigned on every iteration ({what}: a module-dict "
            f"store each time instead of a local one); work on a local and assign the global once after the loop",
            span=header_span(ctx, node),
            evidence=tuple(f"global store {name}: {n}x per iteration" for name, n in counts.most_common())
            + (f"iteration weight {weight} (instructions, calls x4)",),
        )


def _bound_names(target) -> Set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_bound_names(e.value) for e in target.elements))
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return set()


def _mentions(expr, name: str) -> bool:
    """Is *name* an operand of the (possibly nested) binary operation *expr*?"""
    if isinstance(expr, cst.Name):
        return expr.value == name
    if isinstance(expr, cst.BinaryOperation):
        return _mentions(expr.left, name) or _mentions(expr.right, name)
    return False


def _accumulated(statements) -> Set[str]:
    """Names accumulated (`g += x`, `g = g + x`) by statements that run on every iteration:
    directly in the loop body or in the body of a `try` or `with` there, not under an `if`."""
    found: Set[str] = set()
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                    found.add(small.target.value)
                elif isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target = small.targets[0].target
                    if (
                        isinstance(target, cst.Name)
                        and isinstance(small.value, cst.BinaryOperation)
                        and _mentions(small.value, target.value)
                    ):
                        found.add(target.value)
        elif isinstance(statement, (cst.Try, cst.With)):
            found |= _accumulated(statement.body.body)
    return found
