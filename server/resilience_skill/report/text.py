"""``--format text``: Ruff-like findings with a source excerpt, a summary and the checklist
scorecard. Colour only when writing to a terminal."""

from __future__ import annotations

from resilience_skill.analysis.model import AuditResult, ChecklistScore, Finding, Severity
from resilience_skill.report.lines import SourceLines

_SEV_COLOUR = {Severity.HIGH: "31", Severity.MEDIUM: "33", Severity.LOW: "36"}


class _Style:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text


def _excerpt(finding: Finding, lines: SourceLines, style: _Style) -> list[str]:
    loc = finding.location
    text = lines.line(finding.path, loc.line).expandtabs(1)
    if not text:
        return []
    gutter = " " * len(str(loc.line))
    end = loc.end_column if loc.end_line == loc.line else len(text) + 1
    width = max(1, end - loc.column)
    caret = " " * (loc.column - 1) + "^" * width
    return [
        f"{gutter} |",
        f"{loc.line} | {text}",
        f"{gutter} | {style(caret, '31;1')}",
    ]


def _fix_line(finding: Finding) -> str | None:
    fix, pattern = finding.fix, finding.generate
    hint = f"`resilience generate {pattern}`" if pattern else None
    if fix is not None and fix.applicability != "display":
        return f"  = fix ({fix.applicability}): {fix.description}"
    if fix is not None:
        line = f"  = suggestion: {fix.description}"
        if pattern and f"generate {pattern}" not in fix.description:
            line += f" (or {hint})"
        return line
    if hint:
        return f"  = help: {hint} emits tested code for this"
    return None


def _score_line(score: ChecklistScore, style: _Style) -> str:
    mark = style("PASS", "32") if score.passed else style("FAIL", "31;1")
    detail = f"{score.findings} finding{'s' if score.findings != 1 else ''}"
    if score.sites_ok is not None:
        detail += f", {score.sites_checked} sites checked, {score.sites_ok} ok"
    elif score.sites_checked:
        detail += f", {score.sites_checked} sites checked"
    return f"  [{mark}] {score.item} ({detail})"


def render(
    result: AuditResult,
    lines: SourceLines | None = None,
    *,
    colour: bool = False,
    excerpts: bool = True,
) -> str:
    lines = lines or SourceLines()
    style = _Style(colour)
    out: list[str] = []
    for f in result.findings:
        loc = f.location
        head = (
            f"{style(f.path, '1')}:{loc.line}:{loc.column}: {style(f.rule, '1')} "
            f"[{style(f.severity.value, _SEV_COLOUR[f.severity])}] {f.message}"
        )
        out.append(head)
        if excerpts:
            out.extend(_excerpt(f, lines, style))
        fix = _fix_line(f)
        if fix:
            out.append(fix)
        if excerpts:
            out.append("")
    for error in result.errors:
        out.append(f"{style(error.path, '1')}: {style('error', '31;1')}: {error.message}")
    s = result.summary
    sev = s.by_severity
    if s.findings:
        out.append(
            f"Found {s.findings} finding{'s' if s.findings != 1 else ''} "
            f"({sev['high']} high, {sev['medium']} medium, {sev['low']} low) "
            f"in {s.files} file{'s' if s.files != 1 else ''}."
        )
        fixable = sum(
            1 for f in result.findings if f.fix is not None and f.fix.applicability != "display"
        )
        if fixable:
            out.append(f"{fixable} fixable with `resilience fix --unsafe-fixes`.")
    else:
        out.append(f"All checks passed ({s.files} file{'s' if s.files != 1 else ''}).")
    if result.errors:
        out.append(
            f"{len(result.errors)} file{'s' if len(result.errors) != 1 else ''} "
            "could not be analysed."
        )
    if result.checklist:
        out.append("")
        out.append("Checklist:")
        out.extend(_score_line(score, style) for score in result.checklist)
    return "\n".join(out) + "\n"
