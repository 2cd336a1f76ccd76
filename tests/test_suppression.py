from bytelint.suppression import ALL, parse


def test_bare_and_coded_noqa():
    s = parse("x = 1  # noqa\ny = 2  # noqa: BL101, BL2\nz = 3\n")
    assert s.suppresses("BL103", 1)
    assert s.suppresses("BL101", 2) and s.suppresses("BL201", 2) and not s.suppresses("BL103", 2)
    assert not s.suppresses("BL101", 3)


def test_noqa_inside_string_is_not_a_comment():
    s = parse('x = "# noqa"\n')
    assert not s.suppresses("BL101", 1)


def test_file_level_opt_out():
    assert parse("# bytelint: noqa\nx = 1\n").file == ALL
    s = parse("# bytelint: noqa: BL101\nx = 1\n")
    assert s.suppresses("BL101", 2) and not s.suppresses("BL102", 2)
    # trailing on a code line it is an ordinary line noqa, not a file opt-out
    assert parse("x = 1  # bytelint: noqa\n").file != ALL


def test_unparsable_text_never_raises():
    result = parse("x = (  # noqa\n")
    assert result.file == frozenset()
