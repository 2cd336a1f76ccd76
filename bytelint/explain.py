"""``bytelint explain path/to/file.py:LINE``: the bytecode evidence behind each finding on a line.

For each finding it shows the loop the finding is about, the normalised instructions one
ordinary iteration of that loop runs (the ones inside the finding's span marked), what they
cost per iteration (dict lookups, attribute lookups, calls, ...), and the same for the code
after the fix. A finding without an automatic fix is compared with what the rule's documented
``Example`` and ``Use instead`` forms compile to, labelled as such.

This module builds text; the CLI prints it.
"""

from __future__ import annotations

import platform
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from . import bytecode
from .bytecode import Kind, Loop, ModuleBytecode
from .config import Config
from .engine import lint_source
from .results import Edit, Finding
from .source import SourceError, decode, split_lines

# What an instruction costs, in words a reader knows; instructions of other kinds are counted
# only in the total.
COST: Dict[Kind, str] = {
    Kind.NAME_LOAD: "dict lookup of a name",
    Kind.NAME_STORE: "dict store of a name",
    Kind.GLOBAL_LOAD: "global/builtin lookup",
    Kind.GLOBAL_STORE: "dict store of a global",
    Kind.FAST_LOAD: "fast local read",
    Kind.FAST_STORE: "fast local write",
    Kind.DEREF_LOAD: "closure cell read",
    Kind.DEREF_STORE: "closure cell write",
    Kind.ATTR_LOAD: "attribute lookup",
    Kind.METHOD_LOAD: "attribute lookup",
    Kind.SUPER_ATTR_LOAD: "attribute lookup",
    Kind.ATTR_STORE: "attribute store",
    Kind.SUBSCR_LOAD: "subscript",
    Kind.SUBSCR_STORE: "subscript store",
    Kind.CALL: "call",
    Kind.BINARY: "operator",
    Kind.INPLACE: "in-place operator",
    Kind.BUILD: "object built",
    Kind.IMPORT: "import",
    Kind.MAKE_FUNCTION: "function created",
}
COST_ORDER = list(dict.fromkeys(COST.values()))


class ExplainError(Exception):
    """The file cannot be read, decoded or compiled; phrased for the user."""


@dataclass
class LoopView:
    """One loop's ordinary iteration, ready to print."""

    title: str
    loop: Loop
    instrs: List[bytecode.Instr]

    def costs(self) -> Counter:
        return Counter(COST[i.kind] for i in self.instrs if i.kind in COST)


def _build(text: str, path: str, encoding: str = "utf-8") -> Optional[ModuleBytecode]:
    try:
        data = text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return None
    compiled = bytecode.compile_source(data, path)
    if compiled.code is None:
        return None
    return ModuleBytecode.build(compiled.code, split_lines(text))


def _loop_at(mb: ModuleBytecode, line: int, end_line: Optional[int] = None) -> Optional[Loop]:
    """The innermost loop whose lines contain ``line`` (a tie: the deepest)."""
    best: Optional[Loop] = None
    for unit in mb.units:
        for loop in unit.loops:
            first, last = loop.first_line, loop.last_line
            if first is None or not first <= line <= last:
                continue
            size = last - first
            if best is None or (size, -loop.depth) < (best.last_line - best.first_line, -best.depth):
                best = loop
    return best


def _first_loop(mb: ModuleBytecode) -> Optional[Loop]:
    loops = [loop for unit in mb.units for loop in unit.loops if loop.parent is None and loop.first_line]
    return min(loops, key=lambda lp: lp.first_line) if loops else None


def _where(loop: Loop) -> str:
    unit = loop.unit
    kind = unit.kind.value
    place = "module code" if kind == "module" else f"{kind} `{unit.qualname}`"
    return f"lines {loop.first_line}-{loop.last_line}, in {place}"


def _view(title: str, loop: Loop) -> LoopView:
    instrs = [i for i in loop.hot_instrs() if i.kind is not Kind.NOISE]
    return LoopView(title, loop, instrs)


def _operand(instr: bytecode.Instr) -> str:
    if instr.name is not None:
        return instr.name
    if instr.op is not None:
        return instr.op
    if instr.kind is Kind.CONST_LOAD:
        text = repr(instr.argval)
        return text if len(text) <= 24 else text[:21] + "..."
    if instr.kind is Kind.CALL and instr.argval is not None:
        return f"{instr.argval} arg{'s' if instr.argval != 1 else ''}"
    return ""


def _in_span(instr: bytecode.Instr, finding: Optional[Finding]) -> bool:
    if finding is None or instr.line is None:
        return False
    span = finding.span
    if not span.line <= instr.line <= span.end_line:
        return False
    exact = instr.span
    if exact is None:
        return True  # no columns (3.9/3.10): by line
    line, col, end_line, end_col = exact
    return (span.line, span.col) <= (line, col) and (end_line, end_col) <= (span.end_line, span.end_col)


def render_view(view: LoopView, finding: Optional[Finding] = None) -> List[str]:
    out = [f"  {view.title} ({_where(view.loop)}):"]
    rows = [("", "line", "kind", "name/op", "CPython opcode", "cost")]
    for instr in view.instrs:
        mark = ">" if _in_span(instr, finding) else ""
        rows.append((mark, str(instr.line or ""), instr.kind.value, _operand(instr), instr.opname, COST.get(instr.kind, "")))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    for row in rows:
        cells = [row[0].ljust(1), row[1].rjust(widths[1]), row[2].ljust(widths[2]), row[3].ljust(widths[3]), row[4].ljust(widths[4]), row[5]]
        out.append(("    " + "  ".join(cells)).rstrip())
    out.append(f"    per iteration: {summarise(view)}")
    return out


