"""The results cache: a file linted before with the same content, settings and bytelint is not
linted again.

Layout: ``.bytelint_cache/`` at the project root (the directory of the pyproject.toml in use,
else the current directory), or ``--cache-dir`` / ``BYTELINT_CACHE_DIR``. It holds a
``CACHEDIR.TAG``, a ``.gitignore`` of ``*``, and per bytelint version a directory of *packs*:
one JSON file per settings key, mapping each linted file to the digest of its content, its
per-file ignores and its result (plain data).

The settings key covers everything that changes results: the selected rules, target versions,
preview, the rule selectors, bytelint's version and a fingerprint of its own source files
(editable installs change without a version bump), and the interpreter (its version and
build, and the flags that change compiled positions). The per-file key adds the file's content
digest and the per-file ignores that apply to it.

Safe under concurrent runs: a pack is written to a temporary file and renamed into place, after
merging what another run wrote meanwhile. A pack carries a digest of its body; a truncated,
corrupt or foreign pack is ignored (the files are linted again), never trusted.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

from . import __version__, results

try:  # the blake2 module alone: hashlib would load OpenSSL first (a warm run feels it)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - not CPython
    from hashlib import blake2b

DIR_NAME = ".bytelint_cache"
ENV_VAR = "BYTELINT_CACHE_DIR"
FORMAT = 2
KEEP_PACKS = 8  # per bytelint version: older packs (other settings, older sources) are removed

TAG_NAME = "CACHEDIR.TAG"
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by bytelint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
GITIGNORE = "# Automatically created by bytelint.\n*\n"


def resolve_dir(option: Optional[str], root: str) -> str:
    """``--cache-dir``, else ``BYTELINT_CACHE_DIR``, else ``.bytelint_cache`` under ``root``."""
    chosen = option or os.environ.get(ENV_VAR) or os.path.join(root, DIR_NAME)
    return os.path.abspath(chosen)


def ensure_dir(directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    for name, text in ((TAG_NAME, TAG), (".gitignore", GITIGNORE)):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            _write_atomic(path, text.encode())


def is_cache_dir(directory: str) -> bool:
    """Does ``directory`` look like a bytelint cache (so that ``clean`` may remove it)?"""
    try:
        with open(os.path.join(directory, TAG_NAME), encoding="utf-8") as handle:
            return "created by bytelint" in handle.read(4096)
    except OSError:
        return False


def clean(directory: str) -> bool:
    """Remove a bytelint cache directory; False if there was none. Refuses (ValueError) to
    remove a directory that is not one."""
    if not os.path.isdir(directory):
        return False
    if not is_cache_dir(directory):
        raise ValueError(f"{directory} is not a bytelint cache directory (no bytelint {TAG_NAME}); not removed")
    import shutil

    shutil.rmtree(directory)
    return True


# --- Keys ---------------------------------------------------------------------------------------


def _source_files() -> List[str]:
    import bytelint
    import bytelint.rules  # the package only: a docstring, no rule module

    roots = [os.path.dirname(os.path.abspath(bytelint.__file__))]
    roots += [os.path.abspath(p) for p in bytelint.rules.__path__]
    files = set()
    for root in roots:
        for directory, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            files.update(os.path.join(directory, n) for n in names if n.endswith(".py"))
    return sorted(files)


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """A digest of bytelint's own source files (the engine and the rules)."""
    digest = blake2b(digest_size=16)
    for path in _source_files():
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            data = b"\0unreadable"
        digest.update(os.path.basename(path).encode() + b"\0" + len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def interpreter_key() -> Tuple[Any, ...]:
    return (
        sys.implementation.name,
        sys.version,
        sys.hexversion,
        sorted((str(k), str(v)) for k, v in getattr(sys, "_xoptions", {}).items()),
        os.environ.get("PYTHONNODEBUGRANGES", ""),
    )


def settings_key(config: Any, selected: Iterable[str]) -> str:
    """Everything run-wide that changes results (see the module docstring)."""
    data = [
        FORMAT,
        __version__,
        source_fingerprint(),
        interpreter_key(),
        sorted(selected),
        [list(v) for v in config.target_versions],
        bool(config.preview),
        list(config.select),
        list(config.extend_select),
        list(config.ignore),
        None if config.cli_select is None else list(config.cli_select),
        list(config.cli_ignore),
        bool(config.fix_edits),
    ]
    text = json.dumps(data, sort_keys=True, default=str)
    return blake2b(text.encode(), digest_size=16).hexdigest()


def content_digest(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


# --- Plain-data codec for results ---------------------------------------------------------------
#
# Results are frozen dataclasses from ``bytelint.results`` holding strings, numbers, None,
# tuples and each other. They are written by field order (the source fingerprint in the key
# changes whenever results.py does); anything else cannot be cached (UncacheableError).


class UncacheableError(TypeError):
    pass


_CLASSES = {
    name: value
    for name, value in vars(results).items()
    if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == results.__name__
}
_SCALARS = (str, int, float, bool, type(None))


def encode(value: Any) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, tuple):
        return [encode(item) for item in value]
    cls = type(value)
    if _CLASSES.get(cls.__name__) is cls:
        return {"@": cls.__name__, "v": [encode(getattr(value, f.name)) for f in dataclasses.fields(cls)]}
    raise UncacheableError(f"cannot cache a {cls.__name__}")


def _tuples(value: Any) -> Any:
    return tuple([_tuples(item) if type(item) is list else item for item in value])


def _object(data: Dict[str, Any]) -> Any:
    """json's object_hook: inner objects come first, so only lists are left to turn back into
    tuples here; scalars never reach Python code."""
    return _CLASSES[data["@"]](*[_tuples(v) if type(v) is list else v for v in data["v"]])


def dumps(value: Any) -> str:
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> Any:
    value = json.loads(text, object_hook=_object)
    return _tuples(value) if type(value) is list else value


# --- Packs ----------------------------------------------------------------------------------------


def _write_atomic(path: str, data: bytes) -> None:
    import tempfile

    directory = os.path.dirname(path)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a cache is not
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _read_pack(path: str, key: str) -> Dict[str, list]:
    """The entries of a pack, or {} if it is missing, truncated, corrupt or someone else's."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        header, _, body = data.partition(b"\n")
        meta = json.loads(header)
        if meta.get("format") != FORMAT or meta.get("key") != key:
            return {}
        if meta.get("digest") != blake2b(body, digest_size=16).hexdigest():
            return {}
        entries = json.loads(body)
        return entries if isinstance(entries, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


class ResultCache:
    """The entries of one settings key. ``get`` and ``put`` during a run, ``save`` at its end."""

    def __init__(self, directory: str, key: str) -> None:
        self.directory = directory
        self.key = key
        self.path = os.path.join(directory, __version__, key + ".json")
        self.entries = _read_pack(self.path, key)
        self.new: Dict[str, list] = {}

    @staticmethod
    def entry_key(path: str) -> str:
        return os.path.abspath(path) + "\0" + path

    def get(self, path: str, digest: str, file_key: str) -> Optional[results.FileResult]:
        entry = self.entries.get(self.entry_key(path))
        if entry is None or entry[0] != digest or entry[1] != file_key:
            return None
        try:
            result = loads(entry[2])  # each entry is its own JSON text, decoded only on a hit
        except Exception:  # a well-formed pack from a broken writer: lint the file again
            return None
        return result if isinstance(result, results.FileResult) and result.path == path else None

    def put(self, path: str, digest: str, file_key: str, result: results.FileResult) -> None:
        try:
            self.new[self.entry_key(path)] = [digest, file_key, dumps(result)]
        except UncacheableError:
            pass

    def save(self) -> None:
        """Write the new entries (merged with the pack as it is on disk now). Never raises for
        an unwritable cache: the run's results do not depend on it."""
        if not self.new:
            return
        try:
            ensure_dir(self.directory)
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            entries = _read_pack(self.path, self.key)  # what concurrent runs wrote meanwhile
            entries.update(self.new)
            for name in [k for k in entries if not os.path.exists(k.split("\0", 1)[0])]:
                del entries[name]
            body = json.dumps(entries, separators=(",", ":")).encode()
            header = json.dumps(
                {"format": FORMAT, "key": self.key, "digest": blake2b(body, digest_size=16).hexdigest()}
            ).encode()
            _write_atomic(self.path, header + b"\n" + body)
            self.new = {}
            _prune(os.path.dirname(self.path), ".json", keep=self.path)
        except OSError:
            pass


def _prune(directory: str, suffix: str, keep: str) -> None:
    try:
        packs = [os.path.join(directory, n) for n in os.listdir(directory) if n.endswith(suffix)]
        packs.sort(key=lambda p: os.stat(p).st_mtime, reverse=True)
        for path in packs[KEEP_PACKS:]:
            if path != keep:
                os.unlink(path)
    except OSError:
        pass


# --- The rule manifest ---------------------------------------------------------------------------


def read_manifest(directory: str) -> Optional[list]:
    """The rule manifest stored for this bytelint source (see registry.py), or None."""
    entries = _read_pack(_manifest_path(directory), "rules")
    rules = entries.get("rules")
    return rules if isinstance(rules, list) else None


def write_manifest(directory: str, rules: list) -> None:
    try:
        ensure_dir(directory)
        path = _manifest_path(directory)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        body = json.dumps({"rules": rules}).encode()
        header = json.dumps(
            {"format": FORMAT, "key": "rules", "digest": blake2b(body, digest_size=16).hexdigest()}
        ).encode()
        _write_atomic(path, header + b"\n" + body)
        _prune(os.path.dirname(path), ".manifest", keep=path)
    except OSError:
        pass


def _manifest_path(directory: str) -> str:
    interpreter = blake2b(repr(interpreter_key()).encode(), digest_size=8).hexdigest()
    return os.path.join(directory, __version__, f"rules-{source_fingerprint()}-{interpreter}.manifest")
