"""BL602: a string method called in a loop on a value the loop never changes."""

from __future__ import annotations

from typing import Iterable, List, Set

import libcst as cst

from bytelint.bytecode import Kind, ScopeKind
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import Site, SiteIndex, function_scope, iteration_weight, rebound_by_closure, site_in_scope
from bytelint.rule import Invalid, Report, Rule, Valid

from ._loop_helpers import LoopNames, cold_branch, loop_names, running_loops

# Methods of str (and bytes) that build a new value from the receiver and the arguments only.
_METHODS = frozenset(
    {
        "lower", "upper", "casefold", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines",
        "encode", "decode", "title", "capitalize", "swapcase", "replace", "expandtabs", "zfill",
        "center", "ljust", "rjust", "partition", "rpartition", "startswith", "endswith",
        "removeprefix", "removesuffix",
    }
)
_RECEIVERS = (Kind.FAST_LOAD, Kind.DEREF_LOAD)
_FUNCTION_UNITS = (ScopeKind.FUNCTION, ScopeKind.COMPREHENSION, ScopeKind.GENEXPR)
# What one hoisted method call saves, in evidence.iteration_weight units: the benchmark's
# `h.lower() == name.lower()` loop (21 units) runs 1.73-1.75x faster hoisted, `prefix.encode()`
# (25 units) 1.39-1.52x: 7-9 units per call, so 5% of an iteration of up to 140-180 units.
_WEIGHT_PER_CALL = 120



