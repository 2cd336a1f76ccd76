"""The pure core: ``lint_source(source_bytes, path, config) -> FileResult``.

Pipeline per file, cheapest first:
1. decode the bytes (BOM, coding cookie) and compile them (never run them);
2. ask every enabled rule for bytecode evidence; a file where no rule has any is done here,
   without a libcst tree (most clean files stop at this step);
3. parse once with libcst, resolve positions, walk once, dispatching each node to the rules
   registered for its type, with the scope and loop context kept by the engine (a rule that
   can report from ``ast`` trees does so when no fix text is printed: syntax.py);
4. drop suppressed findings, sort, return plain data.

``lint_source`` never raises: an unexpected exception becomes the file's error result.
"""

from __future__ import annotations

import bisect
import gc
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Sequence, Tuple, Type

import libcst as cst

from . import bytecode, codegen, regions, suppression, tree, uncompiled
from .config import Config, enabled_codes, ignored_for_path
from .registry import all_rules
from .edits import edits_between
from .results import FileResult, Finding, Fix, Span
from .rule import Report, Rule
from .source import SourceError, SourceText, decode
from .versions import Version

tree.install_fast_visits()  # rules' read-only libcst visitors: same calls, no tree copies

SCOPE_KINDS: Dict[Type[cst.CSTNode], str] = {
    cst.ClassDef: "class",
    cst.FunctionDef: "function",
    cst.Lambda: "lambda",
    cst.ListComp: "comprehension",
    cst.SetComp: "comprehension",
    cst.DictComp: "comprehension",
    cst.GeneratorExp: "comprehension",
}
LOOP_TYPES = (cst.For, cst.While)


@dataclass
class FileContext:
    """What rules know about the file being linted."""

    path: str
    source: SourceText
    code: Any  # types.CodeType
    config: Config
    _bytecode: Optional[bytecode.ModuleBytecode] = field(default=None, repr=False)
    _memo: Dict[Tuple[str, int], Tuple[Any, Any]] = field(default_factory=dict, repr=False)
    # ``ast`` trees syntax.run parsed, by region: (module, the ranges left out of its text)
    ast_regions: Dict[Tuple[int, int], Tuple[Any, Tuple[Tuple[int, int], ...]]] = field(default_factory=dict, repr=False)

    @property
    def bytecode(self) -> bytecode.ModuleBytecode:
        if self._bytecode is None:
            self._bytecode = bytecode.ModuleBytecode.build(self.code, self.source.lines)
        return self._bytecode

    def targets_for(self, rule: Rule) -> Tuple[Version, ...]:
        return rule.applicable(self.config.target_versions)

    def memo(self, tag: str, node: Any, compute: Any) -> Any:
        """``compute()``, once per ``tag`` and node for this file (e.g. the names a function
        deletes, asked for by every finding in it). The node is kept with the value, so its id
        cannot be reused by another node while the entry lives."""
        key = (tag, id(node))
        entry = self._memo.get(key)
        if entry is None or entry[0] is not node:
            entry = (node, compute())
            self._memo[key] = entry
        return entry[1]


class NodeContext:
    """The engine's view of where a node sits. One object, updated during the walk: rules read
    it inside ``check`` and never keep it. The tree may be a region of the file (see regions.py):
    ``span`` gives file positions all the same."""

    def __init__(self, file: FileContext, positions: Any, line_offset: int = 0) -> None:
        self.file = file
        self._positions = positions
        self._offset = line_offset
        self.ancestors: List[cst.CSTNode] = []
        # (scope node, scope kind, loops inside that scope so far)
        self.scopes: List[Tuple[cst.CSTNode, str, List[cst.CSTNode]]] = []

    def span(self, node: cst.CSTNode) -> Span:
        line, col, end_line, end_col = self._positions[id(node)]
        offset = self._offset
        return Span(line + offset, col, end_line + offset, end_col)

    @property
    def scope(self) -> cst.CSTNode:
        return self.scopes[-1][0]

    @property
    def scope_kind(self) -> str:
        return self.scopes[-1][1]

    @property
    def loops(self) -> Tuple[cst.CSTNode, ...]:
        """Enclosing ``for``/``while`` statements inside the current scope, outermost first."""
        return tuple(self.scopes[-1][2])

    @property
    def parent(self) -> Optional[cst.CSTNode]:
        return self.ancestors[-1] if self.ancestors else None


