"""BL601: a pure builtin or `math` call whose arguments the loop never changes."""

from __future__ import annotations

import ast
from typing import Any, Iterable, List, Optional, Set

import libcst as cst

from bytelint import syntax

from bytelint.bytecode import Kind, NameClass, ScopeKind
from bytelint.bytecode.operands import call_shape, producer
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, function_scope, iteration_weight, owner_unit, rebound_by_closure, site_in_scope
from bytelint.rule import Invalid, Report, Rule, Valid
from bytelint.tree import children

from ._loop_helpers import LoopNames, cold_branch, loop_names, running_loops

# Builtins whose result depends only on their arguments and that do not change them.
_CONSTANT_TIME = frozenset({"len", "abs", "int", "float", "bool", "round", "ord", "chr", "divmod", "pow", "str", "repr", "hash"})
# ... and those that walk a whole collection: hoisting them saves a pass per iteration.
_LINEAR = frozenset({"max", "min", "sum", "sorted", "tuple", "frozenset", "any", "all"})
_PURE = _CONSTANT_TIME | _LINEAR
_MATH = frozenset(
    {
        "sqrt", "isqrt", "exp", "log", "log2", "log10", "log1p", "pow", "sin", "cos", "tan", "asin", "acos",
        "atan", "atan2", "sinh", "cosh", "tanh", "hypot", "fabs", "floor", "ceil", "trunc", "factorial",
        "gcd", "lcm", "comb", "perm", "radians", "degrees", "prod", "fsum", "dist",
    }
)
_MATH_LINEAR = frozenset({"prod", "fsum"})
_MUTATORS = frozenset(
    {
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "add", "discard",
        "update", "setdefault", "popitem", "appendleft", "extendleft", "popleft", "rotate", "write",
        "__setitem__", "__delitem__", "__iadd__",
    }
)
_FUNCTION_UNITS = (ScopeKind.FUNCTION, ScopeKind.COMPREHENSION, ScopeKind.GENEXPR)
# What one hoisted call saves, in evidence.iteration_weight units: the benchmark's
# `while i < len(s)` (24 units) runs 1.59-1.74x faster hoisted, `v / math.sqrt(total)`
# (19 units) 1.64-2.1x: about 7-9 units per call. At 5% that is one call per 140-180 units of
# iteration; 120 keeps a margin. Linear builtins (max, sorted, ...) are reported whatever the
# iteration size: the slow form is quadratic.
_WEIGHT_PER_CALL = 120



