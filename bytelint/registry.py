"""Rule discovery: every Rule subclass in the modules of ``bytelint.rules``. Adding a rule means
adding its module; nothing else is edited."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Dict, List, Tuple

from .rule import Rule


@lru_cache(maxsize=1)
def _rule_classes() -> Tuple[type, ...]:
    from . import rules as package  # installed from ``rules/`` via package-dir

    found: Dict[str, type] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
                and getattr(value, "code", None)
            ):
                if value.code in found:
                    raise RuntimeError(f"duplicate rule code {value.code}")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def all_rules() -> List[Rule]:
    return [cls() for cls in _rule_classes()]


def rule_by_code(code: str) -> Rule:
    for rule in all_rules():
        if rule.code == code.upper() or rule.name == code:
            return rule
    raise KeyError(code)


def known_codes() -> List[str]:
    return [cls.code for cls in _rule_classes()]
