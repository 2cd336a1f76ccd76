"""Which files a run lints: recursive ``*.py`` under the given paths, minus excludes and
whatever ``.gitignore`` files (and ``.git/info/exclude``) ignore, as git and ruff do."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import pathspec

from .config import Config


@dataclass(frozen=True)
class Discovered:
    path: str
    explicit: bool  # named on the command line (linted even if excluded, unless forced)


def _spec(patterns: Sequence[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


class _Ignores:
    """Nested .gitignore files, each anchored at its own directory."""

    def __init__(self) -> None:
        self._cache: Dict[str, Optional[pathspec.PathSpec]] = {}

    def spec_for(self, directory: str) -> Optional[pathspec.PathSpec]:
        if directory not in self._cache:
            lines: List[str] = []
            for name in (".gitignore", os.path.join(".git", "info", "exclude")):
                try:
                    with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as f:
                        lines.extend(f.read().splitlines())
                except OSError:
                    continue
            self._cache[directory] = pathspec.GitIgnoreSpec.from_lines(lines) if lines else None
        return self._cache[directory]

    def ignored(self, path: str, is_dir: bool, chain: Sequence[str]) -> bool:
        """``chain``: the directories from the repository root (or walk root) down to path's parent."""
        ignored = False
        for directory in chain:
            spec = self.spec_for(directory)
            if spec is None:
                continue
            rel = os.path.relpath(path, directory).replace(os.sep, "/")
            if is_dir:
                rel += "/"
            result = spec.check_file(rel) if hasattr(spec, "check_file") else None
            if result is not None and getattr(result, "include", None) is not None:
                ignored = bool(result.include)
            elif spec.match_file(rel):
                ignored = True
        return ignored


def git_root(start: str) -> Optional[str]:
    current = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _chain(root: Optional[str], directory: str) -> List[str]:
    directory = os.path.abspath(directory)
    if root is None or not (directory == root or directory.startswith(root + os.sep)):
        return [directory]
    chain = [root]
    rel = os.path.relpath(directory, root)
    if rel != ".":
        current = root
        for part in rel.split(os.sep):
            current = os.path.join(current, part)
            chain.append(current)
    return chain


_DOT_PREFIX = os.curdir + os.sep


def _undotted(path: str) -> str:
    """`bytelint check` (or `check .`) shows src/x.py, not ./src/x.py."""
    return path[len(_DOT_PREFIX) :] if path.startswith(_DOT_PREFIX) else path


class FileFinder:
    def __init__(self, config: Config, force_exclude: bool = False) -> None:
        self.config = config
        self.force_exclude = force_exclude
        self.root = os.path.abspath(config.root)
        self.exclude = _spec(tuple(config.exclude) + tuple(config.extend_exclude))
        self.ignores = _Ignores()
        # (directory, problem) for the directories the walk could not read
        self.problems: List[Tuple[str, str]] = []

    def _excluded(self, path: str, is_dir: bool) -> bool:
        absolute = os.path.abspath(path)
        name = os.path.basename(absolute)
        candidates = [name + ("/" if is_dir else "")]
        if absolute.startswith(self.root + os.sep):
            rel = os.path.relpath(absolute, self.root).replace(os.sep, "/")
            candidates.append(rel + ("/" if is_dir else ""))
        return any(self.exclude.match_file(c) for c in candidates)

    def find(self, paths: Sequence[str]) -> Iterator[Discovered]:
        seen = set()
        for given in paths:
            if os.path.isdir(given):
                for path in self._walk(given):
                    path = _undotted(path)
                    key = os.path.abspath(path)
                    if key not in seen:
                        seen.add(key)
                        yield Discovered(path, explicit=False)
            else:
                key = os.path.abspath(given)
                if key in seen:
                    continue
                seen.add(key)
                if self.force_exclude and self._excluded(given, False):
                    continue
                yield Discovered(given, explicit=True)

    def _walk(self, top: str) -> Iterator[str]:
        repository = git_root(top) if self.config.respect_gitignore else None
        chain = _chain(repository, top)
        if len(chain) > 1 and self.ignores.ignored(os.path.abspath(top), True, chain[:-1]):
            # The user named an ignored directory (say, a checkout inside another repository's
            # ignored folder): lint it, applying only the ignore files inside it.
            chain = chain[-1:]
        stack: List[Tuple[str, List[str]]] = [(top, chain)]
        while stack:
            directory, chain = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.problems.append((_undotted(directory), f"cannot read directory: {exc.strerror or exc}"))
                continue
            subdirs = []
            for entry in entries:
                path = entry.path
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    if self._excluded(path, True) or self._is_venv(path):
                        continue
                    if self.config.respect_gitignore and self.ignores.ignored(path, True, chain):
                        continue
                    subdirs.append(path)
                elif entry.name.endswith(".py"):
                    # whatever it is (a file, a dangling or looping symlink, a FIFO): reading it
                    # says what is wrong with it, and refuses a FIFO without opening it
                    if self._excluded(path, False):
                        continue
                    if self.config.respect_gitignore and self.ignores.ignored(path, False, chain):
                        continue
                    yield path
            for sub in reversed(subdirs):
                stack.append((sub, chain + [os.path.abspath(sub)] if self.config.respect_gitignore else chain))

    @staticmethod
    def _is_venv(path: str) -> bool:
        return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def relative_display(path: str, base: Optional[str] = None) -> str:
    """Paths as the user wrote them stay as they are; absolute ones under cwd become relative."""
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path, base or os.getcwd())
        except ValueError:
            return path
        if not rel.startswith(".."):
            return rel
    return path
