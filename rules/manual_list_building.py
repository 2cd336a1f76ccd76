"""BL304: a fresh list/set/dict filled by .append/.add/d[k] = v in a loop a comprehension fits."""

from __future__ import annotations

import ast
from typing import Any, Dict, Iterable, List, Optional, Tuple

import libcst as cst

from bytelint import syntax
from bytelint.bytecode import VERSION_FACTS, Kind, NameClass, ScopeKind
from bytelint.bytecode.operands import call_shape, producer
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import (
    Site,
    SiteIndex,
    few_iterations,
    function_scope,
    header_span,
    hot_sites,
    iteration_weight,
)
from bytelint.fixfacts import child_position, comments_in, comprehensions_inlined, introspects, owner_unit, renumbers_code_objects
from bytelint.results import Span
from bytelint.rewrites import names_in
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid
from bytelint.versions import describe

_NAME_LOADS = (Kind.FAST_LOAD, Kind.NAME_LOAD, Kind.DEREF_LOAD)
_METHODS = {"append": "list", "add": "set"}
_EMPTY = {"list": ("[]", "list()"), "set": ("set()",), "dict": ("{}", "dict()")}
_COMPREHENSION = {"list": "list comprehension", "set": "set comprehension", "dict": "dict comprehension"}
# Iteration weight (evidence.iteration_weight) up to which the comprehension is at least 5%
# faster, per container and interpreter generation (specialising, comprehensions inlined).
# From the benchmark: on 3.9/3.10 the comprehension saves 4-8 weight units per item
# (1.61-1.66x at 13, 1.19-1.22x at 21); on 3.11 about 1 unit (1.07x at 13, 1.05x at 21);
# on 3.12/3.13 1.4-3 units (1.07-1.11x at 21). Dict stores gain only 1.06x at weight 9 on
# 3.9/3.10 and under 5% from 3.11. On 3.11 (a comprehension is a function call, not inlined)
# the gain is 5-13% at 10,000 items and a loss up to about 30 (0.63x at 3): loops over inputs
# of unknown size, which is all of them, are not reported for 3.11.
_MAX_WEIGHT: Dict[str, Dict[Tuple[bool, bool], int]] = {
    "list": {(False, False): 60, (True, False): 0, (True, True): 28},
    "set": {(False, False): 60, (True, False): 0, (True, True): 24},
    "dict": {(False, False): 12, (True, False): 0, (True, True): 0},
}


def _limit(kind: str, version) -> int:
    facts = VERSION_FACTS[version]
    return _MAX_WEIGHT[kind][(facts.specializing_interpreter, facts.inlined_comprehensions)]


