"""Running over many files: reading them, the per-file error boundary, parallel workers that
return plain data, and a progress bar on a terminal for long runs."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator, List, Optional, Sequence

from .config import Config
from .engine import lint_source
from .results import FileResult

# Files larger than this are reported, not linted (a generated blob is not hand-written code).
MAX_FILE_BYTES = 20 * 1024 * 1024


def read_source(path: str) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not linted")
    return data


def lint_file(path: str, config: Config) -> FileResult:
    try:
        data = read_source(path)
    except IsADirectoryError:
        return FileResult(path, error="is a directory, not a Python file")
    except FileNotFoundError:
        return FileResult(path, error="no such file")
    except PermissionError:
        return FileResult(path, error="permission denied")
    except OSError as exc:
        return FileResult(path, error=f"cannot read: {exc.strerror or exc}")
    except ValueError as exc:
        return FileResult(path, error=str(exc))
    return lint_source(data, path, config)


_WORKER_CONFIG: Optional[Config] = None


def _init_worker(config: Config) -> None:
    global _WORKER_CONFIG
    _WORKER_CONFIG = config


def _lint_chunk(paths: Sequence[str]) -> List[FileResult]:
    assert _WORKER_CONFIG is not None
    return [lint_file(path, _WORKER_CONFIG) for path in paths]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def lint_paths(
    paths: Sequence[str],
    config: Config,
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Iterator[FileResult]:
    """Results in no particular order; callers sort."""
    jobs = default_jobs() if jobs is None else max(1, jobs)
    total = len(paths)
    done = 0
    if jobs == 1 or total < 8:
        for path in paths:
            yield lint_file(path, config)
            done += 1
            if progress:
                progress(done, total)
        return
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    chunk = max(1, min(16, total // (jobs * 8) or 1))
    chunks = [paths[i : i + chunk] for i in range(0, total, chunk)]
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=(config,)) as pool:
        for results in pool.map(_lint_chunk, chunks):
            for result in results:
                yield result
            done += len(results)
            if progress:
                progress(done, total)


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
