"""The analyser's public API: ``audit_paths`` and ``audit_source`` return one
``AuditResult``; nothing here prints."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from resilience_skill.analysis.checklist import scorecard
from resilience_skill.analysis.engine import FileResult, analyze_file, run_project_rules
from resilience_skill.analysis.files import iter_python_files
from resilience_skill.analysis.model import AuditResult, FileError, Finding, Summary
from resilience_skill.analysis.selection import rule_ids_for_path
from resilience_skill.config import Config

PARALLEL_THRESHOLD = 48
"""Below this many files, worker start-up costs more than it saves."""

Progress = Callable[[int, int], None]


def _display_path(given: str, root: Path, file: Path) -> str:
    if file == root:
        return given
    rel = file.relative_to(root).as_posix()
    if given in (".", "./"):
        return rel
    return f"{given.rstrip('/')}/{rel}"


def collect_files(
    paths: Sequence[str], config: Config
) -> tuple[list[tuple[str, Path, str]], list[FileError]]:
    """(display path, file, path relative to its root) for every file to audit."""
    files: list[tuple[str, Path, str]] = []
    errors: list[FileError] = []
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        if not root.exists():
            errors.append(FileError(given, "No such file or directory"))
            continue
        if root.is_file():
            candidates: Iterable[Path] = [root]
            base = root.parent
        else:
            candidates = iter_python_files(root, config.exclude)
            base = root
        for file in candidates:
            real = file.resolve()
            if real in seen:
                continue
            seen.add(real)
            display = given if file == root else _display_path(given, root, file)
            rel = file.name if file == root else file.relative_to(base).as_posix()
            files.append((display, file, rel))
    return files, errors


Job = tuple[str, str, str, Config, str | None, str]
"""(display path, file, path under its root, config, cache folder or None, config salt)"""


def _analyze_one(job: Job) -> FileResult:
    display, file, rel, config, cache_folder, salt = job
    try:
        raw = Path(file).read_bytes()
    except OSError as exc:
        return FileResult(display, error=FileError(display, f"cannot read: {exc.strerror}"))
    rule_ids = rule_ids_for_path(config, rel)
    if cache_folder is None:
        return analyze_file(display, raw, config, rel, rule_ids, disk_path=file)
    from resilience_skill.analysis.cache import FileCache, cache_key
    from resilience_skill.analysis.requirements import redis_pinned_below_8

    # RES105's answer depends on requirement files near the file: part of the key.
    pin = redis_pinned_below_8(file) if b"redis" in raw else None
    cache = FileCache(Path(cache_folder))
    key = cache_key(salt, display, rel, raw, rule_ids, pin)
    cached = cache.get(key)
    if cached is not None:
        return cached
    result = analyze_file(display, raw, config, rel, rule_ids, disk_path=file)
    cache.put(key, result)
    return result


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork is fast, but unsafe once other threads exist (the MCP server runs audits in one).
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _run(jobs: list[Job], n_jobs: int, progress: Progress | None) -> list[FileResult]:
    if n_jobs <= 1 or len(jobs) < PARALLEL_THRESHOLD:
        results = []
        for i, job in enumerate(jobs, 1):
            results.append(_analyze_one(job))
            if progress:
                progress(i, len(jobs))
        return results
    chunk = max(1, min(64, len(jobs) // (n_jobs * 8)))
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=_pool_context()) as pool:
        results = []
        for i, result in enumerate(pool.map(_analyze_one, jobs, chunksize=chunk), 1):
            results.append(result)
            if progress and (i % 50 == 0 or i == len(jobs)):
                progress(i, len(jobs))
        return results


def _combine(results: list[FileResult], errors: list[FileError], config: Config) -> AuditResult:
    findings: list[Finding] = []
    sites: dict[str, list[int]] = {}
    all_errors = list(errors)
    facts = []
    for result in results:
        if result.error is not None:
            all_errors.append(result.error)
            continue
        findings.extend(result.findings)
        if result.facts is not None:
            facts.append(result.facts)
        for item, (checked, ok) in result.sites.items():
            counter = sites.setdefault(item, [0, 0])
            counter[0] += checked
            counter[1] += ok
    findings.extend(run_project_rules(facts, config))
    findings.sort(key=lambda f: f.sort_key)
    by_severity = {"high": 0, "medium": 0, "low": 0}
    by_rule: dict[str, int] = {}
    for f in findings:
        by_severity[f.severity.value] += 1
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    summary = Summary(
        files=len(results),
        findings=len(findings),
        by_severity=by_severity,
        by_rule=dict(sorted(by_rule.items())),
    )
    all_errors.sort(key=lambda e: e.path)
    return AuditResult(
        findings=tuple(findings),
        errors=tuple(all_errors),
        summary=summary,
        checklist=scorecard(findings, sites),
        sites={k: {"sites": v[0], "ok": v[1]} for k, v in sites.items()},
    )


def rebuild(result: AuditResult, findings: tuple[Finding, ...]) -> AuditResult:
    """The same audit with only ``findings`` kept (summary and scorecard recounted)."""
    by_severity = {"high": 0, "medium": 0, "low": 0}
    by_rule: dict[str, int] = {}
    for f in findings:
        by_severity[f.severity.value] += 1
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    sites = {k: [v["sites"], v["ok"]] for k, v in result.sites.items()}
    return AuditResult(
        findings=findings,
        errors=result.errors,
        summary=Summary(
            result.summary.files, len(findings), by_severity, dict(sorted(by_rule.items()))
        ),
        checklist=scorecard(findings, sites),
        sites=result.sites,
    )


def audit_paths(
    paths: Sequence[str] = (".",),
    config: Config | None = None,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    cache_folder: Path | None = None,
) -> AuditResult:
    """Audit files and folders. Results are identical and in the same order for any
    ``jobs``. With ``cache_folder``, unchanged files are answered from the cache there."""
    config = config or Config()
    files, errors = collect_files(paths, config)
    n_jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    salt = ""
    if cache_folder is not None:
        from resilience_skill.analysis.cache import config_salt

        salt = config_salt(config)
    folder = str(cache_folder) if cache_folder is not None else None
    jobs_list: list[Job] = [
        (display, str(file), rel, config, folder, salt) for display, file, rel in files
    ]
    results = _run(jobs_list, n_jobs, progress)
    return _combine(results, errors, config)


def audit_source(text: str, filename: str = "<stdin>", config: Config | None = None) -> AuditResult:
    """Audit one in-memory module."""
    from resilience_skill.analysis.engine import analyze_tree
    from resilience_skill.analysis.model import FileError as _FileError
    from resilience_skill.analysis.source import SourceError, SourceFile

    config = config or Config()
    rel = Path(filename).name
    try:
        source = SourceFile.from_text(filename, text)
        tree = source.parse()
    except SourceError as exc:
        return _combine([FileResult(filename, error=_FileError(filename, str(exc)))], [], config)
    result = analyze_tree(source, tree, config, rel, rule_ids_for_path(config, rel))
    return _combine([result], [], config)


def audit_bytes(raw: bytes, filename: str, config: Config | None = None) -> AuditResult:
    """Audit one file's bytes (stdin), decoding as a file on disk would be."""
    config = config or Config()
    rel = Path(filename).name
    result = analyze_file(filename, raw, config, rel, rule_ids_for_path(config, rel))
    return _combine([result], [], config)
