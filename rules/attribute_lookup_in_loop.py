"""BL103: the same attribute chain looked up on every iteration of a loop."""

from __future__ import annotations

import ast
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Set

import libcst as cst

from bytelint import syntax
from bytelint.bytecode import Kind, ScopeKind
from bytelint.engine import FileContext, NodeContext
from bytelint.bytecode import VERSION_FACTS
from bytelint.evidence import Site, SiteIndex, dense_sites, few_iterations, function_scope, loop_depth, site_in_scope, work_weight
from bytelint.versions import describe
from bytelint.rewrites import chain_of, fresh_name, hoist_before, is_block_statement, replace_reads, scope_names
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid
from bytelint.tree import children

_ROOTS = frozenset({Kind.GLOBAL_LOAD, Kind.FAST_LOAD})  # where a chain of attribute loads starts
_ATTRS = (Kind.ATTR_LOAD, Kind.METHOD_LOAD)
_INSTANCE_NAMES = ("self", "cls")
# How much iteration work (evidence.iteration_weight) one saved attribute lookup is worth
# reporting against, by interpreter generation. The benchmarks: on 3.9/3.10 hoisting
# `math.sqrt` or `self.v` out of a ~12-unit loop gains 1.4-1.6x (one lookup is worth ~60
# units at the 5% bar; 40 keeps a margin); on 3.11+ the same hoists gain 1.03-1.06x and a
# two-lookup chain 1.12-1.17x (one lookup is worth ~10 units; 8 keeps a margin).
_WEIGHT_PER_LOOKUP = {False: 40, True: 8}  # keyed by "specialising interpreter"