class LoopInvariantComputation(Rule):
    """
    ## What it does
    Flags a call of a pure builtin (`len`, `abs`, `int`, `float`, `str`, `round`, `max`, `min`,
    `sum`, `sorted`, `tuple`, `frozenset`, `any`, `all`, ...) or of a `math` function inside a
    loop when every argument is a constant or a local variable that the loop never assigns,
    never changes in place and never hands to other code.

    ## Why is this bad?
    The call computes the same value on every iteration. For `len(s)` or `math.sqrt(total)`
    that is a global lookup and a call per iteration; for `max(xs)`, `sum(xs)`, `sorted(xs)`
    and the like it is a whole pass over the collection, which makes the loop quadratic. A
    `while` test counts, since it runs on every iteration: `while i < len(s):`.
    Paired-median ratios, slow / hoisted (`benchmarks/rules/loop_invariant_computation.py`):

    | loop | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `while i < len(s)` | 1.67x | 1.68x | 1.49x | 1.56x | 1.56x |
    | `v / math.sqrt(total)` | 2.28x | 2.28x | 1.60x | 1.62x | 1.73x |
    | `v * 2 > max(xs)`, 1,000 items | 210x | 219x | 301x | 312x | 307x |

    To stay precise (loop-invariant rules in other linters are known for their false
    positives) the rule is narrow. The bytecode confirms the call runs inside the compiled
    loop body on every ordinary iteration, not in the `for` header (evaluated once), that the
    function is the builtin (not rebound in the module) or the standard `math` module, and
    that the arguments are local variables. From the source: no argument is assigned in the
    loop, has a method called on it (it may mutate), is stored into (`x[i] = ...`), passed to
    a call, aliased or used by a nested function; nor is it bound elsewhere in the function
    to a mutating method (`add = xs.append`) or taken from an attribute the loop mutates
    (`cols = self.cols` with `self.cols.append(...)`). Calls under a debugging switch or in a
    first-iteration-only branch are skipped. Constant-time calls are reported only in
    iterations small enough for the saving to reach 5% (up to 120 units of compiled work per
    call, calls counted four times). Expressions the compiler already folds (`2 ** 10`) have
    no call and are never reported.

    ## Example
    ```python
    def count_peaks(values):
        n = 0
        for v in values:
            if v > 0.9 * max(values):
                n += 1
        return n
    ```

    ## Use instead
    ```python
    def count_peaks(values):
        n = 0
        threshold = 0.9 * max(values)
        for v in values:
            if v > threshold:
                n += 1
        return n
    ```

    ## Fix safety
    No automatic fix yet. Hoisting is safe when nothing changes the argument while the loop
    runs. bytelint checks the loop's own code; another reference to the same object changed
    by a function the loop calls (an alias of a list held elsewhere) would be missed.

    ## References
    - [Loop-invariant code motion](https://en.wikipedia.org/wiki/Loop-invariant_code_motion)
    - [Python FAQ: performance tips, loops](https://wiki.python.org/moin/PythonSpeed/PerformanceTips#Loops)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded) with `--target-version py39`: 32 findings (29 in the standard
    library, 2 in rich, 1 in sqlparse), all read: **32 of 32 true positives** (mostly
    `while i < len(s)` scanners in `ast`, `tkinter.ttk`, `traceback`, `zipfile` and rich's
    JSON highlighter, `len()` of an unchanged local in a test, and `ord('0')`-style constant
    calls in `quopri`'s per-character loop). A first version had 3 false positives out of
    35, all through aliases (`curr_append = curr.append` in `base64`, `popleft =
    _progress.popleft` and `columns = self.columns` in rich); the alias checks above remove
    them.
    """

    code = "BL601"
    # the call, its loops and the bytecode; the statements of the function that name the
    # call's variables (where `_aliased` looks for aliases) are its context lines
    statement_local = True
    name = "loop-invariant-computation"
    summary = "Pure builtin or math call with loop-invariant arguments recomputed on every iteration"
    versions = ">=3.9"
    node_types = (cst.Call,)

    VALID = (
        Valid("def f(xs):\n    n = len(xs)\n    for i in range(n):\n        print(xs[i])\n"),
        Valid("def f(xs):\n    for i in range(len(xs)):\n        print(xs[i])\n"),
        Valid("def f(xs):\n    i = 0\n    while i < len(xs):\n        xs.pop()\n"),
        Valid("def f(xs):\n    for x in xs:\n        print(len(x))\n"),
        Valid("def f(xs, out):\n    for x in xs:\n        out.append(x)\n        print(len(out))\n"),
        Valid("def f(xs):\n    ys = []\n    for x in xs:\n        process(ys)\n        print(x, max(ys))\n"),
        Valid("def f(xs):\n    for x in xs:\n        print(x, len(DATA))\n"),
        Valid("len = str\n\ndef f(xs, s):\n    for x in xs:\n        print(x, len(s))\n"),
        Valid("xs = [1, 2]\nfor x in xs:\n    print(x, max(xs))\n"),
        Valid("def f(xs):\n    buf = []\n    add = buf.append\n    for x in xs:\n        add(x)\n        if len(buf) == 5:\n            print(buf)\n"),
        Valid("class T:\n    def f(self, xs):\n        cols = self.cols\n        for x in xs:\n            if x == len(cols):\n                self.cols.append(x)\n"),
    )
    INVALID = (
        Invalid("class C:\n    @property\n    def peaks(self):\n        values = self.values\n        return [v for v in values if v > max(values)]\n", count=1, message="`max(values)`"),
        Invalid("def f(values):\n    n = 0\n    for v in values:\n        if v > max(values):\n            n += 1\n    return n\n", count=1, message="`max(values)`"),
        Invalid(
            "def f(s):\n    i = 0\n    n = 0\n    while i < len(s):\n        if s[i] == 'a':\n            n += 1\n        i += 1\n    return n\n",
            count=1,
            message="`len(s)`",
        ),
        Invalid(
            "import math\n\ndef f(values, total):\n    return [v / math.sqrt(total) for v in values]\n",
            count=1,
            message="`math.sqrt(total)`",
        ),
        Invalid("def f(rows, allowed):\n    for r in rows:\n        for x in sorted(allowed):\n            print(r, x)\n", count=1, message="every iteration"),
        Invalid("def f(xs, a, b):\n    return [x for x in xs if x < max(abs(a), abs(b))]\n", count=1, message="`max(abs(a), abs(b))`"),
        Invalid(
            "def f(a, b):\n    i = 0\n    while i < min(len(a), len(b)) and a[i] == b[i]:\n        i += 1\n    return i\n",
            count=1,
            message="a lookup and a call",
        ),
        Invalid("def f(xs, limits):\n    return [x for x in xs if x < max(limits)]\n", count=1, message="a pass over the whole collection"),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        namespace = file.bytecode.namespace
        targets = file.targets_for(self)
        math = {n for n, m in namespace.imported_modules.items() if m == "math"} - namespace.rebound
        named = _PURE.intersection(file.bytecode.names)  # a name no code object loads is never called
        builtins = {n for n in named if all(namespace.classify(n, v) is NameClass.BUILTIN for v in targets)}
        sites: List[Site] = []

        def pure(callee) -> bool:  # a call `check` can take as invariant: `len`, `math.sqrt`, ...
            if callee.kind is Kind.GLOBAL_LOAD:
                return callee.name in builtins
            if callee.kind in (Kind.ATTR_LOAD, Kind.METHOD_LOAD) and callee.name in _MATH:
                owner = producer(callee, 0) if callee.kind is Kind.ATTR_LOAD else None
                return owner is None or (owner.kind is Kind.GLOBAL_LOAD and owner.name in math)
            return False

        for unit in file.bytecode.units:
            if unit.kind not in _FUNCTION_UNITS or (not unit.loops and unit.inherited_depth() == 0):
                continue
            instrs = unit.instrs
            for instr in unit.instrs_of(_GLOBAL_LOADS):
                following = None
                if instr.name in builtins:
                    name = instr.name
                elif instr.name in math:
                    following = next((i for i in instrs[instr.index + 1 :] if i.kind is not Kind.NOISE), None)
                    if following is None or following.name not in _MATH:
                        continue
                    name = f"{instr.name}.{following.name}"
                else:
                    continue
                loop = unit.hot_loop_of(instr)
                if loop is None and unit.inherited_depth() == 0:
                    continue
                # Decided on the bytecode, before any parsing: too heavy an iteration for one
                # saved call to count, or an argument the loop itself assigns.
                linear = name in _LINEAR or name.rsplit(".", 1)[-1] in _MATH_LINEAR
                if loop is not None and not linear and iteration_weight(loop) > _WEIGHT_PER_CALL:
                    continue
                callee = following if following is not None else instr
                if _not_invariant(unit, callee, loop, pure):
                    continue
                sites.append(Site(unit, instr, loop, name))
        return SiteIndex(sites, _references)

    # Most calls on the evidence's lines are not of a pure builtin, or take what the loop
    # assigns: ``screen`` rules them out on the ``ast`` tree, before libcst.
    screen_types = (ast.Call,)

    def screen(self, node: ast.Call, ctx: syntax.SyntaxContext, evidence: SiteIndex) -> bool:
        """``check``'s tests on ``ast``, each as loose as its libcst twin or looser: a pure
        callee, in a function, in the body of a loop (or, for a comprehension or a loop's
        header, unknown: kept), with arguments the loop does not assign (``_invariant_call``
        against the names the loop binds, a part of what ``loop_names`` finds)."""
        func = node.func
        if isinstance(func, ast.Name):
            if func.id not in _PURE:
                return False
        elif not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in _MATH):
            return False
        if syntax.function_scope(ctx)[1] != "function":
            return False
        loop = _ast_running_loop(ctx, node)
        if loop is None or loop is True:
            return loop is True
        return _ast_invariant_call(node, _ast_assigned(loop))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        name = _callee(node)
        if name is None or function_scope(ctx)[1] != "function":
            return
        loops = running_loops(ctx, node)
        if not loops:
            return
        if cold_branch(ctx, node, loops[0][0]):
            return  # a debugging switch or a first-iteration-only branch
        depth = sum(levels for _, levels in loops)
        sites = [
            s
            for s in evidence.within(ctx.span(node.func))
            if s.extra == name and s.depth == depth and site_in_scope(s, ctx)
        ]
        if not sites:
            return
        loop = loops[-1][0]
        uses = loop_names(loop, pure=_PURE | {f"{name.split('.')[0]}.{f}" for f in _MATH})
        arguments: Set[str] = set()
        if not _invariant_call(node, uses, arguments):
            return
        if _inside_invariant_call(ctx, uses):
            return  # the enclosing call is reported instead
        if not _locals(sites[0], arguments):
            return
        if arguments and _aliased(function_scope(ctx)[0], loop, arguments):
            return
        linear = _linear(node, name)
        if not linear:
            weight = max(iteration_weight(s.loop) for s in sites)
            if weight > _WEIGHT_PER_CALL:
                return
        text = cst.Module(body=()).code_for_node(node)
        if len(text) > 60:
            text = f"{name}(...)"
        cost = "a pass over the whole collection" if linear else "a lookup and a call"
        yield Report(
            node,
            f"`{text}` computes the same value on every iteration ({cost} each time): its arguments "
            f"never change in the loop; compute it once before the loop",
            evidence=(f"{name} called inside the compiled loop body", "arguments: " + (", ".join(sorted(arguments)) or "constants")),
        )


