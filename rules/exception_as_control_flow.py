"""BL502: a missing key, index or item handled by raising and catching an exception in a loop."""

from __future__ import annotations

import ast
from typing import Iterable, List, Optional, Tuple

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.bytecode.operands import call_shape
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, site_in_scope, units_naming
from bytelint.rule import Invalid, Report, Rule, Valid

from ._loop_helpers import running_loops

_LOOKUP_ERRORS = frozenset({"KeyError", "IndexError", "LookupError"})
_SITE_KINDS = frozenset({Kind.SUBSCR_LOAD, Kind.DELETE, Kind.CALL})


class ExceptionAsControlFlow(Rule):
    """
    ## What it does
    Flags, inside a loop, a `try` whose body is a single lookup and whose handler only skips
    the item or supplies a default:

    - `try: v = d[k]` / `t += d[k]` / `d[k]` with `except KeyError` (or `IndexError`,
      `LookupError`) doing `continue`, `pass` or `v = <default>`;
    - `try: del d[k]` with `except KeyError: pass`;
    - `try: v = next(it)` with `except StopIteration` doing `continue`, `pass` or
      `v = <default>`.

    It is a hint: it matters when the lookup often fails.

    ## Why is this bad?
    Raising and catching an exception costs 100-150 ns on every version; a failed lookup
    handled that way is 3-4x slower than asking first (docs/bytecode.md §7.2). Paired-median
    ratios of the `try` form over the alternative
    (`benchmarks/rules/exception_as_control_flow.py`):

    | loop | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | half the keys missing, `continue` vs `k in d` | 2.43x | 2.47x | 2.73x | 3.17x | 3.08x |
    | half the keys missing, default vs `d.get(k, 0)` | 2.21x | 2.17x | 3.13x | 3.25x | 3.11x |
    | half the rows short, `IndexError` vs length test | 1.75x | 1.75x | 3.26x | 3.02x | 3.15x |
    | no key missing, default vs `d.get(k, 0)` | 0.85x | 0.84x | 0.96x | 0.92x | 0.91x |

    The last row is why this is a hint: when misses are rare the `try` is the faster form
    (zero-cost exception tables make the *no-exception* path free, not the raise).

    The bytecode confirms that the lookup runs inside the compiled loop body on every
    ordinary iteration. Handlers that `break`, `return` or `raise` are not reported: they end
    the loop, so the exception happens at most once. Nor are lookups of the keys the loop
    iterates (`for k in d.keys(): d[k]`): a miss there needs a concurrent deletion.

    ## Example
    ```python
    def total(prices, items):
        t = 0
        for item in items:
            try:
                price = prices[item]
            except KeyError:
                continue
            t += price
        return t
    ```

    ## Use instead
    ```python
    def total(prices, items):
        t = 0
        for item in items:
            price = prices.get(item)
            if price is None:
                continue
            t += price
        return t
    ```

    ## Fix safety
    No automatic fix. `d.get(k)` returns None for a missing key and for a key whose value is
    None (`k in d` distinguishes them); a mapping without `.get` still supports `in`. A
    `KeyError` raised inside a custom `__getitem__` or `__missing__` would no longer be
    caught.

    ## References
    - [Python docs: dict.get](https://docs.python.org/3/library/stdtypes.html#dict.get)
    - [Python docs: next(iterator, default)](https://docs.python.org/3/library/functions.html#next)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded) with `--target-version py39`: 9 findings (all in the standard
    library), all read: **9 of 9 true positives** where misses are plausibly common:
    `zipimport` trying each suffix in its `_files` table, `inspect` checking which
    parameters a `functools.partial` binds, `uuid` reading a column of `ifconfig` output,
    `weakref`'s `del d[key]` (`d.pop(key, None)`), and the five copies of distutils'
    `build[obj]` skip. A first version also reported 4 lookups of keys the loop had just
    listed (`for key in self.keys(): self.object[key]`), where misses are rare; those are
    now left alone.
    """

    code = "BL502"
    statement_local = True  # the try and the loops around it
    name = "exception-as-control-flow"
    summary = "Missing key/index/item handled by raising and catching an exception in a loop (hint)"
    versions = ">=3.9"
    node_types = (cst.Try,)
    requires_names = _LOOKUP_ERRORS | {"StopIteration"}  # what the handler catches

    VALID = (
        Valid("def f(d, keys):\n    out = []\n    for k in keys:\n        if k in d:\n            out.append(d[k])\n    return out\n"),
        Valid("def f(d, keys):\n    for k in keys:\n        try:\n            v = d[k]\n        except KeyError:\n            break\n        print(v)\n"),
        Valid("def f(d, keys):\n    for k in keys:\n        try:\n            v = d[k]\n            print(v)\n        except KeyError:\n            continue\n"),
        Valid("def f(d, k):\n    try:\n        return d[k]\n    except KeyError:\n        return None\n"),
        Valid("def f(d, keys):\n    for k in keys:\n        try:\n            v = d[k]\n        except Exception:\n            v = 0\n        print(v)\n"),
        Valid("def f(d, keys):\n    for k in keys:\n        try:\n            v = d[k]\n        except KeyError:\n            log(k)\n            v = 0\n        print(v)\n"),
        Valid("def f(d, keys):\n    for k in keys:\n        try:\n            v = d[load(k)]\n        except KeyError:\n            continue\n        print(v)\n"),
        Valid("def f(d):\n    for k in d.keys():\n        try:\n            v = d[k]\n        except KeyError:\n            continue\n        print(v)\n"),
    )
    INVALID = (
        Invalid(
            "def f(d, keys):\n    t = 0\n    for k in keys:\n        try:\n            v = d[k]\n        except KeyError:\n            continue\n        t += v\n    return t\n",
            count=1,
            message="d.get(k",
        ),
        Invalid(
            "def f(rows):\n    out = []\n    for row in rows:\n        try:\n            x = row[3]\n        except IndexError:\n            x = None\n        out.append(x)\n    return out\n",
            count=1,
            message="length",
        ),
        Invalid("def f(d, keys):\n    for k in keys:\n        try:\n            del d[k]\n        except KeyError:\n            pass\n", count=1, message="d.pop(k, None)"),
        Invalid(
            "def f(its):\n    out = []\n    for it in its:\n        try:\n            v = next(it)\n        except StopIteration:\n            v = None\n        out.append(v)\n    return out\n",
            count=1,
            message="next(it, default)",
        ),
        Invalid(
            "def f(counts, words):\n    for w in words:\n        try:\n            counts[w] += 1\n        except KeyError:\n            counts[w] = 1\n",
            count=1,
            message="counts.get(w",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        lines = file.source.lines
        wanted = set()
        for n, text in enumerate(lines, 1):
            if "try:" in text and text.lstrip().startswith("try:"):
                wanted.add(n)
                wanted.add(n + 1)
        if not wanted:
            return SiteIndex(())
        sites: List[Site] = []
        for unit in units_naming(file.bytecode.units, self.requires_names):
            if not unit.loops:
                continue
            for instr in unit.instrs_of(_SITE_KINDS):
                if instr.line in wanted and _may_be_lookup(instr):
                    loop = unit.hot_loop_of(instr)
                    if loop is not None:
                        sites.append(Site(unit, instr, loop))
        return SiteIndex(sites)

    # Most `try` statements in loops guard more than one lookup: ``screen`` rules them out on
    # the ``ast`` tree, before a libcst tree is built for them.
    screen_types = (ast.Try,)

    def screen(self, node: ast.Try, ctx, evidence: SiteIndex) -> bool:
        """``check``'s shape tests, on ``ast``, each as loose as its libcst twin or looser: one
        statement guarded, one handler catching lookup errors or StopIteration by name and
        doing one `continue`, `pass` or assignment."""
        if node.finalbody or len(node.handlers) != 1 or len(node.body) != 1:
            return False
        if not isinstance(node.body[0], (ast.Assign, ast.AugAssign, ast.Expr, ast.Delete)):
            return False
        handler = node.handlers[0]
        kind = handler.type
        names = [e for e in kind.elts] if isinstance(kind, ast.Tuple) else [kind]
        if not names or not all(isinstance(e, ast.Name) for e in names):
            return False
        caught = {e.id for e in names}
        if not (caught <= _LOOKUP_ERRORS or caught == {"StopIteration"}):
            return False
        return len(handler.body) == 1 and isinstance(handler.body[0], (ast.Continue, ast.Pass, ast.Assign))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if node.finalbody is not None or len(node.handlers) != 1:
            return
        shape = _body_shape(node.body)
        if shape is None:
            return
        form, target, lookup = shape
        handler = node.handlers[0]
        caught = _exception_names(handler.type)
        if not caught:
            return
        if form == "next":
            if caught != {"StopIteration"}:
                return
        elif not caught <= _LOOKUP_ERRORS:
            return
        if not _skips_or_defaults(handler.body, target, form):
            return
        loops = running_loops(ctx, node)
        if not loops or not isinstance(loops[-1][0], (cst.For, cst.While)):
            return
        if form != "next" and _iterates_own_keys(loops[-1][0], lookup):
            return  # `for k in d.keys(): d[k]`: a miss needs a concurrent deletion
        depth = sum(levels for _, levels in loops)
        wanted = Kind.CALL if form == "next" else Kind.DELETE if form == "del" else Kind.SUBSCR_LOAD
        sites = [
            s
            for s in evidence.within(ctx.span(lookup))
            if s.instr.kind is wanted and s.depth == depth and site_in_scope(s, ctx)
        ]
        if not sites:
            return
        yield Report(node, _message(form, caught, lookup), evidence=(f"{sites[0].instr.opname} inside the compiled loop body",))


def _may_be_lookup(instr) -> bool:
    """The forms `check` accepts: a subscript, `del` of a subscript (DELETE without a name),
    or a call of a plain name `next` (a call that cannot be read is kept)."""
    if instr.kind is Kind.DELETE:
        return instr.name is None
    if instr.kind is Kind.CALL:
        shape = call_shape(instr)
        callee = shape.callee if shape is not None else None
        return callee is None or (callee.kind in _NAME_LOADS and callee.name == "next")
    return True


_NAME_LOADS = (Kind.GLOBAL_LOAD, Kind.NAME_LOAD, Kind.FAST_LOAD, Kind.DEREF_LOAD)


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=()).code_for_node(node)


def _message(form: str, caught, lookup) -> str:
    cost = "raising and catching it costs 3-4x the lookup, so if misses are common"
    if form == "next":
        it = _code(lookup.args[0].value)
        return f"`next({it})` ends in StopIteration handled in a loop: {cost}, use `next(it, default)`"
    container, key = _code(lookup.value), _code(lookup.slice[0].slice.value)
    if form == "del":
        return f"deleting a missing key raises KeyError handled in a loop: {cost}, use `{container}.pop({key}, None)`"
    if caught == {"IndexError"}:
        return f"`{container}[{key}]` out of range raises IndexError handled in a loop: {cost}, test the length first"
    return (
        f"`{container}[{key}]` for a missing key raises {'/'.join(sorted(caught))} handled in a loop: {cost}, "
        f"use `{container}.get({key}, default)` or test `{key} in {container}`"
    )


def _iterates_own_keys(loop: cst.CSTNode, lookup: cst.Subscript) -> bool:
    """Does the loop iterate over keys listed by a mapping (`for k in d`, `for k in x.keys()`)
    and look each one up (`d[k]`)? Then misses are rare and the `try` is the faster form."""
    if not isinstance(loop, cst.For) or not isinstance(loop.target, cst.Name):
        return False
    key = lookup.slice[0].slice.value
    if not (isinstance(key, cst.Name) and key.value == loop.target.value):
        return False
    iterable = loop.iter
    if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute):
        if iterable.func.attr.value in ("keys", "iterkeys") and not iterable.args:
            return True
    return _same(iterable, lookup.value)