def _touches(lines: Sequence[int], first: int, last: int) -> bool:
    """Does the sorted ``lines`` hold a line in ``first``..``last``?"""
    index = bisect.bisect_left(lines, first)
    return index < len(lines) and lines[index] <= last


class _Walker:
    """Calls the rules' ``check`` on the nodes of their types. With ``wanted`` (the sorted
    region lines that some rule's evidence points at), a subtree that holds none of them is not
    entered, and a rule is only asked about nodes that hold a line of its own evidence: a rule
    finds nothing where its bytecode half found nothing."""

    def __init__(
        self,
        ctx: NodeContext,
        dispatch: Dict[type, List[Tuple[Rule, Any, Optional[List[int]]]]],
        positions: Any = None,
        wanted: Optional[List[int]] = None,
    ) -> None:
        self.ctx = ctx
        self.dispatch = dispatch
        self.positions = positions
        self.wanted = wanted
        self.reports: List[Tuple[Rule, Report, Span]] = []
        self.paths: Dict[int, Tuple[cst.CSTNode, ...]] = {}  # id(report) -> module..node, for fixes

    def enter(self, node: cst.CSTNode) -> bool:
        ctx = self.ctx
        wanted = self.wanted
        first = last = 0
        if wanted is not None:
            position = self.positions.get(id(node))
            if position is not None:
                first, last = position[0], position[2]
                if not _touches(wanted, first, last):
                    return False
        handlers = self.dispatch.get(type(node))
        if handlers:
            for rule, evidence, lines in handlers:
                if lines is not None and last and not _touches(lines, first, last):
                    continue
                for report in rule.check(node, ctx, evidence):
                    self.reports.append((rule, report, report.span or ctx.span(report.node)))
                    if report.fix is not None:
                        self.paths[id(report)] = (*ctx.ancestors, node)
        kind = SCOPE_KINDS.get(type(node))
        if kind is not None:
            ctx.scopes.append((node, kind, []))
        elif isinstance(node, LOOP_TYPES):
            ctx.scopes[-1][2].append(node)
        ctx.ancestors.append(node)
        return True

    def leave(self, node: cst.CSTNode) -> None:
        ctx = self.ctx
        ctx.ancestors.pop()
        if type(node) in SCOPE_KINDS:
            ctx.scopes.pop()
        elif isinstance(node, LOOP_TYPES):
            ctx.scopes[-1][2].pop()


def select_rules(config: Config, rules: Optional[Sequence[Rule]] = None) -> List[Rule]:
    """The rules this configuration runs that apply to at least one target version (worked
    out once per configuration: a run asks for every file)."""
    if rules is None:
        known = _SELECTED.get(id(config))
        if known is not None and known[0] is config:
            return known[1]
    chosen = list(rules) if rules is not None else all_rules()
    codes = [r.code for r in chosen]
    preview = [r.code for r in chosen if r.preview]
    enabled = enabled_codes(config, codes, preview, [r.code for r in chosen if r.opt_in])
    chosen = [r for r in chosen if r.code in enabled and r.applicable(config.target_versions)]
    if rules is None:
        if len(_SELECTED) > 16:
            _SELECTED.clear()
        _SELECTED[id(config)] = (config, chosen)  # the config is kept: its id stays its own
    return chosen


_SELECTED: Dict[int, Tuple[Config, List[Rule]]] = {}


