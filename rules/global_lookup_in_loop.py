"""BL102: globals and builtins looked up on every iteration of a loop (3.9/3.10)."""

from __future__ import annotations

import ast
from collections import Counter
from typing import Dict, Iterable, Optional, Tuple

import libcst as cst

from bytelint import syntax
from bytelint.bytecode import Kind, NameClass, ScopeKind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import (
    SiteIndex,
    _comp_clauses,
    dense_sites,
    function_scope,
    header_span,
    hot_sites,
    work_weight,
    loop_depth,
    site_in_scope,
)
from bytelint.rewrites import fresh_name, hoist_before, replace_reads, scope_names
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid
from bytelint.versions import describe

_FUNCTION_KINDS = (ScopeKind.FUNCTION, ScopeKind.LAMBDA, ScopeKind.COMPREHENSION, ScopeKind.GENEXPR)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
# On 3.9/3.10 binding one builtin to a local makes the benchmark's `total += len(item)` loop
# (iteration weight 12, see evidence.iteration_weight) 1.28x faster: one lookup is worth about
# 2.6 weight units, so below one lookup per ~50 units the gain drops under 5%. We require one
# per 40 units to stay on the safe side.
_WEIGHT_PER_LOOKUP = 40


class GlobalLookupInLoop(Rule):
    """
    ## What it does
    Flags a loop in a function whose body looks up module globals or builtins (`len`,
    `isinstance`, a module-level helper or constant) on every iteration, when the code must
    run on Python 3.9 or 3.10.

    ## Why is this bad?
    A function's locals live in an array; a global or builtin is found by a dictionary lookup
    in the module's namespace and then in the builtins. On 3.9 and 3.10 that lookup is not
    cached, and binding the name to a local before the loop makes such loops 1.1-1.35x faster
    (`benchmarks/rules/global_lookup_in_loop.py`). From 3.11 the specialising interpreter
    caches global and builtin lookups and the gain is within noise, so bytelint only reports
    this rule when the target versions include 3.9 or 3.10 (`target-version`, or
    `requires-python` in pyproject.toml).

    The bytecode decides what is a global lookup: local variables, closure variables and
    names the compiler folded into constants are never reported, nor lookups that happen only
    on an exception path. It also sizes each iteration: its instructions, plus each call
    weighted by what it calls (a builtin as 4 instructions, a method or unknown callable as 12,
    a module-level Python function or class as 20), and reports a loop only when it does at
    least one lookup per 40 units of that work: in bigger iterations binding gains under 5%.
    An iteration that calls `sleep()`, `input()` or `wait()` (a polling or interactive loop)
    is never that small.

    ## Example
    ```python
    def total_length(items):
        total = 0
        for item in items:
            total += len(item)
        return total
    ```

    ## Use instead
    ```python
    def total_length(items):
        total = 0
        _len = len
        for item in items:
            total += _len(item)
        return total
    ```

    ## Fix safety
    The fix binds the names to fresh locals before the outermost loop of the function and uses
    them inside. It is **unsafe** (applied with `--unsafe-fixes`): code the loop runs can rebind
    a global, and even a builtin call runs user code (`len(item)` calls `item.__len__`, which
    may rebind `len` in the module); a module global bound early may also be not yet defined
    when the loop runs zero times. Names used only as the root of a module attribute chain
    (`os.path.join`) are left to attribute-lookup-in-loop, which hoists the whole chain.

    ## Precision
    On CPython 3.11's standard library with target py39: 1,254 findings. Ten read: in all ten the
    loop looks up the listed names on every ordinary iteration and its iteration is small
    enough (by the weight above) for binding to gain 5% or more; whether a loop is hot cannot be
    known statically. The rule is loud by nature, which is why it runs only for 3.9/3.10
    targets (silent for `requires-python >= 3.11`) and is **opt-in**: it runs only where it is
    selected by its code (`extend-select = ["BL102"]` or `--extend-select BL102`). With target
    3.9 it would be most of what bytelint reports on real projects (sympy 1.14: 5,975 of 7,050
    findings; networkx 3.6: 1,121 of 1,737; black 26.10: 267 of 326), each worth a few percent
    in a loop that may not be hot, and the others would drown in it.

    ## References
    - [Python FAQ: performance tips, local variables](https://wiki.python.org/moin/PythonSpeed/PerformanceTips#Local_Variables)
    - [PEP 659: Specializing Adaptive Interpreter](https://peps.python.org/pep-0659/)
    """

    code = "BL102"
    statement_local = True  # the loop, its ancestors and the bytecode (the fix binds before it)
    name = "global-lookup-in-loop"
    summary = "Globals/builtins looked up on every loop iteration (Python 3.9/3.10 only)"
    versions = "<3.11"
    opt_in = True  # see Precision
    node_types = (cst.For, cst.While) + _COMPREHENSIONS
    fixable = "unsafe"

    VALID = (
        Valid("from time import sleep\n\ndef poll(jobs):\n    for job in jobs:\n        print(len(job))\n        sleep(0.1)\n", target="py39"),
        Valid("import os\n\ndef f(xs, out):\n    for x in xs:\n        out.append(os.path.join(x, 'a'))\n", target="py39"),
        Valid("def f(items):\n    total = 0\n    for item in items:\n        total += len(item)\n    return total\n", target="py311"),
        Valid("def f(items):\n    _len = len\n    total = 0\n    for item in items:\n        total += _len(item)\n    return total\n", target="py39"),
        Valid("def f(items):\n    for item in items:\n        try:\n            item()\n        except ValueError:\n            pass\n", target="py39"),
        Valid("def f(items):\n    n = len(items)\n    for item in items:\n        print_ = item\n    return n\n", target="py39"),
        Valid("total = 0\nfor item in range(10**6):\n    total += len(str(item))\n", target="py39"),
    )
    INVALID = (
        Invalid(
            "import functools\n\n@functools.lru_cache()\n@staticmethod\ndef f(items):\n    total = 0\n    for item in items:\n        total += len(item)\n    return total\n",
            target="py39",
            count=1,
            message="len",
        ),
        Invalid(
            "def f(items):\n    total = 0\n    for item in items:\n        total += len(item)\n    return total\n",
            target="py39",
            count=1,
            message="len",
            fixed="def f(items):\n    total = 0\n    _len = len\n    for item in items:\n        total += _len(item)\n    return total\n",
        ),
        Invalid("LIMIT = 10\n\ndef f(items):\n    return [x for x in items if x < LIMIT]\n", target="py310", count=1, message="LIMIT"),
        Invalid(
            "def f(xs):\n    out = []\n    for x in xs:\n        for y in xs:\n            out.append(abs(x - y))\n    return out\n",
            target="py39",
            count=1,
            message="abs",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        namespace = file.bytecode.namespace
        oldest = file.targets_for(self)[0]
        stored = {}

        def is_lookup(unit, instr) -> bool:
            if unit.kind not in _FUNCTION_KINDS:
                return False
            if unit not in stored:
                stored[unit] = {i.name for i in unit.instrs if i.kind == Kind.GLOBAL_STORE}
            if instr.name in stored[unit]:
                return False  # a loop that rebinds the global: binding it locally would be wrong
            if instr.name in namespace.imported_modules and _attribute_root(unit, instr):
                return False  # `os.path.join`: attribute-lookup-in-loop hoists the whole chain
            return namespace.classify(instr.name, oldest) in (NameClass.BUILTIN, NameClass.MODULE_GLOBAL, NameClass.UNKNOWN)

        sites = hot_sites(file.bytecode.units, (Kind.GLOBAL_LOAD,), is_lookup)
        return SiteIndex(dense_sites(sites, lambda site: None, lambda group, weight: weight <= _WEIGHT_PER_LOOKUP * len(group), work_weight))

    # Its findings need no libcst tree (syntax.py): which loop, how deep, in which function.
    syntax_types = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if function_scope(ctx)[1] not in ("function", "lambda"):
            return
        base = loop_depth(ctx)
        comprehension = isinstance(node, _COMPREHENSIONS)
        depths = set(range(base + 1, base + _comp_clauses(node) + 1)) if comprehension else {base + 1}
        sites = [s for s in evidence.within(ctx.span(node)) if s.depth in depths and site_in_scope(s, ctx)]
        found = self._lookups(sites, ctx)
        if found is not None:
            counts, weight = found
            kind = "comprehension" if comprehension else "loop"
            fix = self._fix(node, ctx, list(counts), sites[0].owner) if kind == "loop" else None
            yield self._report(node, kind, counts, weight, ctx, header_span(ctx, node), fix)

    def check_syntax(self, node: ast.AST, ctx: syntax.SyntaxContext, evidence: SiteIndex) -> Iterable[Report]:
        """``check`` on the ``ast`` tree: the same findings, the fix only described."""
        if syntax.function_scope(ctx)[1] not in ("function", "lambda"):
            return
        base = syntax.loop_depth(ctx)
        comprehension = not isinstance(node, syntax.LOOP_TYPES)
        depths = set(range(base + 1, base + len(node.generators) + 1)) if comprehension else {base + 1}
        sites = [s for s in evidence.within(ctx.span(node)) if s.depth in depths and syntax.site_in_scope(s, ctx)]
        found = self._lookups(sites, ctx)
        if found is not None:
            counts, weight = found
            kind = "comprehension" if comprehension else "loop"
            fix = self._fix_offer(list(counts), sites[0].owner) if kind == "loop" else None
            yield self._report(None, kind, counts, weight, ctx, syntax.header_span(ctx, node), fix)

    def _lookups(self, sites, ctx) -> Optional[Tuple[Counter, int]]:
        """The names looked up and the iteration's weight, if the lookups are worth reporting."""
        if not sites:
            return None
        loops = {id(site.loop): site.loop for site in sites if site.loop is not None}
        weight = max((work_weight(loop) for loop in loops.values()), default=0)
        if weight > _WEIGHT_PER_LOOKUP * len(sites):
            return None
        return Counter(site.instr.name for site in sites), weight

    def _report(self, node, kind: str, counts: Counter, weight: int, ctx, span, fix) -> Report:
        names = ", ".join(f"{name} ({n}x)" if n > 1 else name for name, n in counts.most_common(5))
        if len(counts) > 5:
            names += ", ..."
        versions = describe(ctx.file.targets_for(self))
        total = sum(counts.values())
        return Report(
            node,
            f"{kind} looks up {total} global or builtin name{'s' if total != 1 else ''} per iteration "
            f"({names}); on Python {versions} each is a dict lookup: bind them to locals before the {kind}",
            span=span,
            evidence=tuple(f"global lookup {name}: {n}x per iteration" for name, n in counts.most_common())
            + (f"iteration weight {weight} (instructions; calls by what they call)",),
            fix=fix,
        )

    @staticmethod
    def _bindings(names, owner) -> Dict[str, str]:
        """local -> global name, each local a fresh name in the function."""
        taken = scope_names(owner)
        bindings: Dict[str, str] = {}
        for name in names:
            bindings[fresh_name(name, taken | set(bindings))] = name
        return bindings

    def _fix_offer(self, names, owner) -> FixSpec:
        """The fix as ``_fix`` describes it, without its text (``check_syntax``: no libcst tree)."""
        listing = ", ".join(f"{local} = {name}" for local, name in self._bindings(names, owner).items())
        return FixSpec.described(safe=False, description=f"bind {listing} before the loop", priority=-1)

    def _fix(self, node, ctx: NodeContext, names, owner) -> Optional[FixSpec]:
        """Bind the names before the OUTERMOST loop of the function that holds this one: a
        global is the same on every iteration of every loop, and binding it inside an outer
        loop would only move the lookups there."""
        if ctx.loops:
            node = ctx.loops[0]
            index = next(i for i, a in enumerate(ctx.ancestors) if a is node)
            parent = ctx.ancestors[index - 1]
        else:
            parent = ctx.parent
        if not isinstance(parent, (cst.IndentedBlock, cst.Module)):
            return None
        bindings = self._bindings(names, owner)
        local_of = {name: local for local, name in bindings.items()}

        def match(expr):
            if isinstance(expr, cst.Name) and expr.value in local_of:
                return cst.Name(local_of[expr.value])
            return None

        def build():  # deferred: only ``fix`` and the editor formats need the new text
            if isinstance(node, cst.While):
                new_test, in_test = replace_reads(node.test, match)
                new_body, count = replace_reads(node.body, match)
                count += in_test
                new_loop = node.with_changes(test=new_test, body=new_body)
            else:
                new_body, count = replace_reads(node.body, match)
                new_loop = node.with_changes(body=new_body)
            return {node: hoist_before(node, new_loop, bindings)} if count else None

        listing = ", ".join(f"{local} = {name}" for local, name in bindings.items())
        return FixSpec({}, safe=False, description=f"bind {listing} before the loop", priority=-1, build=build)


def _attribute_root(unit, instr) -> bool:
    """Is this load the start of an attribute chain (`module.attr`)?"""
    for following in unit.instrs[instr.index + 1 : instr.index + 4]:
        if following.kind is Kind.NOISE:
            continue
        return following.kind in (Kind.ATTR_LOAD, Kind.METHOD_LOAD)
    return False
