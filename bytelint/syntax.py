"""Findings from ``ast`` trees, for rules that need libcst only for their fixes.

A libcst tree costs about ten times an ``ast`` one. A rule whose check reads only where nodes
are, and how scopes and loops nest around them (global-lookup-in-loop: which loop, how deep,
in which function), can say so with ``Rule.syntax_types`` and ``Rule.check_syntax``: when the
run prints no fix text (``Config.fix_edits`` off: text output), the engine parses the regions
holding its evidence with ``ast`` and calls ``check_syntax`` there; ``check``, on libcst, still
serves ``bytelint fix``, the editor and the formats that carry edits. Both must report the same
findings (``tests/test_syntax.py`` runs every example, and standard library modules, both ways).

``SyntaxContext`` mirrors the engine's ``NodeContext``: the scopes (module, class, function,
lambda, comprehension) and the loops around the node, and spans as libcst positions give them
(columns in characters, not bytes; an expression's own parentheses left out).
"""

from __future__ import annotations

import ast
import bisect
import io
import tokenize
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from . import regions
from .bytecode import RUNNING_VERSION
from .results import Span
from .tree import region_text

SCOPE_KINDS = {
    ast.ClassDef: "class",
    ast.FunctionDef: "function",
    ast.AsyncFunctionDef: "function",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
}
LOOP_TYPES = (ast.For, ast.AsyncFor, ast.While)
_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
BROKEN_FSTRINGS = RUNNING_VERSION < (3, 10)  # the running interpreter's ast module