class ManualListBuilding(Rule):
    """
    ## What it does
    Flags a `for` loop whose only job is to fill a list, set or dict created empty just
    before it: `out = []` then `for x in xs: out.append(f(x))` (optionally under `if`
    filters and nested `for` loops), `seen = set()` with `.add()`, or `d = {}` with
    `d[k] = v`.

    ## Why is this bad?
    A comprehension adds each item with one dedicated instruction and keeps the container on
    the stack; the loop looks up the method (or does an item store) and calls it for every
    item. Up to 3.11 a comprehension is a small function called once (a fixed cost), from
    3.12 it is inlined (PEP 709); from 3.11 the specialising interpreter also makes
    `lst.append(x)` cheaper. The gain therefore depends on the version and on how much else
    each iteration does (`benchmarks/rules/manual_list_building.py`, 10,000 items):

    | case (iteration weight) | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `out.append(x * 2)` (13) | 1.61x | 1.66x | 1.07x | 1.25x | 1.15x |
    | `if x % 3: out.append(x)` (15) | 1.50x | 1.51x | 1.13x | 1.17x | 1.15x |
    | `seen.add(x % 1000)` (13) | 1.51x | 1.50x | 1.10x | 1.09x | 1.13x |
    | `out.append(g(x))` (16) | 1.37x | 1.36x | 1.07x | 1.17x | 1.10x |
    | `out.append(g(g(x)))` (21) | 1.22x | 1.19x | 1.05x | 1.11x | 1.07x |
    | `d[x] = x + 1` (9) | 1.07x | 1.06x | 1.04x | 1.02x | 1.03x |
    | `out.append(x * 2)`, 3 items | 0.90x | 0.87x | 0.63x | 1.07x | 1.01x |

    So bytelint sizes the compiled loop's iteration (instructions, calls counted four times)
    and reports it only up to the weight where the comprehension still gains 5%: lists 60 on
    3.9/3.10 and 28 on 3.12/3.13; sets 60 and 24; dicts 12 on 3.9/3.10. Never on 3.11: there
    the comprehension is a function call that is not inlined, which gains 5-13% at 10,000
    items but loses up to about 30 (the last row), and on the standard library the loops this
    rule found under 3.11 mostly ran over a handful of items (0.66-1.02x, measured). Dicts are
    never reported from 3.11. The message names the versions when that is not all your
    targets. Loops
    over a literal collection or a constant `range()` of at most 100 items are left alone:
    there the comprehension's fixed cost can make it slower.

    What peers get wrong (ruff PERF401 false positives) is excluded: `async for` loops, loops
    with an `else` clause or any other statement, walrus targets, `yield`/`await` inside,
    containers that are read or used inside the loop (items depending on earlier items,
    `if x not in out`), containers passed in or built elsewhere (only a fresh `[]`, `list()`,
    `set()`, `{}` or `dict()` assigned right before the loop, with nothing in between using
    it), loop variables read after the loop (a comprehension does not leak them), loops
    inside a `try` (a half-filled container could be observed in the handler), and class
    bodies (a comprehension there cannot see class variables). The bytecode confirms that the
    loop is a plain `for` and that the `append`/`add` call or item store on that container
    runs on every iteration.

    ## Example
    ```python
    def squares(values):
        result = []
        for v in values:
            if v > 0:
                result.append(v * v)
        return result
    ```

    ## Use instead
    ```python
    def squares(values):
        return [v * v for v in values if v > 0]
    ```

    ## Fix safety
    The fix replaces the empty container, created by the statement right before the loop,
    and the loop by one comprehension: `out = [x * 2 for x in xs if x]`; comments inside the
    loop move above the new statement. It is **safe** only when the comprehension behaves
    like the loop for every input:
    - every target version inlines comprehensions (3.12+); before, a comprehension runs in a
      frame of its own, so deep recursion through the items hits the recursion limit sooner
      (and tracebacks show one more frame);
    - the container is a `[]` or `{}` display (`list()`, `set()` or `dict()` could be rebound
      at run time);
    - for a dict, the key and value are constants or loop variables (`d[k] = v` evaluates
      the value first, a dict comprehension the key);
    - nothing can see the half-filled container or the loop variables when an item raises:
      the loop is in a function and not inside a `with` block (whose context manager could
      swallow the exception), the container is a plain local that no closure reads, and the
      function does not call `locals()`, `vars()`, `dir()`, `eval()` or `exec()`.

    Otherwise it is **unsafe** (applied with `--unsafe-fixes`). When the fix runs on 3.9-3.11
    it is not offered if the items read other local variables of the function (they would
    become closure cells, which changes the function's code outside the edited lines, and
    the fixer's proofs reject that), nor if an item calls `super()`, `locals()` or the like,
    which would see the comprehension's frame instead of the function's.
    Nor where a comprehension of the same kind comes later in the function on those
    versions: the fixer's proofs tell nested code objects apart by name and order.

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: 66 findings, 53 read, 53 true positives
    (`outputs = []` then `for ext in ...: outputs.append(...)` in `distutils`, `d[st.name] = 1`
    in `symtable`, `ret.append(self.subwidget(x))` in `tkinter.tix`, ...). On the third-party
    packages of a 3.11 virtualenv (pip, setuptools, hypothesis, pygments, libcst, click, attrs,
    pytest and others): 60 findings, 47 read, 47 true positives. One more candidate, a
    module-level loop whose variable is read again further down the module
    (`libcst/codegen/gather.py`), is skipped: at module level bytelint asks the compiled code of
    the whole module whether the loop variable is read elsewhere. None of the peers' known
    false-positive shapes occur, since the rule excludes them by construction (see above).

    Those counts judge the pattern. Timing the rewrite in context tells more for 3.11: on the
    whole standard library (tests included) with the 3.11 target, five findings sampled at
    random ran over 1-67 items (XML attributes, Tk options, a `__repr__`), where the
    comprehension measured 0.66-1.02x. The rule therefore no longer reports for 3.11 (see
    above). 3.12+ inlines comprehensions (1.01-1.07x even at 3 items); 3.9/3.10 gain far more
    per item (1.5-1.7x at 10,000), though a 3-item loop loses there too (0.87-0.90x), which the
    iteration count the bytecode cannot show leaves as a known limit.

    ## References
    - [PEP 709: Inlined comprehensions](https://peps.python.org/pep-0709/)
    - [ruff PERF401 manual-list-comprehension](https://docs.astral.sh/ruff/rules/manual-list-comprehension/) and its false positives (#6210, #11316, #15047, #19132)
    """

    code = "BL304"
    name = "manual-list-building"
    summary = "A fresh list/set/dict filled item by item in a loop: a comprehension is faster"
    versions = ">=3.9,!=3.11.*"
    node_types = (cst.For,)
    fixable = "safe or unsafe"

    VALID = (
        Valid("def f(xs, out):\n    for x in xs:\n        out.append(x * 2)\n    return out\n"),
        Valid("async def f(xs):\n    out = []\n    async for x in xs:\n        out.append(x)\n    return out\n"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        if x not in out:\n            out.append(x)\n    return out\n"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x + len(out))\n    return out\n"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        out.append(y := x * 2)\n    return out, y\n"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        print(x)\n        out.append(x)\n    return out\n"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    else:\n        out.append(0)\n    return out\n"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        if x:\n            break\n        out.append(x)\n    return out\n"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out, x\n"),
        Valid("def f():\n    out = []\n    for x in (1, 2, 3):\n        out.append(x * 2)\n    return out\n"),
        Valid("def f(xs):\n    out = []\n    try:\n        for x in xs:\n            out.append(int(x))\n    except ValueError:\n        return out\n    return out\n"),
        Valid("def f(xs):\n    d = {}\n    for x in xs:\n        d[x] = x + 1\n    return d\n", target="py311"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out\n", target="==3.11"),
        Valid("def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n        yield out\n"),
        Valid("out = []\nfor x in range(1000):\n    out.append(x * 2)\n\ndef last():\n    return x\n"),
        Valid("def f(xs):\n    g = lambda: x\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out, g\n"),
    )
    INVALID = (
        Invalid(
            "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out\n",
            count=1,
            message="list comprehension",
            fixed="def f(xs):\n    out = [x * 2 for x in xs]\n    return out\n",
        ),
        Invalid(
            "def f(xs):\n    out = []\n    for x in xs:\n        if x % 3:\n            out.append(x)\n    return out\n",
            count=1,
            fixed="def f(xs):\n    out = [x for x in xs if x % 3]\n    return out\n",
        ),
        Invalid(
            "def f(xs):\n    seen = set()\n    for x in xs:\n        seen.add(x % 10)\n    return seen\n",
            count=1,
            message="set comprehension",
            fixed="def f(xs):\n    seen = {x % 10 for x in xs}\n    return seen\n",
        ),
        Invalid(
            "def f(rows):\n    cells = list()\n    for row in rows:\n        for c in row:\n            cells.append(c)\n    return cells\n",
            count=1,
            fixed="def f(rows):\n    cells = [c for row in rows for c in row]\n    return cells\n",
        ),
        Invalid(
            "def f(xs):\n    d = {}\n    for x in xs:\n        d[x] = x + 1\n    return d\n",
            target="py39",
            count=1,
            message="on Python 3.9-3.10",
            fixed="def f(xs):\n    d = {x: x + 1 for x in xs}\n    return d\n",
        ),
        Invalid(
            "def f(xs):\n    # squares of the odd ones\n    out = []  # result\n    for x in xs:  # each\n"
            "        if x % 2:\n            out.append(x * x)\n    return out\n",
            target="py312",
            count=1,
            fixed="def f(xs):\n    # squares of the odd ones\n    # each\n    out = [x * x for x in xs if x % 2]  # result\n    return out\n",
        ),
        Invalid(
            "squares = []\nfor i in range(1000):\n    squares.append(i * i)\n",
            count=1,
            fixed="squares = [i * i for i in range(1000)]\n",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        targets = file.targets_for(self)
        # a loop too heavy to pay on every target is left out here, before any parsing
        return SiteIndex(
            site for site in _collecting_sites(file) if any(site.extra[2] <= _limit(site.extra[1], v) for v in targets)
        )

    # Most `append` calls in cheap loops are not the loop's only statement: ``screen`` rules
    # those loops out on the ``ast`` tree before a libcst tree is built for their function.
    screen_types = (ast.For,)

    def screen(self, node: ast.For, ctx: syntax.SyntaxContext, evidence: SiteIndex) -> bool:
        """``check``'s shape tests, on ``ast``: `for`s and `if`s around one collecting statement
        holding a site, the container named once in the loop and last mentioned before it by
        an assignment of an empty container, no walrus, `yield` or `await`, no `try` around."""
        if node.orelse or syntax.function_scope(ctx)[1] not in ("function", "module"):
            return False
        collect = _ast_shape(node)
        name, kind = _ast_collected(collect) if collect is not None else (None, None)
        if name is None:
            return False
        wide = ctx.span(collect)
        sites = evidence.within(Span(wide.line, 0, wide.end_line, 1 << 30))
        if not any(s.extra[0] == name and s.extra[1] == kind for s in sites):
            return False
        uses = 0
        for each in ast.walk(node):
            if isinstance(each, ast.Name) and each.id == name:
                uses += 1
            elif isinstance(each, (ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await)):
                return False
        # libcst counts every Name node (attributes, keywords too): its one use is at most ours
        if uses != 1 or _ast_inside_try(ctx) or not _ast_fresh_before(node, name, kind, ctx):
            return False
        return not _ast_targets_read_later(node, ctx)

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if node.asynchronous is not None or node.orelse is not None:
            return
        if function_scope(ctx)[1] not in ("function", "module"):
            return
        shape = _comprehension_shape(node)
        if shape is None:
            return
        collect, loops = shape
        name, kind = _collected(collect)
        if name is None:
            return
        sites = [s for s in evidence.within(ctx.span(collect)) if s.extra[0] == name and s.extra[1] == kind]
        if not sites:
            return
        weight = sites[0].extra[2]
        targets = ctx.file.targets_for(self)
        pays = tuple(v for v in targets if weight <= _limit(kind, v))
        if not pays or few_iterations(node):
            return
        if _uses(node, name) != 1 or _has(node, (cst.NamedExpr, cst.Yield, cst.Await)):
            return
        if not _fresh_before(node, name, kind, ctx):
            return
        if _inside_try(ctx) or _targets_read_later(node, loops, ctx):
            return
        if _read_elsewhere(sites[0].unit, _target_names(loops), ctx.span(node)):
            return
        where = "" if pays == targets else f" (measurable on Python {describe(pays)})"
        adds = {"list": f"`{name}.append()`", "set": f"`{name}.add()`", "dict": f"`{name}[key] = value`"}[kind]
        yield Report(
            node,
            f"`{name}` is filled by {adds} in a loop that does nothing else; a {_COMPREHENSION[kind]} "
            f"builds it without a method call or item store per item{where}",
            span=header_span(ctx, node),
            evidence=(
                f"{kind} filled on every iteration of a plain for loop",
                f"iteration weight {weight} (instructions, calls x4)",
            ),
            fix=_fix(node, collect, name, kind, ctx, sites[0]),
        )


# --- bytecode -------------------------------------------------------------------------------


def _next_real(instrs, index: int):
    for i in range(index + 1, len(instrs)):
        if instrs[i].kind is not Kind.NOISE:
            return instrs[i]
    return None


def _collecting_sites(file: FileContext):
    def collects(unit, instr) -> bool:
        if instr.kind is Kind.CALL:
            if instr.argval != 1:
                return False  # `.append(x)` takes one argument: no stack walk for other calls
            if _METHODS.keys().isdisjoint(unit.code.co_names):
                return False  # a unit that never names append/add has no such call
            following = _next_real(unit.instrs, instr.index)
            if following is None or following.kind is not Kind.POP:
                return False  # the call's result is used
        return _collected_name(instr) is not None

    for site in hot_sites(file.bytecode.units, (Kind.CALL, Kind.SUBSCR_STORE), collects):
        loop = site.loop
        if loop is None or loop.kind != "for":
            continue
        name, kind = _collected_name(site.instr)
        yield Site(site.unit, site.instr, loop, (name, kind, iteration_weight(loop)))


def _collected_name(instr) -> Optional[Tuple[str, str]]:
    """(container name, kind) for `name.append(x)` / `name.add(x)` whose result is dropped,
    and for `name[k] = v`."""
    if instr.kind is Kind.SUBSCR_STORE:
        container = producer(instr, 1)
        if container is not None and container.kind in _NAME_LOADS:
            return container.name, "dict"
        return None
    shape = call_shape(instr)
    if shape is None or shape.star or shape.keywords or len(shape.positional) != 1 or shape.callee is None:
        return None
    callee = shape.callee
    if callee.kind not in (Kind.ATTR_LOAD, Kind.METHOD_LOAD) or callee.name not in _METHODS:
        return None
    following = _next_real(instr.unit.instrs, instr.index)
    if following is None or following.kind is not Kind.POP:
        return None
    receiver = producer(callee, 0)
    if receiver is None or receiver.kind not in _NAME_LOADS:
        return None
    return receiver.name, _METHODS[callee.name]


# --- source ---------------------------------------------------------------------------------


def _single_statement(body) -> Optional[cst.CSTNode]:
    if isinstance(body, cst.SimpleStatementSuite):
        return body.body[0] if len(body.body) == 1 else None
    if isinstance(body, cst.IndentedBlock) and len(body.body) == 1:
        statement = body.body[0]
        if isinstance(statement, cst.SimpleStatementLine):
            return statement.body[0] if len(statement.body) == 1 else None
        return statement
    return None


def _comprehension_shape(loop: cst.For) -> Optional[Tuple[cst.CSTNode, List[cst.For]]]:
    """(the collecting small statement, the nested for loops) when the loop is nothing but
    `for`s and `if`s (without `else`) around one collecting statement."""
    loops = [loop]
    statement = _single_statement(loop.body)
    while True:
        if statement is None:
            return None
        if isinstance(statement, cst.If) and statement.orelse is None:
            statement = _single_statement(statement.body)
            continue
        if isinstance(statement, cst.For) and statement.asynchronous is None and statement.orelse is None:
            loops.append(statement)
            statement = _single_statement(statement.body)
            continue
        if isinstance(statement, (cst.Expr, cst.Assign)):
            return statement, loops
        return None


def _collected(statement) -> Tuple[Optional[str], Optional[str]]:
    if isinstance(statement, cst.Expr):
        call = statement.value
        if (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute)
            and isinstance(call.func.value, cst.Name)
            and call.func.attr.value in _METHODS
            and len(call.args) == 1
            and call.args[0].keyword is None
            and not call.args[0].star
        ):
            return call.func.value.value, _METHODS[call.func.attr.value]
        return None, None
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
        target = statement.targets[0].target
        if (
            isinstance(target, cst.Subscript)
            and isinstance(target.value, cst.Name)
            and len(target.slice) == 1
            and isinstance(target.slice[0].slice, cst.Index)
            and target.slice[0].slice.star is None
        ):
            return target.value.value, "dict"
    return None, None


class _Finder(cst.CSTVisitor):
    def __init__(self, name: Optional[str] = None, types: Tuple = ()) -> None:
        super().__init__()
        self.name = name
        self.types = types
        self.count = 0
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.count += 1

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.types and isinstance(node, self.types):
            self.found = True
        return super().on_visit(node)


def _uses(node, name: str) -> int:
    finder = _Finder(name)
    node.visit(finder)
    return finder.count


def _has(node, types) -> bool:
    finder = _Finder(types=types)
    node.visit(finder)
    return finder.found


def _empty_container(value, kind: str, ctx: NodeContext) -> bool:
    if kind == "list" and isinstance(value, cst.List) and not value.elements:
        return True
    if kind == "dict" and isinstance(value, cst.Dict) and not value.elements:
        return True
    if isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Name):
        expected = {"list": "list", "set": "set", "dict": "dict"}[kind]
        if value.func.value != expected:
            return False
        namespace = ctx.file.bytecode.namespace
        return all(namespace.classify(expected, v) is NameClass.BUILTIN for v in ctx.file.config.target_versions)
    return False


def _enclosing_block(ctx: NodeContext, node: cst.CSTNode):
    """The statements of the block holding the statement *node*, or None."""
    body = getattr(ctx.parent, "body", None)
    if isinstance(body, (list, tuple)) and any(item is node for item in body):
        return body
    return None


def _fresh_before(loop: cst.For, name: str, kind: str, ctx: NodeContext) -> bool:
    """Is the nearest earlier statement of the block that mentions *name* a plain
    `name = <empty container of kind>`?"""
    block = _enclosing_block(ctx, loop)
    if block is None:
        return False
    index = next(i for i, statement in enumerate(block) if statement is loop)
    for statement in reversed(block[:index]):
        if not _uses(statement, name):
            continue
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == name
            ):
                return _empty_container(small.value, kind, ctx)
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == name:
                return small.value is not None and _empty_container(small.value, kind, ctx)
        return False
    return False


def _inside_try(ctx: NodeContext) -> bool:
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(ancestor, (cst.Try, cst.TryStar)):
            return True
    return False


class _Bound(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


def _target_names(loops: List[cst.For]) -> set:
    bound = _Bound()
    for each in loops:
        each.target.visit(bound)
    return bound.names


def _read_elsewhere(unit, names, span) -> bool:
    """From the compiled code: is a loop variable a closure cell, or (at module level) read by
    other code of the module? The source check below sees only the parsed region."""
    if any(i.kind is Kind.DEREF_STORE and i.name in names for i in unit.instrs):
        return True
    if unit.kind is not ScopeKind.MODULE:
        return False
    for other in unit.module.units:
        for i in other.instrs:
            if i.kind in (Kind.NAME_LOAD, Kind.GLOBAL_LOAD) and i.name in names:
                if other is not unit or i.line is None or not span.line <= i.line <= span.end_line:
                    return True
    return False


def _targets_read_later(loop: cst.For, loops: List[cst.For], ctx: NodeContext) -> bool:
    """Is a loop variable used after the loop anywhere in the function (a comprehension
    would not leave it bound)?"""
    bound = _Bound()
    bound.names = _target_names(loops)
    if not bound.names:
        return False
    end = ctx.span(loop)
    scope, _ = function_scope(ctx)
    later = _LaterUses(bound.names, ctx, (end.end_line, end.end_col))
    scope.visit(later)
    return later.found


class _LaterUses(cst.CSTVisitor):
    def __init__(self, names, ctx: NodeContext, after) -> None:
        super().__init__()
        self.names = names
        self.ctx = ctx
        self.after = after
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        if not self.found and node.value in self.names:
            span = self.ctx.span(node)
            if (span.line, span.col) >= self.after:
                self.found = True


# --- source, on ast (``ManualListBuilding.screen``): each test as loose as its libcst twin or
# looser, never stricter

def _ast_single(body: List[ast.stmt]) -> Optional[ast.stmt]:
    return body[0] if len(body) == 1 else None


def _ast_shape(loop: ast.For) -> Optional[ast.stmt]:
    """``_comprehension_shape``'s collecting statement."""
    statement = _ast_single(loop.body)
    while statement is not None:
        if isinstance(statement, (ast.If, ast.For)) and not statement.orelse:
            statement = _ast_single(statement.body)
        elif isinstance(statement, (ast.Expr, ast.Assign)):
            return statement
        else:
            return None
    return None


def _ast_collected(statement: ast.stmt) -> Tuple[Optional[str], Optional[str]]:
    if isinstance(statement, ast.Expr):
        call = statement.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name)
            and call.func.attr in _METHODS
            and len(call.args) == 1
            and not call.keywords
            and not isinstance(call.args[0], ast.Starred)
        ):
            return call.func.value.id, _METHODS[call.func.attr]
    elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and not isinstance(target.slice, ast.Slice):
            return target.value.id, "dict"
    return None, None


