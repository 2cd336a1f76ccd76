"""``bytelint lsp`` with one extra, test-only rule whose findings carry fixes, so the language
server's fix code paths (quick fix, fix all) are tested end to end independently of which real
rules have fixes. Started by tests/test_lsp.py as the server process.

BL999 ``test-power-literal``: ``10**6`` (safe fix: ``1_000_000``) and ``2**20`` (unsafe fix:
``1048576``). It wraps the real lint, so every real rule still runs, and it honours ``# noqa``.
It also prints to stdout on every lint, as a careless rule might: the server keeps the protocol
stream clean.
"""

import re
import sys
from dataclasses import replace

import bytelint.fixer
import bytelint.server.server
from bytelint.engine import lint_source as real_lint_source
from bytelint.results import Edit, Finding, Fix, Span
from bytelint.source import SourceError, decode
from bytelint.suppression import parse

PATTERNS = (
    (re.compile(r"\b10\*\*6\b"), "1_000_000", True),
    (re.compile(r"\b2\*\*20\b"), "1048576", False),
)


def lint_source(source, path, config, rules=None):
    print("a stray print from a rule must not corrupt the protocol stream")
    result = real_lint_source(source, path, config, rules)
    if result.error or rules is not None:
        return result
    try:
        text = decode(source)
    except SourceError:
        return result
    suppressions = parse(text.text)
    extra = []
    for number, line in enumerate(text.lines, 1):
        if suppressions.suppresses("BL999", number):
            continue
        for pattern, replacement, safe in PATTERNS:
            for match in pattern.finditer(line):
                span = Span(number, match.start(), number, match.end())
                extra.append(
                    Finding(
                        code="BL999",
                        name="test-power-literal",
                        message=f"write {match.group(0)} as {replacement}",
                        path=path,
                        span=span,
                        url="https://example.invalid/bl999",
                        # Whole-line edits, as the engine makes them (bytelint/edits.py).
                        fix=Fix((Edit(Span(number, 0, number + 1, 0), pattern.sub(replacement, line)),), safe, f"write {replacement}"),
                    )
                )
    findings = tuple(sorted(result.findings + tuple(extra), key=Finding.sort_key))
    return replace(result, findings=findings)


bytelint.server.server.lint_source = lint_source
bytelint.fixer.lint_source = lint_source

if __name__ == "__main__":
    sys.exit(bytelint.server.server.serve())
