"""Applying fixes to a file's text: each fix's edits together or not at all, never two
fixes whose edits overlap or touch, and an edit shared by two fixes (the same import) once.

Positions are the analyser's 1-based line and character columns, converted with
``SourceFile.offset``; everything outside the edits stays byte for byte as it was.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from resilience_skill.analysis.model import Applicability, Edit, Finding, Fix
from resilience_skill.analysis.source import SourceFile


def is_applicable(fix: Fix | None, *, unsafe: bool) -> bool:
    """Ruff's model: ``safe`` always, ``unsafe`` only when asked, ``display`` never."""
    if fix is None or not fix.edits:
        return False
    if fix.applicability == Applicability.SAFE:
        return True
    return unsafe and fix.applicability == Applicability.UNSAFE


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    content: str
    order: int
    """Position of the edit among all accepted edits, to keep same-place inserts in order."""


class EditOutOfRange(ValueError):
    """An edit points outside the text (a bug in the rule that built it)."""


def _span(source: SourceFile, edit: Edit, order: int) -> _Span:
    loc = edit.location
    lines = source.lines
    for line, column in ((loc.line, loc.column), (loc.end_line, loc.end_column)):
        if not (1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1):
            raise EditOutOfRange(f"edit at {line}:{column} is outside the file")
    start = source.offset(loc.line, loc.column)
    end = source.offset(loc.end_line, loc.end_column)
    if end < start:
        raise EditOutOfRange(f"edit ends before it starts at {loc.line}:{loc.column}")
    return _Span(start, end, edit.content, order)


def _self_overlapping(spans: list[_Span]) -> bool:
    """Two edits of one fix whose replaced ranges intersect (inserts may share a point)."""
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    return any(b.start < a.end for a, b in itertools.pairwise(ordered))


def _touches(a: _Span, b: _Span) -> bool:
    """Overlapping or adjacent ranges (an insert at either end included): the order of
    the two edits would be ambiguous, so they are never applied in one pass."""
    return a.start <= b.end and b.start <= a.end


@dataclass(frozen=True, slots=True)
class Applied:
    text: str
    fixed: tuple[Finding, ...]
    """Findings whose fix went in."""
    deferred: tuple[Finding, ...]
    """Findings whose fix conflicted with one applied before it (retried after re-audit)."""


def apply_fixes(source: SourceFile, findings: Sequence[Finding], *, unsafe: bool) -> Applied:
    """Apply every applicable fix that does not conflict with one applied before it, in
    the order of the fixes' first edit."""
    candidates: list[tuple[int, int, Finding, list[_Span]]] = []
    for index, finding in enumerate(findings):
        fix = finding.fix
        if fix is None or not is_applicable(fix, unsafe=unsafe):
            continue
        try:
            spans = [_span(source, e, i) for i, e in enumerate(fix.edits)]
        except EditOutOfRange:
            continue
        if _self_overlapping(spans):
            continue  # a malformed fix: its edits replace the same text twice
        candidates.append((min(s.start for s in spans), index, finding, spans))
    candidates.sort(key=lambda c: (c[0], c[1]))
    accepted: list[_Span] = []
    keys: set[tuple[int, int, str]] = set()
    fixed: list[Finding] = []
    deferred: list[Finding] = []
    for _, _, finding, spans in candidates:
        new = [s for s in spans if (s.start, s.end, s.content) not in keys]
        if any(_touches(s, other) for s in new for other in accepted):
            deferred.append(finding)
            continue
        for span in new:
            keys.add((span.start, span.end, span.content))
            accepted.append(_Span(span.start, span.end, span.content, len(accepted)))
        fixed.append(finding)
    return Applied(_splice(source.text, accepted), tuple(fixed), tuple(deferred))


def apply_edits(source: SourceFile, edits: Sequence[Edit]) -> str:
    """``source``'s text with ``edits`` applied (inserts at one point keep their order).
    Raises :class:`EditOutOfRange` for an edit outside the text."""
    return _splice(source.text, [_span(source, edit, i) for i, edit in enumerate(edits)])


def _splice(text: str, spans: list[_Span]) -> str:
    out: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda s: (s.start, s.end, s.order)):
        out.append(text[position : span.start])
        out.append(span.content)
        position = max(position, span.end)
    out.append(text[position:])
    return "".join(out)