def _ast_inside_try(ctx: syntax.SyntaxContext) -> bool:
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return False
        if isinstance(ancestor, _AST_TRIES):
            return True
    return False


_AST_TRIES = (ast.Try, getattr(ast, "TryStar", ast.Try))


def _ast_targets_read_later(loop: ast.For, ctx: syntax.SyntaxContext) -> bool:
    """``_targets_read_later`` in a function (its libcst twin sees every name ``ast`` sees, at
    the same place: a read on a later line is one for both)."""
    scope, kind = syntax.function_scope(ctx)
    if kind != "function":
        return False  # at module level the trees of the two may hold different statements
    targets = set()
    for each in ast.walk(loop):  # the loops of the comprehension shape: nothing else holds a `for`
        if isinstance(each, ast.For):
            targets.update(n.id for n in ast.walk(each.target) if isinstance(n, ast.Name))
    end = loop.end_lineno
    return any(isinstance(n, ast.Name) and n.id in targets and n.lineno > end for n in ast.walk(scope))


def _ast_fresh_before(loop: ast.For, name: str, kind: str, ctx: syntax.SyntaxContext) -> bool:
    """``_fresh_before``: the nearest earlier statement of the block naming *name* assigns it
    an empty container (a call of the builtin's name, whatever it is bound to)."""
    parent = ctx.ancestors[-1] if ctx.ancestors else ctx.scopes[0][0]
    block = next((value for _, value in ast.iter_fields(parent) if isinstance(value, list) and any(item is loop for item in value)), None)
    if block is None:
        return True
    index = next(i for i, statement in enumerate(block) if statement is loop)
    for statement in reversed(block[:index]):
        if not any(isinstance(each, ast.Name) and each.id == name for each in ast.walk(statement)):
            continue
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            return False
        if not isinstance(target, ast.Name) or target.id != name:
            return False
        if isinstance(value, ast.Call):
            return not value.args and not value.keywords and isinstance(value.func, ast.Name) and value.func.id == kind
        return (kind == "list" and isinstance(value, ast.List) and not value.elts) or (
            kind == "dict" and isinstance(value, ast.Dict) and not value.keys
        )
    # at module level the statements before this region are not in this tree: libcst's may
    # hold them (another rule's evidence there)
    return isinstance(parent, ast.Module)


