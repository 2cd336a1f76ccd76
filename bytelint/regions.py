"""Which parts of a file the engine parses (``tree.py`` parses them).

A libcst tree costs about ten times a ``compile()``, so the engine parses only what the rules'
bytecode evidence points at. A file is cut into *regions* at its top-level ``def`` and
``class`` statements (their first lines come from the compiled code, decorators included);
inside a region, what no rule reads is left out: its lines are emptied, so positions stay the
file's.
"""

from __future__ import annotations

import bisect
from typing import Any, Dict, Iterable, List, Sequence, Set, Tuple

from .bytecode import ModuleBytecode, ScopeKind
from .tree import region_text


def cut_lines(bytecode: ModuleBytecode, lines: Sequence[str]) -> List[int]:
    """First lines of top-level ``def``/``class`` statements that start at column 0."""
    cuts = set()
    for unit in bytecode.units:
        if unit.parent is not bytecode.module or unit.kind not in (ScopeKind.FUNCTION, ScopeKind.CLASS):
            continue
        line = unit.first_line
        if 1 <= line <= len(lines) and lines[line - 1][:1] not in (" ", "\t", "\f", ""):
            cuts.add(line)
    return sorted(cuts)


def regions(total_lines: int, cuts: Sequence[int], wanted: Iterable[int]) -> List[Tuple[int, int]]:
    """The (first, last) line ranges, between cut points, that contain a wanted line; adjacent
    ranges are merged."""
    bounds = [1] + [c for c in cuts if c > 1] + [total_lines + 1]
    chosen: Set[int] = set()
    for line in wanted:
        index = bisect.bisect_right(bounds, line) - 1
        if 0 <= index < len(bounds) - 1:
            chosen.add(index)
    result: List[Tuple[int, int]] = []
    for index in sorted(chosen):
        start, end = bounds[index], bounds[index + 1] - 1
        if result and result[-1][1] + 1 == start:
            result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


# --- Methods without evidence are left out -----------------------------------------------------
#
# Most library code sits in classes, and a top-level class is one region however big it is.
# Inside a region, ``blank_members`` picks the methods of top-level classes that hold no wanted
# line, in classes that keep at least one method, and ``parse_region`` parses the region with
# their lines emptied (line endings kept: every position stays the file's). A method's lines
# run from its first line (decorators included) to the line before the next line holding code
# of its class, of the module, or of a later method: whatever follows it there has no code.
# If the emptied text does not parse (a method that was alone in an ``if`` block), the whole
# region is parsed instead.


def _code_lines(unit: Any) -> List[int]:
    return sorted(unit.code_lines())


def _last_line(unit: Any) -> int:
    last = unit.first_line
    stack = [unit]
    while stack:
        current = stack.pop()
        stack.extend(current.children)
        last = max(last, max(current.code_lines(), default=last))
    return last


def blank_members(
    bytecode: ModuleBytecode, spans: Sequence[Tuple[int, int]], wanted: Iterable[int], source: Sequence[str] = ()
) -> Dict[Tuple[int, int], List[Tuple[int, int]]]:
    """For each region, the (first, last) line ranges of methods to leave out. With the
    file's lines (*source*), a method indented deeper than its class's others (one defined in an
    ``if`` of the class body, which may be the block's only statement) stays."""
    wanted = sorted(set(wanted))
    module_lines = _code_lines(bytecode.module)
    result: Dict[Tuple[int, int], List[Tuple[int, int]]] = {}
    for first, last in spans:
        for cls in bytecode.module.children:
            if cls.kind is not ScopeKind.CLASS or not first <= cls.first_line <= last:
                continue
            class_lines = _code_lines(cls)
            starts = sorted(child.first_line for child in cls.children)
            indents = {id(m): _indent(source, m.first_line) for m in cls.children if m.kind is ScopeKind.FUNCTION}
            outermost = min(indents.values(), default=0)
            keep, drop = False, []
            for method in cls.children:
                if method.kind is not ScopeKind.FUNCTION:
                    continue
                if indents[id(method)] > outermost:
                    keep = True  # nested in a block of the class body: left in
                    continue
                end = _last_line(method)
                bounds = [last + 1]
                bounds += [line for line in starts if line > end][:1]
                for code_lines in (class_lines, module_lines):
                    index = bisect.bisect_right(code_lines, end)
                    if index < len(code_lines):
                        bounds.append(code_lines[index])
                extent = (method.first_line, min(bounds) - 1)
                if _holds(wanted, extent):
                    keep = True
                else:
                    drop.append(extent)
            if keep and drop:
                result.setdefault((first, last), []).extend(drop)
    return result


def _indent(lines: Sequence[str], line: int) -> int:
    if not 1 <= line <= len(lines):
        return 0
    text = lines[line - 1]
    return len(text) - len(text.lstrip(" \t\f"))


_SCOPE_NODES = ("FunctionDef", "AsyncFunctionDef", "ClassDef")
_LOOP_NODES = ("For", "AsyncFor", "While")