def lint_source(
    source: bytes, path: str, config: Config, rules: Optional[Sequence[Rule]] = None
) -> FileResult:
    try:
        selected = select_rules(config, rules)
        ignored = ignored_for_path(config, path)
        if ignored:
            selected = [r for r in selected if not any(r.code.startswith(c) or c == "ALL" for c in ignored)]
        return _lint(source, path, config, selected)
    except RecursionError:
        return FileResult(path, error="too deeply nested to analyse (recursion limit)")
    except MemoryError:
        return FileResult(path, error="out of memory while analysing this file")
    except Exception as exc:  # the per-file boundary: one file never stops the run
        return FileResult(path, error=f"internal error: {type(exc).__name__}: {_one_line(exc)}")


def _lint(source: bytes, path: str, config: Config, rules: Sequence[Rule]) -> FileResult:
    try:
        text = decode(source)
    except SourceError as exc:
        return FileResult(path, error=str(exc))
    suppressions = suppression.parse(text.text)
    if suppressions.file == suppression.ALL or not rules:
        return FileResult(path)

    compiled = bytecode.compile_source(source, path)
    if compiled.code is None:
        return uncompiled.without_bytecode(path, text, compiled)

    file = FileContext(path=path, source=text, code=compiled.code, config=config)
    dispatch: Dict[type, List[Tuple[Rule, Any, Optional[List[int]]]]] = {}
    from_ast: List[Tuple[Rule, Any]] = []  # rules reporting from ast trees (syntax.py)
    screened: List[Tuple[Rule, Any]] = []  # rules ruling candidates out on ast trees first
    for rule in rules:
        if suppressions.file and suppression._covers(suppressions.file, rule.code):
            continue
        if rule.requires_names and rule.requires_names.isdisjoint(file.bytecode.names):
            continue
        evidence = rule.evidence(file)
        if not evidence:
            continue
        if hasattr(evidence, "lines"):
            if rule.syntax_types and not config.fix_edits:
                from_ast.append((rule, evidence))
                continue
            if rule.screen_types and hasattr(evidence, "narrowed"):
                screened.append((rule, evidence))
                continue
        _dispatch(dispatch, rule, evidence)
    ast_reports: List[Tuple[Rule, Report, Span, Optional[Fix]]] = []
    if from_ast or screened:
        from . import syntax

        try:
            found, kept = syntax.run(file, from_ast, screened)
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # ast cannot read it: libcst alone
            found, kept = None, {}
        if found is None:  # their libcst checks, then
            screened += from_ast
        else:
            ast_reports = [(rule, report, span, _fix_offered(report)) for rule, report, span in found]
        for rule, evidence in screened:
            if id(rule) in kept:
                evidence = evidence.narrowed(kept[id(rule)])
            if evidence:
                _dispatch(dispatch, rule, evidence)
    if not dispatch:
        return _findings(path, ast_reports, suppressions)

    whole = False
    prune = True  # every rule says which lines its evidence points at
    wanted: set = set()
    for entries in dispatch.values():
        for rule, evidence, lines in entries:
            if lines is None:
                whole, prune = True, False
            else:
                wanted.update(lines)
                if rule.needs_module:
                    whole = True
    sorted_wanted = sorted(wanted)
    total = len(text.lines)
    if whole:
        spans = [(1, total)]
    else:
        spans = regions.regions(total, regions.cut_lines(file.bytecode, text.lines), wanted)
    # methods of a region's classes that hold no evidence are left out of its tree (regions.py)
    blanks = {} if whole else regions.blank_members(file.bytecode, spans, wanted, text.lines)
    if not whole:
        regions.leave_out_statements(spans, blanks, dispatch, text.lines, file.ast_regions)

    enabled_gc = gc.isenabled()
    gc.disable()  # parsing allocates millions of small objects: collections only slow it down
    reports: List[Tuple[Rule, Report, Span, Optional[Fix]]] = []
    try:
        for first, last in spans:
            try:
                module, region_text = tree.parse_region(text.lines, first, last, blanks.get((first, last), ()))
            except cst.ParserSyntaxError as exc:
                if (first, last) != (1, total):
                    spans.append((1, total))  # a region that does not parse alone: take the file
                    reports.clear()
                    continue
                notice = f"source checks skipped: libcst cannot parse this file ({_one_line(exc)})"
                return replace(_findings(path, ast_reports, suppressions), notices=(notice,))
            positions = codegen.positions(module)
            ctx = NodeContext(file, positions, line_offset=first - 1)
            ctx.scopes.append((module, "module", []))
            offset = first - 1
            region_dispatch = {
                node_type: [(r, e, [n - offset for n in lines] if lines is not None else None) for r, e, lines in entries]
                for node_type, entries in dispatch.items()
            }
            walker = _Walker(ctx, region_dispatch, positions, [n - offset for n in sorted_wanted] if prune else None)
            tree.walk(module, walker.enter, walker.leave)
            for rule, report, span in walker.reports:
                if config.fix_edits:
                    fix = _fix_of(report, module, region_text, first, positions, walker.paths.get(id(report)))
                else:
                    fix = _fix_offered(report)
                reports.append((rule, report, span, fix))
            if (first, last) == (1, total):
                break
    finally:
        if enabled_gc:
            gc.enable()

    return _findings(path, ast_reports + reports, suppressions)


