"""Target Python versions: parsing `py39` / `3.9` strings and `requires-python` specifiers."""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from .bytecode import RUNNING_VERSION, SUPPORTED_VERSIONS

Version = Tuple[int, int]

_VERSION_RE = re.compile(r"^(?:py)?3\.?(\d{1,2})$")


class VersionError(ValueError):
    pass


def parse_version(text: str) -> Version:
    """Parse ``py39``, ``py310``, ``3.9`` or ``3.10`` into ``(3, 9)``."""
    match = _VERSION_RE.match(text.strip().lower())
    if not match:
        raise VersionError(f"'{text}' is not a Python version (expected e.g. py39 or 3.9)")
    version = (3, int(match.group(1)))
    if version not in SUPPORTED_VERSIONS:
        supported = ", ".join(format_version(v, "py") for v in SUPPORTED_VERSIONS)
        raise VersionError(f"'{text}' is not a supported target version ({supported})")
    return version


def format_version(version: Version, style: str = "dotted") -> str:
    if style == "py":
        return f"py{version[0]}{version[1]}"
    return f"{version[0]}.{version[1]}"


def targets_from_minimum(minimum: Version) -> Tuple[Version, ...]:
    """Code targeting ``minimum`` runs on every supported version from it on."""
    return tuple(v for v in SUPPORTED_VERSIONS if v >= minimum)


def targets_from_requires_python(spec: str) -> Optional[Tuple[Version, ...]]:
    """The supported versions admitted by a ``requires-python`` specifier, or None if invalid/empty."""
    try:
        specifier = SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    chosen = tuple(
        v for v in SUPPORTED_VERSIONS if specifier.contains(f"{v[0]}.{v[1]}", prereleases=True)
    )
    if not chosen:
        # A spec that admits only versions newer than we know: judge as the newest we know.
        newest = SUPPORTED_VERSIONS[-1]
        if specifier.contains(f"{newest[0]}.{newest[1] + 1}", prereleases=True):
            return (newest,)
        return None
    return chosen


def default_targets() -> Tuple[Version, ...]:
    """Without configuration: the running interpreter's version only."""
    if RUNNING_VERSION in SUPPORTED_VERSIONS:
        return (RUNNING_VERSION,)
    return (SUPPORTED_VERSIONS[-1],) if RUNNING_VERSION > SUPPORTED_VERSIONS[-1] else (SUPPORTED_VERSIONS[0],)


def consecutive_runs(targets: Iterable[Version]) -> List[List[Version]]:
    """The versions, sorted, in runs of consecutive supported versions: 3.9, 3.10, 3.12 ->
    [[3.9, 3.10], [3.12]] (a version bytelint does not support stands alone)."""
    runs: List[List[Version]] = []
    for version in sorted(set(targets)):
        if runs and version in SUPPORTED_VERSIONS and runs[-1][-1] in SUPPORTED_VERSIONS and (
            SUPPORTED_VERSIONS.index(version) == SUPPORTED_VERSIONS.index(runs[-1][-1]) + 1
        ):
            runs[-1].append(version)
        else:
            runs.append([version])
    return runs


def describe(targets: Iterable[Version]) -> str:
    """`3.9-3.11`, `3.9-3.10 and 3.12-3.13`: runs of consecutive supported versions."""
    runs = consecutive_runs(targets)
    if not runs:
        return "none"
    parts = [format_version(run[0]) if len(run) == 1 else f"{format_version(run[0])}-{format_version(run[-1])}" for run in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