class InvariantMethodCallInLoop(Rule):
    """
    ## What it does
    Flags a string method call (`name.lower()`, `prefix.encode("ascii")`, `sep.strip()`,
    `path.split("/")`, ...) inside a loop when the receiver is a local variable the loop never
    assigns and every argument is a constant or such a variable.

    ## Why is this bad?
    Strings are immutable, so the call returns an equal new string (or list, or bool) on every
    iteration: a method lookup, a call and an allocation each time, for the same result.
    Computing it once before the loop is faster on every version; the saving grows with the
    length of the string (`benchmarks/rules/invariant_method_call_in_loop.py`, paired-median
    ratios):

    | loop | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `h.lower() == name.lower()` | 1.73x | 1.73x | 1.72x | 1.78x | 1.82x |
    | `prefix.encode("ascii") + ...` | 1.41x | 1.44x | 1.46x | 1.48x | 1.46x |
    | `h.startswith(marker.strip())` | 1.74x | 1.67x | 1.49x | 1.50x | 2.33x |

    The bytecode confirms that the call runs inside the compiled loop body on every ordinary
    iteration and that the receiver is a local variable of the function (not a global, which
    the loop's calls could rebind). Only methods whose result depends on nothing but the
    receiver and the arguments are considered, and a call is reported only in iterations small
    enough for the saving to reach 5% (up to 120 units of compiled work per call, calls
    counted four times).

    ## Example
    ```python
    def find_header(headers, name):
        for key, value in headers:
            if key.lower() == name.lower():
                return value
        return None
    ```

    ## Use instead
    ```python
    def find_header(headers, name):
        wanted = name.lower()
        for key, value in headers:
            if key.lower() == wanted:
                return value
        return None
    ```

    ## Fix safety
    No automatic fix yet. Hoisting is exact for `str` and `bytes`; a receiver of another type
    with a method of the same name that returns something different each time would not be.

    ## References
    - [Python docs: string methods](https://docs.python.org/3/library/stdtypes.html#string-methods)
    - [Loop-invariant code motion](https://en.wikipedia.org/wiki/Loop-invariant_code_motion)

    ## Precision
    Run over CPython 3.11's standard library (`Lib/`, tests and `site-packages` excluded), rich 15.0.0 and sqlparse 0.6.1 (tests excluded) with `--target-version py39`: 5 findings (all in the standard
    library), all read: **5 of 5 true positives** (`param.lower()` compared against each
    parameter in `email.message` twice, `line.strip()` per comment prefix in
    `configparser`, `ext.lower()`'s partner `cmd.lower()` in `shutil.which`, and
    `base.rpartition(".")` in `importlib.metadata`, the last on a rarely taken branch).
    """

    code = "BL602"
    statement_local = True  # the call, the loops around it and the bytecode
    name = "invariant-method-call-in-loop"
    summary = "String method called on a loop-invariant local on every iteration"
    versions = ">=3.9"
    node_types = (cst.Call,)

    VALID = (
        Valid("def f(headers, name):\n    wanted = name.lower()\n    return [h for h in headers if h.lower() == wanted]\n"),
        Valid("def f(lines):\n    for line in lines:\n        print(line.strip())\n"),
        Valid("def f(lines, sep):\n    for line in lines:\n        sep = sep + ' '\n        print(sep.strip())\n"),
        Valid("def f(lines, n):\n    for line in lines:\n        print(line.center(n), PREFIX.lower())\n"),
        Valid("def f(lines, name):\n    for line in lines:\n        print(name.split(line))\n"),
        Valid("def f(items, buf):\n    for x in items:\n        buf.extend(x)\n        print(buf.strip())\n"),
    )
    INVALID = (
        Invalid(
            "def f(headers, name):\n    for key, value in headers:\n        if key.lower() == name.lower():\n            return value\n",
            count=1,
            message="`name.lower()`",
        ),
        Invalid(
            "def f(rows, prefix):\n    out = []\n    for r in rows:\n        out.append(prefix.encode('ascii') + r)\n    return out\n",
            count=1,
            message="once before the loop",
        ),
        Invalid("def f(paths, root):\n    return [p for p in paths if p.startswith(root.rstrip('/'))]\n", count=1),
        Invalid(
            "def f(lines, marker):\n    n = 0\n    while lines:\n        if lines.pop().endswith(marker.strip()):\n            n += 1\n    return n\n",
            count=1,
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        sites: List[Site] = []
        for unit in file.bytecode.units:
            if unit.kind not in _FUNCTION_UNITS or (not unit.loops and unit.inherited_depth() == 0):
                continue
            if _METHODS.isdisjoint(unit.code.co_names):
                continue  # no attribute of those names is loaded here
            instrs = unit.match_instrs
            for k in range(1, len(instrs)):
                instr = instrs[k]
                if instr.kind not in (Kind.METHOD_LOAD, Kind.ATTR_LOAD) or instr.name not in _METHODS:
                    continue
                receiver = instrs[k - 1]
                if receiver.kind not in _RECEIVERS:
                    continue
                loop = unit.hot_loop_of(instr)
                if loop is None and unit.inherited_depth() == 0:
                    continue
                # a receiver the loop assigns (its target, say), or a nested function rebinds, varies
                if loop is not None and (receiver.name in loop.stored_names() or rebound_by_closure(unit, receiver.name)):
                    continue
                if loop is not None and iteration_weight(loop) > _WEIGHT_PER_CALL:
                    continue  # too heavy an iteration for one saved call: `check` says the same
                sites.append(Site(unit, instr, loop, receiver.name))
        return SiteIndex(sites)

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        func = node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in _METHODS):
            return
        if function_scope(ctx)[1] != "function":
            return
        receiver = func.value.value
        loops = running_loops(ctx, node)
        if not loops:
            return
        if cold_branch(ctx, node, loops[0][0]):
            return  # a debugging switch or a first-iteration-only branch
        depth = sum(levels for _, levels in loops)
        sites = [
            s
            for s in evidence.within(ctx.span(func))
            if s.extra == receiver and s.instr.name == func.attr.value and s.depth == depth and site_in_scope(s, ctx)
        ]
        if not sites:
            return
        uses = loop_names(loops[-1][0], reading=_METHODS)
        names: Set[str] = {receiver}
        if receiver in uses.assigned or receiver in uses.escaped:
            return
        if not all(_invariant(arg, uses, names) for arg in node.args):
            return
        if not _locals(sites[0], names - {receiver}):
            return
        weight = max(iteration_weight(s.loop) for s in sites)
        if weight > _WEIGHT_PER_CALL:
            return
        text = cst.Module(body=()).code_for_node(node)
        if len(text) > 50:
            text = f"{receiver}.{func.attr.value}(...)"
        yield Report(
            node,
            f"`{text}` builds the same result on every iteration (a method call and a new object each time): "
            f"`{receiver}` never changes in the loop; compute it once before the loop",
            evidence=(f"{func.attr.value} of the local {receiver} inside the compiled loop body", f"iteration weight {weight} (instructions, calls x4)"),
        )


def _invariant(arg: cst.Arg, uses: LoopNames, names: Set[str]) -> bool:
    if arg.star:
        return False
    value = arg.value
    if isinstance(value, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(value, cst.Name):
        if value.value in ("True", "False", "None"):
            return True
        if value.value in uses.assigned or value.value in uses.escaped:
            return False
        names.add(value.value)
        return True
    return False


def _locals(site: Site, names: Set[str]) -> bool:
    """Are the argument names local variables (or cells) in the compiled code?"""
    found = set()
    for instr in site.unit.instrs:
        if instr.line == site.instr.line and instr.name in names:
            if instr.kind not in _RECEIVERS:
                return False
            found.add(instr.name)
    return found == names