_VARIABLE_LOADS = frozenset({Kind.FAST_LOAD, Kind.DEREF_LOAD, Kind.NAME_LOAD, Kind.GLOBAL_LOAD})


# An argument pushed by one of these is never taken as invariant by `check` (an attribute, a
# global or a name resolved at run time; invariant arguments are constants and locals).
_NOT_INVARIANT_ARGUMENTS = frozenset({Kind.ATTR_LOAD, Kind.METHOD_LOAD, Kind.GLOBAL_LOAD, Kind.NAME_LOAD})


def _not_invariant(unit, callee, loop, pure) -> bool:
    """Does the bytecode already rule the call of ``callee`` out: ``callee`` is loaded but not
    called (passed as an argument, say), the call has no arguments or unpacks some, an
    argument is an attribute, a global or the result of a call ``pure`` does not accept, or a
    positional argument is a variable the loop assigns (its target, say)? False whenever the
    call cannot be read from the bytecode."""
    instrs = unit.instrs
    for later in instrs[callee.index + 1 : callee.index + 64]:
        if later.kind is not Kind.CALL:
            continue
        shape = call_shape(later)
        if shape is None:
            return False  # a call in between that cannot be read: leave it to the source check
        if shape.callee is not callee:
            continue
        arguments = shape.positional + shape.keyword_values
        if shape.star or not arguments:
            return True
        names = loop.stored_names() if loop is not None else frozenset()
        return not all(_may_be_invariant(unit, a, names, pure) for a in arguments)
    return True  # loaded, never called