def summarise(view: LoopView) -> str:
    costs = view.costs()
    parts = [f"{name} x{costs[name]}" for name in COST_ORDER if costs[name]]
    parts.append(f"{len(view.instrs)} instructions in all")
    return ", ".join(parts)


def compare(before: LoopView, after: LoopView, labels: Tuple[str, str]) -> List[str]:
    b, a = before.costs(), after.costs()
    names = [name for name in COST_ORDER if b[name] or a[name]]
    rows = [("cost per iteration",) + labels]
    rows += [(name, str(b[name]), str(a[name])) for name in names]
    rows.append(("instructions in all", str(len(before.instrs)), str(len(after.instrs))))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return ["    " + "  ".join([r[0].ljust(widths[0]), r[1].rjust(widths[1]), r[2].rjust(widths[2])]).rstrip() for r in rows]


def _shift(line: int, edits: Sequence[Edit]) -> int:
    """Where original ``line`` is after applying ``edits`` (whole-line edits before it shift it)."""
    delta = 0
    for edit in edits:
        span = edit.span
        end_line = span.end_line if span.end_col > 0 else span.end_line - 1
        if end_line < line or (span.end_col == 0 and span.end_line == line and span.line < line):
            removed = span.end_line - span.line + (1 if span.end_col > 0 else 0)
            delta += len(split_lines(edit.text)) - removed
    return line + delta


def _after_fix(text: str, path: str, encoding: str, finding: Finding, loop: Loop) -> Optional[LoopView]:
    from .edits import apply_edits  # the fixer's edit application (bytelint/edits.py)

    assert finding.fix is not None
    try:
        fixed = apply_edits(text, finding.fix.edits)
    except ValueError:
        return None
    mb = _build(fixed, path, encoding)
    if mb is None:
        return None
    edits = finding.fix.edits
    after = _loop_at(mb, _shift(loop.first_line or finding.span.line, edits))
    if after is None:  # the loop itself was rewritten: the first loop in the replacement text
        for edit in edits:
            start = _shift(edit.span.line, [e for e in edits if e is not edit])
            end = start + max(0, len(split_lines(edit.text)) - 1)
            inside = [lp for u in mb.units for lp in u.loops if lp.first_line and start <= lp.first_line <= end]
            if inside:
                after = min(inside, key=lambda lp: (lp.first_line, lp.depth))
                break
    if after is None:
        return None
    safety = "safe" if finding.fix.safe else "unsafe"
    return _view(f"After the {safety} fix ({finding.fix.description})", after)


def _docs_example(rule_code: str) -> Tuple[Optional[LoopView], Optional[LoopView]]:
    from .registry import all_rules

    for rule in all_rules():
        if rule.code != rule_code:
            continue
        views = []
        for section in ("Example", "Use instead"):
            block = rule.doc_code_block(section)
            mb = _build(block, f"<{rule.code} docs: {section}>") if block else None
            loop = _first_loop(mb) if mb is not None else None
            views.append(_view(f"Docs {section}", loop) if loop is not None else None)
        return views[0], views[1]
    return None, None


def explain_line(path: str, line: int, config: Config) -> Tuple[List[str], bool]:
    """The explanation of every finding on ``line`` of ``path`` and whether there was any."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        source = decode(data)
        text = source.text
    except OSError as exc:
        raise ExplainError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except SourceError as exc:
        raise ExplainError(f"{path}: {exc}") from None
    total = len(source.lines)
    if not 1 <= line <= max(total, 1):
        raise ExplainError(f"{path}: no line {line}: the file has {total} line{'s' if total != 1 else ''}")
    result = lint_source(data, path, config)
    if result.error:
        raise ExplainError(f"{path}: {result.error}")
    findings = [f for f in result.findings if f.span.line <= line <= f.span.end_line]
    if not findings:
        others = sorted({f.span.line for f in result.findings})
        where = f"; findings are on line{'s' if len(others) != 1 else ''} {', '.join(map(str, others))}" if others else ""
        return [f"{path}:{line}: no finding on this line{where}."], False

    mb = _build(text, path, source.encoding)
    running = platform.python_version()
    out: List[str] = []
    for finding in findings:
        out.append(f"{path}:{finding.span.line}:{finding.span.col + 1}: {finding.code} {finding.name}")
        out.append(f"  {finding.message}")
        out.append("")
        loop = _loop_at(mb, finding.span.line) if mb is not None else None
        if loop is None:
            out += ["  (this finding is not about a loop: there is no per-iteration bytecode to show)", ""]
            continue
        before = _view("Your code", loop)
        out += [f"  Bytecode from CPython {running} (the interpreter running bytelint); '>' marks the finding's span.", ""]
        out += render_view(before, finding)
        out.append("")
        after: Optional[LoopView] = None
        if finding.fix is not None:
            after = _after_fix(text, path, source.encoding, finding, loop)
            if after is not None:
                out += render_view(after)
                out.append("")
        if after is None:
            example, instead = _docs_example(finding.code)
            if example is not None and instead is not None:
                why = (
                    "This finding has no automatic fix."
                    if finding.fix is None
                    else "The fixed loop could not be found in the compiled fix."
                )
                out.append(
                    f"  {why} For comparison, NOT your code: the rule's documented"
                    " `Example` and `Use instead` forms compile to:"
                )
                out.append("")
                out += render_view(instead)
                out.append("")
                out += compare(example, instead, ("docs Example", "docs Use instead"))
                out.append("")
                out.append("  Your loop against the documented fix:")
                out += compare(before, instead, ("your code", "docs Use instead"))
                out.append("")
                continue
            out += ["  (no fix, and the rule's docs have no loop to compare with)", ""]
            continue
        out += compare(before, after, ("your code", "after the fix"))
        out.append("")
    if result.findings and out and out[-1] == "":
        out.pop()
    return out, True
