"""``--format sarif``: SARIF 2.1.0 as GitHub code scanning accepts it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from resilience_skill import __version__
from resilience_skill.analysis.model import AuditResult, FileError, Finding, Severity
from resilience_skill.analysis.registry import RULES, load_rules
from resilience_skill.report.lines import SourceLines

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
INFO_URI = "https://github.com/resilience-skill/resilience-skill"


def _repo_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _uri(path: str, root: Path) -> str:
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, root)).as_posix()


def _rule_descriptor(rule_id: str) -> dict[str, Any]:
    info = RULES[rule_id]
    return {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": info.summary},
        "help": {"text": info.doc, "markdown": info.doc},
        "helpUri": info.url,
        "defaultConfiguration": {"level": _LEVEL[info.severity]},
        "properties": {"tags": ["resilience", info.checklist_item], "precision": "high"},
    }


def _fingerprint(finding: Finding, line_text: str, seen: dict[str, int]) -> str:
    normalised = " ".join(line_text.split())
    digest = hashlib.sha256(f"{finding.rule}:{normalised}".encode()).hexdigest()[:16]
    key = f"{finding.path}:{digest}"
    seen[key] = seen.get(key, 0) + 1
    return f"{digest}:{seen[key]}"


def _result(
    f: Finding, index: int, root: Path, lines: SourceLines, seen: dict[str, int]
) -> dict[str, Any]:
    loc = f.location
    return {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.path, root), "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": loc.line,
                        "startColumn": loc.column,
                        "endLine": loc.end_line,
                        "endColumn": loc.end_column,
                    },
                }
            }
        ],
        "partialFingerprints": {
            "primaryLocationLineHash": _fingerprint(f, lines.line(f.path, loc.line), seen),
        },
    }


def _notification(error: FileError, root: Path) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": f"{error.path}: {error.message}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(error.path, root), "uriBaseId": "%SRCROOT%"}
                }
            }
        ],
    }


def to_sarif(
    result: AuditResult, lines: SourceLines | None = None, root: Path | None = None
) -> dict[str, Any]:
    load_rules()
    lines = lines or SourceLines()
    root = root or _repo_root(Path.cwd().resolve())
    fired = sorted({f.rule for f in result.findings})
    index = {rule_id: i for i, rule_id in enumerate(fired)}
    seen: dict[str, int] = {}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "resilience",
                "semanticVersion": __version__,
                "version": __version__,
                "informationUri": INFO_URI,
                "rules": [_rule_descriptor(r) for r in fired],
            }
        },
        "results": [_result(f, index[f.rule], root, lines, seen) for f in result.findings],
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [_notification(e, root) for e in result.errors],
            }
        ],
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: AuditResult, lines: SourceLines | None = None) -> str:
    return json.dumps(to_sarif(result, lines), indent=2, ensure_ascii=False) + "\n"
