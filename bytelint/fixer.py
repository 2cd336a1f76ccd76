"""Applying fixes, with proof: the pure core ``fix_source(source, path, config, unsafe)`` and
the file-level ``fix_file`` that writes atomically.

Before a fix is kept, it must pass four proofs (the idea of Black's safety checks):
1. the result compiles on the running interpreter;
2. every code object the fix did not touch compiles to the same instructions;
3. the finding is gone (and a low-priority fix hides no other rule's finding);
4. running the fixers again changes nothing (checked on the final text).
A fix that fails is dropped and reported; the finding stays; the other fixes go on.
Non-overlapping fixes are applied together, repeating to a fixed point with a bound on rounds.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

from . import bytecode
from .config import Config
from .edits import apply_edits, overlaps
from .engine import lint_source
from .results import Edit, FileResult, Finding, Span
from .source import SourceError, decode, split_lines

MAX_ROUNDS = 32
_HIDES = "the fix would hide"


@dataclass
class FixOutcome:
    path: str
    original: bytes
    fixed: Optional[bytes] = None  # None: nothing changed
    applied: List[Finding] = field(default_factory=list)
    failed: List[Tuple[Finding, str]] = field(default_factory=list)
    remaining: Optional[FileResult] = None
    unsafe_available: int = 0
    error: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.fixed is not None and self.fixed != self.original


def _encode(text: str, encoding: str, bom: bool) -> bytes:
    if encoding.replace("_", "-").lower() in ("utf-8-sig", "utf-8"):
        data = text.encode("utf-8")
        return b"\xef\xbb\xbf" + data if bom else data
    return text.encode(encoding)


def _allowed(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix.safe or unsafe)


def _fingerprints(code, lines: Sequence[str]) -> Dict[Tuple[str, int], List[Tuple[int, tuple]]]:
    """qualname (with an occurrence number) -> its instructions as (line, what it does)."""
    module = bytecode.ModuleBytecode.build(code, lines)
    seen: Counter = Counter()
    result = {}
    for unit in module.units:
        key = (unit.qualname, seen[unit.qualname])
        seen[unit.qualname] += 1
        result[key] = [(line, rest) for line, *rest in unit.shape() if line]
    return result


def _new_ranges(edits: Sequence[Edit]) -> List[Tuple[int, int]]:
    """Where the edited lines are in the new text."""
    ranges = []
    delta = 0
    for edit in sorted(edits, key=lambda e: (e.span.line, e.span.col)):
        removed = edit.span.end_line - edit.span.line
        added = len(split_lines(edit.text))
        start = edit.span.line + delta
        # the same margin as in the old text: the line before, and the line the edit ends on
        ranges.append((start - 1, start + added))
        delta += added - removed
    return ranges


def _outside(body, ranges) -> list:
    return [what for line, what in body if not any(first <= line <= last for first, last in ranges)]


def _untouched_code_unchanged(before_code, before_lines, after_code, after_lines, edits: Sequence[Edit]) -> Optional[str]:
    """Proof 2: outside the edited lines, every code object compiles to the same instructions.
    Returns None when it holds, else what changed."""
    # One line of margin on each side, in both texts, so the comparison stays symmetric.
    old_ranges = [(e.span.line - 1, e.span.end_line) for e in edits]
    new_ranges = _new_ranges(edits)
    before = _fingerprints(before_code, before_lines)
    after = _fingerprints(after_code, after_lines)
    for key, body in before.items():
        kept = _outside(body, old_ranges)
        other = after.get(key)
        if other is None:
            if kept:
                return f"code object {key[0]} disappeared"
            continue
        if _outside(other, new_ranges) != kept:
            return f"code object {key[0]} changed outside the edited lines"
    return None


def _prove(text: str, candidate: str, edits: Sequence[Edit], path: str, encoding: str, bom: bool,
           config: Config, before: FileResult, fixed: Sequence[Finding], rules=None) -> Tuple[Optional[str], Optional[FileResult]]:
    """Proofs 1-3 for one candidate text. Returns (failure reason or None, lint of candidate)."""
    data = _encode(candidate, encoding, bom)
    compiled = bytecode.compile_source(data, path)
    if compiled.code is None:
        return f"the result does not compile ({compiled.error})", None
    original = bytecode.compile_source(_encode(text, encoding, bom), path)
    if original.code is not None:
        problem = _untouched_code_unchanged(
            original.code, split_lines(text), compiled.code, split_lines(candidate), edits
        )
        if problem:
            return problem, None
    after = lint_source(data, path, config, rules)
    if after.error:
        return f"the result cannot be linted ({after.error})", None
    if any(f.fix.priority < 0 for f in fixed):
        # A low-priority fix (one that renames what other rules recognise) must not make another
        # rule's finding vanish unfixed: the slow code would still be there, unreported.
        codes = {f.code for f in fixed}
        old = Counter(f.code for f in before.findings if f.code not in codes)
        new = Counter(f.code for f in after.findings if f.code not in codes)
        hidden = sorted(code for code in old if new[code] < old[code])
        if hidden:
            return f"{_HIDES} {', '.join(hidden)} finding(s) without fixing them", None
    for finding in fixed:
        line = _mapped_line(finding.span.line, edits)
        if any(f.code == finding.code and f.span.line == line and f.message == finding.message for f in after.findings):
            return f"the {finding.code} finding is still there after the fix", None
    return None, after


def _unmapped_line(line: int, edits: Sequence[Edit]) -> int:
    """The inverse of ``_mapped_line``: where a line of the edited text was before the edits
    (a line inside an edit's new text maps to the edit's start)."""
    shift = 0
    for edit in sorted(edits, key=lambda e: (e.span.line, e.span.col)):
        start = edit.span.line + shift
        added = len(split_lines(edit.text))
        if line < start:
            break
        if line < start + added:
            return edit.span.line
        shift += added - (edit.span.end_line - edit.span.line)
    return line - shift


def _at_original(finding: Finding, history: Sequence[Sequence[Edit]]) -> Finding:
    """A finding of the partly fixed text, placed where its line is in the original file."""
    line = finding.span.line
    for edits in reversed(history):
        line = _unmapped_line(line, edits)
    if line == finding.span.line:
        return finding
    span = finding.span
    return replace(finding, span=Span(line, span.col, line + (span.end_line - span.line), span.end_col))


def _placed(
    applied: Sequence[Tuple[Finding, int]],
    texts: Sequence[str],
    history: Sequence[Sequence[Edit]],
    first_findings: Sequence[Finding],
) -> List[Finding]:
    """The fixed findings where they were in the original file (what ``--show-fixes`` prints).
    A finding of a later round sits in that round's text. On a line that the earlier fixes left
    as it was, a line diff finds it in the original, column and all. On a rewritten line, the
    same finding of the original file (code and message, the nearest one not placed yet) is
    where it was; a finding the earlier fixes created (say, in a function a fix just wrote) is
    placed by the edits, at the start of what replaced its line."""
    placed: List[Finding] = [f for f, round_ in applied if round_ == 0]
    taken = {(f.code, f.span) for f in placed}
    maps: Dict[int, Dict[int, int]] = {}
    for finding, round_ in applied:
        if round_ == 0:
            continue
        if round_ not in maps:
            maps[round_] = _equal_lines(texts[round_], texts[0])
        span = finding.span
        line = maps[round_].get(span.line)
        if line is not None:
            moved = replace(finding, span=Span(line, span.col, line + (span.end_line - span.line), span.end_col))
        else:
            moved = _at_original(finding, history[:round_])
            same = [
                f
                for f in first_findings
                if f.code == finding.code and f.message == finding.message and (f.code, f.span) not in taken
            ]
            if same:
                moved = replace(finding, span=min(same, key=lambda f: abs(f.span.line - moved.span.line)).span)
        taken.add((moved.code, moved.span))
        placed.append(moved)
    return placed


def _equal_lines(now: str, original: str) -> Dict[int, int]:
    """Line numbers of ``now`` -> the same, unchanged line of ``original`` (1-based)."""
    import difflib

    matcher = difflib.SequenceMatcher(None, split_lines(original), split_lines(now), autojunk=False)
    mapping: Dict[int, int] = {}
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                mapping[j1 + k + 1] = i1 + k + 1
    return mapping


def _mapped_line(line: int, edits: Sequence[Edit]) -> int:
    """Where an original line is after the edits (a line inside an edit maps to its start)."""
    shift = 0
    for edit in sorted(edits, key=lambda e: (e.span.line, e.span.col)):
        if edit.span.line > line:
            break
        removed = edit.span.end_line - edit.span.line
        if line < edit.span.end_line:
            return edit.span.line + shift
        shift += len(split_lines(edit.text)) - removed
    return line + shift


def _try_group(group, text, path, encoding, bom, config, result, rules):
    """Apply a group of fixes and prove it: (group, edits, new text, its lint) when it holds,
    the failed proof's reason (a string) for a single fix, None otherwise."""
    edits = [e for f in group for e in f.fix.edits]
    try:
        candidate = apply_edits(text, edits)
    except ValueError:
        return None
    reason, after = _prove(text, candidate, edits, path, encoding, bom, config, result, group, rules)
    if reason is None:
        return group, edits, candidate, after
    return reason if len(group) == 1 else None


