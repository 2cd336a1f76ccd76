"""Benchmarks for rule ``quadratic-concat-in-loop``.

Claim: building a str/bytes/tuple with ``x += piece`` in a loop is quadratic
whenever CPython cannot resize the object in place, and the fix (collect the
pieces in a list, then ``"".join`` / ``b"".join`` / ``tuple()``, or use a
``bytearray``) is linear.  See docs/bytecode.md section 4.

``str +=`` has an in-place fast path only when the target is a plain local
(3.11+: next instruction ``STORE_FAST`` to the same local; 3.9/3.10 also
``STORE_DEREF`` and ``STORE_NAME``).  Therefore:

* attribute, ``global`` and dict-item targets are quadratic on every version;
* ``nonlocal`` and module-level targets are quadratic on 3.11+ only
  (``expect="version-dependent"``: linear on 3.9/3.10);
* a plain local ``s += "x"`` (case ``local_str``) is linear on every version
  -- it is the CONTROL the rule must NOT flag.  Its ratio does not grow with
  N (compare ``local_str_2x``), but join still wins by a constant factor:
  measured ~1.1-1.2x on 3.9/3.10 and ~1.5-1.8x on 3.11-3.13 (about 1-2 ns
  per piece), nothing like the 20-50x of the quadratic cases;
* ``bytes`` and ``tuple`` have no in-place path at all: quadratic even for a
  plain local.

Sizes are chosen so that the slow side of each case stays well under 2 s
per execution while the quadratic effect already dominates (a ratio far
above 1 that roughly doubles when N doubles).
"""

from harness import Case

RULE = "quadratic-concat-in-loop"

_N_STR = 100000
_SETUP_STR = "N = %d\n" % _N_STR
_SCALE_STR = ("N = %d one-char pieces; slow side is quadratic "
              "(2x N -> ~4x time), fast side linear" % _N_STR)

_N_BYTES = 100000
_N_TUPLE = 10000

CASES = [
    # (a) attribute: self.s += "x" inside a method.  STORE_ATTR: never in place.
    Case(
        name="attribute",
        setup=_SETUP_STR + """
class Builder:
    def build(self):
        self.s = ""
        for i in range(N):
            self.s += "x"
        return self.s

class JoinBuilder:
    def build(self):
        parts = []
        for i in range(N):
            parts.append("x")
        self.s = "".join(parts)
        return self.s
""",
        slow="""
            Builder().build()
        """,
        fast="""
            JoinBuilder().build()
        """,
        scale=_SCALE_STR,
        note="self.s += 'x' in a method (STORE_ATTR) vs list + ''.join",
    ),
    # (b) a module global via `global s` in a function.  STORE_GLOBAL.
    Case(
        name="global_stmt",
        setup=_SETUP_STR + 's = ""\n',
        slow="""
            global s
            s = ""
            for i in range(N):
                s += "x"
        """,
        fast="""
            global s
            parts = []
            for i in range(N):
                parts.append("x")
            s = "".join(parts)
        """,
        scale=_SCALE_STR,
    ),
    # (c) a dict item.  STORE_SUBSCR.
    Case(
        name="dict_item",
        setup=_SETUP_STR,
        slow="""
            d = {"s": ""}
            for i in range(N):
                d["s"] += "x"
        """,
        fast="""
            d = {}
            parts = []
            for i in range(N):
                parts.append("x")
            d["s"] = "".join(parts)
        """,
        scale=_SCALE_STR,
    ),
    # (d) a module-level name, really run as module code.  STORE_NAME:
    # in place on 3.9/3.10, quadratic on 3.11+.  Both forms are module-level
    # loops, so the ratio isolates the concatenation itself.
    Case(
        name="module_level",
        mode="module",
        setup=_SETUP_STR,
        slow="""
            s = ""
            for i in range(N):
                s += "x"
        """,
        fast="""
            parts = []
            for i in range(N):
                parts.append("x")
            s = "".join(parts)
        """,
        scale=_SCALE_STR,
        expect="version-dependent",
        note="linear on 3.9/3.10 (STORE_NAME fast path), quadratic on 3.11+",
    ),
    # (e) a nonlocal (closure cell).  STORE_DEREF: in place on 3.9/3.10,
    # quadratic on 3.11+.
    Case(
        name="nonlocal",
        setup=_SETUP_STR,
        slow="""
            s = ""
            def inner():
                nonlocal s
                for i in range(N):
                    s += "x"
            inner()
            return s
        """,
        fast="""
            s = ""
            def inner():
                nonlocal s
                parts = []
                for i in range(N):
                    parts.append("x")
                s = "".join(parts)
            inner()
            return s
        """,
        scale=_SCALE_STR,
        expect="version-dependent",
        note="linear on 3.9/3.10 (STORE_DEREF fast path), quadratic on 3.11+",
    ),
    # Control: plain local.  BINARY_OP_INPLACE_ADD_UNICODE (3.11+) /
    # unicode_concatenate (<=3.10) append in place: linear, NOT slower than
    # join.  The rule must not flag this.
    Case(
        name="local_str",
        setup=_SETUP_STR,
        slow="""
            s = ""
            for i in range(N):
                s += "x"
            return s
        """,
        fast="""
            parts = []
            for i in range(N):
                parts.append("x")
            return "".join(parts)
        """,
        scale=_SCALE_STR,
        expect="not-faster",
        note=("CONTROL: plain local str += is linear (ratio independent of "
              "N) and must not be flagged; join keeps a constant-factor "
              "edge (~1.1-1.8x)"),
    ),
    # Same control at twice the size: if the local += were quadratic, this
    # ratio would be about twice the one above; it stays the same.
    Case(
        name="local_str_2x",
        setup="N = %d\n" % (2 * _N_STR),
        slow="""
            s = ""
            for i in range(N):
                s += "x"
            return s
        """,
        fast="""
            parts = []
            for i in range(N):
                parts.append("x")
            return "".join(parts)
        """,
        scale="N = %d: same control at 2x size; ratio must not grow with N"
              % (2 * _N_STR),
        expect="not-faster",
        note="CONTROL at 2x N: a constant ratio shows the local += is linear",
    ),
    # bytes has no in-place concat: quadratic even for a local.
    Case(
        name="bytes_local_vs_bytearray",
        setup="N = %d\n" % _N_BYTES,
        slow="""
            b = b""
            for i in range(N):
                b += b"x"
            return b
        """,
        fast="""
            ba = bytearray()
            for i in range(N):
                ba += b"x"
            return bytes(ba)
        """,
        scale="N = %d one-byte pieces; bytes += is quadratic even for a local"
              % _N_BYTES,
    ),
    Case(
        name="bytes_local_vs_join",
        setup="N = %d\n" % _N_BYTES,
        slow="""
            b = b""
            for i in range(N):
                b += b"x"
            return b
        """,
        fast="""
            parts = []
            for i in range(N):
                parts.append(b"x")
            return b"".join(parts)
        """,
        scale="N = %d one-byte pieces; bytes += is quadratic even for a local"
              % _N_BYTES,
    ),
    # tuple += (i,): quadratic (copy + incref of every element each time).
    Case(
        name="tuple_local",
        setup="N = %d\n" % _N_TUPLE,
        slow="""
            t = ()
            for i in range(N):
                t += (i,)
            return t
        """,
        fast="""
            lst = []
            for i in range(N):
                lst.append(i)
            return tuple(lst)
        """,
        scale="N = %d elements (smaller: each step copies and increfs the "
              "whole tuple); quadratic" % _N_TUPLE,
    ),
]
