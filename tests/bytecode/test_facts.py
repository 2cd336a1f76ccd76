"""Per-version facts are data, and the builtins table matches the interpreters."""

import builtins

from bytelint.bytecode import (
    RUNNING_VERSION,
    SUPPORTED_VERSIONS,
    VERSION_FACTS,
    Kind,
    builtin_names,
)

# added to builtins by the site module (absent under python -S)
SITE_NAMES = {"copyright", "credits", "exit", "quit", "help", "license"}


def test_builtins_of_the_running_interpreter():
    running = set(dir(builtins)) - {"_"}
    table = builtin_names(RUNNING_VERSION)
    assert running <= table
    assert table - running <= SITE_NAMES


def test_builtins_grow_per_version():
    assert builtin_names((3, 10)) - builtin_names((3, 9)) == {"EncodingWarning", "aiter", "anext"}
    assert builtin_names((3, 11)) - builtin_names((3, 10)) == {"BaseExceptionGroup", "ExceptionGroup"}
    assert builtin_names((3, 12)) == builtin_names((3, 11))
    assert "PythonFinalizationError" in builtin_names((3, 13))
    assert builtin_names((3, 8)) == builtin_names((3, 9))
    assert builtin_names((3, 14)) == builtin_names((3, 13))


def test_version_facts():
    assert tuple(VERSION_FACTS) == SUPPORTED_VERSIONS
    assert RUNNING_VERSION in SUPPORTED_VERSIONS
    old, new = VERSION_FACTS[(3, 10)], VERSION_FACTS[(3, 11)]
    assert old.str_concat_fast_path_stores == {Kind.FAST_STORE, Kind.DEREF_STORE, Kind.NAME_STORE}
    assert new.str_concat_fast_path_stores == {Kind.FAST_STORE}
    assert old.local_binding_pays and old.bound_method_binding_pays and old.try_in_loop_costs
    assert not (new.local_binding_pays or new.bound_method_binding_pays or new.try_in_loop_costs)
    assert new.zero_cost_exceptions and new.specializing_interpreter
    assert not new.inlined_comprehensions and VERSION_FACTS[(3, 12)].inlined_comprehensions
