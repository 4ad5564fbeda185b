"""Which redis the project pins: RES105 reports a redis client without ``socket_timeout``
only when the project pins redis below 8 (8.x defaults to a 5 s socket timeout).

The nearest ``requirements*.txt``, ``pyproject.toml``, ``setup.cfg`` or ``setup.py`` above
the audited file decides, up to the project root. Answers are cached per folder and reused
only while the files they were read from are unchanged, so a long-running server never
serves a stale pin. This is the one outside fact the per-file stage reads; the audit cache
keys on it.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

_REQUIREMENT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
_PROJECT_ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
_PEP508 = re.compile(
    r"(?<![\w.-])redis(?:\[[^\]]*\])?\s*"
    r"(?P<spec>(?:(?:===|==|~=|!=|<=|>=|<|>)\s*[\w.*+!-]+\s*,?\s*)+)",
    re.IGNORECASE,
)
_POETRY = re.compile(
    r"^\s*redis\s*=\s*(?:\"(?P<plain>[^\"]*)\"|\{[^}]*?version\s*=\s*\"(?P<table>[^\"]*)\")",
    re.IGNORECASE | re.MULTILINE,
)
_VERSION = re.compile(r"\d+(?:\.\d+)*")


def _version(text: str) -> tuple[int, ...] | None:
    match = _VERSION.match(text.strip())
    return tuple(int(p) for p in match.group().split(".")) if match else None


def _upper_bound(spec: str) -> tuple[int, ...] | None:
    """The smallest exclusive upper bound on the versions ``spec`` allows, if it has one:
    ``<8`` -> (8,), ``==7.2.0`` -> (7, 2, 0, 1), ``~=7.1`` -> (8,), ``^4.5`` -> (5,)."""
    bounds: list[tuple[int, ...]] = []
    for clause in re.split(r"\s*,\s*", spec.strip()):
        match = re.match(r"(===|==|~=|!=|<=|>=|<|>|\^|~)?\s*(\S+)", clause)
        if not match:
            continue
        op, rest = match.group(1) or "==", match.group(2)
        version = _version(rest)
        if version is None:
            continue
        if op in ("==", "===") and "*" in rest:
            prefix = version[: len(rest.split("*")[0].rstrip(".").split("."))]
            bounds.append((*prefix[:-1], prefix[-1] + 1))
        elif op in ("==", "==="):
            bounds.append((*version, 1))
        elif op == "<":
            bounds.append(version)
        elif op == "<=":
            bounds.append((*version, 1))
        elif op == "~=" and len(version) >= 2:
            bounds.append((*version[:-2], version[-2] + 1))
        elif op == "^":
            head = next((i for i, v in enumerate(version) if v != 0), len(version) - 1)
            bounds.append((*version[:head], version[head] + 1))
        elif op == "~":
            keep = version[:2] if len(version) >= 2 else version[:1]
            bounds.append((*keep[:-1], keep[-1] + 1))
    return min(bounds) if bounds else None


def _redis_specs(text: str) -> list[str]:
    specs = [m.group("spec") for m in _PEP508.finditer(text)]
    specs += [m.group("plain") or m.group("table") or "" for m in _POETRY.finditer(text)]
    return specs


def _requirement_files(folder: Path) -> list[Path]:
    files = [folder / name for name in _REQUIREMENT_FILES]
    with contextlib.suppress(OSError):
        files += sorted(folder.glob("requirements*.txt"))
    return [f for f in files if f.is_file()]


Signature = tuple[tuple[str, int, int], ...]
_PINS: dict[str, tuple[Signature, bool | None]] = {}
"""Folder -> (what the answer was read from, the answer): reused while those files and
folders are unchanged, so a long-running process (the MCP server) never serves a stale pin."""


def _signature(paths: list[Path]) -> Signature:
    out = []
    for path in paths:
        try:
            stat = path.stat()
            out.append((str(path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            out.append((str(path), -1, -1))
    return tuple(out)


def _lookup_pin(folder: Path) -> tuple[bool | None, list[Path]]:
    """In ``folder`` or above: True when the nearest requirement of redis pins it below 8,
    False when it allows 8, None when none is found up to the project root; and the folders
    and files the answer was read from."""
    watched: list[Path] = []
    for candidate in (folder, *folder.parents):
        watched.append(candidate)
        specs: list[str] = []
        for file in _requirement_files(candidate):
            watched.append(file)
            try:
                specs += _redis_specs(file.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
        if specs:
            bounds = [_upper_bound(s) for s in specs]
            return all(b is not None and b <= (8,) for b in bounds), watched
        if any((candidate / marker).exists() for marker in _PROJECT_ROOT_MARKERS):
            return None, watched
    return None, watched


def _folder_pin(folder: str) -> bool | None:
    cached = _PINS.get(folder)
    if cached is not None and _signature([Path(p) for p, _, _ in cached[0]]) == cached[0]:
        return cached[1]
    result, watched = _lookup_pin(Path(folder))
    if len(_PINS) > 4096:
        _PINS.clear()
    _PINS[folder] = (_signature(watched), result)
    return result


def redis_pinned_below_8(disk_path: str | None) -> bool:
    """Whether the project of the file at ``disk_path`` pins redis < 8 (an in-memory source
    has no project: no pin)."""
    if disk_path is None:
        return False
    try:
        folder = Path(disk_path).resolve().parent
    except OSError:
        return False
    return _folder_pin(str(folder)) is True
