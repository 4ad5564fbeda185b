"""The analyser: source -> parse -> resolve -> rules -> findings."""

from resilience_skill.analysis.api import audit_bytes, audit_paths, audit_source
from resilience_skill.analysis.model import (
    Applicability,
    AuditResult,
    ChecklistScore,
    Edit,
    FileError,
    Finding,
    Fix,
    Location,
    Severity,
)

__all__ = [
    "Applicability",
    "AuditResult",
    "ChecklistScore",
    "Edit",
    "FileError",
    "Finding",
    "Fix",
    "Location",
    "Severity",
    "audit_bytes",
    "audit_paths",
    "audit_source",
]
