"""Rule discovery: every Rule subclass in the modules of ``bytelint.rules``. Adding a rule means
adding its module; nothing else is edited.

Importing the rules imports libcst (about a tenth of a second). A run that finds every file in
the results cache needs only the rules' *manifest*: code, name, preview flag and the versions
where each applies. ``use_manifest_cache(directory)`` lets the registry read the manifest from
the cache directory (keyed by a fingerprint of bytelint's source files and the interpreter) and
store it there after importing the rules once; ``manifest()`` then costs a file read.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from .rule import Rule


@dataclass(frozen=True)
class RuleInfo:
    """What the command line needs to know about a rule without importing it."""

    code: str
    name: str
    preview: bool
    versions: str  # PEP 440 specifier over target versions
    fixable: Optional[str]
    opt_in: bool = False


@lru_cache(maxsize=1)
def _rule_classes() -> Tuple[type, ...]:
    from . import rules as package  # installed from ``rules/`` via package-dir
    from .rule import Rule

    found: Dict[str, type] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
                and getattr(value, "code", None)
            ):
                if value.code in found:
                    raise RuntimeError(f"duplicate rule code {value.code}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def all_rules() -> List["Rule"]:
    return [cls() for cls in _rule_classes()]


def rule_by_code(code: str) -> "Rule":
    for rule in all_rules():
        if rule.code == code.upper() or rule.name == code:
            return rule
    raise KeyError(code)


# --- The manifest ---------------------------------------------------------------------------------

_manifest_dir: Optional[str] = None
_manifest: Optional[Tuple[RuleInfo, ...]] = None


def use_manifest_cache(directory: Optional[str]) -> None:
    """Read (and store) the rule manifest in this cache directory; None: always import."""
    global _manifest_dir, _manifest
    if directory != _manifest_dir:
        _manifest_dir = directory
        _manifest = None


def _from_classes() -> Tuple[RuleInfo, ...]:
    return tuple(
        RuleInfo(cls.code, cls.name, bool(cls.preview), cls.versions, cls.fixable, bool(cls.opt_in)) for cls in _rule_classes()
    )


def _valid(rows: Any) -> bool:
    fields = {"code": str, "name": str, "preview": bool, "versions": str, "opt_in": bool}
    return isinstance(rows, list) and all(
        isinstance(row, dict)
        and set(row) == set(fields) | {"fixable"}
        and all(isinstance(row[k], t) for k, t in fields.items())
        and (row["fixable"] is None or isinstance(row["fixable"], str))
        for row in rows
    )


def manifest() -> Tuple[RuleInfo, ...]:
    global _manifest
    if _manifest is not None:
        return _manifest
    if _manifest_dir is None or _rule_classes.cache_info().currsize:
        _manifest = _from_classes()  # no cache, or the rules are imported anyway
        return _manifest
    from . import cache

    rows = cache.read_manifest(_manifest_dir)
    if _valid(rows):
        _manifest = tuple(RuleInfo(**row) for row in rows)  # type: ignore[union-attr]
    else:
        _manifest = _from_classes()
        cache.write_manifest(_manifest_dir, [asdict(info) for info in _manifest])
    return _manifest


def known_codes() -> List[str]:
    return [info.code for info in manifest()]


@lru_cache(maxsize=64)
def _applies(versions: str, version: Tuple[int, int]) -> bool:
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(versions).contains(f"{version[0]}.{version[1]}")


def selected_codes(config: Any, rules: Optional[Sequence[RuleInfo]] = None) -> List[str]:
    """The codes a configuration runs that apply to at least one of its target versions: the
    same selection as ``engine.select_rules``, from the manifest."""
    from .config import enabled_codes

    rules = manifest() if rules is None else rules
    enabled = enabled_codes(
        config, [r.code for r in rules], [r.code for r in rules if r.preview], [r.code for r in rules if r.opt_in]
    )
    return [
        r.code
        for r in rules
        if r.code in enabled and any(_applies(r.versions, v) for v in config.target_versions)
    ]
