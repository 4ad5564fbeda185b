"""``fix_source`` and ``fix_paths``: apply fixes, re-audit, repeat until nothing changes.

Each pass applies every applicable fix that does not conflict with another, then parses
and re-audits the result; fixes deferred by a conflict, and fixes that only become possible
after another one, go in on a later pass. A pass whose result does not parse stops the file:
it is left exactly as it was and the failure is reported (it is a bug in a rule's fix).
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from resilience_skill.analysis.api import collect_files
from resilience_skill.analysis.engine import FileResult, analyze_tree, run_project_rules
from resilience_skill.analysis.model import Applicability, FileError, Finding, Fix, Severity
from resilience_skill.analysis.registry import CATALOG, load_rules
from resilience_skill.analysis.selection import rule_ids_for_path, validate_selection
from resilience_skill.analysis.source import SourceError, SourceFile
from resilience_skill.atomic import write_atomic
from resilience_skill.config import Config, with_overrides
from resilience_skill.fixes.apply import apply_fixes, is_applicable
from resilience_skill.fixes.layout import orphaned_import_edits, reflow_edits

MAX_PASSES = 20
"""Passes per file before giving up on convergence (Ruff uses 100; ours converge in 2-3)."""

PROJECT_ROUNDS = 3
"""Rounds of cross-file findings' fixes (each followed by per-file passes)."""

NO_FIX = "no fix"
DISPLAY_ONLY = "display-only fix"
UNSAFE = "unsafe fix: apply with --unsafe-fixes"
CONFLICT = "fix not applied: it conflicts with another fix"
NOT_CONVERGED = f"fix not applied: fixes did not converge after {MAX_PASSES} passes"
BROKEN = "fix not applied: the fixed file would not parse"


@dataclass(frozen=True, slots=True)
class Remaining:
    """A finding the fixer left, why, and the ``resilience generate`` pattern covering it."""

    finding: Finding
    reason: str
    generate: str | None

    def to_json(self) -> dict[str, Any]:
        return {**self.finding.to_json(), "reason": self.reason, "generate": self.generate}


@dataclass(frozen=True)
class FixResult:
    path: str
    original: str
    text: str
    """The fixed text (the original when nothing applied or the file could not be fixed)."""
    diff: str = ""
    """Unified diff from ``original`` to ``text`` (empty when unchanged)."""
    applied: tuple[Finding, ...] = ()
    """The findings whose fix went in, in the order applied."""
    remaining: tuple[Remaining, ...] = ()
    error: str | None = None
    """Why the file was left untouched: unreadable, unparseable, or a fix broke it."""
    converged: bool = True

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def applied_by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.applied:
            counts[finding.rule] = counts.get(finding.rule, 0) + 1
        return dict(sorted(counts.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "changed": self.changed,
            "diff": self.diff,
            "applied": self.applied_by_rule,
            "fixed": [f.to_json() for f in self.applied],
            "remaining": [r.to_json() for r in self.remaining],
            "error": self.error,
        }


@dataclass(frozen=True)
class FileFixResult(FixResult):
    written: bool = False
    """The fixed text was written to the file."""

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "written": self.written}


# -- diff ---------------------------------------------------------------------------------

_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def unified_diff(original: str, text: str, path: str) -> str:
    """A unified diff ``patch`` can apply; line endings are kept as they are in the file."""
    if original == text:
        return ""
    out: list[str] = []
    for line in difflib.unified_diff(
        _LINES.findall(original), _LINES.findall(text), fromfile=path, tofile=path
    ):
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(f"{line}\n\\ No newline at end of file\n")
    return "".join(out)


# -- the per-file loop ----------------------------------------------------------------------


@dataclass
class _Work:
    original: SourceFile
    rel: str
    rule_ids: frozenset[str]
    source: SourceFile
    tree: ast.Module
    first_tree: ast.Module
    analysis: FileResult
    first: tuple[Finding, ...] = ()
    applied: list[Finding] = field(default_factory=list)
    error: str | None = None
    passes: int = 0
    converged: bool = True

    @property
    def path(self) -> str:
        return self.original.path


def _analyse(
    source: SourceFile, tree: ast.Module, config: Config, rel: str, rule_ids: frozenset[str]
) -> FileResult:
    """One file's audit; a crashing rule is that file's error, never the whole run's."""
    try:
        return analyze_tree(source, tree, config, rel, rule_ids)
    except Exception as exc:  # a bug in a rule: report it, touch nothing
        message = f"internal error while auditing: {type(exc).__name__}: {exc}"
        return FileResult(source.path, error=FileError(source.path, message))


