"""Profile-guided linting: rank findings by where the program really spends its time.

``load_profile`` (``bytelint/profile_readers.py``) reads a cProfile/pstats file or collapsed
stacks (py-spy, austin); ``rank`` maps it onto a run's findings.

Entries are mapped to the scopes of the linted files (module, class bodies, functions: found
with ``ast`` in the linted text, which is never run): a profile path to the linted file sharing
the most trailing path components with it (a profile of an installed copy or another checkout
still maps), an entry to the function of its name whose lines hold the entry's line (cProfile
gives the first decorator's line, samplers the running line), else the nearest of that name.
Lambdas and comprehensions belong to the function holding them.

Each finding gets its enclosing scope's ``share`` (inclusive: cumulative time, or the weight of
the stacks it is in, over the profile's total), ``self_share`` (own time with the built-ins it
calls directly, or the weight where it is the innermost Python frame), ``calls`` (cProfile) and
``saving = self_share * (1 - 1/speedup)``, an *estimate* (it supposes the scope's own time is
all in the flagged pattern), ``speedup`` being the median measured ratio of the rule's benchmark
cases (``measurements.py``) on the running Python if it is a target where the rule applies,
else on the oldest such target, else ``DEFAULT_SPEEDUP``. The README documents all of this.
"""

from __future__ import annotations

import ast
import os
import platform
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from .profile_readers import Profile, ProfileError, is_source, load_profile
from .results import FileResult, Finding

__all__ = ["Profile", "ProfileError", "load_profile", "parse_min_share", "rank", "annotate", "Figures"]

