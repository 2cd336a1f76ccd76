from pathlib import Path

import pytest

from bytelint.config import Config, ConfigError, enabled_codes, find_pyproject, load_config

CODES = ["BL101", "BL102", "BL103", "BL201"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_pyproject():
    config = load_config(None, CODES)
    assert enabled_codes(config, CODES) == frozenset(CODES)


def test_select_ignore_and_specificity(tmp_path):
    config = load_config(write(tmp_path, '[tool.bytelint]\nselect = ["BL1"]\nignore = ["BL102"]\n'), CODES)
    assert enabled_codes(config, CODES) == {"BL101", "BL103"}
    # a more specific select beats a broader ignore
    config = load_config(write(tmp_path, '[tool.bytelint]\nselect = ["BL101"]\nignore = ["BL1"]\n'), CODES)
    assert enabled_codes(config, CODES) == {"BL101"}


def test_cli_layer_overrides_file(tmp_path):
    config = load_config(write(tmp_path, '[tool.bytelint]\nselect = ["BL1"]\n'), CODES)
    from dataclasses import replace

    assert enabled_codes(replace(config, cli_select=("BL201",)), CODES) == {"BL201"}
    assert enabled_codes(replace(config, cli_ignore=("BL101",)), CODES) == {"BL102", "BL103"}


def test_target_version_from_requires_python(tmp_path):
    config = load_config(write(tmp_path, '[project]\nname = "x"\nrequires-python = ">=3.10"\n'), CODES)
    assert config.target_versions == ((3, 10), (3, 11), (3, 12), (3, 13))
    config = load_config(write(tmp_path, '[project]\nrequires-python = ">=3.8,<3.11"\n'), CODES)
    assert config.target_versions == ((3, 9), (3, 10))


@pytest.mark.parametrize("value", ['"banana"', "39", '"3.9+"', '[">=3.9"]'])
def test_invalid_requires_python_is_an_error_unless_target_version_is_set(tmp_path, value):
    from bytelint.config import needs_targets, with_cli

    path = write(tmp_path, f"[project]\nrequires-python = {value}\n")
    config = load_config(path, CODES)
    with pytest.raises(ConfigError) as info:
        needs_targets(config)
    assert str(path) in str(info.value) and "requires-python" in str(info.value) and "target-version" in str(info.value)
    needs_targets(with_cli(config, target_versions=((3, 12), (3, 13))))  # --target-version: fine
    text = f'[project]\nrequires-python = {value}\n[tool.bytelint]\ntarget-version = "py310"\n'
    config = load_config(write(tmp_path, text), CODES)
    needs_targets(config)
    assert config.target_versions == ((3, 10), (3, 11), (3, 12), (3, 13))


def test_target_version_key_beats_requires_python(tmp_path):
    text = '[project]\nrequires-python = ">=3.9"\n[tool.bytelint]\ntarget-version = "py312"\n'
    assert load_config(write(tmp_path, text), CODES).target_versions == ((3, 12), (3, 13))


@pytest.mark.parametrize(
    "body, expected",
    [
        ('selct = ["BL1"]', "unknown key 'selct' (did you mean 'select'?)"),
        ('select = "BL1"', "'select' must be a list of strings"),
        ('select = ["BL999"]', "unknown rule code 'BL999'"),
        ('target-version = "py27"', "'target-version'"),
        ("preview = 1", "'preview' must be true or false"),
        ('per-file-ignores = {"tests/*" = ["XX1"]}', "unknown rule code 'XX1'"),
        ('output-format = "xml"', "'output-format' must be one of"),
    ],
)
def test_errors_name_file_and_key(tmp_path, body, expected):
    path = write(tmp_path, f"[tool.bytelint]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, CODES)
    message = str(info.value)
    assert str(path) in message and expected in message
    assert "\n" not in message


def test_invalid_toml(tmp_path):
    path = write(tmp_path, "[tool.bytelint\nselect = [")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path, CODES)


def test_find_pyproject_prefers_one_with_bytelint_table(tmp_path):
    write(tmp_path, "[tool.bytelint]\n")
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname='inner'\n")
    assert find_pyproject(inner) == tmp_path / "pyproject.toml"
    (tmp_path / "pyproject.toml").unlink()
    assert find_pyproject(inner) == inner / "pyproject.toml"


def test_preview_rules_need_opt_in():
    config = Config()
    assert "BL201" not in enabled_codes(config, CODES, preview_codes=["BL201"])
    assert "BL201" in enabled_codes(Config(select=("BL201",)), CODES, preview_codes=["BL201"])


def test_opt_in_rules_run_only_when_named(tmp_path):
    opt_in = ["BL102"]
    assert enabled_codes(Config(), CODES, opt_in_codes=opt_in) == {"BL101", "BL103", "BL201"}
    assert "BL102" not in enabled_codes(Config(select=("BL1",)), CODES, opt_in_codes=opt_in)  # a prefix
    assert "BL102" not in enabled_codes(Config(preview=True), CODES, opt_in_codes=opt_in)
    for config in (
        Config(select=("BL102",)),
        Config(extend_select=("BL102",)),
        Config(cli_select=("BL102",)),
        Config(select=("ALL",)),
        load_config(write(tmp_path, '[tool.bytelint]\nextend-select = ["BL102"]\n'), CODES),
    ):
        assert "BL102" in enabled_codes(config, CODES, opt_in_codes=opt_in), config
    assert "BL102" not in enabled_codes(Config(extend_select=("BL102",), ignore=("BL102",)), CODES, opt_in_codes=opt_in)
    # `--select` replaces the file's selection, and with it the file's naming of the rule
    assert "BL102" not in enabled_codes(Config(extend_select=("BL102",), cli_select=("BL1",)), CODES, opt_in_codes=opt_in)


def test_global_lookup_in_loop_is_opt_in():
    from bytelint.engine import select_rules
    from bytelint.registry import selected_codes

    from helpers import targets

    config = Config(target_versions=targets("py39"))
    assert "BL102" not in [r.code for r in select_rules(config)] and "BL102" not in selected_codes(config)
    config = Config(target_versions=targets("py39"), extend_select=("BL102",))
    assert "BL102" in [r.code for r in select_rules(config)] and "BL102" in selected_codes(config)


@pytest.mark.parametrize(
    "versions, text",
    [
        ([(3, 11)], "3.11"),
        ([(3, 9), (3, 10), (3, 11)], "3.9-3.11"),
        ([(3, 9), (3, 10), (3, 12), (3, 13)], "3.9-3.10 and 3.12-3.13"),  # never "3.9-3.13" with a gap
        ([(3, 9), (3, 11), (3, 13)], "3.9, 3.11 and 3.13"),
    ],
)
def test_version_lists_in_messages(versions, text):
    from bytelint.versions import describe

    assert describe(versions) == text
