"""A long fuzzing campaign on demand: ``python benchmarks/fuzz.py --minutes 5``.

Two sources of input, alternating: hypothesmith-generated modules, and mutations of stdlib
files (random lines and bytes deleted, duplicated or swapped). Each input is checked against
the invariants of tests/test_fuzz.py (lint_source never raises, spans inside the file, fixes
compile and are a fixed point). A failing input is saved under tests/fuzz_regressions/, which
the test suite replays. Each input runs under a time limit (--file-timeout, default 20 s);
inputs that exceed it are counted and saved as slow cases, not failures.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import signal
import sys
import sysconfig
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
REGRESSIONS = ROOT / "tests" / "fuzz_regressions"


class _Slow(BaseException):
    pass


def _alarm(signum, frame):
    raise _Slow()


def mutate(data: bytes, rng: random.Random) -> bytes:
    lines = data.splitlines(keepends=True)
    for _ in range(rng.randint(1, 4)):
        if not lines:
            break
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        kind = rng.choice(["del-line", "dup-line", "swap-lines", "del-byte", "dup-byte", "swap-bytes"])
        if kind == "del-line":
            del lines[i]
        elif kind == "dup-line":
            lines.insert(j, lines[i])
        elif kind == "swap-lines":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            line = bytearray(lines[i])
            if line:
                a, b = rng.randrange(len(line)), rng.randrange(len(line))
                if kind == "del-byte":
                    del line[a]
                elif kind == "dup-byte":
                    line.insert(b, line[a])
                else:
                    line[a], line[b] = line[b], line[a]
                lines[i] = bytes(line)
    return b"".join(lines)


def stdlib_files(limit_bytes: int = 60_000):
    base = Path(sysconfig.get_paths()["stdlib"])
    return [p for p in sorted(base.glob("*.py")) if p.stat().st_size <= limit_bytes]


def save(data: bytes, kind: str) -> Path:
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    path = REGRESSIONS / f"{kind}_{hashlib.sha256(data).hexdigest()[:12]}.py.bin"
    path.write_bytes(data)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--file-timeout", type=float, default=20.0)
    args = parser.parse_args()
    from hypothesis import HealthCheck, given, settings
    import hypothesmith
    from test_fuzz import check_properties

    rng = random.Random(args.seed)
    corpus = stdlib_files()
    deadline = time.monotonic() + args.minutes * 60
    counts = {"generated": 0, "mutated": 0, "failures": 0, "slow": 0}
    signal.signal(signal.SIGALRM, _alarm)

    def one(data: bytes, source: str) -> None:
        counts[source] += 1
        signal.setitimer(signal.ITIMER_REAL, args.file_timeout)
        try:
            check_properties(data)
        except _Slow:
            counts["slow"] += 1
            print(f"slow (> {args.file_timeout:g} s): saved {save(data, 'slow')}", flush=True)
        except Exception:
            counts["failures"] += 1
            path = save(data, "fail")
            print(f"FAILURE saved {path}:\n{traceback.format_exc(limit=4)}", flush=True)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(hypothesmith.from_grammar())
    def generated(text):
        one(text.encode("utf-8"), "generated")

    start = time.monotonic()
    while time.monotonic() < deadline:
        generated()
        for _ in range(25):
            if time.monotonic() >= deadline:
                break
            one(mutate(rng.choice(corpus).read_bytes(), rng), "mutated")
    elapsed = time.monotonic() - start
    total = counts["generated"] + counts["mutated"]
    print(f"{total} inputs in {elapsed:.0f} s ({counts['generated']} generated, {counts['mutated']} mutated); "
          f"{counts['failures']} failures, {counts['slow']} over the time limit")
    return 1 if counts["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