def _start(source: SourceFile, tree: ast.Module, rel: str, config: Config) -> _Work:
    rule_ids = rule_ids_for_path(config, rel)
    analysis = _analyse(source, tree, config, rel, rule_ids)
    return _Work(
        original=source,
        rel=rel,
        rule_ids=rule_ids,
        source=source,
        tree=tree,
        first_tree=tree,
        analysis=analysis,
        first=tuple(analysis.findings),
        error=analysis.error.message if analysis.error else None,
    )


def _pass(work: _Work, findings: Sequence[Finding], config: Config, unsafe: bool) -> bool:
    """Apply one pass of fixes and re-audit; False when nothing changed (or it failed)."""
    applied = apply_fixes(work.source, findings, unsafe=unsafe)
    if not applied.fixed or applied.text == work.source.text:
        return False
    rules = ", ".join(sorted({f.rule for f in applied.fixed}))
    try:
        work.original.encode(applied.text)
    except UnicodeEncodeError as exc:
        work.error = (
            f"fixes for {rules} need characters {work.original.encoding} cannot hold: {exc}"
        )
        return False
    candidate = _derive(work, applied.text)
    try:
        tree = candidate.parse()
    except SourceError as exc:
        work.error = (
            f"fixes for {rules} produced code that does not parse ({exc}); "
            "file left unchanged (this is a bug in the rule's fix, please report it)"
        )
        return False
    analysis = _analyse(candidate, tree, config, work.rel, work.rule_ids)
    if analysis.error is not None:
        work.error = f"after fixes for {rules}: {analysis.error.message}; file left unchanged"
        return False
    work.source, work.tree, work.analysis = candidate, tree, analysis
    work.applied.extend(applied.fixed)
    work.passes += 1
    return True


def _converge(work: _Work, config: Config, unsafe: bool, extra: Sequence[Finding] = ()) -> None:
    findings: Sequence[Finding] = [*work.analysis.findings, *extra]
    while work.error is None:
        if work.passes >= MAX_PASSES:
            work.converged = not any(is_applicable(f.fix, unsafe=unsafe) for f in findings)
            return
        if not _pass(work, findings, config, unsafe):
            return
        findings = work.analysis.findings


def _converge_all(works: list[_Work], config: Config, unsafe: bool) -> list[Finding]:
    """Per-file passes, then cross-file findings' fixes; returns the final cross-file
    findings."""
    for work in works:
        _converge(work, config, unsafe)
    project = _project_findings(works, config)
    for _ in range(PROJECT_ROUNDS):
        by_path: dict[str, list[Finding]] = {}
        for finding in project:
            if is_applicable(finding.fix, unsafe=unsafe):
                by_path.setdefault(finding.path, []).append(finding)
        touched = False
        for work in works:
            if work.error is None and work.path in by_path:
                before = work.source.text
                _converge(work, config, unsafe, extra=by_path[work.path])
                touched = touched or work.source.text != before
        if not touched:
            break
        project = _project_findings(works, config)
    for work in works:
        _tidy(work, config)
    return _project_findings(works, config)


def _tidy(work: _Work, config: Config) -> None:
    """After the fixes: drop imports they left unused, then wrap the lines they made too
    long. Layout only: a step whose result does not parse is skipped."""
    if work.error is not None or work.source.text == work.original.text:
        return
    changed = False
    for step in ("imports", "wrap"):
        if step == "imports":
            edits = orphaned_import_edits(work.first_tree, work.source, work.tree)
        else:
            edits = reflow_edits(work.original, work.source, work.tree)
        if not edits:
            continue
        layout = Finding(
            "layout", "", Severity.LOW, "", work.path, edits[0].location, "",
            Fix(Applicability.SAFE, "layout", tuple(edits)),
        )  # fmt: skip
        candidate = _derive(work, apply_fixes(work.source, [layout], unsafe=False).text)
        try:
            tree = candidate.parse()
        except SourceError:
            continue
        work.source, work.tree, changed = candidate, tree, True
    if changed:
        analysis = _analyse(work.source, work.tree, config, work.rel, work.rule_ids)
        if analysis.error is not None:
            work.error = f"after fixes: {analysis.error.message}; file left unchanged"
        else:
            work.analysis = analysis


def _derive(work: _Work, text: str) -> SourceFile:
    """A SourceFile for fixed text, with the original's encoding, BOM and line ending."""
    return SourceFile(
        path=work.path,
        raw=b"",
        text=text,
        encoding=work.original.encoding,
        bom=work.original.bom,
        newline=work.original.newline,
    )


def _project_findings(works: list[_Work], config: Config) -> list[Finding]:
    facts = [w.analysis.facts for w in works if w.analysis.facts is not None]
    return run_project_rules(facts, config) if facts else []