# --- fix ------------------------------------------------------------------------------------

# Expressions a comprehension's `in` or `if` clause cannot hold without parentheses (tuples
# neither, nor a dict comprehension's key or value).
_NEEDS_PARENS = (cst.IfExp, cst.Lambda, cst.NamedExpr, cst.Yield)
# Names whose meaning changes inside a comprehension's own scope (3.9-3.11): they see the
# comprehension's frame, not the function's.
_FRAME_NAMES = frozenset({"super", "__class__", "locals", "vars", "dir", "eval", "exec"})
_SIMPLE = (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)


def _parenthesized(expr: cst.BaseExpression, kinds=_NEEDS_PARENS + (cst.Tuple,)) -> cst.BaseExpression:
    if expr.lpar or not isinstance(expr, kinds):
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _clauses(loop: cst.For, collect) -> Optional[list]:
    """The loop as comprehension clauses, outermost first: ("for", For) or ("if", If)."""
    clauses = []
    statement: Any = loop
    while statement is not collect:
        clauses.append(("for" if isinstance(statement, cst.For) else "if", statement))
        statement = _single_statement(statement.body)
        if statement is None:
            return None
    return clauses


def _plain_target(target) -> bool:
    if isinstance(target, cst.Name):
        return True
    if isinstance(target, (cst.Tuple, cst.List)):
        return all(_plain_target(e.value) for e in target.elements)
    if isinstance(target, cst.StarredElement):
        return _plain_target(target.value)
    return False


