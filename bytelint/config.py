"""Configuration: `[tool.bytelint]` in the nearest pyproject.toml, validated, merged with the CLI.

Errors name the file and the key and are raised once as ConfigError; the CLI turns them into
one line and exit status 2.
"""

from __future__ import annotations

import difflib
import functools
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib

from .versions import (
    Version,
    VersionError,
    default_targets,
    parse_version,
    targets_from_minimum,
    targets_from_requires_python,
)

DEFAULT_EXCLUDE: Tuple[str, ...] = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
    ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
    ".svn", ".tox", ".venv", ".venvs", ".vscode", ".bytelint_cache", "__pycache__",
    "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules", "site-packages",
    "venv",
)

OUTPUT_FORMATS: Tuple[str, ...] = ("text", "concise", "full", "json", "json-lines", "lsp", "sarif", "github")


class ConfigError(Exception):
    """A configuration problem, already phrased for the user (file and key named)."""


@dataclass(frozen=True)
class Config:
    select: Tuple[str, ...] = ("BL",)
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    # A selector layer from the command line, applied on top of the file's (ruff-like layering).
    cli_select: Optional[Tuple[str, ...]] = None
    cli_ignore: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    target_versions: Tuple[Version, ...] = field(default_factory=default_targets)
    respect_gitignore: bool = True
    preview: bool = False
    output_format: str = "text"
    # Seconds one file may take (lint or fix) before it is skipped with an error; 0: no limit.
    file_timeout: float = 60.0
    # Profile-guided linting (bytelint/profile.py): the profile file (absolute, or relative to
    # the current directory) and the share of its time under which findings are cold (0..1).
    profile: Optional[str] = None
    min_share: Optional[float] = None
    # Render each fix's text edits (fixing, and the formats that print them). Off, a finding
    # still says whether a fix is offered, whether it is safe and what it does.
    fix_edits: bool = True
    # Where relative patterns are anchored, and which file the settings came from.
    root: str = "."
    source: Optional[str] = None
    # An invalid [project] requires-python, as the message to give when it would be used
    requires_python_error: Optional[str] = None


# Output formats that print the text edits of fixes.
FORMATS_WITH_EDITS = frozenset({"json", "json-lines", "lsp", "sarif"})

# key in pyproject -> (attribute, kind)
_KEYS: Dict[str, Tuple[str, str]] = {
    "select": ("select", "codes"),
    "extend-select": ("extend_select", "codes"),
    "ignore": ("ignore", "codes"),
    "exclude": ("exclude", "strings"),
    "extend-exclude": ("extend_exclude", "strings"),
    "per-file-ignores": ("per_file_ignores", "per-file"),
    "target-version": ("target_versions", "version"),
    "respect-gitignore": ("respect_gitignore", "bool"),
    "preview": ("preview", "bool"),
    "output-format": ("output_format", "format"),
    "file-timeout": ("file_timeout", "seconds"),
    "profile": ("profile", "path"),
    "min-share": ("min_share", "share"),
}


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.bytelint] table, else the
    nearest pyproject.toml at all (for requires-python), else None."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    nearest: Optional[Path] = None
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            if nearest is None:
                nearest = candidate
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if "[tool.bytelint" in text:
                return candidate
    return nearest


