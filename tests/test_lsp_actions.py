"""The language server's pure parts (bytelint/server/actions.py), in-process."""

from __future__ import annotations

import pytest

from bytelint.edits import apply_edits
from bytelint.results import Finding, Fix, Edit, Span
from bytelint.server.actions import noqa_edit, reanchor, wants
from bytelint.source import split_lines
from bytelint.suppression import parse


def add_noqa(text: str, line: int, code: str = "BL101"):
    edit = noqa_edit(split_lines(text), line, code)
    return None if edit is None else apply_edits(text, [edit])


@pytest.mark.parametrize(
    "before, after",
    [
        ("for x in y:\n    pass\n", "for x in y:  # noqa: BL101\n    pass\n"),
        ("for x in y:   \n", "for x in y:  # noqa: BL101\n"),
        ("for x in y:  # noqa: E501\n", "for x in y:  # noqa: E501, BL101\n"),
        ("for x in y:  # NOQA:BL102 hot path\n", "for x in y:  # NOQA:BL102, BL101 hot path\n"),
        ("for x in y:  # comment\n", "for x in y:  # comment  # noqa: BL101\n"),
        ("for x in y:  # type: ignore # noqa: E1\n", "for x in y:  # type: ignore # noqa: E1, BL101\n"),
        ("for x in '#':\n", "for x in '#':  # noqa: BL101\n"),
        ("for x in y:\r\n    pass\r\n", "for x in y:  # noqa: BL101\r\n    pass\r\n"),
        ("for x in y:", "for x in y:  # noqa: BL101"),
    ],
)
def test_noqa_is_added_or_merged(before, after):
    assert add_noqa(before, 1) == after
    assert parse(after).suppresses("BL101", 1)


@pytest.mark.parametrize(
    "text, line",
    [
        ("for x in y:  # noqa\n", 1),  # a bare noqa already covers it
        ("for x in y:  # noqa: BL1\n", 1),  # so does a prefix
        ('s = """a\nfor b"""\n', 1),  # the line ends inside a string
        ("x = 1 + \\\n    2\n", 1),  # after a backslash no comment may follow
        ("x = 1\n", 5),  # no such line
    ],
)
def test_noqa_not_offered(text, line):
    assert add_noqa(text, line) is None


def test_noqa_on_half_typed_code():
    text = "def f(:\n    for x in y:\n        pass\n"
    assert add_noqa(text, 2) == "def f(:\n    for x in y:  # noqa: BL101\n        pass\n"
    assert add_noqa("for x in y:  # noqa: E501\nx = (\n", 1) == "for x in y:  # noqa: E501, BL101\nx = (\n"


def finding(line, end_line=None, fix=True):
    span = Span(line, 0, end_line or line, 5)
    return Finding("BL101", "n", "m", "p.py", span, "u", fix=Fix((Edit(span, "x"),), True, "d") if fix else None)


def test_reanchor_moves_by_line_content_and_drops_edited_lines():
    old = split_lines("a = 1\nfor x in y:\n    pass\nfor z in w:\n    pass\n")
    new = split_lines("def broken(:\na = 1\nfor x in y:\n    pass\nfor z in CHANGED:\n    pass\n")
    moved = reanchor([finding(2, 3), finding(4)], old, new)
    assert [f.span for f in moved] == [Span(3, 0, 4, 5)]
    assert moved[0].fix is None  # a fix made for the old text is never offered on the new one


def test_reanchor_prefers_the_nearest_identical_line():
    old = split_lines("for x in y:\n    pass\n" * 3)
    new = split_lines("# new\n" + "for x in y:\n    pass\n" * 3)
    assert [f.span.line for f in reanchor([finding(3)], old, new)] == [4]


def test_code_action_kind_filter():
    assert wants(None, "quickfix") and wants([], "source.fixAll.bytelint")
    assert wants(["source.fixAll"], "source.fixAll.bytelint")
    assert wants(["source"], "source.fixAll.bytelint")
    assert not wants(["quickfix"], "source.fixAll.bytelint")
    assert not wants(["source.fixAll.other"], "source.fixAll.bytelint")
