"""The data every face of the engine shares: findings, fixes, edits, locations, results.

Positions are 1-based lines and 1-based *character* columns; ``end_column`` is exclusive.
Everything here is immutable and picklable, so per-file results cross process boundaries.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]


class Applicability(enum.StrEnum):
    """Ruff's model: ``safe`` keeps behaviour, ``unsafe`` may change it, ``display`` is never
    applied."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY = "display"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    line: int
    column: int
    end_line: int
    end_column: int

    def to_json(self) -> dict[str, int]:
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text in ``location`` with ``content`` (an empty range inserts)."""

    location: Location
    content: str

    def to_json(self) -> dict[str, Any]:
        return {**self.location.to_json(), "content": self.content}


@dataclass(frozen=True, slots=True)
class Fix:
    applicability: Applicability
    description: str
    edits: tuple[Edit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability.value,
            "description": self.description,
            "edits": [e.to_json() for e in self.edits],
        }


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    message: str
    path: str
    location: Location
    checklist_item: str
    fix: Fix | None = None
    generate: str | None = None
    """The ``resilience generate`` pattern that covers the finding when no fix applies."""

    @property
    def sort_key(self) -> tuple[str, int, int, str, int, int, str]:
        loc = self.location
        return (
            self.path,
            loc.line,
            loc.column,
            self.rule,
            loc.end_line,
            loc.end_column,
            self.message,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            **self.location.to_json(),
            "checklist_item": self.checklist_item,
            "fix": self.fix.to_json() if self.fix else None,
            "generate": self.generate,
        }


@dataclass(frozen=True, slots=True)
class FileError:
    """A file the audit could not read, decode or parse."""

    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


@dataclass(frozen=True, slots=True)
class ChecklistScore:
    """One checklist item of the skill, scored against the audit."""

    item: str
    rules: tuple[str, ...]
    findings: int
    sites_checked: int
    passed: bool
    sites_ok: int | None = None
    """For the timeout item: how many of the external calls seen had a timeout."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "item": self.item,
            "rules": list(self.rules),
            "findings": self.findings,
            "sites_checked": self.sites_checked,
            "passed": self.passed,
        }
        if self.sites_ok is not None:
            data["sites_ok"] = self.sites_ok
        return data


@dataclass(frozen=True, slots=True)
class Summary:
    files: int
    findings: int
    by_severity: dict[str, int]
    by_rule: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "findings": self.findings,
            "by_severity": dict(self.by_severity),
            "by_rule": dict(self.by_rule),
        }


@dataclass(frozen=True, slots=True)
class AuditResult:
    findings: tuple[Finding, ...]
    errors: tuple[FileError, ...]
    summary: Summary
    checklist: tuple[ChecklistScore, ...]
    sites: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per checklist item: counters of sites checked (``{"sites": n, "ok": m}``)."""

    def to_json(self, version: str) -> dict[str, Any]:
        return {
            "tool": "resilience",
            "version": version,
            "findings": [f.to_json() for f in self.findings],
            "errors": [e.to_json() for e in self.errors],
            "summary": self.summary.to_json(),
            "checklist": [c.to_json() for c in self.checklist],
        }
