"""Micro-benchmark harness for bytelint's "the fixed form is faster" claims.

Stdlib only; runs unchanged on CPython 3.9-3.13 (no 3.10+ syntax).

A :class:`Case` holds the source of the slow form (what a rule flags), the
fast form (the rule's suggested fix) and a shared setup.  :func:`run_case`
times both on the running interpreter with the methodology of
``docs/bytecode.md`` (sections 4, 8, 9):

* CPU time (``time.process_time``), falling back to ``time.perf_counter``
  only when the measured process-clock granularity is too coarse for the
  requested round length;
* each round executes a form ``n`` times, with ``n`` calibrated so that one
  round lasts at least ``min_round`` seconds (default 20 ms);
* rounds are interleaved (slow, fast, slow, fast, ...) so that machine noise
  hits both forms alike; garbage collection is disabled inside a timed round
  (as ``timeit`` does) and a collection runs before each round;
* reported: best-of per-execution time of each form, ``ratio`` =
  best slow / best fast and ``paired_median`` = median over rounds of
  slow_r / fast_r.  A value > 1 means the fixed form is faster.

How a form's source is executed depends on ``Case.mode``:

``"function"`` (default)
    The source becomes the body of ``def __bench__():`` which is defined by
    exec'ing it as module code in a copy of the setup namespace.  Names the
    setup defines are therefore real module globals for the body
    (``LOAD_GLOBAL``), and names the body assigns are locals (``*_FAST``).
    One execution is one call of ``__bench__()``.

``"module"``
    The source is compiled as module code and one execution is
    ``exec(code, dict(setup_namespace))``: a fresh module dict every time,
    so a module-level loop really runs with ``LOAD_NAME``/``STORE_NAME``.
"""

from __future__ import annotations

import builtins
import gc
import math
import textwrap
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

__all__ = [
    "Case",
    "Result",
    "run_case",
    "pick_timer",
    "compile_form",
    "CLAIM_THRESHOLD",
]

#: A fix is considered "faster" when its paired-median ratio reaches this.
CLAIM_THRESHOLD = 1.05

MODES = ("function", "module")
EXPECTS = ("faster", "not-faster", "version-dependent")


@dataclass(frozen=True)
class Case:
    """One before/after pair.

    name    -- short identifier, unique within a rule's CASES.
    slow    -- source of the slow form (the code the rule flags).
    fast    -- source of the fixed form (the rule's suggestion).
    setup   -- source run once per case; defines the shared module globals.
    number  -- minimum executions of a form per timed round; the harness
               raises it so that a round lasts at least ``min_round``.
    scale   -- optional free-text note on the problem size (e.g. why N is
               what it is, or how the slow side grows with N).
    mode    -- "function" or "module", see the module docstring.
    expect  -- what the measurement is supposed to show:
               "faster" (the rule's claim: paired median >= 1.05),
               "not-faster" (a documented control / counter-example: the
               "fix" is expected to be no faster, the rule must not flag or
               must not suggest it), or "version-dependent".
    note    -- optional free-text explanation printed with --verbose.
    """

    name: str
    slow: str
    fast: str
    setup: str = ""
    number: int = 1
    scale: Optional[str] = None
    mode: str = "function"
    expect: str = "faster"
    note: Optional[str] = None

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError("Case %r: mode must be one of %r, got %r"
                             % (self.name, MODES, self.mode))
        if self.expect not in EXPECTS:
            raise ValueError("Case %r: expect must be one of %r, got %r"
                             % (self.name, EXPECTS, self.expect))
        if self.number < 1:
            raise ValueError("Case %r: number must be >= 1" % (self.name,))


@dataclass(frozen=True)
class Result:
    """Timing of one Case.  Times are seconds per execution of a form."""

    name: str
    slow_s: float
    fast_s: float
    ratio: float
    paired_median: float
    slow_number: int
    fast_number: int
    rounds: int
    clock: str

    def as_json(self) -> Dict[str, float]:
        return {
            "slow_s": _sig(self.slow_s, 6),
            "fast_s": _sig(self.fast_s, 6),
            "ratio": round(self.ratio, 4),
            "paired_median": round(self.paired_median, 4),
        }


def _sig(x: float, digits: int) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


# --------------------------------------------------------------------------
# Clock selection


