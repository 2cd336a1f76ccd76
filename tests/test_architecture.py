"""Structural promises of the codebase, checked so they stay true."""

from __future__ import annotations

import dis
import re
from pathlib import Path

import bytelint
from bytelint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
PACKAGE = ROOT / "bytelint"

# Every opcode name of every supported version that a rule might be tempted to test.
OPCODE_WORDS = re.compile(
    r"\b(?:LOAD|STORE|DELETE|BINARY|INPLACE|CALL|JUMP|POP_JUMP|FOR_ITER|GET_ITER|RETURN|BUILD|"
    r"LIST_APPEND|SET_ADD|MAP_ADD|IMPORT|SETUP|PRECALL|RESUME|KW_NAMES|END_FOR|SEND|YIELD)_[A-Z_]+\b"
)


def test_no_opcode_names_in_rules():
    for path in RULES.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = OPCODE_WORDS.findall(text) + [op for op in dis.opmap if re.search(rf"['\"]{op}['\"]", text)]
        assert not found, f"{path.name} names opcodes {found}: ask the bytecode layer instead"


def test_no_version_checks_in_rules():
    for path in RULES.glob("*.py"):
        assert "sys.version_info" not in path.read_text(encoding="utf-8"), path.name


def test_only_bytecode_layer_reads_opcodes():
    imports = re.compile(r"^\s*(?:import|from)\s+(?:dis|opcode)\b", re.M)
    for path in list(PACKAGE.glob("*.py")) + list(RULES.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not imports.search(text), f"{path.name} imports dis/opcode"
        assert "sys.version_info" not in text or path.name == "config.py", path.name


def test_rule_codes_and_names_are_unique_and_well_formed():
    rules = all_rules()
    codes = [r.code for r in rules]
    names = [r.name for r in rules]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    for rule in rules:
        assert re.fullmatch(r"BL\d{3}", rule.code)
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", rule.name)
        assert rule.node_types, rule.code


def test_one_rule_per_module_and_each_is_installed():
    modules = sorted(p.stem for p in RULES.glob("*.py") if not p.stem.startswith("_"))
    installed = sorted(type(r).__module__.rsplit(".", 1)[1] for r in all_rules())
    assert modules == installed


def test_rules_package_is_installed_as_bytelint_rules():
    import bytelint.rules

    assert Path(bytelint.rules.__file__).resolve().parent == RULES


def test_each_rule_has_a_benchmark():
    bench = ROOT / "benchmarks" / "rules"
    for rule in all_rules():
        module = type(rule).__module__.rsplit(".", 1)[1]
        assert (bench / f"{module}.py").is_file(), f"{rule.code} has no micro-benchmark"


def test_engine_modules_stay_small():
    for path in list(PACKAGE.glob("*.py")) + list((PACKAGE / "bytecode").glob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 450, f"{path.name} has {lines} lines"


def test_version_is_exposed():
    assert re.fullmatch(r"\d+\.\d+\.\d+", bytelint.__version__)
