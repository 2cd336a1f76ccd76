"""The results cache: hits, invalidation, corrupt and concurrent packs, the rule manifest, and
the `--no-cache` / `--cache-dir` / `BYTELINT_CACHE_DIR` / `bytelint clean` surface."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bytelint import cache, registry, runner
from bytelint.config import Config, with_cli
from bytelint.results import Edit, FileResult, Finding, Fix, Span
from bytelint.versions import targets_from_minimum

SLOW = "total = 0\nfor i in range(10**6):\n    total += i\n"
CLEAN = "def f(xs):\n    return sum(xs)\n"
CONCAT = textwrap.dedent(
    """\
    def build(parts):
        out = ""
        for p in parts:
            out += p
        return out
    """
)


def bytelint_exe() -> str:
    return str(Path(sys.executable).with_name("bytelint"))


def run_cli(*args, cwd, env=None):
    full_env = dict(os.environ, NO_COLOR="1")
    full_env.pop(cache.ENV_VAR, None)
    full_env.update(env or {})
    return subprocess.run([bytelint_exe(), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nrequires-python = ">=3.9"\n')
    src = tmp_path / "src"
    src.mkdir()
    (src / "slow.py").write_text(SLOW)
    (src / "clean.py").write_text(CLEAN)
    (src / "concat.py").write_text(CONCAT)
    return tmp_path


class Counting:
    """Counts the files the engine really lints (in this process: jobs=1)."""

    def __init__(self, monkeypatch):
        import bytelint.engine

        self.paths = []
        original = bytelint.engine.lint_source

        def lint_source(data, path, config, rules=None):
            self.paths.append(path)
            return original(data, path, config, rules)

        monkeypatch.setattr(bytelint.engine, "lint_source", lint_source)


def config_for(root, **changes) -> Config:
    return with_cli(Config(root=str(root), target_versions=targets_from_minimum((3, 9))), **changes)


def lint(root, config, directory=None):
    directory = directory or str(root / ".bytelint_cache")
    store = cache.ResultCache(directory, cache.settings_key(config, registry.selected_codes(config)))
    files = sorted(str(p) for p in (root / "src").glob("*.py"))
    return sorted(runner.lint_paths(files, config, jobs=1, cache=store), key=lambda r: r.path)


def test_second_run_is_answered_from_the_cache(project, monkeypatch):
    counting = Counting(monkeypatch)
    config = config_for(project)
    first = lint(project, config)
    assert len(counting.paths) == 3
    second = lint(project, config)
    assert len(counting.paths) == 3, "nothing is linted again"
    assert second == first
    assert any(r.findings for r in second)


def test_content_change_invalidates_only_that_file(project, monkeypatch):
    counting = Counting(monkeypatch)
    config = config_for(project)
    lint(project, config)
    (project / "src" / "clean.py").write_text(CLEAN + "\nx = 1\n")
    lint(project, config)
    assert counting.paths[3:] == [str(project / "src" / "clean.py")]


@pytest.mark.parametrize(
    "changes",
    [
        {"cli_select": ("BL101",)},
        {"cli_ignore": ("BL201",)},
        {"target_versions": targets_from_minimum((3, 12))},
        {"preview": True},
    ],
)
def test_settings_change_invalidates(project, monkeypatch, changes):
    counting = Counting(monkeypatch)
    lint(project, config_for(project))
    changed = lint(project, config_for(project, **changes))
    assert len(counting.paths) == 6
    assert changed == lint(project, config_for(project, **changes))  # and is cached in its turn
    assert len(counting.paths) == 6


def test_per_file_ignores_are_part_of_the_file_key(project, monkeypatch):
    counting = Counting(monkeypatch)
    lint(project, config_for(project))
    ignoring = config_for(project, per_file_ignores=(("src/slow.py", ("BL101",)),))
    results = lint(project, ignoring)
    assert counting.paths[3:] == [str(project / "src" / "slow.py")]
    assert not next(r for r in results if r.path.endswith("slow.py")).findings


@pytest.mark.parametrize("what", ["version", "source", "interpreter"])
def test_bytelint_or_interpreter_change_invalidates(project, monkeypatch, what):
    counting = Counting(monkeypatch)
    lint(project, config_for(project))
    if what == "version":
        monkeypatch.setattr(cache, "__version__", "999.0.0")
    elif what == "source":
        monkeypatch.setattr(cache, "source_fingerprint", lambda: "edited")
    else:
        monkeypatch.setattr(cache, "interpreter_key", lambda: ("another", "python"))
    lint(project, config_for(project))
    assert len(counting.paths) == 6


def test_source_fingerprint_covers_engine_and_rules():
    files = cache._source_files()
    names = {os.path.basename(f) for f in files}
    assert {"engine.py", "cache.py", "kinds.py"} <= names
    assert any(os.sep + "rules" + os.sep in f for f in files)
    assert cache.source_fingerprint() == cache.source_fingerprint()


def _pack(project) -> Path:
    packs = list((project / ".bytelint_cache").glob("*/*.json"))
    assert len(packs) == 1
    return packs[0]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"",
        lambda data: b"\x00\xff garbage",
        lambda data: data.replace(b'"BL', b'"XX'),  # body no longer matches its digest
        lambda data: b'{"format": 1}\n[]',
    ],
)
def test_corrupt_pack_is_ignored(project, monkeypatch, damage):
    counting = Counting(monkeypatch)
    config = config_for(project)
    expected = lint(project, config)
    pack = _pack(project)
    pack.write_bytes(damage(pack.read_bytes()))
    assert lint(project, config) == expected
    assert len(counting.paths) == 6, "every file is linted again"
    assert lint(project, config) == expected  # and the pack is whole again
    assert len(counting.paths) == 6


def test_wellformed_pack_with_wrong_entries_is_not_trusted(project, monkeypatch):
    counting = Counting(monkeypatch)
    config = config_for(project)
    expected = lint(project, config)
    pack = _pack(project)
    header, body = pack.read_bytes().split(b"\n", 1)
    entries = json.loads(body)
    for entry in entries.values():
        entry[2] = '{"@": "NoSuchClass", "v": []}' 
    body = json.dumps(entries).encode()
    meta = json.loads(header)
    meta["digest"] = cache.blake2b(body, digest_size=16).hexdigest()
    pack.write_bytes(json.dumps(meta).encode() + b"\n" + body)
    assert lint(project, config) == expected
    assert len(counting.paths) == 6


def _save_many(directory, key, worker, count, barrier):
    barrier.wait()
    for i in range(count):
        store = cache.ResultCache(directory, key)
        path = os.path.join(directory, "..", f"file{worker}_{i}.py")
        store.put(path, "d", "", FileResult(path))
        store.save()


@pytest.mark.skipif(sys.platform != "linux", reason="forked writers")
def test_concurrent_writers_leave_a_valid_pack(tmp_path):
    directory = str(tmp_path / "cache")
    for worker in range(4):
        for i in range(25):
            (tmp_path / f"file{worker}_{i}.py").write_text("")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    writers = [context.Process(target=_save_many, args=(directory, "k", w, 25, barrier)) for w in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    store = cache.ResultCache(directory, "k")
    assert store.entries, "the pack is readable"
    for name, entry in store.entries.items():
        path = name.split("\0", 1)[1]
        assert store.get(path, "d", "") == FileResult(path)
    assert not [n for n in os.listdir(os.path.dirname(store.path)) if n.startswith(".tmp-")]


def test_codec_round_trips_results():
    fix = Fix((Edit(Span(1, 0, 2, 0), "x = 1\n"),), safe=False, description="d")
    finding = Finding("BL101", "n", "m é", "p.py", Span(1, 2, 3, 4), "u", fix, ("e1", "e2"))
    for result in (
        FileResult("p.py", (finding, finding)),
        FileResult("p.py", error="SyntaxError: x (line 1)"),
        FileResult("p.py", notices=("a", "b")),
    ):
        assert cache.loads(cache.dumps(result)) == result
    with pytest.raises(cache.UncacheableError):
        cache.encode(FileResult("p.py", notices=({"a": 1},)))  # type: ignore[arg-type]


def test_transient_errors_are_not_cached(project, monkeypatch):
    import bytelint.engine

    monkeypatch.setattr(bytelint.engine, "lint_source", lambda data, path, config, rules=None: FileResult(path, error="internal error: boom"))
    config = config_for(project)
    lint(project, config)
    assert not list((project / ".bytelint_cache").glob("*/*.json"))


# --- The command line ------------------------------------------------------------------------


def test_cli_cache_directory_layout_and_warm_run(project):
    cold = run_cli("check", "src", cwd=project)
    directory = project / ".bytelint_cache"
    assert (directory / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
    assert list(directory.glob("*/*.json")) and list(directory.glob("*/rules-*.manifest"))
    warm = run_cli("check", "src", cwd=project)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert cold.returncode == 1


def test_cli_no_cache_and_cache_dir_options(project, tmp_path_factory):
    proc = run_cli("check", "--no-cache", "src", cwd=project)
    assert proc.returncode == 1 and not (project / ".bytelint_cache").exists()
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "c"
    proc = run_cli("check", "--cache-dir", str(elsewhere), "src", cwd=project)
    assert proc.returncode == 1 and (elsewhere / "CACHEDIR.TAG").exists()
    assert not (project / ".bytelint_cache").exists()
    from_env = tmp_path_factory.mktemp("env") / "c"
    proc = run_cli("check", "src", cwd=project, env={cache.ENV_VAR: str(from_env)})
    assert proc.returncode == 1 and (from_env / "CACHEDIR.TAG").exists()


def test_cli_warm_run_does_not_import_libcst(project):
    run_cli("check", "src", cwd=project)
    code = (
        "import sys\n"
        "from bytelint.cli import main\n"
        "sys.argv = ['bytelint', 'check', '-q', 'src']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('libcst' in sys.modules, 'bytelint.engine' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=120)
    assert proc.stdout.splitlines()[-1] == "False False", proc.stdout + proc.stderr


def test_cli_edit_between_runs(project):
    run_cli("check", "src", cwd=project)
    (project / "src" / "slow.py").write_text(CLEAN)
    proc = run_cli("check", "src", cwd=project)
    assert "BL101" not in proc.stdout


def test_clean_removes_the_cache(project):
    run_cli("check", "src", cwd=project)
    (project / "sub").mkdir()
    proc = run_cli("clean", cwd=project / "sub")  # the project root's cache, from a subdirectory
    assert proc.returncode == 0 and "Removed" in proc.stdout
    assert not (project / ".bytelint_cache").exists()
    proc = run_cli("clean", cwd=project)
    assert proc.returncode == 0 and "No cache" in proc.stdout


def test_clean_refuses_a_directory_that_is_not_a_cache(project, tmp_path_factory):
    precious = tmp_path_factory.mktemp("precious")
    (precious / "keep.txt").write_text("data")
    proc = run_cli("clean", "--cache-dir", str(precious), cwd=project)
    assert proc.returncode == 2 and "not a bytelint cache" in proc.stderr
    assert (precious / "keep.txt").exists()


def test_clean_honours_cache_dir_and_environment(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "c"
    run_cli("check", "--cache-dir", str(elsewhere), "src", cwd=project)
    assert run_cli("clean", cwd=project, env={cache.ENV_VAR: str(elsewhere)}).returncode == 0
    assert not elsewhere.exists()


# --- The rule manifest ------------------------------------------------------------------------


class _NotImported:
    """Stands for ``registry._rule_classes`` while the rules are not imported."""

    def __init__(self, real):
        self.real = real
        self.calls = 0

    def cache_info(self):
        return type("Info", (), {"currsize": 0})()

    def __call__(self):
        self.calls += 1
        return self.real()


@pytest.fixture
def manifest_dir(tmp_path, monkeypatch):
    stub = _NotImported(registry._rule_classes)
    monkeypatch.setattr(registry, "_rule_classes", stub)
    registry.use_manifest_cache(str(tmp_path))
    yield tmp_path, stub
    registry.use_manifest_cache(None)


def test_manifest_is_read_without_importing_the_rules(manifest_dir):
    directory, stub = manifest_dir
    first = registry.manifest()  # imports the rules once, stores the manifest
    assert stub.calls == 1
    assert cache.read_manifest(str(directory)) == [dict(i.__dict__) for i in first]
    registry.use_manifest_cache(None)
    registry.use_manifest_cache(str(directory))
    assert registry.manifest() == first
    assert registry.known_codes() == [i.code for i in first]
    assert stub.calls == 1, "the second read comes from the cache directory"


def test_corrupt_manifest_is_rebuilt(manifest_dir):
    directory, stub = manifest_dir
    cache.write_manifest(str(directory), [{"code": 1}])
    expected = registry._from_classes()
    assert registry.manifest() == expected
    assert cache.read_manifest(str(directory)) == [dict(i.__dict__) for i in expected]


def test_selected_codes_agree_with_the_engine():
    from bytelint.engine import select_rules

    for changes in ({}, {"preview": True}, {"cli_select": ("BL1",)}, {"target_versions": ((3, 13),)}):
        config = with_cli(Config(target_versions=targets_from_minimum((3, 9))), **changes)
        assert registry.selected_codes(config) == [r.code for r in select_rules(config)]