# The least a rule must gain to report at all (docs/writing-rules.md): the speedup assumed for
# a rule without a measurement on the version in question.
DEFAULT_SPEEDUP = 1.05
INLINE_NAMES = frozenset({"<lambda>", "<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})
# Too common to identify a file alone: a profile path must also share its directory.
AMBIGUOUS_NAMES = frozenset({"__init__.py", "__main__.py"})
ScopeKey = Tuple[str, int]  # linted path, index of the scope


def parse_min_share(value: Any, what: str = "--min-share") -> float:
    """``"1%"``, ``"1"``, ``"0.5%"``, ``1`` or ``0.5`` (percent) as a fraction: 0.01, ..."""
    number: Optional[float] = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%").strip())
        except ValueError:
            number = None
    if number is None or not 0 <= number <= 100:
        raise ProfileError(f"{what} must be a percentage from 0 to 100 such as 1% or 0.5%, not {value!r}")
    return number / 100


def format_percent(fraction: float) -> str:
    percent = fraction * 100
    if 0 < percent < 0.05:
        return "<0.1%"
    return f"{percent:.1f}%" if percent < 99.95 else "100%"


# -- the linted files' scopes ----------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    name: str  # the code object's name: a function or class name, "<module>"
    qualname: str
    first: int  # co_firstlineno: the first decorator's line, else the def/class line
    start: int  # the def/class line
    end: int


def scopes_of(text: str) -> List[Scope]:
    """The module, then every class and function of ``text``; [] if it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    scopes = [Scope("<module>", "<module>", 1, 1, max(1, text.count("\n") + 1))]
    todo: List[Tuple[ast.AST, str]] = [(tree, "")]
    while todo:  # statements only: a def or class is always one
        node, prefix = todo.pop()
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, name, None) or ():
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                    qualname = prefix + child.name
                    end = getattr(child, "end_lineno", None) or child.lineno
                    scopes.append(Scope(child.name, qualname, first, child.lineno, end))
                    todo.append((child, qualname + ("." if isinstance(child, ast.ClassDef) else ".<locals>.")))
                elif isinstance(child, ast.AST):
                    todo.append((child, prefix))
    return scopes


def enclosing(scopes: Sequence[Scope], line: int) -> int:
    """The innermost scope whose body holds ``line`` (decorators run in the outer scope)."""
    best = 0
    for index, scope in enumerate(scopes[1:], 1):
        if scope.start <= line <= scope.end and scope.start >= scopes[best].start:
            best = index
    return best


def resolve(scopes: Sequence[Scope], name: str, line: int) -> Optional[Tuple[int, bool]]:
    """The scope a profile entry (function name, line) is, and whether it is a lambda or
    comprehension inside it; None if the file has no function of that name."""
    if not scopes:
        return None
    if name == "<module>":
        return 0, False
    short = name.rsplit(".", 1)[-1]
    if short in INLINE_NAMES:
        return (enclosing(scopes, line), True) if line else None
    candidates = [i for i in range(1, len(scopes)) if scopes[i].name == short]
    if "." in name:  # a qualified name (some samplers on 3.11+) picks among same-named ones
        candidates = [i for i in candidates if scopes[i].qualname == name] or candidates
    if not candidates:
        return None
    holding = [i for i in candidates if scopes[i].first <= line <= scopes[i].end]
    if holding:
        return max(holding, key=lambda i: scopes[i].first), False
    return min(candidates, key=lambda i: min(abs(scopes[i].first - line), abs(scopes[i].start - line))), False


# -- paths -----------------------------------------------------------------------------------


def _parts(path: str) -> List[str]:
    return [p for p in re.split(r"[\\/]+", path) if p not in ("", ".")]


def _common_tail(a: Sequence[str], b: Sequence[str]) -> int:
    count = 0
    for x, y in zip(reversed(a), reversed(b)):
        if x != y:
            break
        count += 1
    return count


def match_paths(profile_paths: Iterable[str], linted: Iterable[str], base: Optional[str] = None) -> Dict[str, Set[str]]:
    """linted path -> the profile paths that are that file: each profile path goes to the
    linted file(s) with which it shares the most trailing components (at least the file name;
    also the directory for ``__init__.py``), and each linted file keeps its best such paths."""
    base = base or os.getcwd()
    by_name: Dict[str, List[Tuple[str, List[str]]]] = {}  # only a shared file name can match
    for path in linted:
        parts = _parts(os.path.abspath(path))
        by_name.setdefault(parts[-1] if parts else "", []).append((path, parts))
    claims: Dict[str, List[Tuple[int, str]]] = {}
    for profile_path in set(profile_paths):
        parts = _parts(profile_path)
        files = by_name.get(parts[-1]) if parts else None
        if not files:
            continue
        resolved = parts if os.path.isabs(profile_path) else _parts(os.path.abspath(os.path.join(base, profile_path)))
        # the same file exactly beats any shared tail
        scored = [(len(p) + 1 if resolved == p else _common_tail(parts, p), f) for f, p in files]
        best = max(score for score, _ in scored)
        if best < (2 if parts[-1] in AMBIGUOUS_NAMES else 1):
            continue
        for score, linted_path in scored:
            if score == best:
                claims.setdefault(linted_path, []).append((score, profile_path))
    matched: Dict[str, Set[str]] = {}
    for linted_path, found in claims.items():
        top = max(score for score, _ in found)
        matched[linted_path] = {p for score, p in found if score == top}
    return matched


# -- figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What the profile says about the scope holding one finding."""

    function: str  # qualified name of the enclosing scope ("<module>" for module level)
    in_profile: bool
    share: float = 0.0  # inclusive, 0..1
    self_share: float = 0.0
    calls: Optional[int] = None  # cProfile only
    saving: float = 0.0  # estimated, 0..1 of the whole profile
    speedup: float = DEFAULT_SPEEDUP
    version: str = ""  # the Python version whose measured speedup was used
    measured: bool = False  # False: DEFAULT_SPEEDUP (no measurement)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "function": self.function,
            "in_profile": self.in_profile,
            "share": round(self.share, 6),
            "self_share": round(self.self_share, 6),
            "calls": self.calls,
            "estimated_saving": round(self.saving, 6),
            "speedup": round(self.speedup, 4),
            "speedup_version": self.version,
            "speedup_measured": self.measured,
        }

    def label(self) -> str:
        if not self.in_profile:
            return "[not in the profile]"
        parts = [f"{format_percent(self.share)} of time"]
        if self.calls is not None:
            parts.append(f"{self.calls:,} call{'s' if self.calls != 1 else ''}")
        parts.append(f"est. saving {format_percent(self.saving)}")
        return "[" + ", ".join(parts) + "]"


@lru_cache(maxsize=256)
def _applies(versions: str, version: Tuple[int, int]) -> bool:
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(versions).contains(f"{version[0]}.{version[1]}")


def running_version() -> Tuple[int, int]:
    major, minor, _ = platform.python_version_tuple()
    return int(major), int(minor)


def speedup_for(name: str, versions: Optional[str], targets: Sequence[Tuple[int, int]]) -> Tuple[float, str, bool]:
    """(speedup, version, measured) for a rule (its name and PEP 440 ``versions``)."""
    from . import measurements

    usable = [v for v in sorted(targets) if versions is None or _applies(versions, v)] or sorted(targets)
    running = running_version()
    version = running if running in usable or not usable else usable[0]
    key = f"{version[0]}.{version[1]}"
    cases = measurements.CASES.get(name, {})
    ratios = [c["ratios"][key] for c in cases.values() if c.get("expect") != "not-faster" and key in c.get("ratios", {})]
    if not ratios:
        return DEFAULT_SPEEDUP, key, False
    ratios.sort()  # the median (statistics would cost the command line's start-up time)
    middle = len(ratios) // 2
    value = ratios[middle] if len(ratios) % 2 else (ratios[middle - 1] + ratios[middle]) / 2
    return max(1.0, float(value)), key, True


def _rule_versions() -> Dict[str, str]:
    try:
        from .registry import manifest

        return {info.code: info.versions for info in manifest()}
    except Exception:  # pragma: no cover - the rules cannot be listed: assume every version
        return {}


def annotate(
    profile: Profile,
    texts: Mapping[str, str],
    findings: Sequence[Finding],
    targets: Sequence[Tuple[int, int]],
    base: Optional[str] = None,
) -> Tuple[Dict[Finding, Figures], int]:
    """The figures of each finding, and how many of the linted files the profile names.
    ``texts``: the source text of each file holding findings."""
    paths = sorted({f.path for f in findings})
    matched = match_paths({frame[0] for frame in profile.frames}, paths, base)
    scopes = {path: scopes_of(texts.get(path, "")) for path in paths}
    owner = {p: path for path, profile_paths in matched.items() for p in profile_paths}
    frame_scope: Dict[int, Tuple[ScopeKey, bool]] = {}
    for number, (file, line, name) in enumerate(profile.frames):
        path = owner.get(file)
        found = resolve(scopes[path], name, line) if path is not None else None
        if found is not None:
            frame_scope[number] = ((path, found[0]), found[1])
    inclusive: Dict[ScopeKey, float] = {}
    own: Dict[ScopeKey, float] = {}
    calls: Dict[ScopeKey, int] = {}
    if profile.stacks:
        for ids, weight in profile.stacks:
            seen = set()
            for number in ids:
                entry = frame_scope.get(number)
                if entry is not None and entry[0] not in seen:
                    seen.add(entry[0])
                    inclusive[entry[0]] = inclusive.get(entry[0], 0.0) + weight
            for number in reversed(ids):  # the innermost Python frame runs: its own time
                if is_source(profile.frames[number][0]):
                    entry = frame_scope.get(number)
                    if entry is not None:
                        own[entry[0]] = own.get(entry[0], 0.0) + weight
                    break
    else:
        for number, (key, inline) in frame_scope.items():
            own_time, cumulative, count = profile.timings[number]
            own[key] = own.get(key, 0.0) + own_time
            if not inline:
                inclusive[key] = inclusive.get(key, 0.0) + cumulative
                calls[key] = calls.get(key, 0) + int(count)
    rule_versions = _rule_versions()
    speedups: Dict[str, Tuple[float, str, bool]] = {}
    figures: Dict[Finding, Figures] = {}
    for finding in findings:
        file_scopes = scopes[finding.path]
        index = enclosing(file_scopes, finding.span.line) if file_scopes else 0
        key = (finding.path, index)
        function = file_scopes[index].qualname if file_scopes else "<module>"
        if key not in inclusive and key not in own:
            figures[finding] = Figures(function, False)
            continue
        if finding.code not in speedups:
            speedups[finding.code] = speedup_for(finding.name, rule_versions.get(finding.code), targets)
        speedup, version, measured = speedups[finding.code]
        share = min(1.0, inclusive.get(key, 0.0) / profile.total)
        self_share = min(1.0, own.get(key, 0.0) / profile.total)
        saving = self_share * (1 - 1 / speedup)
        figures[finding] = Figures(function, True, share, self_share, calls.get(key) if profile.timings else None, saving, speedup, version, measured)
    return figures, len(matched)


def impact_key(figures: Mapping[Finding, Figures]) -> Callable[[Finding], Tuple[Any, ...]]:
    """Sort key: largest estimated saving first, then largest share, then by place."""

    def key(finding: Finding) -> Tuple[Any, ...]:
        f = figures.get(finding)
        return (-(f.saving if f else 0.0), -(f.share if f else 0.0)) + finding.sort_key()

    return key


def is_cold(figures: Optional[Figures], min_share: Optional[float]) -> bool:
    """Under the threshold, or absent from the profile."""
    return figures is None or not figures.in_profile or figures.share < (min_share or 0.0)


@dataclass
class Ranked:
    """A run's findings seen through a profile: those shown, in order of estimated impact,
    the results holding only those, and how many were hidden as cold."""

    figures: Dict[Finding, Figures]
    findings: List[Finding]
    results: List[FileResult]
    hidden: int
    matched_files: int


def rank(
    profile: Profile,
    results: Sequence[FileResult],
    text_for: Callable[[str], str],
    targets: Sequence[Tuple[int, int]],
    min_share: Optional[float] = None,
    base: Optional[str] = None,
) -> Ranked:
    """Annotate every finding, hide those in code under ``min_share`` (and, with a threshold,
    code absent from the profile), and order the rest by estimated impact."""
    findings = [f for r in results for f in r.findings]
    texts = {path: text_for(path) for path in {f.path for f in findings}}
    figures, matched = annotate(profile, texts, findings, targets, base)
    hide = bool(min_share)
    kept = [f for f in findings if not (hide and is_cold(figures.get(f), min_share))]
    order = impact_key(figures)
    kept_set = set(kept)
    shown_results = [replace(r, findings=tuple(sorted((f for f in r.findings if f in kept_set), key=order))) for r in results]
    return Ranked(figures, sorted(kept, key=order), shown_results, len(findings) - len(kept), matched)


def hidden_note(hidden: int, min_share: Optional[float]) -> str:
    noun = "finding" if hidden == 1 else "findings"
    return f"{hidden} {noun} hidden in code under {(min_share or 0) * 100:g}% of the profile (--min-share)"
