"""``--format github``: workflow commands that GitHub Actions shows as annotations."""

from __future__ import annotations

from resilience_skill.analysis.model import AuditResult, Severity

_LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str,
    path: str,
    line: int,
    col: int,
    end_line: int,
    end_col: int,
    title: str,
    message: str,
) -> str:
    props = (
        f"file={escape_property(path)},line={line},col={col},endLine={end_line},"
        f"endColumn={end_col},title={escape_property(title)}"
    )
    return f"::{level} {props}::{escape_data(message)}"


def render(result: AuditResult) -> str:
    out = []
    for f in result.findings:
        loc = f.location
        out.append(
            annotation(
                _LEVEL[f.severity],
                f.path,
                loc.line,
                loc.column,
                loc.end_line,
                loc.end_column,
                f"{f.rule} {f.name}",
                f"{f.rule} [{f.severity.value}] {f.message}",
            )
        )
    for error in result.errors:
        out.append(
            f"::error file={escape_property(error.path)},title=resilience::"
            f"{escape_data(error.message)}"
        )
    return "\n".join(out) + ("\n" if out else "")