def _may_be_invariant(unit, value, names, pure, depth: int = 0) -> bool:
    """Could `check` take the argument ``value`` pushes as invariant (`_invariant`: constants,
    locals the loop does not assign, and operators, subscripts and pure calls of those)?
    True whenever the bytecode does not say."""
    if value is None or depth > 8:
        return True
    kind = value.kind
    if kind is Kind.CONST_LOAD:
        return True
    if kind in (Kind.FAST_LOAD, Kind.DEREF_LOAD):
        return value.name not in names and not rebound_by_closure(unit, value.name)
    if kind in _NOT_INVARIANT_ARGUMENTS or kind in _NEVER_INVARIANT:
        return False
    if kind in (Kind.BINARY, Kind.SUBSCR_LOAD):
        return all(_may_be_invariant(unit, producer(value, d), names, pure, depth + 1) for d in (0, 1))
    if kind is Kind.CALL:
        inner = call_shape(value)
        if inner is None or inner.callee is None:
            return True
        if inner.star or not pure(inner.callee):
            return False
        return all(_may_be_invariant(unit, a, names, pure, depth + 1) for a in inner.positional + inner.keyword_values)
    return True


# values `_invariant` never accepts: comparisons, displays, f-strings, functions, ...
_NEVER_INVARIANT = frozenset({Kind.COMPARE, Kind.CONTAINS, Kind.IS, Kind.BUILD, Kind.FORMAT, Kind.MAKE_FUNCTION, Kind.FOR_ITER})