def blank_statements(
    lines: Sequence[str],
    first: int,
    last: int,
    keep: Iterable[int],
    read_whole: Iterable[int] = (),
    blanks: Sequence[Tuple[int, int]] = (),
    parsed: Any = None,
) -> List[Tuple[int, int]]:
    """The (first, last) line ranges of statements to leave out of the region's tree.

    *keep*: lines of rules whose checks read only the node they are given, its ancestors and
    the bytecode (``Rule.statement_local``); *read_whole*: lines of the other rules, which may
    read any statement of the scope (function, class or module) holding the line. Left out:
    every statement, in the blocks of scopes that no such rule reads, that holds none of these
    lines (decorators and all; never inside a loop, which a check may read whole; a block keeps
    its first statement, as none may be empty, and its `global`, `nonlocal` and value-less
    annotated statements, which compile to nothing). The statements are found with ``ast``, a tenth
    of libcst's cost, in the region's text with *blanks* (methods already left out) emptied.
    Returns every range to leave out: *blanks* and these, or these alone where *blanks* leave
    text that does not parse (a method alone in an ``if``), or [] where the region does not
    parse alone. *parsed*: the region's tree already parsed, with the ranges left out of its
    text; used when those lie within *blanks* (its other statements are the same)."""
    try:
        if parsed is not None and all(_within(span, blanks) for span in parsed[1]):
            module = parsed[0]
        else:
            module = quiet_parse(region_text(lines, first, last, blanks))
        base = list(blanks)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        try:
            module = quiet_parse(region_text(lines, first, last)) if blanks else None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            module = None
        if module is None:
            return []
        base = []
    offset = first - 1
    shared = sorted(set(read_whole))
    wanted = sorted(set(keep) | set(shared))

    def extent(statement) -> Tuple[int, int]:
        start = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", ())])
        return start + offset, (statement.end_lineno or statement.lineno) + offset

    # the scopes that rules read whole: the innermost function or class holding a shared line
    # (scopes nest or are disjoint: of those starting before a line, the last that reaches it)
    scopes: List[Tuple[int, int, Any]] = []
    work = [module.body] if shared else []
    while work:
        for statement in work.pop():
            if type(statement).__name__ in _SCOPE_NODES:
                scopes.append((*extent(statement), statement))
            work.extend(_blocks(statement))
    scopes.sort(key=lambda item: item[0])
    starts = [start for start, _end, _node in scopes]
    whole: Set[int] = set()
    for line in shared:
        index = bisect.bisect_right(starts, line) - 1
        while index >= 0 and scopes[index][1] < line:
            index -= 1
        if index < 0:
            return base  # the module's own scope: it may read any statement
        whole.add(id(scopes[index][2]))

    dropped: List[Tuple[int, int]] = []

    def block(statements) -> None:
        spans = [extent(s) for s in statements]
        holding = [_holds(wanted, span) or _declares(s) for s, span in zip(statements, spans)]
        if not any(holding):
            holding[0] = True  # no block may be empty: its first statement stays
        kept = {line for span, held in zip(spans, holding) if held for line in span}
        for statement, span, held in zip(statements, spans, holding):
            if not held:
                if span[0] not in kept and span[1] not in kept:  # `a = 1; b = 2`: one line
                    dropped.append(span)
                continue
            name = type(statement).__name__
            if name in _LOOP_NODES or (name in _SCOPE_NODES and id(statement) in whole):
                continue
            for inner in _blocks(statement):
                block(inner)

    block(module.body)
    return base + dropped


def quiet_parse(text: str) -> Any:
    """``ast.parse`` without printing the file's own warnings (`"\\d"`: an invalid escape
    sequence on 3.12+): ``compile()`` already read them, and they are not bytelint's to show."""
    import ast
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def _within(span: Tuple[int, int], ranges: Sequence[Tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in ranges)


def _declares(statement: Any) -> bool:
    """A statement the bytecode does not show but checks read: `global x`, `nonlocal x`, an
    annotation without a value (`x: int` makes `x` a local of the function)."""
    name = type(statement).__name__
    return name in ("Global", "Nonlocal") or (name == "AnnAssign" and statement.value is None)


def _holds(lines: List[int], span: Tuple[int, int]) -> bool:
    """Does the sorted list *lines* hold a line of the (first, last) range *span*?"""
    index = bisect.bisect_left(lines, span[0])
    return index < len(lines) and lines[index] <= span[1]


def _blocks(statement: Any) -> List[list]:
    """The statement lists of a compound statement (a function's or class's body too)."""
    found = [getattr(statement, field, None) for field in ("body", "orelse", "finalbody")]
    found += [handler.body for handler in getattr(statement, "handlers", ())]
    found += [case.body for case in getattr(statement, "cases", ())]
    return [b for b in found if isinstance(b, list) and b]


def leave_out_statements(spans, blanks, dispatch, lines, parsed=None) -> None:
    """Leave out of each region the statements no rule reads (``blank_statements``, which also
    checks the methods ``blank_members`` leaves out): *blanks* gets the ranges of each region.
    *dispatch*: the engine's node type -> [(rule, evidence, lines)]; *parsed*: ``ast`` trees
    of regions already parsed (syntax.run), by (first, last)."""
    local: set = set()
    shared: set = set()
    seen: set = set()
    for entries in dispatch.values():
        for rule, evidence, wanted in entries:
            if id(rule) in seen:
                continue
            seen.add(id(rule))
            if rule.statement_local:
                local.update(wanted or ())
                if hasattr(evidence, "context_lines"):
                    local.update(evidence.context_lines())
                    shared.update(evidence.scope_lines())
            else:
                shared.update(wanted or ())
    if not local:
        return  # the scopes holding evidence are read whole: what is left to gain is small
    for first, last in spans:
        keep = [n for n in local if first <= n <= last]
        if last - first < SMALL_REGION or not keep:
            continue  # too small to gain what reading its statements costs
        dropped = blank_statements(
            lines, first, last, keep, [n for n in shared if first <= n <= last], blanks.get((first, last), ()),
            (parsed or {}).get((first, last)),
        )
        if dropped:
            blanks[(first, last)] = dropped
        else:
            blanks.pop((first, last), None)


SMALL_REGION = 40