def _dispatch(dispatch: Dict[type, list], rule: Rule, evidence: Any) -> None:
    lines_of = getattr(evidence, "lines", None)
    lines = sorted(set(lines_of())) if lines_of is not None else None
    for node_type in rule.node_types:
        dispatch.setdefault(node_type, []).append((rule, evidence, lines))


def _findings(path: str, reports, suppressions) -> FileResult:
    """The file's result: its reports, without the suppressed ones, sorted."""
    findings = {}
    for rule, report, span, fix in reports:
        if suppressions.suppresses(rule.code, span.line):
            continue
        finding = Finding(
            code=rule.code,
            name=rule.name,
            message=report.message,
            path=path,
            span=span,
            url=rule.url(),
            fix=fix,
            evidence=report.evidence,
        )
        findings.setdefault((rule.code, span), finding)
    ordered = tuple(sorted(findings.values(), key=Finding.sort_key))
    return FileResult(path, findings=ordered)


class _Replace(cst.CSTTransformer):
    def __init__(self, replacements: Dict[int, Any]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        return self.replacements.get(id(original_node), updated_node)


def _fix_offered(report: Report) -> Optional[Fix]:
    """The report's fix without its text edits (``Config.fix_edits`` off)."""
    spec = report.fix
    if spec is None or not spec.offered:
        return None
    return Fix(edits=(), safe=spec.safe, description=spec.description, priority=spec.priority)


def _fix_of(
    report: Report, module: cst.Module, region_text: str, first_line: int, positions: Any = None, path: Any = None
) -> Optional[Fix]:
    """The report's libcst replacements as text edits of the file (None if it has none, or if
    they cannot be rendered: the finding stays, without a fix)."""
    spec = report.fix
    if spec is None:
        return None
    try:
        replacements = spec.resolved()
    except Exception:
        return None
    if not replacements:
        return None
    replace = _Replace({id(k): v for k, v in replacements.items()})
    new_text = None
    if path:  # regenerate only the statement holding the replacements (same text, much faster)
        try:
            new_text = codegen.replaced_text(module, positions, region_text, path, replacements, replace)
        except Exception:
            new_text = None
    try:
        if new_text is None:
            new_text = module.visit(replace).code
    except Exception:
        return None
    edits = edits_between(region_text, new_text, first_line)
    if not edits:
        return None
    return Fix(edits=edits, safe=spec.safe, description=spec.description, priority=spec.priority)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
