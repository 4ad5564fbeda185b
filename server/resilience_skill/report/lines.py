"""Source lines for excerpts and fingerprints, read once per file per report."""

from __future__ import annotations

from pathlib import Path

from resilience_skill.analysis.source import SourceError, SourceFile


class SourceLines:
    """Lines of the audited files by path; in-memory sources can be registered first."""

    def __init__(self, overrides: dict[str, str] | None = None) -> None:
        self._overrides = {
            path: SourceFile.from_text(path, text).lines for path, text in (overrides or {}).items()
        }

    def line(self, path: str, line: int) -> str:
        lines = self._overrides.get(path)
        if lines is None:
            lines = self._overrides[path] = _read_lines(path)
        return lines[line - 1] if 0 < line <= len(lines) else ""


def _read_lines(path: str) -> list[str]:
    try:
        return SourceFile.from_bytes(path, Path(path).read_bytes()).lines
    except (OSError, SourceError):
        return []