def fix_source(source: bytes, path: str, config: Config, unsafe: bool = False, rules=None) -> FixOutcome:
    """Apply every allowed fix to ``source`` with proofs. Never raises."""
    outcome = FixOutcome(path=path, original=source)
    try:
        return _fix(source, path, config, unsafe, outcome, rules)
    except Exception as exc:  # the per-file boundary
        outcome.fixed = None
        first = (str(exc).strip().splitlines() or [""])[0]
        outcome.error = f"internal error while fixing: {type(exc).__name__}: {first}"
        return outcome


def _fix(source: bytes, path: str, config: Config, unsafe: bool, outcome: FixOutcome, rules) -> FixOutcome:
    result = lint_source(source, path, config, rules)
    outcome.remaining = result
    if result.error:
        return outcome  # a file with errors is never modified
    try:
        decoded = decode(source)
    except SourceError as exc:
        outcome.error = str(exc)
        return outcome
    text, encoding, bom = decoded.text, decoded.encoding, decoded.has_bom
    # Rejected fixes, by what and where they are in the original file (a finding with the same
    # message elsewhere is another fix): the finding placed there and the reason.
    rejected: Dict[Tuple[str, str, int], Tuple[Finding, str]] = {}
    history: List[List[Edit]] = []  # the edits applied so far, batch by batch

    def key(finding: Finding) -> Tuple[str, str, int]:
        return (finding.code, finding.message, _at_original(finding, history).span.line)

    texts: List[str] = [text]  # the text each round started from
    first_findings = result.findings
    applied: List[Tuple[Finding, int]] = []  # a fix that was kept, and its round

    for _round in range(MAX_ROUNDS):
        candidates = sorted(
            (f for f in result.findings if _allowed(f, unsafe) and key(f) not in rejected),
            key=lambda f: -f.fix.priority,
        )
        if not candidates:
            break
        batch: List[Finding] = []
        for finding in candidates:
            if not any(overlaps(finding.fix.edits, other.fix.edits) for other in batch):
                batch.append(finding)
        # The whole batch first; if a proof fails, each fix alone, and then together the ones
        # that passed alone (so that a round makes as much progress as it can).
        step = _try_group(batch, text, path, encoding, bom, config, result, rules) if len(batch) > 1 else None
        if step is None:
            passed = []
            for finding in batch:
                single = _try_group([finding], text, path, encoding, bom, config, result, rules)
                if isinstance(single, str):
                    rejected[key(finding)] = (_at_original(finding, history), single)
                elif single is not None:
                    passed.append((finding, single))
            if len(passed) > 1:
                step = _try_group([f for f, _ in passed], text, path, encoding, bom, config, result, rules)
                if not isinstance(step, tuple):
                    step = None
            if step is None and passed:
                step = passed[0][1]
        if isinstance(step, tuple):
            group, edits, candidate, after = step
            text, result = candidate, after
            applied.extend((f, len(history)) for f in group)
            history.append(edits)
            texts.append(text)
            # A fix held back because it would hide another finding gets another chance once
            # something was fixed (that finding may be gone now).
            for held in [k for k, (_, reason) in rejected.items() if reason.startswith(_HIDES)]:
                del rejected[held]
        elif not any(_allowed(f, unsafe) and key(f) not in rejected for f in result.findings):
            break
    outcome.applied.extend(_placed(applied, texts, history, first_findings))
    outcome.failed.extend(rejected.values())
    # Proof 4: the fixers, run again on the result, change nothing.
    leftover = [f for f in result.findings if _allowed(f, unsafe) and key(f) not in rejected]
    for finding in leftover:
        outcome.failed.append((_at_original(finding, history), "fixes did not reach a fixed point"))
    outcome.remaining = result
    outcome.unsafe_available = 0 if unsafe else sum(1 for f in result.findings if f.fix is not None and not f.fix.safe)
    if outcome.applied:
        outcome.fixed = _encode(text, encoding, bom)
    return outcome


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path``'s content in one step (temporary file + rename), keeping its mode: a
    crash leaves either the old file or the new one, never a mix."""
    directory = os.path.dirname(os.path.abspath(path))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, temporary = tempfile.mkstemp(prefix=".bytelint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def fix_file(path: str, config: Config, unsafe: bool = False, write: bool = True) -> FixOutcome:
    from .runner import read_source
    from .timeout import FileTimeout, expired, time_limit, timeout_message

    try:
        source = read_source(path)
    except OSError as exc:
        return FixOutcome(path=path, original=b"", error=f"cannot read: {exc.strerror or exc}")
    except ValueError as exc:
        return FixOutcome(path=path, original=b"", error=str(exc))
    try:
        with time_limit(config.file_timeout):
            outcome = fix_source(source, path, config, unsafe)
    except FileTimeout:
        outcome = FixOutcome(path=path, original=source, error=timeout_message(config.file_timeout))
    if expired():  # swallowed where it landed: never write what a cut-short run produced
        outcome = FixOutcome(path=path, original=source, error=timeout_message(config.file_timeout))
    if write and outcome.changed and outcome.error is None:
        try:
            write_atomically(path, outcome.fixed)
        except OSError as exc:
            outcome.error = f"cannot write: {exc.strerror or exc}"
    return outcome


def _fix_for_pool(args) -> FixOutcome:
    path, config, unsafe, write = args
    outcome = fix_file(path, config, unsafe, write)
    if not outcome.changed:
        outcome.original = b""  # only changed files send their text back
    return outcome


def fix_paths(paths: Sequence[str], config: Config, unsafe: bool, write: bool, jobs: int = 1):
    """Fix many files (in worker processes when there are enough of them)."""
    work = [(path, config, unsafe, write) for path in paths]
    if jobs <= 1 or len(work) < 8:
        for item in work:
            yield _fix_for_pool(item)
        return
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        yield from pool.map(_fix_for_pool, work, chunksize=4)
