"""Reading profiles for profile-guided linting (``bytelint/profile.py``), told apart by content:

- cProfile / pstats (``python -m cProfile -o FILE``): a marshalled dict ``{(file, firstlineno,
  funcname): (primitive calls, calls, own time, cumulative time, callers)}``, where a caller's
  value is ``(calls, primitive calls, own time, cumulative time)`` for that call edge;
- collapsed stacks, one ``frame;frame;... WEIGHT`` per line, outermost frame first: py-spy's
  ``--format raw`` (frames ``function (path/file.py:LINE)``; process and thread frames have no
  file) and austin's (``P<pid>;T<tid>;path/file.py:function:LINE``, or with ``-a``
  ``path/file.py:function;L<line>``; ``# key: value`` metadata lines; in full mode the metric
  is ``time,idle,memory`` and the time is the weight).

Every problem (missing, unreadable, empty, corrupt, another format) is one ``ProfileError``.
"""

from __future__ import annotations

import marshal
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

_PY_SPY_FRAME = re.compile(r"^(?P<name>.*) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")
Frame = Tuple[str, int, str]  # path, line, function name


class ProfileError(Exception):
    """A profile that cannot be used, phrased for the user (one line)."""


@dataclass
class Profile:
    path: str
    kind: str  # "cProfile" or "collapsed stacks"
    frames: List[Frame]
    total: float
    # cProfile, per frame: [own time with the built-ins it calls directly, cumulative time, calls]
    timings: List[List[float]] = field(default_factory=list)
    # collapsed stacks: (frame indices, outermost first; weight)
    stacks: List[Tuple[Tuple[int, ...], float]] = field(default_factory=list)


def load_profile(path: str) -> Profile:
    """Read a pstats file or collapsed stacks; any problem is one ProfileError."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except IsADirectoryError:
        raise ProfileError(f"{path}: is a directory, not a profile file") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not data.strip():
        raise ProfileError(f"{path}: empty file, not a profile")
    try:
        text: Optional[str] = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\x00" not in text:
        return _collapsed(path, text)
    return _pstats(path, data)


def _not_a_profile(path: str, why: str) -> ProfileError:
    return ProfileError(f"{path}: not a cProfile (pstats) file or collapsed stacks: {why}")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _pstats(path: str, data: bytes) -> Profile:
    try:
        stats = marshal.loads(data)
    except (EOFError, ValueError, TypeError, OverflowError, MemoryError) as exc:
        raise _not_a_profile(path, f"unreadable data ({exc})") from None
    if not isinstance(stats, dict) or not stats:
        raise _not_a_profile(path, "no table of functions")
    frames: List[Frame] = []
    timings: List[List[float]] = []
    index: Dict[Any, int] = {}
    builtin_time: Dict[Any, float] = {}
    total = 0.0
    for key, value in stats.items():
        valid_key = isinstance(key, tuple) and len(key) == 3 and isinstance(key[0], str) and isinstance(key[1], int) and isinstance(key[2], str)
        if not (valid_key and isinstance(value, tuple) and len(value) == 5 and isinstance(value[4], dict) and all(_number(v) for v in value[:4])):
            raise _not_a_profile(path, f"unexpected entry {str(key)[:80]}")
        _, calls, own, cumulative, callers = value
        total += own
        if key[0] == "~" and key[1] == 0:  # a built-in: its time is its callers' own work
            for caller, edge in callers.items():
                if isinstance(edge, tuple) and len(edge) == 4 and _number(edge[2]):
                    builtin_time[caller] = builtin_time.get(caller, 0.0) + edge[2]
            continue
        index[key] = len(frames)
        frames.append((key[0], key[1], key[2]))
        timings.append([float(own), float(cumulative), float(calls)])
    for caller, extra in builtin_time.items():
        if caller in index:
            timings[index[caller]][0] += extra
    if total <= 0:
        raise ProfileError(f"{path}: the profile recorded no time")
    return Profile(path, "cProfile", frames, total, timings=timings)


def _weight(metric: str) -> Optional[float]:
    try:  # austin's full mode: "time,idle,memory"
        value = float(metric.split(",")[0])
    except ValueError:
        return None
    return value if value >= 0 else None


def _frame(part: str) -> Optional[Frame]:
    part = part.strip()
    match = _PY_SPY_FRAME.match(part)
    if match and match.group("path"):
        return match.group("path"), int(match.group("line") or 0), match.group("name").strip()
    pieces = part.rsplit(":", 2)  # austin: file:function:line (a Windows drive adds a colon)
    if len(pieces) == 3 and pieces[2].isdigit() and is_source(pieces[0]):
        return pieces[0], int(pieces[2]), pieces[1]
    pieces = part.rsplit(":", 1)  # austin -a: file:function, then the line as a frame "L<n>"
    if len(pieces) == 2 and pieces[1] and is_source(pieces[0]):
        return pieces[0], 0, pieces[1]
    return None  # a process, thread or GC marker, or something unknown: not a frame


def is_source(path: str) -> bool:
    return path.endswith((".py", ".pyw")) or (path.startswith("<") and path.endswith(">"))


def _collapsed(path: str, text: str) -> Profile:
    frames: List[Frame] = []
    index: Dict[Frame, int] = {}
    parsed: Dict[str, Optional[int]] = {}  # frame text -> frame index (a profile repeats them)
    stacks: List[Tuple[Tuple[int, ...], float]] = []
    total = 0.0

    def number_of(frame: Frame) -> int:
        if frame not in index:
            index[frame] = len(frames)
            frames.append(frame)
        return index[frame]

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):  # austin writes "# key: value" metadata
            continue
        stack, _, metric = line.rpartition(" ")
        weight = _weight(metric)
        if weight is None or not stack.strip():
            raise _not_a_profile(path, f"line {number} is not 'frame;frame;... COUNT': {raw[:60]!r}")
        ids: List[int] = []
        for part in stack.split(";"):
            if part[:1] == "L" and part[1:].isdigit() and ids and frames[ids[-1]][1] == 0:
                file, _, name = frames[ids.pop()]  # austin -a: this is the line of that frame
                ids.append(number_of((file, int(part[1:]), name)))
                continue
            if part not in parsed:
                frame = _frame(part)
                parsed[part] = None if frame is None else number_of(frame)
            found = parsed[part]
            if found is not None:
                ids.append(found)
        stacks.append((tuple(ids), weight))
        total += weight
    if not stacks:
        raise _not_a_profile(path, "no stack lines")
    if total <= 0:
        raise ProfileError(f"{path}: the profile has no samples")
    return Profile(path, "collapsed stacks", frames, total, stacks=stacks)
