"""Finding the Python files to audit: directories walked honouring ``.gitignore`` files
(nested ones too) and the config's ``exclude``, skipping virtualenvs and build output,
following no symlink out of the root and never looping."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".env",
        "env",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".eggs",
        "site-packages",
        ".direnv",
        "__pypackages__",
    }
)


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    base: str
    """The folder (relative to the walk root, '' for the root) whose .gitignore holds it."""


def _compile(line: str, base: str) -> _Pattern | None:
    line = line.rstrip("\n").rstrip("\r")
    if not line.strip() or line.startswith("#"):
        return None
    line = line.rstrip()
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    if line.startswith("\\"):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    anchored = "/" in line
    line = line.lstrip("/")
    parts: list[str] = []
    i = 0
    while i < len(line):
        if line.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif line.startswith("/**", i) and i + 3 == len(line):
            parts.append("/.*")
            i += 3
        elif line[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif line[i] == "?":
            parts.append("[^/]")
            i += 1
        elif line[i] == "[":
            end = line.find("]", i)
            if end < 0:
                parts.append(re.escape(line[i]))
                i += 1
            else:
                parts.append(line[i : end + 1].replace("[!", "[^"))
                i = end + 1
        else:
            parts.append(re.escape(line[i]))
            i += 1
    body = "".join(parts)
    regex = f"^{body}$" if anchored else f"^(?:.*/)?{body}$"
    return _Pattern(re.compile(regex), negate, dir_only, base)


def _load_gitignore(folder: Path, base: str) -> list[_Pattern]:
    try:
        text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [p for line in text.splitlines() if (p := _compile(line, base)) is not None]


def _ignored(patterns: list[_Pattern], rel: str, is_dir: bool) -> bool:
    ignored = False
    for pattern in patterns:
        if pattern.dir_only and not is_dir:
            continue
        sub = rel[len(pattern.base) + 1 :] if pattern.base else rel
        if pattern.base and not rel.startswith(pattern.base + "/"):
            continue
        if pattern.regex.match(sub):
            ignored = not pattern.negate
    return ignored


def _excluded(rel: str, exclude: tuple[str, ...]) -> bool:
    return any(
        fnmatch.fnmatch(rel, pat)
        or fnmatch.fnmatch(rel, pat.rstrip("/") + "/*")
        or fnmatch.fnmatch(Path(rel).name, pat)
        for pat in exclude
    )


def iter_python_files(root: Path, exclude: tuple[str, ...] = ()) -> Iterator[Path]:
    """Python files under ``root`` in a stable (sorted) order."""
    root_real = root.resolve()
    seen: set[tuple[int, int]] = set()

    def walk(folder: Path, rel: str, patterns: list[_Pattern]) -> Iterator[Path]:
        try:
            stat = folder.stat()
        except OSError:
            return
        key = (stat.st_dev, stat.st_ino)
        if key in seen:
            return
        seen.add(key)
        patterns = patterns + _load_gitignore(folder, rel)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_dir = entry.is_dir()
                is_link = entry.is_symlink()
            except OSError:
                continue
            if is_link:
                try:
                    target = Path(entry.path).resolve()
                except OSError:
                    continue
                if not target.is_relative_to(root_real):
                    continue
            if is_dir:
                if entry.name in SKIP_DIRS or (folder / entry.name / "pyvenv.cfg").exists():
                    continue
                if _ignored(patterns, child_rel, True) or _excluded(child_rel, exclude):
                    continue
                yield from walk(Path(entry.path), child_rel, patterns)
            elif entry.name.endswith((".py", ".pyi")) and not entry.name.endswith(".pyi"):
                if _ignored(patterns, child_rel, False) or _excluded(child_rel, exclude):
                    continue
                yield Path(entry.path)

    yield from walk(root, "", [])