def _granularity(clock: Callable[[], float], samples: int = 7,
                 budget: float = 0.2) -> float:
    """Median smallest observable step of ``clock`` (seconds)."""
    steps = []
    deadline = time.perf_counter() + budget
    for _ in range(samples):
        a = clock()
        b = a
        while b == a:
            b = clock()
            if time.perf_counter() > deadline:
                break
        if b != a:
            steps.append(b - a)
        if time.perf_counter() > deadline:
            break
    if not steps:
        return float("inf")
    steps.sort()
    return steps[len(steps) // 2]


_TIMER_CACHE = {}  # type: Dict[float, Tuple[Callable[[], float], str]]


def pick_timer(min_round: float = 0.02) -> Tuple[Callable[[], float], str]:
    """Return ``(clock, name)``: process_time unless its granularity is more
    than 1 % of a round, then perf_counter (wall clock)."""
    if min_round in _TIMER_CACHE:
        return _TIMER_CACHE[min_round]
    g = _granularity(time.process_time)
    if g <= min_round / 100.0:
        choice = (time.process_time, "process_time")
    else:
        choice = (time.perf_counter, "perf_counter")
    _TIMER_CACHE[min_round] = choice
    return choice


# --------------------------------------------------------------------------
# Compiling the forms

_FUNC_NAME = "__bench__"


def _clean(src: str) -> str:
    return textwrap.dedent(src).strip("\n") + "\n"


def make_namespace(setup: str, filename: str = "<bench-setup>") -> dict:
    """Run ``setup`` once as module code and return its namespace."""
    ns = {"__name__": "__bench__", "__builtins__": builtins}
    if setup.strip():
        exec(compile(_clean(setup), filename, "exec"), ns)
    return ns


def compile_form(src: str, mode: str, base_ns: dict,
                 filename: str = "<bench>") -> Callable[[], object]:
    """Return a zero-argument callable executing ``src`` once in ``mode``."""
    body = _clean(src)
    if mode == "function":
        code_src = ("def %s():\n" % _FUNC_NAME) + textwrap.indent(body, "    ")
        ns = dict(base_ns)
        exec(compile(code_src, filename, "exec"), ns)
        return ns[_FUNC_NAME]
    if mode == "module":
        code = compile(body, filename, "exec")
        _exec = exec
        _dict = dict

        def run_module(code=code, base=base_ns, _exec=_exec, _dict=_dict):
            _exec(code, _dict(base))

        return run_module
    raise ValueError("unknown mode %r" % (mode,))


# --------------------------------------------------------------------------
# Timing


def _time_n(fn: Callable[[], object], n: int,
            clock: Callable[[], float]) -> float:
    """Seconds for ``n`` calls of ``fn`` with the GC disabled."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        it = range(n)
        t0 = clock()
        for _ in it:
            fn()
        t1 = clock()
    finally:
        if was_enabled:
            gc.enable()
    return t1 - t0


def _median(xs: List[float]) -> float:
    s = sorted(xs)
    k = len(s)
    if k == 0:
        return float("nan")
    if k % 2:
        return s[k // 2]
    return (s[k // 2 - 1] + s[k // 2]) / 2.0


def _calibrate(fn: Callable[[], object], minimum: int, min_round: float,
               clock: Callable[[], float], max_number: int) -> int:
    """Executions per round so that a round lasts >= ``min_round``.

    The first (warm-up) execution also lets the 3.11+ adaptive interpreter
    specialize the code before anything is measured."""
    t = _time_n(fn, 1, clock)          # warm-up, also a first estimate
    t = min(t, _time_n(fn, 1, clock))  # post-specialization estimate
    if t <= 0:
        t = 1e-7
    n = int(math.ceil(min_round / t))
    return max(minimum, min(n, max_number))


def run_case(case: Case, rounds: int = 9, min_round: float = 0.02,
             max_number: int = 1000000, label: str = "",
             clock: Optional[Callable[[], float]] = None,
             clock_name: Optional[str] = None) -> Result:
    """Measure ``case`` and return a :class:`Result`."""
    if clock is None:
        clock, clock_name = pick_timer(min_round)
    label = label or case.name
    base = make_namespace(case.setup, "<bench %s:setup>" % label)
    slow = compile_form(case.slow, case.mode, base, "<bench %s:slow>" % label)
    fast = compile_form(case.fast, case.mode, base, "<bench %s:fast>" % label)

    n_slow = _calibrate(slow, case.number, min_round, clock, max_number)
    n_fast = _calibrate(fast, case.number, min_round, clock, max_number)

    slow_t = []  # type: List[float]
    fast_t = []  # type: List[float]
    for _ in range(max(1, rounds)):
        slow_t.append(_time_n(slow, n_slow, clock) / n_slow)
        fast_t.append(_time_n(fast, n_fast, clock) / n_fast)

    best_slow = min(slow_t)
    best_fast = min(fast_t)
    ratio = best_slow / best_fast if best_fast > 0 else float("inf")
    pairs = [s / f for s, f in zip(slow_t, fast_t) if f > 0]
    return Result(
        name=case.name,
        slow_s=best_slow,
        fast_s=best_fast,
        ratio=ratio,
        paired_median=_median(pairs),
        slow_number=n_slow,
        fast_number=n_fast,
        rounds=len(slow_t),
        clock=clock_name or getattr(clock, "__name__", "?"),
    )
