"""Workspace safety for the MCP tools: which paths a client may make the server read or write.

A path is allowed only when, after resolving every symlink, it lies under one of the
workspace roots: the client's roots when it declares the roots capability, else the
``--root`` folders, else the working directory. ``..`` components are refused before
resolving (a model that writes ``../`` is asking for something outside, whatever it resolves
to). Nothing here imports the MCP SDK, so it is testable and cheap.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname


class WorkspaceError(Exception):
    """A path or input the server refuses; the message says which and why."""


@dataclass(frozen=True)
class Limits:
    """Caps that keep one tool call from reading a whole disk or flooding the model."""

    max_file_bytes: int = 2_000_000
    max_files: int = 5_000
    max_code_chars: int = 100_000


def roots_from_uris(uris: Iterable[str]) -> list[Path]:
    """Folders named by ``file://`` root URIs; other schemes are ignored."""
    folders: list[Path] = []
    for uri in uris:
        parsed = urlparse(uri)
        if parsed.scheme != "file":
            continue
        local = url2pathname(unquote(parsed.path)) if os.name == "nt" else unquote(parsed.path)
        if local:
            folders.append(Path(local))
    return folders


def _has_parent_part(given: str) -> bool:
    parts = PureWindowsPath(given).parts if os.name == "nt" else PurePosixPath(given).parts
    return ".." in parts


@dataclass(frozen=True)
class Workspace:
    roots: tuple[Path, ...]
    """Resolved absolute folders; the first one anchors relative paths."""
    source: str
    """Where the roots came from: ``client roots``, ``--root`` or ``working directory``."""

    @classmethod
    def of(cls, folders: Sequence[Path], source: str) -> Workspace:
        resolved = tuple(dict.fromkeys(Path(f).expanduser().resolve() for f in folders))
        if not resolved:
            raise WorkspaceError("no workspace root: pass --root DIR or declare client roots")
        return cls(resolved, source)

    def describe(self) -> str:
        return f"{', '.join(str(r) for r in self.roots)} (from {self.source})"

    def contains(self, path: Path) -> bool:
        return any(path == root or path.is_relative_to(root) for root in self.roots)

    def resolve(self, given: str) -> Path:
        """The real path of ``given`` (relative to the first root), refused unless it is
        inside the workspace and exists."""
        if not given or "\0" in given:
            raise WorkspaceError(f"invalid path {given!r}")
        if _has_parent_part(given):
            raise WorkspaceError(
                f"{given}: '..' is not allowed in paths; give a path inside the workspace "
                f"{self.describe()}"
            )
        candidate = Path(given).expanduser()
        if not candidate.is_absolute():
            candidate = self.roots[0] / candidate
        real = candidate.resolve()
        if not self.contains(real):
            via = " (through a symlink)" if self.contains(candidate.absolute()) else ""
            raise WorkspaceError(
                f"{given}: outside the workspace{via}; allowed roots: {self.describe()}"
            )
        if not real.exists():
            raise WorkspaceError(f"{given}: no such file or directory in the workspace")
        return real

    def display(self, path: str) -> str:
        """``path`` relative to the root holding it (POSIX separators), else unchanged."""
        try:
            absolute = Path(path)
        except (TypeError, ValueError):
            return path
        if not absolute.is_absolute():
            return path
        for root in self.roots:
            if absolute == root:
                return "."
            if absolute.is_relative_to(root):
                return absolute.relative_to(root).as_posix()
        return path


def check_file_size(path: Path, display: str, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise WorkspaceError(
            f"{display}: {size:,} bytes, more than the {limits.max_file_bytes:,}-byte limit "
            "per file; audit a smaller file or exclude it"
        )


def check_code_size(code: str, limits: Limits) -> None:
    if len(code) > limits.max_code_chars:
        raise WorkspaceError(
            f"code is {len(code):,} characters, more than the {limits.max_code_chars:,} allowed "
            "inline; pass the file's path instead (paths are faster too)"
        )
