"""Running over many files: reading them, the per-file error boundary, the results cache,
parallel workers that return plain data, and a progress bar on a terminal for long runs.

The engine (and with it libcst and the rules) is imported only when a file has to be linted: a
run that the cache answers entirely never loads it. Before forking workers the parent imports
it once and freezes its objects out of the garbage collector, so workers start warm and share
those pages. In workers (and in a serial run) the cyclic garbage collector is off during a
file and a young-generation collection runs between files: a file's trees and bytecode views
are freed by reference counting or by that collection, and full collections, which would walk
every long-lived object again and again, never run.
"""

from __future__ import annotations

import gc
import os
import stat
import sys
import time
from typing import TYPE_CHECKING, Callable, Iterator, List, Optional, Sequence, Tuple

from .config import Config, ignored_for_path
from .results import FileResult

if TYPE_CHECKING:  # pragma: no cover
    from .cache import ResultCache

# Files larger than this are reported, not linted (a generated blob is not hand-written code).
MAX_FILE_BYTES = 20 * 1024 * 1024
# Below this many files to lint, worker start-up costs more than it saves.
MIN_PARALLEL_FILES = 8
# Errors that say more about the run than about the file: never cached.
_TRANSIENT_ERRORS = ("internal error", "out of memory", "took longer than")

Outcome = Tuple[FileResult, Optional[str]]  # the result, the digest of the bytes linted


def read_source(path: str) -> bytes:
    # stat first: a FIFO, socket or device named *.py is refused without being opened (opening
    # a FIFO would release a writer waiting on it); then a non-blocking open and fstat, for one
    # swapped in meanwhile: refused, never waited on.
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(path)
    if not stat.S_ISREG(mode):
        raise ValueError("not a regular file (a FIFO, socket or device); not linted")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise ValueError("not a regular file (a FIFO, socket or device); not linted")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not linted")
    return data


def _read(path: str) -> Tuple[Optional[bytes], Optional[FileResult]]:
    try:
        return read_source(path), None
    except IsADirectoryError:
        return None, FileResult(path, error="is a directory, not a Python file")
    except FileNotFoundError:
        return None, FileResult(path, error="no such file")
    except PermissionError:
        return None, FileResult(path, error="permission denied")
    except OSError as exc:
        return None, FileResult(path, error=f"cannot read: {exc.strerror or exc}")
    except ValueError as exc:
        return None, FileResult(path, error=str(exc))


def _lint_one(path: str, config: Config, digests: bool) -> Outcome:
    data, failure = _read(path)
    if data is None:
        assert failure is not None
        return failure, None
    from .engine import lint_source
    from .timeout import FileTimeout, expired, time_limit, timeout_message

    try:
        with time_limit(config.file_timeout):
            result = lint_source(data, path, config)
    except FileTimeout:
        result = FileResult(path, error=timeout_message(config.file_timeout))
    if expired():  # the alarm fired somewhere that swallowed it: the result is not trustworthy
        result = FileResult(path, error=timeout_message(config.file_timeout))
    digest = None
    if digests and not (result.error and result.error.startswith(_TRANSIENT_ERRORS)):
        from .cache import content_digest

        digest = content_digest(data)
    return result, digest


def lint_file(path: str, config: Config) -> FileResult:
    return _lint_one(path, config, False)[0]


def _lint_quietly(paths: Sequence[str], config: Config, digests: bool) -> Iterator[Outcome]:
    """Lint files with the cyclic garbage collector off, collecting the young generation
    between files (see the module docstring)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        for path in paths:
            outcome = _lint_one(path, config, digests)
            gc.collect(0)
            yield outcome
    finally:
        if enabled:
            gc.enable()


_WORKER: Optional[Tuple[Config, bool]] = None


def _init_worker(config: Config, digests: bool) -> None:
    global _WORKER
    _WORKER = (config, digests)
    gc.freeze()  # everything imported so far lives as long as the worker


def _lint_chunk(paths: Sequence[str]) -> List[Outcome]:
    assert _WORKER is not None
    config, digests = _WORKER
    return list(_lint_quietly(paths, config, digests))


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def chunks(paths: Sequence[str], jobs: int, sizes: Optional[Sequence[int]] = None) -> List[List[str]]:
    """Work units for the pool: the biggest files first (so that the run does not end waiting
    for one big file), about ``jobs * 8`` units of similar size in bytes, each at most 64
    files (results flow back, and the progress bar moves, as units finish)."""
    if sizes is None:
        sizes = [_size(p) for p in paths]
    order = sorted(range(len(paths)), key=lambda i: -sizes[i])
    budget = max(1, sum(sizes) // (jobs * 8))
    units: List[List[str]] = []
    current: List[str] = []
    weight = 0
    for i in order:
        current.append(paths[i])
        weight += sizes[i]
        if weight >= budget or len(current) >= 64:
            units.append(current)
            current, weight = [], 0
    if current:
        units.append(current)
    return units


def _prepare_fork() -> None:
    """Import what workers need before forking them (they inherit it), and move it out of
    the collector's sight."""
    from . import engine  # noqa: F401  (libcst)
    from .registry import all_rules

    all_rules()
    gc.collect()
    gc.freeze()


def _lint_parallel(paths: Sequence[str], config: Config, jobs: int, digests: bool, sizes=None) -> Iterator[Outcome]:
    import multiprocessing  # here: a run answered by the cache never needs them
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    fork = sys.platform == "linux"
    if fork:
        _prepare_fork()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    try:
        with ProcessPoolExecutor(
            min(jobs, len(paths)), mp_context=context, initializer=_init_worker, initargs=(config, digests)
        ) as pool:
            pending = {pool.submit(_lint_chunk, unit) for unit in chunks(paths, jobs, sizes)}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield from future.result()
    finally:
        if fork:
            gc.unfreeze()


def file_key(config: Config, path: str) -> str:
    """What about a file, besides its content, changes its result: its per-file ignores."""
    return ",".join(ignored_for_path(config, path))


def lint_paths(
    paths: Sequence[str],
    config: Config,
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int, int], None]] = None,
    cache: "Optional[ResultCache]" = None,
) -> Iterator[FileResult]:
    """Results in no particular order; callers sort. With a cache, files whose content and
    settings it knows are answered from it, and new results are stored at the end."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    total = len(paths)
    done = 0
    todo: List[str] = list(paths)
    sizes: Optional[List[int]] = None
    keys = {}
    if cache is not None:
        from .cache import content_digest

        todo, sizes = [], []
        for path in paths:
            data, _failure = _read(path)
            if data is not None:
                keys[path] = file_key(config, path)
                hit = cache.get(path, content_digest(data), keys[path])
                if hit is not None:
                    yield hit
                    done += 1
                    if progress:
                        progress(done, total)
                    continue
            todo.append(path)
            sizes.append(len(data) if data is not None else 0)
    try:
        if jobs == 1 or len(todo) < MIN_PARALLEL_FILES:
            outcomes: Iterator[Outcome] = _lint_quietly(todo, config, cache is not None)
        else:
            outcomes = _lint_parallel(todo, config, jobs, cache is not None, sizes)
        for result, digest in outcomes:
            if cache is not None and digest is not None:
                cache.put(result.path, digest, keys.get(result.path, ""), result)
            yield result
            done += 1
            if progress:
                progress(done, total)
    finally:
        if cache is not None:
            cache.save()


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal and only once a run has
    taken longer than a second. Silent when piped."""

    def __init__(self, stream=None, delay: float = 1.0) -> None:
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()
        self.delay = delay
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.start < self.delay:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 60 + "\r")
            self.stream.flush()
