"""The rule interface.

A rule is one class in one module of ``bytelint.rules``. It pairs two halves:

- ``evidence(file)``: the bytecode half. It runs first, on the compiled code only, and returns
  the instruction sites that could make the rule fire (or something falsy). When no enabled
  rule has evidence in a file, the engine never builds a libcst tree for it.
- ``check(node, ctx, evidence)``: the libcst half. The engine calls it for every node of the
  rule's ``node_types``; it matches the source pattern, confirms it against the evidence (the
  same construct, seen in the compiled code, doing the slow thing) and yields Reports.

Rules never name opcodes: they ask the bytecode layer semantic questions through
``bytelint.bytecode`` kinds and loops. Versions where a rule applies are data
(``versions``, a PEP 440 specifier over target versions) and the registry enforces them.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, ClassVar, Dict, FrozenSet, Iterable, Mapping, Optional, Sequence, Tuple, Type

import libcst as cst
from packaging.specifiers import SpecifierSet

from .results import Span
from .versions import Version

DOCS_URL = "https://github.com/bytelint/bytelint/blob/main/docs/rules.md"


@lru_cache(maxsize=256)
def _applies(versions: str, version: Version) -> bool:
    """Cached: the engine asks for every rule and every file."""
    return SpecifierSet(versions).contains(f"{version[0]}.{version[1]}")


DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "References")


@dataclass(frozen=True)
class Valid:
    """Source that must not fire. ``target`` (e.g. "py39") sets the minimum target version."""

    code: str
    target: Optional[str] = None


@dataclass(frozen=True)
class Invalid:
    """Source that must fire (``count`` findings; None = at least one). ``fixed`` is the exact
    source after applying every fix (safe and unsafe) of the rule; None when it has no fix."""

    code: str
    target: Optional[str] = None
    count: Optional[int] = None
    # Substring the message must contain: examples pin what the user is told.
    message: Optional[str] = None
    fixed: Optional[str] = None


@dataclass(frozen=True)
class FixSpec:
    """A rewrite as libcst replacements, so comments and formatting survive. Keys are nodes of
    the tree the rule was given (matched by identity); values are the new node, a
    ``cst.FlattenSentinel`` (one statement becomes several) or ``cst.RemovalSentinel.REMOVE``.
    The engine turns it into text edits; the fixer proves it before keeping it."""

    replacements: Mapping[cst.CSTNode, Any]
    safe: bool
    description: str
    priority: int = 0
    # Builds the replacements when the fix's text is needed (``replacements`` left empty): for
    # a rewrite that costs more to build than to decide on, which ``check`` (whose output only
    # says that a fix exists, and whether it is safe) then never builds. It may return None
    # after all: the finding then has no fix.
    build: Optional[Callable[[], Optional[Mapping[cst.CSTNode, Any]]]] = None

    @classmethod
    def described(cls, safe: bool, description: str, priority: int = 0) -> "FixSpec":
        """A fix as a check on ``ast`` trees offers it (``Rule.check_syntax``): described, its
        text never built there (the engine renders fix text from the libcst check only)."""
        return cls({}, safe=safe, description=description, priority=priority, build=_never_built)

    @property
    def offered(self) -> bool:
        return bool(self.replacements) or self.build is not None

    def resolved(self) -> Optional[Mapping[cst.CSTNode, Any]]:
        """The replacements, built now if they were deferred."""
        if self.replacements or self.build is None:
            return self.replacements or None
        return self.build() or None


def _never_built() -> None:
    return None


@dataclass(frozen=True)
class Report:
    node: cst.CSTNode
    message: str
    # Report a narrower or different range than the node's (e.g. a loop's header only).
    span: Optional[Span] = None
    evidence: Tuple[str, ...] = ()
    fix: Optional[FixSpec] = None


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    # Target versions where the slow form is measurably slower (PEP 440 specifier).
    versions: ClassVar[str] = ">=3.9"
    node_types: ClassVar[Tuple[Type[cst.CSTNode], ...]] = ()
    preview: ClassVar[bool] = False
    # Not in the default selection: runs only where its code is selected by name (``select``,
    # ``extend-select``, ``--select``), for a rule whose findings are true but, on most code,
    # not worth the change (they would drown the others).
    opt_in: ClassVar[bool] = False
    # The libcst tree a rule sees is normally only the regions of the file (runs of whole
    # top-level statements) that hold its evidence, without the methods of their classes that
    # hold none (their lines are left empty); a rule that must read the whole module
    # (module-level bindings, say) sets this. The evidence should offer ``lines()``: the source
    # lines it points at.
    needs_module: ClassVar[bool] = False
    # The check (and its fix) reads only the node it is given, that node's ancestors, the
    # bytecode and the statements holding its evidence's ``context_lines()`` (if it has that
    # method: an initial value assigned before the loop, say): no other statement of any
    # block. The statements of a region that hold none of these lines are left out of its
    # tree, except in the scopes (function, class, module) where a rule without this flag has
    # evidence, since such a rule may read any statement of its scope (regions.blank_statements).
    statement_local: ClassVar[bool] = False
    # ``ast`` node types for ``check_syntax``: a rule whose findings need only positions and
    # the nesting of scopes and loops reports from ``ast`` trees when no fix text is printed
    # (syntax.py); ``check`` on libcst still builds its fixes.
    syntax_types: ClassVar[Tuple[type, ...]] = ()
    # ``ast`` node types for ``screen``: a cheap first look at the candidates the evidence
    # points at, before any libcst tree is built (syntax.py); the evidence must offer
    # ``narrowed(lines)`` (``SiteIndex`` does).
    screen_types: ClassVar[Tuple[type, ...]] = ()
    # Names (globals, builtins or attributes) the pattern cannot do without: when no code
    # object of a module refers to any of them, the engine skips the rule's bytecode half.
    requires_names: ClassVar[FrozenSet[str]] = frozenset()
    fixable: ClassVar[Optional[str]] = None  # "safe", "unsafe" or None
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    def evidence(self, file: "Any") -> Any:  # FileContext
        return True

    def check_syntax(self, node: Any, ctx: Any, evidence: Any) -> Iterable[Report]:  # syntax.SyntaxContext
        """``check`` on an ``ast`` node of one of ``syntax_types``: the same findings."""
        return ()

    def screen(self, node: Any, ctx: Any, evidence: Any) -> bool:  # syntax.SyntaxContext
        """May ``check`` report on this ``ast`` node's libcst twin? A cheap necessary
        condition: False is a promise that it reports nothing there. The engine then drops the
        evidence on the node's lines, unless another screened node holding them (an inner loop)
        passes; so a screened rule's ``check`` must report only on the twins of its
        ``screen_types`` nodes, from evidence inside them. ``tests/test_screens.py`` runs every
        example with and without the screen."""
        return True

    def check(self, node: cst.CSTNode, ctx: "Any", evidence: Any) -> Iterable[Report]:
        return ()

    # -- metadata -----------------------------------------------------------------------

    @classmethod
    def url(cls) -> str:
        return f"{DOCS_URL}#{cls.code.lower()}-{cls.name}"

    @classmethod
    def applies_to(cls, version: Version) -> bool:
        return _applies(cls.versions, version)

    @classmethod
    def applicable(cls, targets: Sequence[Version]) -> Tuple[Version, ...]:
        return tuple(v for v in targets if cls.applies_to(v))

    @classmethod
    def docs(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def doc_sections(cls) -> Dict[str, str]:
        """The docstring's ``## Section`` blocks, by title."""
        sections: Dict[str, str] = {}
        current = None
        lines: list = []
        for line in cls.docs().splitlines():
            heading = re.match(r"^##\s+(.*?)\s*$", line)
            if heading:
                if current is not None:
                    sections[current] = "\n".join(lines).strip()
                current, lines = heading.group(1), []
            elif current is not None:
                lines.append(line)
        if current is not None:
            sections[current] = "\n".join(lines).strip()
        return sections

    @classmethod
    def doc_code_block(cls, section: str) -> Optional[str]:
        text = cls.doc_sections().get(section, "")
        match = re.search(r"```python\n(.*?)```", text, re.S)
        return match.group(1) if match else None