def _linear(node: cst.Call, name: str) -> bool:
    """Does the call pass over a whole collection? `min(xs)` does, `min(a, b)` does not."""
    if name in ("min", "max"):
        positional = [arg for arg in node.args if arg.keyword is None]
        return len(positional) == 1 or any(arg.star == "*" for arg in positional)
    return name in _LINEAR or name.rsplit(".", 1)[-1] in _MATH_LINEAR


def _callee(node: cst.Call) -> Optional[str]:
    func = node.func
    if isinstance(func, cst.Name) and func.value in _PURE:
        return func.value
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _MATH:
        return f"{func.value.value}.{func.attr.value}"
    return None


def _invariant(expr, uses: LoopNames, names: Set[str]) -> bool:
    if isinstance(expr, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return True
        if expr.value in uses.assigned or expr.value in uses.escaped:
            return False
        names.add(expr.value)
        return True
    if isinstance(expr, cst.UnaryOperation):
        return _invariant(expr.expression, uses, names)
    if isinstance(expr, cst.BinaryOperation):
        return _invariant(expr.left, uses, names) and _invariant(expr.right, uses, names)
    if isinstance(expr, cst.Subscript):
        return (
            len(expr.slice) == 1
            and isinstance(expr.slice[0].slice, cst.Index)
            and _invariant(expr.value, uses, names)
            and _invariant(expr.slice[0].slice.value, uses, names)
        )
    if isinstance(expr, cst.Call):
        return _callee(expr) is not None and _invariant_call(expr, uses, names)
    return False


def _invariant_call(node: cst.Call, uses: LoopNames, names: Set[str]) -> bool:
    if not node.args:
        return False
    for arg in node.args:
        if arg.star or (arg.keyword is not None and not isinstance(arg.value, (cst.Name, cst.Integer))):
            return False
        if not _invariant(arg.value, uses, names):
            return False
    return True


def _inside_invariant_call(ctx: NodeContext, uses: LoopNames) -> bool:
    ancestors = ctx.ancestors
    if len(ancestors) >= 2 and isinstance(ancestors[-1], cst.Arg) and isinstance(ancestors[-2], cst.Call):
        outer = ancestors[-2]
        return _callee(outer) is not None and _invariant_call(outer, uses, set())
    return False


def _locals(site: Site, names: Set[str]) -> bool:
    """Are the argument names local variables of the function (or cells), as compiled?"""
    if not names:
        return True
    unit = site.unit
    line = site.instr.line
    seen = set()
    for instr in unit.instrs:
        if instr.line == line and instr.name in names:
            if instr.kind in (Kind.GLOBAL_LOAD, Kind.NAME_LOAD):
                return False
            if instr.kind in (Kind.FAST_LOAD, Kind.DEREF_LOAD):
                seen.add(instr.name)
    return seen == names


def _references(sites) -> set:
    """Lines of the function (nested code included) that name a variable the call's line
    reads: the statements ``_aliased`` looks at for another reference to an argument."""
    lines: set = set()
    lines_of: dict = {}
    for site in sites:
        owner = owner_unit(site.unit)
        if owner.kind is not ScopeKind.FUNCTION or site.instr.line is None:
            continue  # `check` reports calls in functions only
        names = {i.name for i in site.unit.instrs_of(_LOCAL_LOADS) if i.line == site.instr.line}
        if names:
            lines_of.setdefault(id(owner), (owner, set()))[1].update(names)
    for owner, names in lines_of.values():
        for unit in owner.descendants():
            lines.update(i.line for i in unit.instrs if i.name in names and i.line is not None)
    return lines


_LOCAL_LOADS = (Kind.FAST_LOAD, Kind.DEREF_LOAD)
_GLOBAL_LOADS = frozenset({Kind.GLOBAL_LOAD})


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=()).code_for_node(node)


