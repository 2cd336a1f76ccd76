"""Timing of the bytecode layer over a source tree (not a test; run by hand).

    python tests/bytecode/bench_stdlib.py [LIBDIR] [--instrs] [--no-gc]

Compiles every .py file under LIBDIR (default: the running interpreter's stdlib) except the
top-level test/ and site-packages/, then times ``ModuleBytecode.build`` + every unit's ``loops``
(and with --instrs also every unit's ``instrs``) in CPU seconds.  Compile time is reported apart.
"""

import gc
import os
import sys
import sysconfig
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

from bytelint.bytecode import ModuleBytecode, compile_source  # noqa: E402


def source_files(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        top = os.path.relpath(dirpath, root).split(os.sep)[0]
        if top in ("test", "site-packages"):
            dirnames[:] = []
            continue
        out.extend(os.path.join(dirpath, f) for f in filenames if f.endswith(".py"))
    return sorted(out)


def main(argv):
    root = next((a for a in argv if not a.startswith("--")), sysconfig.get_paths()["stdlib"])
    with_instrs = "--instrs" in argv
    if "--no-gc" in argv:  # what a worker process would do around per-file analysis
        gc.disable()
    compiled = []
    lines = 0
    t0 = time.process_time()
    for path in source_files(root):
        with open(path, "rb") as fh:
            data = fh.read()
        result = compile_source(data, path)
        if result.code is not None:
            text = data.decode("utf-8", "replace")
            compiled.append((result.code, text.splitlines(keepends=True)))
            lines += data.count(b"\n")
    t1 = time.process_time()
    units = loops = instrs = 0
    for code, src_lines in compiled:
        mb = ModuleBytecode.build(code, src_lines)
        for unit in mb.units:
            units += 1
            loops += len(unit.loops)
            if with_instrs:
                instrs += len(unit.instrs)
    t2 = time.process_time()
    print(
        "python %d.%d: %d files, %d lines; compile %.2f s; build+loops%s %.2f s CPU "
        "(%d units, %d loops%s)"
        % (sys.version_info[0], sys.version_info[1], len(compiled), lines, t1 - t0,
           "+instrs" if with_instrs else "", t2 - t1, units, loops,
           ", %d instrs" % instrs if with_instrs else "")
    )


if __name__ == "__main__":
    main(sys.argv[1:])
