"""The synchronous work behind the tools: resolve paths, enforce caps, call the engine,
shape the results. Runs in a worker thread; imports the engine lazily so the server answers
``tools/list`` before the analyser is loaded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from resilience_skill.mcp.models import (
    AuditReport,
    ChecklistOut,
    EditOut,
    FileErrorOut,
    FindingOut,
    FixedOut,
    FixOut,
    FixReport,
    GenerateOut,
    Page,
    RemainingOut,
    RuleDoc,
    SummaryOut,
)
from resilience_skill.mcp.workspace import (
    Limits,
    Workspace,
    WorkspaceError,
    check_code_size,
    check_file_size,
)

if TYPE_CHECKING:
    from resilience_skill.analysis.model import AuditResult, Finding
    from resilience_skill.config import Config
    from resilience_skill.fixes import FixResult

Progress = Callable[[int, int], None]

SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}
MAX_DIFF_CHARS = 60_000
MAX_REMAINING = 100
MAX_ERRORS = 50


class InputError(Exception):
    """A bad argument (unknown rule, pattern, config problem); the message says which."""


def _config(start: Path, select: Sequence[str] | None, ignore: Sequence[str] | None) -> Config:
    from resilience_skill.analysis.registry import load_rules
    from resilience_skill.analysis.selection import validate_selection
    from resilience_skill.config import ConfigError, load_config, with_overrides

    try:
        config = load_config(start=start)
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    config = with_overrides(
        config,
        select=tuple(select) if select else None,
        ignore=tuple(ignore) if ignore else None,
    )
    load_rules()
    try:
        validate_selection(config)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return config


def _rule_url(rule: str) -> str:
    from resilience_skill.analysis.registry import DOCS_URL

    return DOCS_URL.format(id=rule.lower())


def _covering_pattern(finding: Finding) -> str | None:
    from resilience_skill.analysis.registry import CATALOG

    if finding.fix is not None and finding.fix.edits and finding.fix.applicability != "display":
        return None
    if finding.generate:
        return finding.generate
    entry = CATALOG.get(finding.rule)
    return entry[3] if entry else None


def _finding_out(finding: Finding, ws: Workspace) -> FindingOut:
    loc = finding.location
    fix = finding.fix
    return FindingOut(
        rule=finding.rule,
        name=finding.name,
        severity=finding.severity.value,
        message=finding.message,
        path=ws.display(finding.path),
        line=loc.line,
        column=loc.column,
        end_line=loc.end_line,
        end_column=loc.end_column,
        checklist_item=finding.checklist_item,
        doc_url=_rule_url(finding.rule),
        fix=None
        if fix is None
        else FixOut(
            applicability=fix.applicability.value,
            description=fix.description,
            edits=[EditOut(**e.to_json()) for e in fix.edits],
        ),
        generate=_covering_pattern(finding),
    )


# -- audit ----------------------------------------------------------------------------------


def _collect(ws: Workspace, paths: Sequence[str], limits: Limits) -> list[Path]:
    """Resolve and check every path; count and size the files a walk would audit."""
    from resilience_skill.analysis.api import collect_files
    from resilience_skill.config import Config

    resolved = [ws.resolve(p) for p in paths]
    files, _missing = collect_files([str(p) for p in resolved], Config())
    if len(files) > limits.max_files:
        raise WorkspaceError(
            f"{', '.join(paths)}: {len(files):,} Python files, more than the "
            f"{limits.max_files:,} one call may audit; audit sub-folders one at a time"
        )
    for _display, file, _rel in files:
        check_file_size(file, ws.display(str(file)), limits)
    return resolved


def run_audit(
    ws: Workspace,
    limits: Limits,
    *,
    paths: Sequence[str] | None,
    code: str | None,
    filename: str,
    select: Sequence[str] | None,
    ignore: Sequence[str] | None,
    min_severity: str,
    limit: int,
    offset: int,
    progress: Progress | None = None,
) -> AuditReport:
    from resilience_skill.analysis.api import audit_paths, audit_source, rebuild

    if code is not None and paths:
        raise InputError("pass either paths or code, not both")
    if code is not None:
        check_code_size(code, limits)
        config = _config(ws.roots[0], select, ignore)
        result = audit_source(code, filename, config)
    else:
        # No paths: every root (a client may open several folders).
        resolved = _collect(ws, paths or [str(r) for r in ws.roots], limits)
        config = _config(resolved[0], select, ignore)
        result = audit_paths([str(p) for p in resolved], config, jobs=1, progress=progress)
    wanted = SEVERITY_RANK[min_severity]
    kept = tuple(f for f in result.findings if f.severity.rank >= wanted)
    if len(kept) != len(result.findings):
        result = rebuild(result, kept)
    return _report(result, ws, limit, offset)


def _report(result: AuditResult, ws: Workspace, limit: int, offset: int) -> AuditReport:
    total = len(result.findings)
    page = result.findings[offset : offset + limit]
    end = offset + len(page)
    summary = result.summary
    return AuditReport(
        findings=[_finding_out(f, ws) for f in page],
        page=Page(
            offset=offset,
            limit=limit,
            returned=len(page),
            total=total,
            next_offset=end if end < total else None,
        ),
        errors=[
            FileErrorOut(path=ws.display(e.path), message=e.message)
            for e in result.errors[:MAX_ERRORS]
        ],
        errors_total=len(result.errors),
        summary=SummaryOut(
            files=summary.files,
            findings=summary.findings,
            by_severity=dict(summary.by_severity),
            by_rule=dict(summary.by_rule),
        ),
        checklist=[
            ChecklistOut(
                item=c.item,
                rules=list(c.rules),
                findings=c.findings,
                sites_checked=c.sites_checked,
                passed=c.passed,
            )
            for c in result.checklist
        ],
        workspace=ws.describe(),
    )


# -- fix ------------------------------------------------------------------------------------


def run_fix(
    ws: Workspace,
    limits: Limits,
    *,
    path: str | None,
    code: str | None,
    filename: str,
    rules: Sequence[str] | None,
    unsafe: bool,
    apply: bool,
) -> FixReport:
    from resilience_skill.fixes import fix_paths, fix_source, unified_diff

    if (path is None) == (code is None):
        raise InputError("pass exactly one of path or code")
    if code is not None:
        if apply:
            raise InputError("apply=true needs a path: inline code is never written anywhere")
        check_code_size(code, limits)
        config = _config(ws.roots[0], rules, None)
        result = fix_source(code, filename, config=config, unsafe=unsafe)
        if result.error is not None:
            raise InputError(f"{filename}: {result.error}; nothing was fixed")
        return _fix_report(result, filename, result.diff, written=False, fixed_code=result.text)
    assert path is not None
    real = ws.resolve(path)
    display = ws.display(str(real))
    if not real.is_file():
        raise WorkspaceError(f"{path}: not a file; fix takes one file (audit takes folders)")
    check_file_size(real, display, limits)
    config = _config(real, rules, None)
    (file_result,) = fix_paths([str(real)], config=config, unsafe=unsafe, write=apply)
    if file_result.error is not None:
        raise InputError(f"{display}: {file_result.error}; the file was not changed")
    diff = unified_diff(file_result.original, file_result.text, display)
    return _fix_report(file_result, display, diff, written=file_result.written, fixed_code=None)


def _fix_report(
    result: FixResult, display: str, diff: str, *, written: bool, fixed_code: str | None
) -> FixReport:
    truncated = len(diff) > MAX_DIFF_CHARS
    if truncated:
        diff = diff[:MAX_DIFF_CHARS] + "\n... (diff truncated)\n"
    return FixReport(
        path=display,
        changed=result.changed,
        written=written,
        diff=diff,
        diff_truncated=truncated,
        fixed_code=fixed_code,
        applied=result.applied_by_rule,
        fixed=[
            FixedOut(
                rule=f.rule,
                line=f.location.line,
                description=f.fix.description if f.fix else f.message,
            )
            for f in result.applied
        ],
        remaining=[
            RemainingOut(
                rule=r.finding.rule,
                name=r.finding.name,
                severity=r.finding.severity.value,
                message=r.finding.message,
                line=r.finding.location.line,
                column=r.finding.location.column,
                reason=r.reason,
                generate=r.generate,
                doc_url=_rule_url(r.finding.rule),
            )
            for r in result.remaining[:MAX_REMAINING]
        ],
        remaining_total=len(result.remaining),
        error=result.error,
    )


# -- generate and explain -------------------------------------------------------------------


def run_generate(
    pattern: str,
    flavor: str | None,
    async_: bool,
    name: str | None,
    params: dict[str, str] | None,
) -> GenerateOut:
    from resilience_skill.generate import GenerateError, generate

    try:
        result = generate(pattern, flavor, async_=async_, name=name, params=params)
    except GenerateError as exc:
        raise InputError(str(exc)) from None
    return GenerateOut(
        pattern=result.pattern,
        flavor=result.flavor,
        module_name=result.module_name,
        code=result.code,
        tests=result.tests,
        dependencies=list(result.dependencies),
        notes=list(result.notes),
    )


def run_explain(rule: str) -> RuleDoc:
    import difflib

    from resilience_skill.analysis.registry import find_rule, load_rules

    info = find_rule(rule.strip())
    if info is None:
        rules = load_rules()
        keys = [*rules, *(r.name for r in rules.values())]
        close = difflib.get_close_matches(rule.strip(), keys, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(
            f"unknown rule {rule!r}{hint} (rules are RES101..RES801, or names such as "
            "http-call-without-timeout; read rule://{id} or run the audit tool to see them)"
        )
    return RuleDoc(**{k: v for k, v in info.to_json().items() if k in RuleDoc.model_fields})