def _aliased(function: cst.CSTNode, loop: cst.CSTNode, names: Set[str]) -> bool:
    """Could the loop change an argument through another reference? A bound mutating method
    taken anywhere in the function (`add = items.append`), or a name bound to an attribute or
    item (`cols = self.cols`) whose source the loop mutates (`self.cols.append(c)`)."""
    sources = set()

    def scan_function(node, parent) -> bool:
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in names:
            if node.attr.value in _MUTATORS and not (isinstance(parent, cst.Call) and parent.func is node):
                return True
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            if node.targets[0].target.value in names and isinstance(node.value, (cst.Attribute, cst.Subscript)):
                sources.add(_code(node.value))
        return any(scan_function(child, node) for child in children(node))

    if scan_function(function, None):
        return True
    if not sources:
        return False

    def mutated(node) -> bool:
        receiver = None
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _MUTATORS:
            receiver = node.func.value
        elif isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.Del)):
            target = getattr(node, "target")
            if isinstance(target, (cst.Subscript, cst.Attribute)):
                receiver = target.value
        if receiver is not None and _code(receiver) in sources:
            return True
        return any(mutated(child) for child in children(node))

    return mutated(loop)


# --- the same tests on ``ast`` (``LoopInvariantComputation.screen``) --------------------------

_AST_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_AST_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension)


def _ast_running_loop(ctx: syntax.SyntaxContext, node: ast.AST) -> Any:
    """The innermost loop whose body runs ``node`` (``running_loops``): None if there is
    none, True where this cannot tell (a comprehension, a loop's iterable or `else`)."""
    path = list(ctx.ancestors) + [node]
    for i in range(len(path) - 2, -1, -1):
        parent, child = path[i], path[i + 1]
        if isinstance(parent, _AST_SCOPES):
            return None
        if isinstance(parent, _AST_COMPREHENSIONS):
            return True
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.While)):
            if any(statement is child for statement in parent.body):
                return parent
            return True
    return None


def _ast_assigned(loop: ast.AST) -> Set[str]:
    """Names the loop binds, each also in ``loop_names(loop).assigned``."""
    names: Set[str] = set()

    def bind(target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                bind(element)
        elif isinstance(target, ast.Starred):
            bind(target.value)

    if isinstance(loop, (ast.For, ast.AsyncFor)):
        bind(loop.target)
    stack: List[ast.AST] = list(loop.body) + ([loop.test] if isinstance(loop, ast.While) else [])
    while stack:
        current = stack.pop()
        if isinstance(current, _AST_SCOPES):
            if not isinstance(current, ast.Lambda):
                names.add(current.name)
            continue
        if isinstance(current, (ast.Assign, ast.Delete)):
            for target in current.targets:
                bind(target)
        elif isinstance(current, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.comprehension, ast.NamedExpr)):
            bind(current.target)
        elif isinstance(current, ast.withitem) and current.optional_vars is not None:
            bind(current.optional_vars)
        elif isinstance(current, ast.ExceptHandler) and current.name:
            names.add(current.name)
        elif isinstance(current, ast.alias):
            names.add(current.asname or current.name.split(".", 1)[0])
        stack.extend(ast.iter_child_nodes(current))
    return names


def _ast_invariant(expr: ast.AST, assigned: Set[str]) -> bool:
    """``_invariant``, looser: constants of any type, any call or f-string, any tuple or
    starred index (`d[k,]`, `x[*a]` are one index to libcst)."""
    if isinstance(expr, (ast.Constant, ast.Call, ast.JoinedStr)):
        return True
    if isinstance(expr, ast.Name):
        return expr.id not in assigned
    if isinstance(expr, ast.UnaryOp):
        return _ast_invariant(expr.operand, assigned)
    if isinstance(expr, ast.BinOp):
        return _ast_invariant(expr.left, assigned) and _ast_invariant(expr.right, assigned)
    if isinstance(expr, ast.Subscript):
        index = expr.slice
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        parts = [part.value if isinstance(part, ast.Starred) else part for part in parts]
        return not isinstance(index, ast.Slice) and _ast_invariant(expr.value, assigned) and all(_ast_invariant(p, assigned) for p in parts)
    return False


def _ast_invariant_call(node: ast.Call, assigned: Set[str]) -> bool:
    if not node.args and not node.keywords:
        return False
    for arg in node.args:
        if isinstance(arg, ast.Starred) or not _ast_invariant(arg, assigned):
            return False
    for keyword in node.keywords:
        if keyword.arg is None or not isinstance(keyword.value, (ast.Name, ast.Constant)):
            return False
        if not _ast_invariant(keyword.value, assigned):
            return False
    return True
