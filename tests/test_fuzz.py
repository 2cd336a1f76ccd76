"""Property tests (hypothesis + hypothesmith): lint_source never raises, spans lie inside the
file, every fix compiles and is a fixed point. A bounded run here; benchmarks/fuzz.py runs a
long campaign and saves failures under tests/fuzz_regressions/, which are replayed below."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from bytelint.config import Config  # noqa: E402
from bytelint.engine import lint_source  # noqa: E402
from bytelint.fixer import fix_source  # noqa: E402
from bytelint.source import SourceError, decode  # noqa: E402
from bytelint.versions import targets_from_minimum  # noqa: E402

CONFIG = Config(target_versions=targets_from_minimum((3, 9)), preview=True)
REGRESSIONS = sorted((Path(__file__).parent / "fuzz_regressions").glob("*.py.bin"))
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def check_properties(data: bytes) -> None:
    """The invariants, shared with benchmarks/fuzz.py (raises AssertionError on a violation)."""
    result = lint_source(data, "fuzz.py", CONFIG)
    try:
        lines = decode(data).lines
    except SourceError:
        assert result.error is not None
        return
    count = len(lines)
    for finding in result.findings:
        span = finding.span
        assert 1 <= span.line <= span.end_line <= count + 1, span
        assert 0 <= span.col and (span.line, span.col) <= (span.end_line, span.end_col), span
        if span.line <= count:
            assert span.col <= len(lines[span.line - 1]), span
    outcome = fix_source(data, "fuzz.py", CONFIG, unsafe=True)
    assert outcome.error is None or not outcome.error.startswith("internal error"), outcome.error
    if outcome.fixed is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(outcome.fixed, "fuzz.py", "exec", dont_inherit=True)
        again = fix_source(outcome.fixed, "fuzz.py", CONFIG, unsafe=True)
        assert again.fixed is None or again.fixed == outcome.fixed, "a second fix pass changed the file"
    assert result.error is None or not result.error.startswith("internal error"), result.error


@SETTINGS
@given(hypothesmith.from_grammar().map(lambda s: s.encode("utf-8")))
def test_generated_modules(data):
    check_properties(data)


LOOPY = st.sampled_from([
    "total = 0\nfor i in range(10**6):\n    total += i\n",
    "def f(items):\n    total = 0\n    for item in items:\n        total += len(item)\n    return total\n",
    "def g(d):\n    for k in d.keys():\n        print(k)\n",
    "def h(xs):\n    return ''.join([x for x in xs])\n",
])


@SETTINGS
@given(st.lists(LOOPY, min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_mutated_snippets(parts, rng):
    lines = "".join(parts).splitlines(keepends=True)
    for _ in range(rng.randint(0, 3)):
        if lines:
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    check_properties("".join(lines).encode())


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.name for p in REGRESSIONS])
def test_fuzz_regressions(path):
    check_properties(path.read_bytes())
