"""Which slow patterns each Python performance linter catches, from their real output.

Runs bytelint, ruff (PERF and the other performance-related rules), perflint (pylint plugin)
and refurb over the snippets in ``benchmarks/comparison/`` (one pattern per file, whose first
line says whether it should be flagged and for which target version) and prints a Markdown
table: for each snippet, what each tool reported, and whether that is right.

    python benchmarks/peer_comparison.py            # installs the peers under benchmarks/.work/peers
    python benchmarks/peer_comparison.py --peers-venv PATH   # reuse an environment

The peers are installed (pinned) into a throwaway virtual environment, never into bytelint's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
SNIPPETS = HERE / "comparison"
WORK = HERE / ".work"
PEERS = ["ruff==0.17.5", "perflint==0.8.1", "refurb==2.3.1"]
# ruff rules whose docs claim a performance benefit (see the rule tables of the README)
RUFF_SELECT = "PERF,FURB,C4,SIM118,RUF005,RUF015,RUF017,RUF019,PLR1714,PLR6201,PLC0415,PLC0206,PLW3301,UP031,UP032,FLY002"
HEADER = re.compile(r"# expect: (flag|clean) \| target: py3(\d+)\s*(.*)")


def ensure_peers(path: Path) -> Path:
    python = path / "bin" / "python"
    if not python.exists():
        venv.create(path, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
    return path / "bin"


def run(cmd, cwd) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    return proc.stdout


def bytelint_codes(path: Path, target: str):
    exe = shutil.which("bytelint") or str(Path(sys.executable).with_name("bytelint"))
    out = run([exe, "check", "--preview", "--select", "ALL", "--target-version", target, "--output-format", "json", "--no-cache", str(path)], SNIPPETS)
    try:
        return sorted({f["code"] for f in json.loads(out or "[]")})
    except json.JSONDecodeError:  # an older bytelint without --no-cache
        out = run([exe, "check", "--preview", "--select", "ALL", "--target-version", target, "--output-format", "json", str(path)], SNIPPETS)
        return sorted({f["code"] for f in json.loads(out or "[]")})


def ruff_codes(bin_dir: Path, path: Path, target: str):
    out = run([str(bin_dir / "ruff"), "check", "--isolated", "--preview", "--select", RUFF_SELECT,
               "--target-version", target, "--output-format", "json", str(path)], SNIPPETS)
    return sorted({d["code"] for d in json.loads(out or "[]") if d.get("code")})


def perflint_codes(bin_dir: Path, path: Path):
    out = run([str(bin_dir / "pylint"), "--load-plugins=perflint", "--disable=all",
               "--enable=W8101,W8102,W8201,W8202,R8203,W8204,W8205,W8301,W8401,W8402,W8403",
               "--output-format=json", "--score=n", str(path)], SNIPPETS)
    try:
        return sorted({m["message-id"] for m in json.loads(out or "[]")})
    except json.JSONDecodeError:
        return ["(error)"]


def refurb_codes(bin_dir: Path, path: Path, target: str):
    out = run([str(bin_dir / "refurb"), "--python-version", f"3.{target[3:]}", "--quiet", str(path)], SNIPPETS)
    return sorted(set(re.findall(r"\[(FURB\d+)\]", out)))


def verdict(expect: str, codes) -> str:
    flagged = bool(codes)
    if expect == "flag":
        return "caught" if flagged else "missed"
    return "false positive" if flagged else "quiet"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers-venv", type=Path, default=WORK / "peers")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    bin_dir = ensure_peers(args.peers_venv)
    rows = []
    for path in sorted(SNIPPETS.glob("*.py")):
        match = HEADER.match(path.read_text().splitlines()[0])
        expect, minor, why = match.group(1), match.group(2), match.group(3).strip("() ")
        target = f"py3{minor}"
        tools = {
            "bytelint": bytelint_codes(path, target),
            "ruff": ruff_codes(bin_dir, path, target),
            "perflint": perflint_codes(bin_dir, path),
            "refurb": refurb_codes(bin_dir, path, target),
        }
        rows.append({"snippet": path.name, "expect": expect, "target": target, "why": why, "tools": tools})
    names = ["bytelint", "ruff", "perflint", "refurb"]
    print("| snippet (target) | should | " + " | ".join(names) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in names) + " |")
    score = {n: 0 for n in names}
    for row in rows:
        cells = []
        for name in names:
            codes = row["tools"][name]
            v = verdict(row["expect"], codes)
            score[name] += v in ("caught", "quiet")
            mark = {"caught": "yes", "quiet": "-", "missed": "**missed**", "false positive": "**false positive**"}[v]
            cells.append(f"{mark} {' '.join(codes)}".strip())
        print(f"| `{row['snippet']}` ({row['target']}) | {row['expect']}: {row['why']} | " + " | ".join(cells) + " |")
    print("| **right** | | " + " | ".join(f"**{score[n]}/{len(rows)}**" for n in names) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
