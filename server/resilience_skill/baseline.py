"""Baselines: adopt the audit on a large codebase and fail only on new findings.

A finding is keyed by rule, path and a hash of its normalised source line, so code moving
up or down the file does not break the baseline; a key may hold several findings (counts).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from resilience_skill.analysis.model import Finding
from resilience_skill.report.lines import SourceLines

FORMAT_VERSION = 1


class BaselineError(Exception):
    """An unreadable or malformed baseline file; the message names it."""


def _key(finding: Finding, lines: SourceLines) -> tuple[str, str, str]:
    text = " ".join(lines.line(finding.path, finding.location.line).split())
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return finding.rule, finding.path.replace("\\", "/"), digest


def write_baseline(path: Path, findings: tuple[Finding, ...], lines: SourceLines) -> int:
    counts = Counter(_key(f, lines) for f in findings)
    entries = [
        {"rule": rule, "path": file, "hash": digest, "count": n}
        for (rule, file, digest), n in sorted(counts.items())
    ]
    data: dict[str, Any] = {"tool": "resilience", "version": FORMAT_VERSION, "findings": entries}
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return len(findings)


def load_baseline(path: Path) -> Counter[tuple[str, str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a JSON baseline: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a resilience baseline (no 'findings' list)")
    counts: Counter[tuple[str, str, str]] = Counter()
    for entry in data["findings"]:
        try:
            key = (str(entry["rule"]), str(entry["path"]), str(entry["hash"]))
            counts[key] += int(entry.get("count", 1))
        except (KeyError, TypeError, ValueError) as exc:
            raise BaselineError(f"{path}: malformed baseline entry {entry!r}") from exc
    return counts


def filter_new(
    findings: tuple[Finding, ...], baseline: Counter[tuple[str, str, str]], lines: SourceLines
) -> tuple[Finding, ...]:
    """The findings the baseline does not already know."""
    remaining = Counter(baseline)
    new = []
    for finding in findings:
        key = _key(finding, lines)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new.append(finding)
    return tuple(new)