def _fix(loop: cst.For, collect, name: str, kind: str, ctx: NodeContext, site: Site) -> Optional[FixSpec]:
    """`out = []` right before `for x in xs: [if c:] out.append(e)` -> `out = [e for x in xs [if c]]`
    (and the set and dict forms). See the docs for when it is safe."""
    block = _enclosing_block(ctx, loop)
    index = next(i for i, statement in enumerate(block) if statement is loop)
    init = block[index - 1] if index else None
    if not (isinstance(init, cst.SimpleStatementLine) and len(init.body) == 1 and _uses(init, name)):
        return None  # the container is not created right before the loop
    clauses = _clauses(loop, collect)
    if clauses is None or not all(_plain_target(c.target) for t, c in clauses if t == "for"):
        return None
    if kind == "dict":
        target = collect.targets[0].target
        key, value = target.slice[0].slice.value, collect.value
        inner = [key, value]
    else:
        value = collect.value.args[0].value
        inner = [value]
    # Everything but the first iterable runs in the comprehension's own scope.
    inner += [c.test if t == "if" else c.iter for t, c in clauses[1:]]
    used = set().union(*(names_in(part) for part in inner))
    if used & _FRAME_NAMES:
        return None
    unit = owner_unit(site.unit)
    if not comprehensions_inlined():
        # 3.9-3.11: function variables the comprehension reads become closure cells, which changes
        # the function's code outside the edited lines (the fixer's proofs reject that)
        targets = set().union(*(names_in(c.target) for t, c in clauses if t == "for"))
        code = unit.code
        fast = set(code.co_varnames) - set(code.co_cellvars)
        if unit.kind is ScopeKind.FUNCTION and (used - targets) & fast:
            return None
        created = {"list": "<listcomp>", "set": "<setcomp>", "dict": "<dictcomp>"}[kind]
        if renumbers_code_objects(unit, child_position(unit, ctx.span(loop).line), {created}):
            return None  # a comprehension of the same kind later in the function would be renumbered
    # Build the clauses from the innermost out.
    following = None
    ifs: list = []
    for what, clause in reversed(clauses):
        if what == "if":
            ifs.insert(0, cst.CompIf(test=_parenthesized(clause.test)))
            continue
        following = cst.CompFor(
            target=clause.target, iter=_parenthesized(clause.iter), ifs=ifs, inner_for_in=following
        )
        ifs = []
    if kind == "dict":
        pair = (cst.Lambda, cst.Tuple)
        comprehension = cst.DictComp(key=_parenthesized(key, pair), value=_parenthesized(value, pair), for_in=following)
    elif kind == "set":
        comprehension = cst.SetComp(elt=value, for_in=following)  # an argument: never a bare tuple
    else:
        comprehension = cst.ListComp(elt=value, for_in=following)
    small = init.body[0].with_changes(value=comprehension)
    # Comments inside the loop that do not travel with an expression go above the statement.
    parts = inner + [c.target for t, c in clauses if t == "for"] + [clauses[0][1].iter]
    kept = {id(c) for part in parts for c in comments_in(part)}
    moved = [c for c in comments_in(loop.with_changes(leading_lines=())) if id(c) not in kept]
    leading = list(init.leading_lines) + [line for line in loop.leading_lines if line.comment is not None]
    leading += [cst.EmptyLine(comment=c) for c in moved]
    statement = init.with_changes(body=[small], leading_lines=leading)
    if isinstance(ctx.parent, cst.IndentedBlock):
        body = list(ctx.parent.body)
        body[index - 1 : index + 1] = [statement]
        replacements = {ctx.parent: ctx.parent.with_changes(body=body)}
    else:
        replacements = {init: statement, loop: cst.RemovalSentinel.REMOVE}
    loop_targets = set().union(*(names_in(c.target) for t, c in clauses if t == "for"))
    safe = _safe(init, name, kind, key if kind == "dict" else None, value, loop_targets, ctx, unit)
    return FixSpec(replacements, safe=safe,
                   description=f"build {name} with a {_COMPREHENSION[kind]}")