class AttributeLookupInLoop(Rule):
    """
    ## What it does
    Flags a module attribute (`math.sqrt`, `os.path.join`) or an instance attribute read
    (`self.scale`, `self.cfg.limit`) that a loop looks up again on every iteration although
    the loop never assigns it.

    ## Why is this bad?
    Each `.name` is an attribute lookup at run time: a dictionary probe on the module or the
    instance (and a type lookup first). Binding the value to a local before the loop turns the
    lookup into an array read. What that buys depends on the interpreter
    (`benchmarks/rules/attribute_lookup_in_loop.py`, paired-median ratios):

    | hoisted | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `math.sqrt` (1 lookup) | 1.50x | 1.64x | 1.04x | 1.04x | 1.03x |
    | `pkg.sub.f` (2 lookups) | 2.24x | 2.60x | 1.12x | 1.17x | 1.16x |
    | `self.v` (1 lookup) | 1.41x | 1.41x | 1.05x | 1.04x | 1.06x |

    So bytelint weighs the lookups saved per iteration against the size of the iteration
    (its compiled instructions, plus each call weighted by what it calls: a builtin as 4, a
    method or unknown callable as 12, a module-level Python function as 20; a call of
    `sleep()`, `input()` or `wait()` outweighs any saving): on 3.9/3.10 one lookup is worth
    reporting in an iteration of up to 40 units; on 3.11+, where the specialising interpreter
    makes a lookup cheap, one lookup per 8 units. A single `self.x` read in an ordinary loop
    is therefore reported for 3.9/3.10 targets only, and a two-level chain or a repeated read
    in a small loop on every version. The message names the versions when it is not all of
    your targets.

    The bytecode confirms every report: the attribute loads are inside the compiled loop body
    and run on every ordinary iteration. bytelint never suggests binding a bound method such as
    `items.append` to a local: on 3.11+ that is slower (0.89-0.99x), because the interpreter
    specialises `items.append(x)` itself. Instance attributes are reported only when the loop
    neither assigns them nor calls a method on (or passes along) the instance, which could
    change them.

    ## Example
    ```python
    import math


    class Scaler:
        def apply(self, values):
            out = []
            for v in values:
                out.append(math.sqrt(v) * self.factor)
            return out
    ```

    ## Use instead
    ```python
    import math


    class Scaler:
        def apply(self, values):
            out = []
            sqrt = math.sqrt
            factor = self.factor
            for v in values:
                out.append(sqrt(v) * factor)
            return out
    ```

    A `while` loop inside another loop is not reported for a chain that only its test reads
    (`while t not in self.styles: t = t.parent`): such a loop often runs its body zero times,
    and binding the chain before it would cost a lookup and a store on each pass of the outer
    loop.

    ## Fix safety
    The fix binds the chain to a fresh local before the loop and uses it inside. It is
    **unsafe** (applied with `--unsafe-fixes`): when the loop runs zero times the lookup now
    happens anyway and may raise `AttributeError`, and code the loop calls could rebind the
    attribute (monkey-patching, or a method changing `self.x`), which bytelint cannot see.

    ## Precision
    On CPython 3.11's standard library (target 3.11), 28 findings; ten read: 9 true positives
    (`self.flags[flag] = 0`, `alias not in self.option_index`, `while self.info[-1][1] >= ...`
    in small loops); the tenth, a loop over a 3-item literal tuple, is no longer reported.

    ## References
    - [Python FAQ: performance tips, avoiding dots](https://wiki.python.org/moin/PythonSpeed/PerformanceTips#Avoiding_dots...)
    """

    code = "BL103"
    statement_local = True  # the loop, its ancestors and the bytecode (the fix binds before it)
    name = "attribute-lookup-in-loop"
    summary = "Module or instance attribute looked up again on every loop iteration"
    versions = ">=3.9"
    node_types = (cst.For, cst.While)
    fixable = "unsafe"

    VALID = (
        Valid("import time\n\nclass W:\n    def watch(self, items):\n        for item in items:\n            self.log.write(item)\n            time.sleep(self.interval)\n"),
        Valid("import math\n\ndef f(xs):\n    sqrt = math.sqrt\n    return [sqrt(x) for x in xs]\n"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n"),

        Valid("class C:\n    def f(self, xs):\n        for x in xs:\n            self.n = self.n + x\n"),
        Valid("class C:\n    def f(self, xs):\n        for x in xs:\n            self.update(x)\n            print(self.n)\n"),
        Valid("class C:\n    def f(self, xs):\n        for x in xs:\n            self.log(x)\n"),
        Valid("import math\n\ndef f(xs):\n    y = math.pi\n    for x in xs:\n        print(x * y)\n"),
        Valid("import math\nfor x in range(10):\n    print(math.sqrt(x))\n"),
        Valid("class C:\n    def f(self):\n        for typ in ('OK', 'NO', 'BAD'):\n            if typ in self.responses:\n                del self.responses[typ]\n"),
        Valid(
            "class C:\n    def f(self, xs):\n        t = 0\n        for x in xs:\n"
            "            t += x * self.scale + len(str(x)) - abs(x)\n        return t\n",
            target="py311",
        ),
    )
    INVALID = (
        Invalid(  # read in the inner while's test and body: one finding, for the outer loop
            "class F:\n    def f(self, tokens):\n        for t in tokens:\n            while t not in self.styles:\n"
            "                print(self.styles)\n                t = t.parent\n",
            target="py39",
            count=1,
        ),
        Invalid(  # bound before the `for`, not before the inner `while` (which may run zero times)
            "class F:\n    def f(self, tokens):\n        for t in tokens:\n            while t not in self.styles:\n"
            "                t = t.parent\n            print(t)\n",
            target="py39",
            count=1,
            fixed=(
                "class F:\n    def f(self, tokens):\n        styles = self.styles\n        for t in tokens:\n"
                "            while t not in styles:\n                t = t.parent\n            print(t)\n"
            ),
        ),
        Invalid(
            "import math\n\ndef f(xs):\n    out = []\n    for x in xs:\n        out.append(math.sqrt(x))\n    return out\n",
            count=1,
            message="math.sqrt",
            fixed="import math\n\ndef f(xs):\n    out = []\n    sqrt = math.sqrt\n    for x in xs:\n        out.append(sqrt(x))\n    return out\n",
        ),
        Invalid("import os\n\ndef f(names):\n    for n in names:\n        print(os.path.join('a', n))\n", count=1, message="os.path.join"),
        Invalid("class C:\n    def f(self, xs):\n        t = 0\n        for x in xs:\n            t += x * self.scale\n        return t\n", count=1, message="self.scale"),
        Invalid(
            "class C:\n    def f(self, xs):\n        t = 0\n        for x in xs:\n"
            "            t += x * self.scale + len(str(x)) - abs(x)\n        return t\n",
            target="py39",
            count=1,
            message="measurable on Python 3.9-3.10",
        ),
        Invalid(
            "class C:\n    def f(self, xs):\n        t = 0\n        for x in xs:\n            t += self.cfg.a + self.cfg.b\n        return t\n",
            count=2,
            fixed=(
                "class C:\n    def f(self, xs):\n        t = 0\n        a = self.cfg.a\n        b = self.cfg.b\n"
                "        for x in xs:\n            t += a + b\n        return t\n"
            ),
        ),
    )

    def evidence(self, file: FileContext) -> Optional[SiteIndex]:
        namespace = file.bytecode.namespace
        modules = {name for name in namespace.imported_modules if name not in namespace.rebound}
        sites: List[Site] = []
        for unit in file.bytecode.units:
            if unit.kind not in (ScopeKind.FUNCTION, ScopeKind.COMPREHENSION, ScopeKind.GENEXPR, ScopeKind.LAMBDA):
                continue
            if not unit.loops and unit.inherited_depth() == 0:
                continue
            instance = _instance_name(unit)
            instrs = unit.instrs
            for start in unit.instrs_of(_ROOTS):
                if start.kind is Kind.GLOBAL_LOAD:
                    if start.name not in modules:
                        continue
                elif instance is None or start.name != instance:
                    continue
                # the attribute loads right after it (noise skipped) make the chain
                chain = [start.name]
                for k in range(start.index + 1, len(instrs)):
                    instr = instrs[k]
                    if instr.kind is Kind.NOISE:
                        continue
                    if instr.kind not in _ATTRS:
                        break
                    chain.append(instr.name)
                    if instr.is_method and chain[0] == instance and len(chain) == 2:
                        break  # `self.method(...)`: a method call, never hoisted
                    loop = unit.hot_loop_of(instr)
                    if loop is not None or unit.inherited_depth() > 0:
                        sites.append(Site(unit, instr, loop, ".".join(chain)))
        factors = {_WEIGHT_PER_LOOKUP[VERSION_FACTS[v].specializing_interpreter] for v in file.targets_for(self)}
        best = max(factors, default=0)

        def pays(group: List[Site], weight: int) -> bool:
            lookups = len(group) * group[0].extra.count(".")  # each occurrence loads every link
            return best * lookups >= weight

        return SiteIndex(dense_sites(sites, lambda site: site.extra, pays, work_weight) if best else [])

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if function_scope(ctx)[1] != "function" or few_iterations(node):
            return  # a loop over a short literal: the saved lookups add up to nothing
        scan = _LoopScan()
        node.body.visit(scan)
        in_test: Set[str] = set()
        if isinstance(node, cst.While):
            before = dict(scan.uses)
            node.test.visit(scan)
            in_test = {chain for chain, n in scan.uses.items() if n > before.get(chain, 0)}
        tests = [ctx.span(test) for test in _inner_while_tests(node)]
        sites = self._sites(evidence, ctx.span(node), loop_depth(ctx) + 1, tests, lambda s: site_in_scope(s, ctx))
        nested_while = isinstance(node, cst.While) and bool(ctx.loops)
        for chain, message, facts in self._findings(ctx.file, sites, scan, in_test, nested_while):
            fix = _hoist(node, ctx, chain, sites[0].owner) if is_block_statement(ctx, node) else None
            yield Report(scan.first_use[chain].node, message, evidence=facts, fix=fix)

    # Its findings need no libcst tree (syntax.py): the loop's reads and writes of attribute
    # chains, which ``_AstLoopScan`` collects from ``ast`` as ``_LoopScan`` does from libcst.
    syntax_types = (ast.For, ast.AsyncFor, ast.While)

    def check_syntax(self, node: ast.AST, ctx: syntax.SyntaxContext, evidence: SiteIndex) -> Iterable[Report]:
        """``check`` on the ``ast`` tree: the same findings, the fix only described."""
        if syntax.function_scope(ctx)[1] != "function" or _ast_few_iterations(node):
            return
        scan = _AstLoopScan()
        for statement in node.body:
            scan.scan(statement)
        in_test: Set[str] = set()
        if isinstance(node, ast.While):
            before = dict(scan.uses)
            scan.scan(node.test)
            in_test = {chain for chain, n in scan.uses.items() if n > before.get(chain, 0)}
        tests = [ctx.span(test) for test in _ast_inner_while_tests(node)]
        sites = self._sites(evidence, ctx.span(node), syntax.loop_depth(ctx) + 1, tests, lambda s: syntax.site_in_scope(s, ctx))
        nested_while = isinstance(node, ast.While) and bool(ctx.loops)
        for chain, message, facts in self._findings(ctx.file, sites, scan, in_test, nested_while):
            local = fresh_name(chain.rsplit(".", 1)[1], scope_names(sites[0].owner))
            fix = FixSpec.described(safe=False, description=f"bind {local} = {chain} before the loop")
            yield Report(None, message, span=ctx.span(scan.first_use[chain].node), evidence=facts, fix=fix)

    @staticmethod
    def _sites(evidence: SiteIndex, span, depth: int, tests, in_scope) -> List[Site]:
        # the test of a `while` directly inside this loop runs at least once per pass of it;
        # where the compiler keeps that test inside the inner loop (3.9/3.10) it counts here too
        return [
            s
            for s in evidence.within(span)
            if (s.depth == depth or (s.depth == depth + 1 and s.instr.line is not None and any(t.line <= s.instr.line <= t.end_line for t in tests)))
            and in_scope(s)
        ]

    def _findings(self, file, sites: List[Site], scan, in_test: Set[str], nested_while: bool):
        """(chain, message, evidence) for each chain worth binding before the loop."""
        if not sites:
            return
        # A chain the test of a `while` inside another loop reads (`while t not in
        # self.styles: t = t.parent`) is read on every pass of the outer loop: that loop
        # reports it and binds it before itself (see `_inner_while_tests`). Bound before the
        # `while` instead, it would cost a lookup and a store per outer pass, since such a
        # loop often runs its body zero times.
        compiled = {site.extra for site in sites}
        candidates = {}
        for chain, use in scan.first_use.items():
            if chain not in compiled or scan.assigns_prefix(chain):
                continue
            if nested_while and chain in in_test:
                continue
            root = chain.split(".", 1)[0]
            if root in scan.assigned_names:
                continue
            if root in _INSTANCE_NAMES:
                if use.called or scan.instance_escapes(root):
                    continue
                advice = "read it into a local before the loop"
            else:
                advice = f"bind it to a local (`{chain.rsplit('.', 1)[1]} = {chain}`) before the loop"
            candidates[chain] = advice
        loops = {id(site.loop): site.loop for site in sites if site.loop is not None}
        weight = max((work_weight(loop) for loop in loops.values()), default=0)
        targets = file.targets_for(self)
        for chain, advice in candidates.items():
            if any(other.startswith(chain + ".") for other in candidates):
                continue  # hoist the longest chain: `self.cfg.a`, not `self.cfg`
            count = scan.uses[chain]
            lookups = chain.count(".") * count
            pays = tuple(v for v in targets if _WEIGHT_PER_LOOKUP[VERSION_FACTS[v].specializing_interpreter] * lookups >= weight)
            if not pays:
                continue
            where = "" if pays == targets else f" on Python {describe(pays)}"
            yield (
                chain,
                f"`{chain}` is looked up again on every iteration ({lookups} attribute "
                f"lookup{'s' if lookups != 1 else ''}) although the loop never changes it; {advice}"
                f"{' (measurable' + where + ')' if where else ''}",
                (
                    f"attribute loads of {chain} inside the compiled loop body: {lookups} per iteration",
                    f"iteration weight {weight} (instructions; calls by what they call)",
                ),
            )


def _inner_while_tests(loop: cst.CSTNode) -> List[cst.BaseExpression]:
    """The tests of the `while` loops directly inside ``loop`` (not inside a deeper loop or a
    nested scope)."""
    found: List[cst.BaseExpression] = []
    stack = list(children(loop.body))
    while stack:
        current = stack.pop()
        if isinstance(current, cst.While):
            found.append(current.test)
            continue
        if isinstance(current, (cst.For, cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            continue
        stack.extend(children(current))
    return found


def _hoist(loop, ctx: NodeContext, chain: str, owner) -> Optional[FixSpec]:
    """`name = a.b` before the loop, `name` for every read of `a.b` inside it. Unsafe: if the
    loop runs zero times the lookup still happens (and may raise), and code the loop calls could
    rebind the attribute."""
    local = fresh_name(chain.rsplit(".", 1)[1], scope_names(owner))

    def match(expr):
        return cst.Name(local) if chain_of(expr) == chain else None

    if isinstance(loop, cst.While):
        new_test, tested = replace_reads(loop.test, match)
        new_body, count = replace_reads(loop.body, match)
        new_loop = loop.with_changes(test=new_test, body=new_body)
        count += tested
    else:
        new_body, count = replace_reads(loop.body, match)
        new_loop = loop.with_changes(body=new_body)
    if not count:
        return None
    return FixSpec({loop: hoist_before(loop, new_loop, {local: chain})}, safe=False, description=f"bind {local} = {chain} before the loop")


def _instance_name(unit) -> Optional[str]:
    code = unit.code
    if unit.kind != ScopeKind.FUNCTION or code.co_argcount < 1:
        return None
    first = code.co_varnames[0]
    return first if first in _INSTANCE_NAMES else None


def _chain_of(node: cst.BaseExpression) -> Optional[str]:
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name) or not parts:
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


class _Use:
    __slots__ = ("node", "called")

    def __init__(self, node: cst.Attribute, called: bool) -> None:
        self.node = node
        self.called = called


class _LoopScan(cst.CSTVisitor):
    """What a loop body does with attribute chains, names and instances."""

    def __init__(self) -> None:
        super().__init__()
        self.first_use: Dict[str, _Use] = {}
        self.uses: Dict[str, int] = defaultdict(int)
        self.assigned_chains: Set[str] = set()
        self.assigned_names: Set[str] = set()
        self.method_roots: Set[str] = set()
        self.passed_names: Set[str] = set()
        self._called: Set[int] = set()
        self._targets: Set[int] = set()

    # nested scopes run later, not per iteration: their bodies are not the loop's
    def visit_FunctionDef(self, node) -> bool:
        return False

    def visit_ClassDef(self, node) -> bool:
        return False

    def visit_Lambda(self, node) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        self._called.add(id(node.func))
        func = node.func
        # `self.method(...)` may change any attribute of self; `self.items.append(x)` cannot
        # rebind an attribute of self.
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            if func.value.value in _INSTANCE_NAMES:
                self.method_roots.add(func.value.value)
        for arg in node.args:
            if isinstance(arg.value, cst.Name):
                self.passed_names.add(arg.value.value)

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.assigned_names.add(target.value)
        elif isinstance(target, cst.Attribute):
            chain = _chain_of(target)
            if chain:
                self.assigned_chains.add(chain)
            self._targets.add(id(target))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._target(node.name)

    def _import(self, node) -> bool:
        for alias in node.names if isinstance(node.names, (list, tuple)) else ():
            if alias.asname is not None:
                self._target(alias.asname.name)
        return False  # `import a.b`, `from a.b import c`: module names, not attribute reads

    visit_Import = _import
    visit_ImportFrom = _import

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if id(node) in self._targets:
            return True
        chain = _chain_of(node)
        if chain is None:
            return True
        self.uses[chain] += 1
        if chain not in self.first_use:
            self.first_use[chain] = _Use(node, id(node) in self._called)
        return True

    def assigns_prefix(self, chain: str) -> bool:
        return any(chain == a or chain.startswith(a + ".") or a.startswith(chain + ".") for a in self.assigned_chains)

    def instance_escapes(self, root: str) -> bool:
        return root in self.method_roots or root in self.passed_names


# --- the same reads on ``ast`` (``check_syntax``) ------------------------------------------


def _ast_few_iterations(loop: ast.AST, most: int = 100) -> bool:
    """``evidence.few_iterations`` on an ``ast`` loop."""
    it = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else None
    if isinstance(it, (ast.Tuple, ast.List, ast.Set)):
        return len(it.elts) <= most
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range":
        bounds = list(it.args) + [k.value for k in it.keywords]
        if 1 <= len(bounds) <= 2 and all(isinstance(b, ast.Constant) and type(b.value) is int for b in bounds):
            values = [b.value for b in bounds]
            return values[-1] - (values[0] if len(values) == 2 else 0) <= most
    return False


def _ast_inner_while_tests(loop: ast.AST) -> List[ast.AST]:
    """``_inner_while_tests`` on an ``ast`` loop."""
    found: List[ast.AST] = []
    stack: List[ast.AST] = list(loop.body)
    while stack:
        current = stack.pop()
        if isinstance(current, ast.While):
            found.append(current.test)
            continue
        if isinstance(current, _AST_OPAQUE + (ast.For, ast.AsyncFor, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        stack.extend(ast.iter_child_nodes(current))
    return found


def _ast_chain_of(node: ast.AST) -> Optional[str]:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or not parts:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


_AST_OPAQUE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_AST_UNPLACEABLE = tuple(getattr(ast, name) for name in ("Match",) if hasattr(ast, name))


class _AstLoopScan:
    """``_LoopScan`` on ``ast``: the same facts, nodes visited in libcst's order (source order:
    a dict's keys and values interleaved, a conditional expression's body before its test)."""

    def __init__(self) -> None:
        self.first_use: Dict[str, _Use] = {}
        self.uses: Dict[str, int] = defaultdict(int)
        self.assigned_chains: Set[str] = set()
        self.assigned_names: Set[str] = set()
        self.method_roots: Set[str] = set()
        self.passed_names: Set[str] = set()
        self._called: Set[int] = set()
        self._targets: Set[int] = set()

    assigns_prefix = _LoopScan.assigns_prefix
    instance_escapes = _LoopScan.instance_escapes

    def _target(self, target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.assigned_names.add(target.id)
        elif isinstance(target, ast.Attribute):
            chain = _ast_chain_of(target)
            if chain:
                self.assigned_chains.add(chain)
            self._targets.add(id(target))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._target(element)
        elif isinstance(target, ast.Starred):
            self._target(target.value)

    def scan(self, root: ast.AST) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, _AST_OPAQUE):
                continue  # nested scopes run later, not per iteration
            if isinstance(node, _AST_UNPLACEABLE) or (
                syntax.BROKEN_FSTRINGS and isinstance(node, ast.JoinedStr) and node.end_lineno != node.lineno
            ):
                # libcst visits a mapping pattern's keys and patterns in turn; 3.9 misplaces
                # what an f-string spanning lines holds: the libcst check reports here
                raise syntax.Unplaceable(type(node).__name__)
            if isinstance(node, ast.Call):
                self._called.add(id(node.func))
                func = node.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in _INSTANCE_NAMES:
                    self.method_roots.add(func.value.id)
                for arg in node.args:
                    value = arg.value if isinstance(arg, ast.Starred) else arg
                    if isinstance(value, ast.Name):
                        self.passed_names.add(value.id)
                for keyword in node.keywords:
                    if isinstance(keyword.value, ast.Name):
                        self.passed_names.add(keyword.value.id)
            elif isinstance(node, (ast.Assign, ast.Delete)):
                for target in node.targets:
                    self._target(target)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
                self._target(node.target)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                self._target(node.optional_vars)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self.assigned_names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                self.assigned_names.update(alias.asname for alias in node.names if alias.asname)
                continue  # module names are not reads
            elif isinstance(node, ast.Attribute) and id(node) not in self._targets:
                chain = _ast_chain_of(node)
                if chain is not None:
                    self.uses[chain] += 1
                    if chain not in self.first_use:
                        self.first_use[chain] = _Use(node, id(node) in self._called)
            stack.extend(reversed(_source_order(node)))


def _source_order(node: ast.AST) -> List[ast.AST]:
    """The children of ``node`` in the order libcst visits them."""
    if isinstance(node, ast.Dict):
        found: List[ast.AST] = []
        for key, value in zip(node.keys, node.values):
            if key is not None:
                found.append(key)
            found.append(value)
        return found
    if isinstance(node, ast.IfExp):
        return [node.body, node.test, node.orelse]
    if isinstance(node, ast.Call) and node.keywords and any(isinstance(a, ast.Starred) for a in node.args):
        return [node.func] + sorted([*node.args, *node.keywords], key=lambda n: (n.lineno, n.col_offset))
    return list(ast.iter_child_nodes(node))
