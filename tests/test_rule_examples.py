"""Every rule's VALID and INVALID examples, and its docs' Example / Use instead blocks, run as
tests on every interpreter."""

from __future__ import annotations

import pytest

from helpers import findings, rule_classes

CASES = []
for rule in rule_classes():
    for i, example in enumerate(rule.VALID):
        CASES.append(pytest.param(rule, example, False, id=f"{rule.code}-valid-{i}"))
    for i, example in enumerate(rule.INVALID):
        CASES.append(pytest.param(rule, example, True, id=f"{rule.code}-invalid-{i}"))


@pytest.mark.parametrize("rule, example, should_fire", CASES)
def test_example(rule, example, should_fire):
    found = [f for f in findings(example.code, select=[rule.code], target=example.target) if f.code == rule.code]
    if not should_fire:
        assert found == [], f"{rule.code} fired on a VALID example:\n{example.code}\n{found}"
        return
    assert found, f"{rule.code} did not fire on an INVALID example:\n{example.code}"
    if example.count is not None:
        assert len(found) == example.count, [f.message for f in found]
    if example.message is not None:
        assert any(example.message in f.message for f in found), [f.message for f in found]
    for finding in found:
        assert finding.url.endswith(f"#{rule.code.lower()}-{rule.name}")
        assert finding.span.line >= 1


@pytest.mark.parametrize("rule", rule_classes(), ids=lambda r: r.code)
def test_docs_examples(rule):
    before = rule.doc_code_block("Example")
    after = rule.doc_code_block("Use instead")
    assert before and after, "docs need an Example and a Use instead block"
    # Docs examples are judged against every version the rule applies to.
    target = None if rule.applies_to((3, 9)) else "py311"
    assert [f for f in findings(before, [rule.code], target) if f.code == rule.code], "docs Example must fire"
    assert not [f for f in findings(after, [rule.code], target) if f.code == rule.code], "docs Use instead must not fire"


@pytest.mark.parametrize("rule", rule_classes(), ids=lambda r: r.code)
def test_docs_sections(rule):
    sections = rule.doc_sections()
    for title in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "References"):
        assert sections.get(title), f"{rule.code} docs lack '{title}'"
    assert "benchmarks/rules/" in rule.docs(), "docs must point at the rule's micro-benchmark"


def test_rules_have_examples():
    for rule in rule_classes():
        assert len(rule.VALID) >= 3 and len(rule.INVALID) >= 3, rule.code
