"""BL401: list() / dict() / tuple() with no arguments in a loop, instead of [] / {} / ()."""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst
from packaging.specifiers import SpecifierSet

from bytelint.bytecode import Kind
from bytelint.bytecode.operands import call_shape
from bytelint.engine import FileContext, NodeContext
from bytelint.evidence import SiteIndex, hot_sites, is_builtin_load, units_naming
from bytelint.fixfacts import inside_fstring, keeps_comments
from bytelint.rule import FixSpec, Invalid, Report, Rule, Valid
from bytelint.versions import describe

_LITERALS = {"list": "[]", "dict": "{}", "tuple": "()"}
# Target versions where the literal is at least 5% faster in a loop, per type (both loop
# benchmarks, the container kept and the container freed, must show it; see the docs).
_PAYS = {"tuple": SpecifierSet(">=3.9"), "list": SpecifierSet("<3.12"), "dict": SpecifierSet("<3.11")}


class EmptyCollectionCall(Rule):
    """
    ## What it does
    Flags `list()`, `dict()` and `tuple()` called with no arguments inside a loop (or a
    comprehension), where the name is the builtin. `set()` is not flagged: it has no literal.

    ## Why is this bad?
    `[]` and `{}` are one instruction that builds the container; `()` is a constant. The call
    form first looks the name up (locals, globals, then builtins) and then calls the type.
    That costs tens of nanoseconds per evaluation, so it only adds up where the call runs many
    times, which is why bytelint reports it in loops only. Measured on 10,000-iteration loops
    (`benchmarks/rules/empty_collection_call.py`), with the new container freed at once, or
    kept in a list (when memory allocation dominates on 3.12+):

    | case | 3.9 | 3.10 | 3.11 | 3.12 | 3.13 |
    | --- | --- | --- | --- | --- | --- |
    | `dict()` freed | 1.41x | 1.26x | 1.19x | 1.20x | 1.22x |
    | `dict()` kept | 1.22x | 1.20x | 1.04x | 0.99x | 0.99x |
    | `list()` freed | 1.29x | 1.25x | 1.21x | 1.21x | 1.23x |
    | `list()` kept | 1.23x | 1.22x | 1.07x | 1.00x | 0.99x |
    | `tuple()` argument | 1.26x | 1.30x | 1.13x | 1.13x | 1.07x |

    bytelint reports each type only on the target versions where both cases gain at least 5%:
    `tuple()` everywhere, `list()` on 3.9-3.11, `dict()` on 3.9-3.10; the message names the
    versions when that is not all of your targets. The bytecode confirms that the name is
    looked up as a global or builtin (not a local or a module-level rebinding of `list`) and
    that the call runs on every iteration of a loop.

    ## Example
    ```python
    def group(rows):
        groups = []
        for row in rows:
            entry = dict()
            entry["id"] = row.id
            groups.append(entry)
        return groups
    ```

    ## Use instead
    ```python
    def group(rows):
        groups = []
        for row in rows:
            entry = {}
            entry["id"] = row.id
            groups.append(entry)
        return groups
    ```

    ## Fix safety
    The fix writes the literal. It is **unsafe** (applied with `--unsafe-fixes`): the two are
    equivalent whenever `list`, `dict` and `tuple` are the builtins, and bytelint checks that
    statically (no binding of the name in the module or the function), but, as for
    global-lookup-in-loop (BL102), it cannot rule out a binding made at run time: code the
    loop runs may assign the module global (`globals()["dict"] = ...`, or another module's
    `setattr`) or patch `builtins`, and the literal would not notice. Calls inside an
    f-string's replacement field are not rewritten (`{}` there would read as an escaped
    brace).

    ## Precision
    On CPython 3.11's standard library (`test` directories excluded), rich 15.0.0 and sqlparse
    0.6.1, with `--target-version py39` under 3.11: no finding in a loop (about 190 calls of
    `list()`, `dict()` or `tuple()` sit outside loops, where the saving is tens of nanoseconds
    per call: reporting them everywhere would be style noise, so the rule stays loop-only). On
    the third-party packages of a 3.11 virtualenv (pip, setuptools, hypothesis, pygments,
    libcst, click, attrs, pytest and others): 3 findings (`setuptools/command/build_clib.py`,
    `d.get(key, list())` in a loop), 3 true positives.

    ## References
    - [ruff C408 unnecessary-collection-call](https://docs.astral.sh/ruff/rules/unnecessary-collection-call/)
    - [pylint R1734/R1735 use-list-literal / use-dict-literal](https://pylint.readthedocs.io/en/stable/user_guide/messages/refactor/use-dict-literal.html)
    """

    code = "BL401"
    statement_local = True  # the call; the builtin is proven on the bytecode
    name = "empty-collection-call"
    summary = "list()/dict()/tuple() in a loop: the literal [] / {} / () is cheaper"
    versions = ">=3.9"
    node_types = (cst.Call,)
    fixable = "unsafe"
    requires_names = frozenset(_LITERALS)

    VALID = (
        Valid("def f(rows):\n    out = dict()\n    for r in rows:\n        out[r] = 1\n    return out\n"),
        Valid("def f(rows):\n    for r in rows:\n        s = set()\n        s.add(r)\n"),
        Valid("def f(rows):\n    for r in rows:\n        x = list(r)\n"),
        Valid("def f(rows, list):\n    for r in rows:\n        x = list()\n"),
        Valid("dict = lambda: {}\n\ndef f(rows):\n    for r in rows:\n        x = dict()\n"),
        Valid("def f(rows):\n    for r in rows:\n        x = dict()\n", target="py311"),
        Valid("def f(rows):\n    for r in rows:\n        x = list(), dict(a=1)\n", target="py312"),
    )
    INVALID = (
        Invalid(
            "def f(rows):\n    for r in rows:\n        x = dict()\n",
            count=1,
            message="`{}`",
            fixed="def f(rows):\n    for r in rows:\n        x = {}\n",
        ),
        Invalid(
            "def f(rows):\n    return [list() for r in rows]\n",
            count=1,
            message="`[]`",
            fixed="def f(rows):\n    return [[] for r in rows]\n",
        ),
        Invalid(
            "def f(rows, g):\n    for r in rows:\n        g(r, tuple())\n",
            target="py312",
            count=1,
            message="`()`",
            fixed="def f(rows, g):\n    for r in rows:\n        g(r, ())\n",
        ),
        Invalid(
            "def f(rows):\n    for r in rows:\n        x = list()\n",
            target="py310",
            count=1,
            message="on Python 3.10-3.11",
            fixed="def f(rows):\n    for r in rows:\n        x = []\n",
        ),
        Invalid(
            "def f(rows):\n    for r in rows:\n        print(f'{r}: {list()}', (tuple()))\n",
            target="py310",
            count=2,
            fixed="def f(rows):\n    for r in rows:\n        print(f'{r}: {list()}', (()))\n",
        ),
        Invalid(
            "def f(rows, g):\n    for r in rows:\n        g(dict(), tuple())\n",
            target="py312",
            count=1,
            message="`()`",
            fixed="def f(rows, g):\n    for r in rows:\n        g(dict(), ())\n",
        ),
    )

    def evidence(self, file: FileContext) -> SiteIndex:
        versions = file.targets_for(self)

        def is_empty_call(unit, instr) -> bool:
            if instr.argval:
                return False  # arguments (or keywords) passed: the callee's stack walk is not needed
            shape = call_shape(instr)
            if shape is None or shape.star or shape.positional or shape.keywords:
                return False
            if not is_builtin_load(file, shape.callee, _LITERALS, versions):
                return False
            return bool(_paying(shape.callee.name, versions))

        return SiteIndex(hot_sites(units_naming(file.bytecode.units, self.requires_names), (Kind.CALL,), is_empty_call))

    def check(self, node: cst.CSTNode, ctx: NodeContext, evidence: SiteIndex) -> Iterable[Report]:
        func = node.func
        if node.args or not isinstance(func, cst.Name) or func.value not in _LITERALS:
            return
        if not evidence.within(ctx.span(node)):
            return
        name = func.value
        targets = ctx.file.targets_for(self)
        pays = _paying(name, targets)
        if not pays:
            return  # without columns (3.9/3.10) the site on this line may be another call's
        where = "" if pays == targets else f" (measurable on Python {describe(pays)})"
        what = "a constant" if name == "tuple" else f"one instruction that builds the {name}"
        yield Report(
            node,
            f"`{name}()` in a loop looks up the builtin name and calls it on every iteration; "
            f"`{_LITERALS[name]}` is {what}{where}",
            evidence=(f"builtin {name} loaded and called with no arguments on every iteration",),
            fix=_fix(node, name, ctx),
        )


def _fix(node: cst.Call, name: str, ctx: NodeContext) -> Optional[FixSpec]:
    """`list()` -> `[]`, `dict()` -> `{}`, `tuple()` -> `()`; unsafe (see the docs)."""
    if inside_fstring(ctx):
        return None  # `f"{dict()}"` would become the escaped brace `f"{{}}"`
    if name == "list":
        new = cst.List(elements=(), lpar=node.lpar, rpar=node.rpar)
    elif name == "dict":
        new = cst.Dict(elements=(), lpar=node.lpar, rpar=node.rpar)
    else:
        new = cst.Tuple(elements=(), lpar=(*node.lpar, cst.LeftParen()), rpar=(cst.RightParen(), *node.rpar))
    if not keeps_comments(node, new):
        return None
    return FixSpec({node: new}, safe=False, description=f"write {_LITERALS[name]}")


def _paying(name: str, versions):
    spec = _PAYS[name]
    return tuple(v for v in versions if spec.contains(f"{v[0]}.{v[1]}"))