def _settled(expr, targets) -> bool:
    """Does evaluating ``expr`` run no code and never fail: a constant, or a loop variable?"""
    if isinstance(expr, cst.Name):
        return expr.value in targets
    return isinstance(expr, _SIMPLE)


def _safe(init, name: str, kind: str, key, value, targets, ctx: NodeContext, unit) -> bool:
    """The comprehension behaves like the loop for every input when: it runs in the function's
    own frame (every target version inlines comprehensions), the container is a literal (not a
    call of a builtin that could be rebound), a dict's key and value neither run code nor fail
    (their order differs), and nothing can see the half-filled container or the loop
    variables when an item raises (a plain local, not read by a closure, `locals()` and the
    like, nor after a `with` block whose context manager may swallow the exception)."""
    if function_scope(ctx)[1] != "function" or unit.kind is not ScopeKind.FUNCTION:
        return False
    if not all(VERSION_FACTS[v].inlined_comprehensions for v in ctx.file.config.target_versions):
        return False
    if not isinstance(init.body[0].value, (cst.List, cst.Dict)):
        return False
    if kind == "dict" and not all(_settled(part, targets) for part in (key, value)):
        return False
    if any(i.kind in (Kind.DEREF_STORE, Kind.DEREF_LOAD) and i.name == name for i in unit.instrs):
        return False
    if introspects(unit):
        return False
    for ancestor in reversed(ctx.ancestors):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
            break
        if isinstance(ancestor, cst.With):
            return False
    return True
