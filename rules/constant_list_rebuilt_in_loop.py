"""BL402: a list/tuple/set display of loop-invariant names rebuilt on every iteration."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.bytecode.operands import producer
from bytelint.engine import NodeContext, FileContext
from bytelint.evidence import (
    Site,
    SiteIndex,
    body_effects,
    few_iterations,
    hot_sites,
    rebound_by_closure,
    span_with_parens,
    work_weight,
)
from bytelint.fixfacts import comprehensions_inlined, function_scope_of, in_place_of, keeps_comments, owner_unit, statement_of
from bytelint.rewrites import fresh_name, names_in, scope_names
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid

_DISPLAYS = (cst.List, cst.Tuple, cst.Set)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
# Rebuilding a display of k items costs about k + 4 units of evidence.iteration_weight (k loads,
# the build, the allocation): in the benchmark, `x in [a, b, c]` in an iteration of weight 14
# costs 1.66-1.84x the hoisted form. At the 5% bar that allows iterations of about 20 x (k + 4).
_WEIGHT_PER_ITEM = 20
_BUILD_COST = 4
_CONSTANTS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString)


class ConstantListRebuiltInLoop(Rule):
    """
    ## What it does
    Flags a list, tuple or set display whose items do not change in the loop but are names
    (`x in [a, b, c]`, `for t in (first, last):` inside another loop), so that the compiled
    code builds it again on every iteration.

    ## Why is this bad?
    The compiler folds a display of constants into one constant (`x in [1, 2, 3]` loads the
    tuple `(1, 2, 3)`; bytelint never reports those). A display that names variables cannot
    be folded: each iteration loads every item and allocates a new tuple (or set) just to test
    membership or iterate once. Building it once before the loop removes that work, and
    building a set once also turns the membership test into one hash lookup
    (`benchmarks/rules/constant_list_rebuilt_in_loop.py`, 10,000 iterations):

    | case | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `x in [a, b, c]` → tuple built once | 1.72x | 1.84x | 1.66x | 1.81x | 1.73x |
    | `x in [a, b, c]` → set built once | 3.13x | 3.07x | 2.96x | 4.30x | 3.68x |
    | inner `for m in [a, b]` → tuple built once | 1.17x | 1.20x | 1.27x | 1.25x | 1.19x |
    | `x in [5, 50, 500]` (folded: control) | 1.00x | 1.02x | 1.00x | 1.00x | 1.03x |

    The bytecode decides: a report needs a build instruction feeding the membership test or
    the loop's iterator on every iteration, so folded constants are never reported. The
    source check makes sure hoisting is possible: every item is a constant, a name the loop
    does not assign, or an attribute of an imported module (`errno.EAGAIN`).

    ## Example
    ```python
    def count_known(words, first, second):
        n = 0
        for w in words:
            if w in [first, second]:
                n += 1
        return n
    ```

    ## Use instead
    ```python
    def count_known(words, first, second):
        known = {first, second}
        n = 0
        for w in words:
            if w in known:
                n += 1
        return n
    ```

    ## Fix safety
    The fix builds the display once, as written (a list, tuple or set), bound to a fresh name
    (a private one at module level) before the loop, or before the statement that holds a
    comprehension, and uses the name in the loop. It is **unsafe** (applied with
    `--unsafe-fixes`): the items are now evaluated even when the loop runs zero times (an
    unbound name raises), and a global or module attribute used as an item could be rebound
    by code the loop calls, which the rebuilt display would notice. It is not offered for an
    item that a nested function rebinds (`nonlocal`), nor for a global stored in more than
    one place. Turning a list or tuple into a set is left to you: it requires hashable items
    and changes the test from `==` to hash-and-`==` (equal objects with different hashes
    would stop matching). When the fix runs on 3.9-3.11 it is not offered for a display in a
    comprehension whose items are local variables: they would stop being closure cells,
    which changes the function's code outside the edited lines.

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: 21 findings, all read, 21 true positives
    (token type tests such as `tok_type in (NEWLINE, NL)` in `tokenize`, `param.kind in
    (_VAR_KEYWORD, _KEYWORD_ONLY)` in `inspect`, `f._state in [CANCELLED_AND_NOTIFIED,
    FINISHED]` in `concurrent.futures`, ...). On the third-party packages of a 3.11 virtualenv
    (pip, setuptools, hypothesis, pygments, libcst, click, attrs, pytest and others): 19
    findings, 19 true positives. The first run had one false positive (`for x in (node, base)`
    where `node, base` are the outer loop's variables, in `libcst/codegen/gather.py`): the whole
    loop statement, its target included, is now checked for assignments. Iterations too big for
    the rebuild to cost 5% (weight over 20 x (items + 4)) and loops over at most 100 literal
    items are skipped. A later sample on the whole standard library (tests included, target
    3.11) read five findings in tests whose iterations call Python code (`subTest`, Fraction
    arithmetic): hoisting measured 0.99-1.00x. Calls now weigh what they call (a builtin 4
    units, a method or unknown callable 12, a module-level function or class 20), as in
    BL102/BL103, which leaves such iterations out.

    ## References
    - [Python docs: peephole/constant folding of membership tests](https://docs.python.org/3/whatsnew/3.2.html#optimizations)
    - [pylint #4776 (`x in [..]` is already a tuple constant)](https://github.com/pylint-dev/pylint/issues/4776)
    """

    code = "BL402"
    statement_local = True  # the display, its loops and the statement holding it
    name = "constant-list-rebuilt-in-loop"
    summary = "A list/tuple/set display of unchanging names is rebuilt on every loop iteration"
    versions = ">=3.9"
    node_types = _DISPLAYS
    fixable = "unsafe"

    VALID = (
        Valid("def f(xs):\n    n = 0\n    for x in xs:\n        if x in [1, 2, 3]:\n            n += 1\n    return n\n"),
        Valid("def f(xs):\n    for x in xs:\n        for t in [1, 2, 3]:\n            print(x, t)\n"),
        Valid("def f(xs, a, b):\n    return x in [a, b]\n"),
        Valid("def f(xs, a):\n    for x in xs:\n        if x in [a, x + 1]:\n            print(x)\n"),
        Valid("def f(xs, a, b):\n    for x in xs:\n        a = x\n        if x in (a, b):\n            print(x)\n"),
        Valid("def f(xs, a, b):\n    for x in xs:\n        print([a, b])\n"),
        Valid("def f(xs, a, b):\n    for x in [a, b]:\n        print(x)\n"),
        Valid("def f(pairs):\n    for a, b in pairs:\n        for x in (a, b):\n            print(x)\n"),
    )
    INVALID = (
        Invalid(
            "def f(xs, a, b, c):\n    n = 0\n    for x in xs:\n        if x in [a, b, c]:\n            n += 1\n    return n\n",
            count=1,
            message="3 items",
            fixed="def f(xs, a, b, c):\n    n = 0\n    known = [a, b, c]\n    for x in xs:\n        if x in known:\n            n += 1\n    return n\n",
        ),
        Invalid(
            "def f(xs, a, b):\n    # scale\n    for x in xs:\n        for m in (a, b):\n            print(x * m)\n",
            count=1,
            message="enclosing loop",
            fixed="def f(xs, a, b):\n    # scale\n    items = (a, b)\n    for x in xs:\n        for m in items:\n            print(x * m)\n",
        ),
        Invalid(
            "import errno\n\ndef f(codes):\n    return [c for c in codes if c not in (errno.EAGAIN, errno.EINTR)]\n",
            count=1,
            fixed="import errno\n\ndef f(codes):\n    known = (errno.EAGAIN, errno.EINTR)\n    return [c for c in codes if c not in known]\n",
        ),
        Invalid(
            "def f(xs, a, known):\n    while xs:\n        if xs.pop() in{a, 'b'}:\n            break\n",
            count=1,
            fixed="def f(xs, a, known):\n    _known = {a, 'b'}\n    while xs:\n        if xs.pop() in(_known):\n            break\n",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        def builds_operand(unit, instr) -> bool:
            built = producer(instr, 0)
            return (
                built is not None
                and built.kind is Kind.BUILD
                and built.op in ("tuple", "list", "set")
                and isinstance(built.argval, int)
                and built.argval >= 1
                and not any(  # an item a nested function rebinds (`nonlocal`) may change per pass
                    item is not None and item.kind is Kind.DEREF_LOAD and rebound_by_closure(unit, item.name)
                    for item in (producer(built, depth) for depth in range(built.argval))
                )
                and not _too_heavy(unit.hot_loop_of(instr), built.argval)
            )

        return SiteIndex(
            Site(site.unit, producer(site.instr, 0), site.loop, site.instr.kind)
            for site in hot_sites(file.bytecode.units, (Kind.CONTAINS, Kind.GET_ITER), builds_operand)
        )

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        use = _use(node, ctx)
        if use is None:
            return
        wanted = Kind.CONTAINS if use == "membership" else Kind.GET_ITER
        sites = [s for s in evidence.within(span_with_parens(ctx, node)) if s.extra is wanted]
        if not sites:
            return
        loop = _running_loop(node, ctx)
        if loop is None or few_iterations(loop):
            return
        count = len(node.elements)
        weight = max(work_weight(s.loop) for s in sites)  # calls weigh what they call
        if _too_heavy(sites[0].loop, count, weight):
            return  # a big iteration: the rebuild is under 5% of it
        effects = body_effects(loop)  # its target, test and body (and, conservatively, the rest)
        namespace = ctx.file.bytecode.namespace
        for element in node.elements:
            if not _invariant(element.value, effects, namespace):
                return
        if use == "membership":
            message = (
                f"this display of {count} items is built again on every iteration although its items do not "
                f"change in the loop; build it once before the loop (a set, if the items are hashable)"
            )
        else:
            message = (
                f"the inner loop's {count} items are packed into a new tuple on every iteration of the "
                f"enclosing loop although they do not change; build the tuple once before it"
            )
        yield Report(
            node,
            message,
            evidence=(
                f"a {sites[0].instr.op} of {count} items built per iteration ({sites[0].instr.opname})",
                f"iteration weight {weight} (instructions, calls x4)",
            ),
            fix=_fix(node, loop, use, ctx, sites[0]),
        )


def _too_heavy(loop, count: int, weight: Optional[int] = None) -> bool:
    """Is an iteration of ``loop`` so heavy that rebuilding ``count`` items is under 5% of it?"""
    if loop is None:
        return False
    if weight is None:
        weight = work_weight(loop)
    return weight > _WEIGHT_PER_ITEM * (count + _BUILD_COST)


def _rebound_elsewhere(unit, ctx: NodeContext) -> set:
    """Names that code other than ``unit``'s own can rebind: cells stored by nested functions,
    and module globals stored in more than one place (or by `global` in a function)."""
    names = set(ctx.file.bytecode.namespace.rebound)
    stack = list(unit.children)
    while stack:
        nested = stack.pop()
        names.update(i.name for i in nested.instrs if i.kind is Kind.DEREF_STORE)
        stack.extend(nested.children)
    return names


def _fix(node, loop, use: str, ctx: NodeContext, site: Site) -> Optional[FixSpec]:
    """Bind the display, as written, to a fresh name before the loop (before the statement,
    for a comprehension) and use the name in the loop; unsafe (see the docs)."""
    scope = function_scope_of(ctx)
    anchor = loop if isinstance(loop, (cst.For, cst.While)) else statement_of(ctx)
    if scope is None or anchor is None:
        return None
    chain = list(ctx.ancestors)
    index = next((i for i, a in enumerate(chain) if a is anchor), None)
    if index is None or not isinstance(chain[index - 1], (cst.IndentedBlock, cst.Module)):
        return None
    items = set().union(*(names_in(e.value) for e in node.elements))
    unit = owner_unit(site.unit)
    if items & _rebound_elsewhere(unit, ctx):
        return None  # a closure (`nonlocal`) or another function (`global`) may rebind an item
    if anchor is not loop:
        if items & body_effects(anchor).assigned:
            return None  # the statement could change an item before the comprehension runs
        if not comprehensions_inlined() and items & set(unit.code.co_varnames + unit.code.co_cellvars):
            return None  # they would stop being closure cells: code outside the edit would change
    namespace = ctx.file.bytecode.namespace
    taken = scope_names(unit) | set(namespace.bound) | set(namespace.imported_modules) | set(namespace.from_imports)
    name = "known" if use == "membership" else "items"
    # a module global: private, so that `from module import *` does not export it
    name = fresh_name(f"_{name}" if isinstance(scope, cst.Module) else name, taken)
    binding = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=node)],
        leading_lines=anchor.leading_lines,
    )
    replacement = in_place_of(ctx, node, cst.Name(name))

    def build():  # only when the fix's text is needed: the new loop costs a copy of it
        moved = anchor.deep_replace(node, replacement)
        if not keeps_comments(anchor, cst.Module(body=[binding, moved])):
            return None
        return {anchor: cst.FlattenSentinel([binding, moved.with_changes(leading_lines=())])}

    return FixSpec({}, safe=False, description=f"bind {name} before the loop", build=build)


def _use(node: cst.CSTNode, ctx: NodeContext) -> Optional[str]:
    parent = ctx.parent
    if isinstance(parent, cst.ComparisonTarget) and parent.comparator is node and isinstance(parent.operator, (cst.In, cst.NotIn)):
        return "membership"
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
        return "iteration"
    return None


def _running_loop(node: cst.CSTNode, ctx: NodeContext):
    """The innermost loop (statement or comprehension) that evaluates *node* on every
    iteration, within the current function."""
    chain = list(ctx.ancestors) + [node]
    for i in range(len(chain) - 2, -1, -1):
        ancestor, child = chain[i], chain[i + 1]
        if isinstance(ancestor, _SCOPES):
            return None
        if isinstance(ancestor, cst.For) and child is not ancestor.iter and child is not ancestor.target:
            return ancestor
        if isinstance(ancestor, cst.While):
            return ancestor
        if isinstance(ancestor, _COMPREHENSIONS):
            outer = ancestor.for_in
            # the outermost iterable is evaluated once, outside the comprehension
            if child is outer:
                if not _inside(chain[i + 2:], outer.iter):
                    return ancestor
                continue
            return ancestor
    return None


def _inside(rest, target) -> bool:
    return bool(rest) and rest[0] is target


def _dotted_root(expr) -> Optional[str]:
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return expr.value if isinstance(expr, cst.Name) else None


def _invariant(expr, effects, namespace) -> bool:
    if isinstance(expr, _CONSTANTS):
        return True
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.expression, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Name):
        return expr.value not in effects.assigned or expr.value in ("None", "True", "False")
    if isinstance(expr, cst.Attribute):
        root = _dotted_root(expr)
        return root is not None and root in namespace.imported_modules and root not in effects.assigned
    return False
