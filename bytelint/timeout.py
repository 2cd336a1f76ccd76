"""A per-file time limit: one pathological file must not hang a run.

On POSIX, in the main thread of a process (each worker, or a serial run), ``time_limit`` arms
a real-time interval timer around one file's work; when it fires, ``FileTimeout`` (a
BaseException, so that the engine's per-file ``except Exception`` boundary does not swallow
it) unwinds the work and the caller turns it into that file's error result. Where signals
cannot be used (Windows, a non-main thread, an LSP server thread) it does nothing.

The check happens between Python bytecodes: a single long call into C (``compile``, libcst's
native parser) finishes before the limit is enforced.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator, Optional

DEFAULT_FILE_TIMEOUT = 60.0


class FileTimeout(BaseException):
    """Raised inside the work on one file when its time is up."""


def timeout_message(seconds: float) -> str:
    return f"took longer than {seconds:g} s; skipped (see --file-timeout)"


def _usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


_expired = threading.Event()


def expired() -> bool:
    """Did the last ``time_limit`` fire? (The exception can be swallowed where it lands, in a
    callback or a broad handler; the caller then trusts this flag, not the result.)"""
    return _expired.is_set()


def _expire(signum, frame):  # pragma: no cover - timing dependent
    _expired.set()
    raise FileTimeout()


@contextlib.contextmanager
def time_limit(seconds: Optional[float]) -> Iterator[None]:
    if not seconds or seconds <= 0 or not _usable():
        yield
        return
    _expired.clear()
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