def _reason(finding: Finding, work: _Work, unsafe: bool) -> str:
    fix = finding.fix
    if fix is None or (not fix.edits and fix.applicability != Applicability.DISPLAY):
        return NO_FIX
    if fix.applicability == Applicability.DISPLAY:
        return DISPLAY_ONLY
    if fix.applicability == Applicability.UNSAFE and not unsafe:
        return UNSAFE
    if work.error is not None:
        return BROKEN
    return CONFLICT if work.converged else NOT_CONVERGED


def _generate_for(finding: Finding) -> str | None:
    if finding.generate:
        return finding.generate
    entry = CATALOG.get(finding.rule)
    return entry[3] if entry else None


_R = TypeVar("_R", bound=FixResult)


def _result(work: _Work, project: Iterable[Finding], unsafe: bool, cls: type[_R]) -> _R:
    if work.error is not None:
        findings = list(work.first)
        text = work.original.text
        applied: tuple[Finding, ...] = ()
    else:
        findings = list(work.analysis.findings)
        text = work.source.text
        applied = tuple(work.applied)
    findings.extend(f for f in project if f.path == work.path)
    findings.sort(key=lambda f: f.sort_key)
    remaining = tuple(Remaining(f, _reason(f, work, unsafe), _generate_for(f)) for f in findings)
    original = work.original.text
    return cls(
        path=work.path,
        original=original,
        text=text,
        diff=unified_diff(original, text, work.path),
        applied=applied,
        remaining=remaining,
        error=work.error,
        converged=work.converged,
    )


def _configure(
    config: Config | None, select: Sequence[str] | None, ignore: Sequence[str] | None
) -> Config:
    config = with_overrides(
        config or Config(),
        select=tuple(select) if select is not None else None,
        ignore=tuple(ignore) if ignore is not None else None,
    )
    load_rules()
    validate_selection(config)
    return config


# -- public API -----------------------------------------------------------------------------


def fix_source(
    text: str,
    filename: str = "<stdin>",
    *,
    config: Config | None = None,
    unsafe: bool = False,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
) -> FixResult:
    """Fix one in-memory module. Never raises for bad code: a module that does not parse
    comes back unchanged with ``error`` set. Raises ``ValueError`` for an unknown rule
    selector."""
    config = _configure(config, select, ignore)
    source = SourceFile.from_text(filename, text)
    try:
        tree = source.parse()
    except SourceError as exc:
        return FixResult(path=filename, original=text, text=text, error=str(exc))
    work = _start(source, tree, Path(filename).name, config)
    project = _converge_all([work], config, unsafe)
    result = _result(work, project, unsafe, FixResult)
    if text.startswith("\ufeff"):
        # SourceFile keeps a BOM apart from the text; give it back as it came.
        result = replace(result, original=text, text=f"\ufeff{result.text}")
    return result


def fix_paths(
    paths: Sequence[str] = (".",),
    *,
    config: Config | None = None,
    unsafe: bool = False,
    write: bool = True,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
) -> list[FileFixResult]:
    """Fix files and folders (walked as ``resilience audit`` walks them). With ``write``,
    changed files are replaced atomically, and only when the file on disk still holds what
    was read. Files that cannot be read or parsed are reported and never touched. Raises
    ``ValueError`` for an unknown rule selector."""
    config = _configure(config, select, ignore)
    files, missing = collect_files(paths, config)
    results: list[FileFixResult] = [
        FileFixResult(path=e.path, original="", text="", error=e.message) for e in missing
    ]
    works: list[tuple[_Work, Path, bytes]] = []
    for display, file, rel in files:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            results.append(
                FileFixResult(
                    path=display, original="", text="", error=f"cannot read: {exc.strerror}"
                )
            )
            continue
        try:
            source = SourceFile.from_bytes(display, raw)
            tree = source.parse()
        except SourceError as exc:
            results.append(FileFixResult(path=display, original="", text="", error=str(exc)))
            continue
        works.append((_start(source, tree, rel, config), file, raw))
    project = _converge_all([w for w, _, _ in works], config, unsafe)
    for work, file, raw in works:
        result = _result(work, project, unsafe, FileFixResult)
        if write and result.changed and result.error is None:
            result = _write(result, work, file, raw)
        results.append(result)
    results.sort(key=lambda r: r.path)
    return results


def _write(result: FileFixResult, work: _Work, file: Path, raw: bytes) -> FileFixResult:
    try:
        write_atomic(file, work.original.encode(result.text), expected=raw)
    except OSError as exc:
        message = str(exc) if exc.strerror is None else f"cannot write: {exc.strerror}"
        return replace(result, error=message)
    return replace(result, written=True)
