"""BL303: `k in d.keys()` builds a keys view for every test; `k in d` asks the dict directly."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from bytelint.bytecode import Kind
from bytelint.bytecode.operands import call_shape, producer
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, all_sites, reference_lines, units_naming
from bytelint.fixfacts import in_place_of, keeps_comments, proven_dict
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid

_METHOD_LOADS = (Kind.ATTR_LOAD, Kind.METHOD_LOAD)


class DictKeysCall(Rule):
    """
    ## What it does
    Flags membership tests against a keys view, `k in d.keys()` and `k not in d.keys()`.
    With `--preview` it also flags `for k in d.keys()`.

    ## Why is this bad?
    `d.keys()` looks up a method, calls it and allocates a view object, and only then does the
    same hash lookup that `k in d` does directly. Per test, `k in d` is 1.9-2.6x faster on
    every version (`benchmarks/rules/dict_keys_call.py`, 1,000 tests against a 100-key dict):

    | case | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `x in d.keys()` vs `x in d` | 2.33x | 2.34x | 1.90x | 2.52x | 2.56x |
    | `for k in d.keys()`, 5 keys | 1.22x | 1.22x | 1.13x | 1.23x | 1.22x |
    | `for k in d.keys()`, 1,000 keys | 1.01x | 0.99x | 1.01x | 0.99x | 0.99x |

    Iterating a view and iterating the dict use the same iterator, so `for k in d.keys()`
    costs one extra call per *loop*, not per key: measurable only on tiny dicts, which the
    source does not reveal. That form is therefore reported only in preview. The bytecode
    confirms that the tested container is the result of a `keys()` call with no arguments.

    ## Example
    ```python
    def known(names, table):
        return [n for n in names if n in table.keys()]
    ```

    ## Use instead
    ```python
    def known(names, table):
        return [n for n in names if n in table]
    ```

    ## Fix safety
    The fix drops the `keys()` call: `k in d.keys()` becomes `k in d` and `for k in d.keys()`
    becomes `for k in d`. For a `dict` the two are the same: the same hash lookup (and the
    same `TypeError` for an unhashable key), the same iteration. It is **safe** when bytelint
    can prove that the receiver is a `dict`: a dict display or comprehension written in
    place, or a local variable of the function bound exactly once, to a dict display or
    comprehension (not a parameter; no other assignment, `del`, `global` or `nonlocal`
    rebinding anywhere in the function or the functions nested in it). Otherwise it is
    **unsafe** (applied with `--unsafe-fixes`): an object with its own `keys()` and
    `__contains__` may answer differently (`email.message.Message.__contains__` ignores case
    while its `keys()` list does not, and a class with `keys()` but no `__contains__` falls
    back to iterating), and one with its own `keys()` and `__iter__` may iterate differently
    (a mailbox iterates over messages, not keys).

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: 3 findings, 3 true positives (all on dicts).
    On the third-party packages of a 3.11 virtualenv (pip, setuptools, hypothesis, pygments,
    libcst, click, attrs, pytest and others): 2 findings, 2 true positives. 5 of 5 overall.
    `self.keys()` is never reported (a mapping-like class may define `__contains__`/`__iter__`
    differently). The preview iteration form finds 36 loops in the same corpus; of the first 12,
    11 are dicts and 1 is a false positive (`_collections_abc.MutableMapping.update`, where
    `other` is a duck-typed object with `keys()` but possibly no mapping iteration).

    ## References
    - [Python docs: dictionary view objects](https://docs.python.org/3/library/stdtypes.html#dictionary-view-objects)
    - [ruff SIM118 in-dict-keys](https://docs.astral.sh/ruff/rules/in-dict-keys/)
    """

    code = "BL303"
    statement_local = True  # the test or loop and the bytecode (context: the receiver's bindings)
    name = "dict-keys-call"
    summary = "`k in d.keys()` builds a keys view for every test: use `k in d`"
    versions = ">=3.9"
    node_types = (cst.Comparison, cst.For, cst.CompFor)
    fixable = "safe or unsafe"
    requires_names = frozenset({"keys"})

    VALID = (
        Valid("def f(k, d):\n    return k in d\n"),
        Valid("def f(k, d):\n    return k in d.keys(1)\n"),
        Valid("def f(k, d, e):\n    return k in d.keys() - e.keys()\n"),
        Valid("def f(d):\n    return list(d.keys())\n"),
        Valid("def f(k, d):\n    return k in d.values()\n"),
    )
    INVALID = (
        Invalid("def f(k, d):\n    return k in d.keys()\n", count=1, message="`k in d`", fixed="def f(k, d):\n    return k in d\n"),
        Invalid("def f(k, d):\n    return k not in d.keys()\n", count=1, message="not in", fixed="def f(k, d):\n    return k not in d\n"),
        Invalid(
            "def f(ks, d):\n    return [k for k in ks if k in d.keys()]\n",
            count=1,
            fixed="def f(ks, d):\n    return [k for k in ks if k in d]\n",
        ),
        Invalid(
            "def f(self, k):\n    if k in self.cache.keys():  # cached?\n        return 1\n",
            count=1,
            message="`k in self.cache`",
            fixed="def f(self, k):\n    if k in self.cache:  # cached?\n        return 1\n",
        ),
        Invalid(
            "def f(names):\n    table = {'a': 1}\n    return [n for n in names if n in table.keys()]\n",
            count=1,
            fixed="def f(names):\n    table = {'a': 1}\n    return [n for n in names if n in table]\n",
        ),
        Invalid(
            "def f(d):\n    for k in d.keys():\n        print(k)\n",
            count=1,
            message="iterating `d` itself",
            fixed="def f(d):\n    for k in d:\n        print(k)\n",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        preview = file.config.preview

        def keys_call_tested(unit, instr) -> bool:
            if instr.kind is Kind.GET_ITER and not preview:
                return False
            call = producer(instr, 0)
            if call is None or call.kind is not Kind.CALL:
                return False
            shape = call_shape(call)
            return (
                shape is not None
                and not shape.star
                and not shape.positional
                and not shape.keywords
                and shape.callee is not None
                and shape.callee.kind in _METHOD_LOADS
                and shape.callee.name == "keys"
            )

        return SiteIndex(
            (
                Site(site.unit, producer(site.instr, 0), site.loop)  # the keys() call: its span is `d.keys()`
                for site in all_sites(units_naming(file.bytecode.units, self.requires_names), (Kind.CONTAINS, Kind.GET_ITER), keys_call_tested)
            ),
            reference_lines,  # the fix proves the mapping a dict by its one binding
        )

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        if isinstance(node, cst.Comparison):
            for target in node.comparisons:
                if not isinstance(target.operator, (cst.In, cst.NotIn)) or not _is_keys_call(target.comparator):
                    continue
                sites = evidence.within(ctx.span(target.comparator))
                if not sites:
                    continue
                op = "not in" if isinstance(target.operator, cst.NotIn) else "in"
                left = _code(node.left) if len(node.comparisons) == 1 else "k"
                mapping = _code(target.comparator.func.value)
                yield Report(
                    target.comparator,
                    f"`{op} {mapping}.keys()` calls a method and builds a keys view on every test; "
                    f"`{left} {op} {mapping}` does the same lookup directly",
                    evidence=("membership test against the result of a keys() call",),
                    fix=_fix(target.comparator, ctx, sites[0], f"test membership in {mapping} itself"),
                )
            return
        iterable = node.iter
        sites = evidence.within(ctx.span(iterable)) if _is_keys_call(iterable) else None
        if sites:
            mapping = _code(iterable.func.value)
            yield Report(
                iterable,
                f"`{mapping}.keys()` calls a method and builds a view only to iterate it; iterating "
                f"`{mapping}` itself gives the same keys (measurable only for tiny dicts)",
                evidence=("loop iterates over the result of a keys() call",),
                fix=_fix(iterable, ctx, sites[0], f"iterate {mapping} itself"),
            )


def _fix(call: cst.Call, ctx: NodeContext, site, description: str) -> Optional[FixSpec]:
    """`d.keys()` -> `d`, where it is tested for membership or iterated."""
    receiver = in_place_of(ctx, call, call.func.value)
    if not keeps_comments(call, receiver):
        return None
    return FixSpec({call: receiver}, safe=proven_dict(ctx, site.unit, call.func.value), description=description)


def _is_keys_call(expr) -> bool:
    return (
        isinstance(expr, cst.Call)
        and not expr.args
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "keys"
        # `self.keys()` inside a mapping-like class: its own `__contains__` / `__iter__` may
        # differ (a mailbox iterates over messages, not keys)
        and not (isinstance(expr.func.value, cst.Name) and expr.func.value.value in ("self", "cls"))
    )


def _code(node: cst.CSTNode) -> str:
    text = cst.Module(body=()).code_for_node(node)
    return text if len(text) <= 30 and "\n" not in text else "..."