class SyntaxContext:
    """Where an ``ast`` node sits: updated during the walk, read by ``check_syntax``."""

    def __init__(self, file: Any, line_offset: int = 0) -> None:
        self.file = file
        self._lines = file.source.lines
        self._offset = line_offset
        self.ancestors: List[ast.AST] = []
        self.scopes: List[Tuple[ast.AST, str, List[ast.AST]]] = []

    @property
    def loops(self) -> Tuple[ast.AST, ...]:
        return tuple(self.scopes[-1][2])

    def _col(self, line: int, offset: int) -> int:
        """A UTF-8 byte offset in a line of the file as a column in characters."""
        text = self._lines[line - 1] if 1 <= line <= len(self._lines) else ""
        if text.isascii():
            return offset
        return len(text.encode("utf-8")[:offset].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> Span:
        offset = self._offset
        line, end_line = node.lineno + offset, node.end_lineno + offset
        span = Span(line, self._col(line, node.col_offset), end_line, self._col(end_line, node.end_col_offset))
        if isinstance(node, ast.GeneratorExp) or (isinstance(node, ast.Tuple) and self._enclosed(span)):
            span = self._inside_parens(span)  # ast counts one pair of parentheses in, libcst none
        return span

    def _enclosed(self, span: Span) -> bool:
        """Is the text of ``span`` one pair of parentheses and what they hold (`(a, b)`, not
        `(a, b), (c, d)`)?"""
        if self._char(span.line, span.col) != "(":
            return False
        chunk = list(self._lines[span.line - 1 : span.end_line])
        if not chunk:
            return False
        chunk[-1] = chunk[-1][: span.end_col] if len(chunk) > 1 else chunk[-1][span.col : span.end_col]
        if len(chunk) > 1:
            chunk[0] = chunk[0][span.col :]
        depth = 0
        try:
            for token in tokenize.generate_tokens(io.StringIO("".join(chunk)).readline):
                if token.type == tokenize.OP and token.string in "([{":
                    depth += 1
                elif token.type == tokenize.OP and token.string in ")]}":
                    depth -= 1
                    if depth == 0:
                        return token.end == (len(chunk), len(chunk[-1]))
        except (tokenize.TokenError, SyntaxError):
            return False
        return False

    def _char(self, line: int, col: int) -> str:
        text = self._lines[line - 1] if 1 <= line <= len(self._lines) else ""
        return text[col : col + 1]

    def _inside_parens(self, span: Span) -> Span:
        """``span`` without its outer parentheses and the blanks and comments inside them."""
        if self._char(span.line, span.col) != "(" or self._char(span.end_line, span.end_col - 1) != ")":
            return span
        line, col = _skip_forward(self._lines, span.line, span.col + 1)
        end_line, end_col = _skip_backward(self._lines, span.end_line, span.end_col - 1)
        return Span(line, col, end_line, end_col)

    def scope_lines(self, scope: ast.AST) -> Tuple[int, int]:
        """First and last line of a scope node, decorators included (as ``co_firstlineno``)."""
        first = min([scope.lineno] + [d.lineno for d in getattr(scope, "decorator_list", ())])
        return first + self._offset, scope.end_lineno + self._offset


def _skip_forward(lines: Sequence[str], line: int, col: int) -> Tuple[int, int]:
    """The first position from (line, col) on that is not blank, a comment or a line break."""
    while 1 <= line <= len(lines):
        text = lines[line - 1].rstrip("\r\n")
        while col < len(text) and text[col] in " \t\f\\":
            col += 1
        if col < len(text) and text[col] != "#":
            return line, col
        line, col = line + 1, 0
    return line, col


def _skip_backward(lines: Sequence[str], line: int, col: int) -> Tuple[int, int]:
    """The end (exclusive) of the last code before (line, col): blanks, comments and line
    breaks skipped backwards."""
    while line >= 1:
        text = lines[line - 1].rstrip("\r\n")
        code = _without_comment(text[:col])
        stripped = code.rstrip(" \t\f\\")
        if stripped:
            return line, len(stripped)
        line -= 1
        col = len(lines[line - 1].rstrip("\r\n")) if line >= 1 else 0
    return 1, 0


def _without_comment(text: str) -> str:
    """``text`` up to a ``#`` that starts a comment (not one inside a string literal)."""
    quote = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif text.startswith(quote, index):
                index += len(quote) - 1
                quote = None
        elif char in "'\"":
            quote = text[index : index + 3] if text[index : index + 3] in ('"""', "'''") else char
            index += len(quote) - 1
        elif char == "#":
            return text[:index]
        index += 1
    return text


def run(file: Any, reporting: Sequence[Tuple[Any, Any]], screening: Sequence[Tuple[Any, Any]] = ()) -> Tuple[Optional[List[Tuple[Any, Any, Span]]], Dict[int, Set[int]]]:
    """One pass over the ``ast`` of the regions holding the evidence of these rules.

    *reporting*: (rule, evidence) pairs whose ``check_syntax`` reports; their findings come back
    as (rule, report, span), or None where ``ast`` positions are wrong (on 3.9, inside an
    f-string that spans lines): their libcst checks must report then, and nothing is screened.

    *screening*: (rule, evidence) pairs whose ``screen`` rules nodes out (``Rule.screen``);
    for each such rule (by ``id``) the evidence lines to keep: those outside every node of its
    ``screen_types``, and those inside a node it did not rule out."""
    lines = file.source.lines
    total = len(lines)
    wanted: Set[int] = set()
    for _rule, evidence in (*reporting, *screening):
        wanted.update(evidence.lines())
    spans = regions.regions(total, regions.cut_lines(file.bytecode, lines), wanted)
    blanks = regions.blank_members(file.bytecode, spans, wanted, lines)  # methods without evidence
    walk = _Walk(file, reporting, screening, sorted(wanted))
    try:
        modules = [(regions.quiet_parse(region_text(lines, first, last, blanks.get((first, last), ()))), first - 1) for first, last in spans]
    except _PARSE_ERRORS:  # a region that does not parse alone: the whole file
        modules = [(regions.quiet_parse("".join(lines)), 0)]
    else:  # regions.blank_statements may read them again
        for (first, last), (module, _offset) in zip(spans, modules):
            file.ast_regions[(first, last)] = (module, tuple(blanks.get((first, last), ())))
    for module, offset in modules:
        walk.run(module, offset)
    return (walk.found if walk.placeable else None), walk.kept()


class Unplaceable(Exception):
    """Raised by a ``check_syntax`` that cannot place what it reports from this tree (on 3.9,
    a node inside an f-string that spans lines): the file's ast-reporting rules report from
    libcst instead, and nothing is screened."""


class _Walk:
    """The walk of ``run``: scopes and loops kept in a ``SyntaxContext``, each node of a
    rule's types handed to it when it holds that rule's evidence."""

    def __init__(self, file: Any, reporting, screening, wanted: List[int]) -> None:
        self.file = file
        self.wanted = wanted
        self.found: List[Tuple[Any, Any, Span]] = []
        self.placeable = True
        self.strict = False
        self.reports: Dict[type, list] = {}
        self.screens: Dict[type, list] = {}
        for table, entries, types in ((self.reports, reporting, "syntax_types"), (self.screens, screening, "screen_types")):
            for rule, evidence in entries:
                held = sorted(evidence.lines())
                for node_type in getattr(rule, types):
                    table.setdefault(node_type, []).append((rule, evidence, held))
        self.all_lines = {id(rule): set(evidence.lines()) for rule, evidence in screening}
        self.seen: Dict[int, Set[int]] = {id(rule): set() for rule, _ in screening}
        self.passed: Dict[int, Set[int]] = {id(rule): set() for rule, _ in screening}

    def kept(self) -> Dict[int, Set[int]]:
        if not self.placeable:
            return dict(self.all_lines)
        return {key: (lines - self.seen[key]) | self.passed[key] for key, lines in self.all_lines.items()}

    def _unplaceable(self, found: list, reports: dict, screens: dict) -> None:
        """From here on the ast-reporting rules leave the file to libcst, and nothing is
        screened."""
        self.placeable = self.strict = False
        found.clear()
        reports.clear()
        screens.clear()

    def run(self, module: ast.Module, offset: int) -> None:
        ctx = SyntaxContext(self.file, offset)
        ctx.scopes.append((module, "module", []))
        local = [line - offset for line in self.wanted]
        self.strict = BROKEN_FSTRINGS and bool(self.reports or self.screens)
        reports, screens, found = self.reports, self.screens, self.found

        def enter(node: ast.AST) -> bool:
            first = getattr(node, "lineno", None)
            if first is not None:
                last = node.end_lineno or first
                if not regions._holds(local, (first, last)):
                    return False
                if self.strict and isinstance(node, ast.JoinedStr) and last != first:
                    self._unplaceable(found, reports, screens)  # 3.9 misplaces what it holds
                first, last = first + offset, last + offset
            for rule, evidence, lines in reports.get(type(node), ()):
                if first is not None and not regions._holds(lines, (first, last)):
                    continue
                try:
                    found.extend((rule, item, item.span or ctx.span(node)) for item in rule.check_syntax(node, ctx, evidence))
                except Unplaceable:
                    self._unplaceable(found, reports, screens)
                    break
            for rule, evidence, lines in screens.get(type(node), ()):
                if first is None:
                    continue
                held = lines[bisect.bisect_left(lines, first) : bisect.bisect_right(lines, last)]
                if held:
                    self.seen[id(rule)].update(held)
                    if rule.screen(node, ctx, evidence):
                        self.passed[id(rule)].update(held)
            kind = SCOPE_KINDS.get(type(node))
            if kind is not None:
                ctx.scopes.append((node, kind, []))
            elif isinstance(node, LOOP_TYPES):
                ctx.scopes[-1][2].append(node)
            ctx.ancestors.append(node)
            return True

        def leave(node: ast.AST) -> None:
            ctx.ancestors.pop()
            if type(node) in SCOPE_KINDS:
                ctx.scopes.pop()
            elif isinstance(node, LOOP_TYPES):
                ctx.scopes[-1][2].pop()

        # an explicit stack, not recursion: deeply nested code must not exhaust Python's stack
        work: List[Tuple[bool, ast.AST]] = [(False, statement) for statement in reversed(module.body)]
        while work:
            leaving, node = work.pop()
            if leaving:
                leave(node)
            elif enter(node):
                work.append((True, node))
                work.extend((False, child) for child in reversed(list(ast.iter_child_nodes(node))))


# --- the engine's helpers, for ast nodes -----------------------------------------------------


def function_scope(ctx: SyntaxContext) -> Tuple[ast.AST, str]:
    """The innermost module, class, function or lambda (see ``evidence.function_scope``)."""
    for node, kind, _loops in reversed(ctx.scopes):
        if kind != "comprehension":
            return node, kind
    node, kind, _ = ctx.scopes[0]
    return node, kind


def loop_depth(ctx: SyntaxContext) -> int:
    """As ``evidence.loop_depth``: loops and comprehension clauses around the node, up to the
    nearest function, class or module."""
    depth = 0
    for node, kind, loops in reversed(ctx.scopes):
        depth += len(loops)
        if kind != "comprehension":
            break
        depth += len(node.generators)
    return depth


def header_span(ctx: SyntaxContext, node: ast.AST) -> Span:
    """As ``evidence.header_span``: from ``for``/``while`` to the end of the iterable or test."""
    full = ctx.span(node)
    if isinstance(node, (ast.For, ast.AsyncFor)):
        end = ctx.span(node.iter)
    elif isinstance(node, ast.While):
        end = ctx.span(node.test)
    else:
        return full
    return Span(full.line, full.col, end.end_line, end.end_col)


def site_in_scope(site: Any, ctx: SyntaxContext) -> bool:
    """As ``evidence.site_in_scope``: does the site's code unit belong to the node's function?"""
    from .bytecode import ScopeKind

    scope, kind = function_scope(ctx)
    unit = site.owner
    if kind == "module":
        return unit.kind == ScopeKind.MODULE
    first, last = ctx.scope_lines(scope)
    if not first <= unit.first_line <= last:
        return False
    if kind == "lambda":
        return unit.kind == ScopeKind.LAMBDA
    expected = ScopeKind.CLASS if kind == "class" else ScopeKind.FUNCTION
    return unit.kind == expected and unit.name == scope.name