def load_config(pyproject: Optional[Path], known_codes: Iterable[str]) -> Config:
    if pyproject is None:
        return Config(root=str(Path.cwd()))
    try:
        with open(pyproject, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{pyproject}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    return config_from_table(data, pyproject, known_codes)


def config_from_table(data: Mapping[str, Any], pyproject: Path, known_codes: Iterable[str]) -> Config:
    known_codes = tuple(known_codes)
    tool = data.get("tool", {})
    table = tool.get("bytelint", {}) if isinstance(tool, dict) else {}
    where = f"{pyproject}: [tool.bytelint]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    values: Dict[str, Any] = {"root": str(pyproject.parent.resolve()), "source": str(pyproject)}

    project = data.get("project", {})
    requires = project.get("requires-python") if isinstance(project, dict) else None
    if requires is not None and "target-version" not in table:
        targets = targets_from_requires_python(requires) if isinstance(requires, str) else None
        if targets:
            values["target_versions"] = targets
        elif not _valid_specifier(requires):
            # pip would refuse it too, and guessing would pick the wrong rules: an error, unless
            # a target version is given (here or on the command line, see `needs_targets`)
            values["requires_python_error"] = (
                f"{pyproject}: [project] requires-python: {requires!r} is not a version specifier "
                "(e.g. \">=3.9\"); fix it, or set target-version in [tool.bytelint] or --target-version"
            )

    for key, value in table.items():
        if key not in _KEYS:
            hint = difflib.get_close_matches(key, list(_KEYS), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            allowed = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{where}: unknown key '{key}'{suggestion}; known keys: {allowed}")
        attribute, kind = _KEYS[key]
        values[attribute] = _convert(where, key, kind, value, known_codes)
    if values.get("profile"):  # relative to the pyproject.toml, as excludes are
        values["profile"] = os.path.join(str(pyproject.parent), values["profile"])
    return Config(**values)


def _convert(where: str, key: str, kind: str, value: Any, known_codes: Sequence[str]) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: '{key}' must be true or false, not {_show(value)}")
        return value
    if kind == "version":
        if not isinstance(value, str):
            raise ConfigError(f"{where}: '{key}' must be a string such as \"py39\", not {_show(value)}")
        try:
            return targets_from_minimum(parse_version(value))
        except VersionError as exc:
            raise ConfigError(f"{where}: '{key}': {exc}") from None
    if kind == "seconds":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ConfigError(f"{where}: '{key}' must be a non-negative number of seconds (0: no limit), not {_show(value)}")
        return float(value)
    if kind == "path":
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: '{key}' must be a file path, not {_show(value)}")
        return value
    if kind == "share":
        from .profile import ProfileError, parse_min_share

        try:
            return parse_min_share(value, f"'{key}'")
        except ProfileError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if kind == "format":
        if value not in OUTPUT_FORMATS:
            raise ConfigError(
                f"{where}: '{key}' must be one of {', '.join(OUTPUT_FORMATS)}, not {_show(value)}"
            )
        return value
    if kind in ("strings", "codes"):
        items = _string_list(where, key, value)
        if kind == "codes":
            check_selectors(items, known_codes, f"{where}: '{key}'")
        return items
    if kind == "per-file":
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: '{key}' must be a table of glob = [codes]")
        result = []
        for pattern, codes in value.items():
            items = _string_list(where, f"{key}.\"{pattern}\"", codes)
            check_selectors(items, known_codes, f"{where}: '{key}.\"{pattern}\"'")
            result.append((pattern, items))
        return tuple(result)
    raise AssertionError(kind)


def _string_list(where: str, key: str, value: Any) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings, not {_show(value)}")
    return tuple(value)


def _valid_specifier(value: Any) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not isinstance(value, str):
        return False
    try:
        SpecifierSet(value)
    except (InvalidSpecifier, TypeError, ValueError):
        return False
    return True


def needs_targets(config: "Config") -> None:
    """Raise the configuration's requires-python problem, for a run that takes its target
    versions from it (no target-version key, no --target-version)."""
    if config.requires_python_error:
        raise ConfigError(config.requires_python_error)


def _show(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def check_selectors(selectors: Iterable[str], known_codes: Sequence[str], where: str) -> None:
    for selector in selectors:
        if selector.upper() == "ALL":
            continue
        if not any(code.startswith(selector) for code in known_codes):
            hint = difflib.get_close_matches(selector, list(known_codes), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ConfigError(f"{where}: unknown rule code '{selector}'{suggestion}")


def _specificity(selector: str) -> int:
    return 0 if selector.upper() == "ALL" else len(selector)


def _matches(selector: str, code: str) -> bool:
    return selector.upper() == "ALL" or code.startswith(selector)


def _apply_layer(
    enabled: set, codes: Sequence[str], select: Optional[Sequence[str]], ignore: Sequence[str]
) -> set:
    if select is None:
        return {code for code in enabled if not any(_matches(s, code) for s in ignore)}
    result = set()
    for code in codes:
        best_select = max((_specificity(s) for s in select if _matches(s, code)), default=-1)
        best_ignore = max((_specificity(s) for s in ignore if _matches(s, code)), default=-1)
        if best_select >= 0 and best_select > best_ignore:
            result.add(code)
    return result


def enabled_codes(
    config: Config, codes: Sequence[str], preview_codes: Iterable[str] = (), opt_in_codes: Iterable[str] = ()
) -> frozenset:
    """Which rule codes run, after the file's selectors and the command line's. Preview rules
    (without ``preview``) and opt-in rules run only where their code is selected by name."""
    enabled = _apply_layer(set(), codes, tuple(config.select) + tuple(config.extend_select), config.ignore)
    if config.cli_select is not None or config.cli_ignore:
        enabled = _apply_layer(enabled, codes, config.cli_select, config.cli_ignore)
    # named where the selection is made: `--select` replaces the file's selection
    named = config.cli_select if config.cli_select is not None else (*config.select, *config.extend_select)
    explicit = {s.upper() for s in named}
    held_back = set() if config.preview else set(preview_codes)
    if "ALL" not in explicit:  # `select = ["ALL"]` means every rule, the opt-in ones too
        held_back |= set(opt_in_codes)
    return frozenset(code for code in enabled if code not in held_back or code in explicit)


def ignored_for_path(config: Config, path: str) -> Tuple[str, ...]:
    """Selectors that ``per-file-ignores`` turns off for this file (gitignore-style globs,
    anchored at the configuration's directory; a pattern without a slash matches any depth)."""
    if not config.per_file_ignores:
        return ()
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, config.root).replace(os.sep, "/")
    ignored: list = []
    for pattern, codes in config.per_file_ignores:
        if _ignore_spec(pattern).match_file(rel):
            ignored.extend(codes)
    return tuple(ignored)


@functools.lru_cache(maxsize=256)
def _ignore_spec(pattern: str) -> Any:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines([pattern])


def with_cli(config: Config, **overrides: Any) -> Config:
    """Command-line values override the file; None means "not given"."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if given.get("target_versions"):
        given["requires_python_error"] = None  # --target-version: requires-python is not used
    return replace(config, **given)