def _simple(expr) -> bool:
    """Names, attributes, constants and subscripts of those: nothing that calls code which
    could raise the same exception."""
    if isinstance(expr, (cst.Name, cst.Integer, cst.SimpleString, cst.Float)):
        return True
    if isinstance(expr, cst.Attribute):
        return _simple(expr.value)
    if isinstance(expr, cst.UnaryOperation):
        return _simple(expr.expression)
    if isinstance(expr, cst.Tuple):
        return all(_simple(e.value) for e in expr.elements)
    return False


def _lookup(expr) -> Optional[cst.Subscript]:
    if (
        isinstance(expr, cst.Subscript)
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
        and _simple(expr.value)
        and _simple(expr.slice[0].slice.value)
    ):
        return expr
    return None


def _body_shape(body: cst.BaseSuite) -> Optional[Tuple[str, Optional[cst.CSTNode], cst.CSTNode]]:
    """(form, assigned target or None, the lookup node) when the try body is one lookup."""
    statements = list(getattr(body, "body", ()))
    if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine) or len(statements[0].body) != 1:
        return None
    small = statements[0].body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        value = small.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "next":
            if len(value.args) == 1 and not value.args[0].star and _simple(value.args[0].value):
                return "next", target, value
            return None
        lookup = _lookup(value)
        return ("get", target, lookup) if lookup is not None else None
    if isinstance(small, cst.AugAssign):
        lookup = _lookup(small.value)
        if lookup is not None:
            return "get", None, lookup
        lookup = _lookup(small.target)
        return ("get", small.target, lookup) if lookup is not None else None
    if isinstance(small, cst.Expr):
        lookup = _lookup(small.value)
        return ("get", None, lookup) if lookup is not None else None
    if isinstance(small, cst.Del):
        lookup = _lookup(small.target)
        return ("del", None, lookup) if lookup is not None else None
    return None


def _exception_names(expr) -> set:
    if isinstance(expr, cst.Name):
        return {expr.value}
    if isinstance(expr, cst.Tuple):
        names = set()
        for element in expr.elements:
            if not isinstance(element.value, cst.Name):
                return set()
            names.add(element.value.value)
        return names
    return set()


def _same(a, b) -> bool:
    return a is not None and b is not None and _code(a) == _code(b)


def _skips_or_defaults(body: cst.BaseSuite, target, form: str) -> bool:
    """Does the handler only `continue`, `pass`, or assign a plain default to the target?"""
    statements = list(getattr(body, "body", ()))
    if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine) or len(statements[0].body) != 1:
        return False
    small = statements[0].body[0]
    if isinstance(small, (cst.Continue, cst.Pass)):
        return True
    if form == "del" or target is None:
        return False
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and _same(small.targets[0].target, target):
        return _plain_default(small.value)
    return False


def _plain_default(expr) -> bool:
    if isinstance(expr, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
        return all(_plain_default(e.value) for e in expr.elements if not isinstance(e, cst.DictElement)) and not any(
            isinstance(e, cst.DictElement) for e in expr.elements
        )
    if isinstance(expr, cst.UnaryOperation):
        return _plain_default(expr.expression)
    return False
