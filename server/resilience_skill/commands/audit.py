"""``resilience audit``: find resilience problems, report them, exit like Ruff."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from resilience_skill.report import FORMATS

if TYPE_CHECKING:
    from resilience_skill.analysis.model import AuditResult
    from resilience_skill.config import Config
    from resilience_skill.report.lines import SourceLines

_FAIL_ON = ("high", "medium", "low", "never")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders to audit (default: .); '-' reads stdin",
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument(
        "--select",
        action="append",
        default=None,
        metavar="RULES",
        help="rule IDs, prefixes (RES1) or names, comma separated",
    )
    parser.add_argument("--ignore", action="append", default=None, metavar="RULES")
    parser.add_argument(
        "--fail-on",
        choices=_FAIL_ON,
        default=None,
        help="lowest severity that makes the exit code 1 (default: low)",
    )
    parser.add_argument("--config", type=Path, default=None, metavar="PYPROJECT")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="analyse every file afresh (default: reuse .resilience_cache/)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: all cores)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="FILE",
        help="report only findings not in this baseline",
    )
    parser.add_argument(
        "--write-baseline",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the current findings as a baseline",
    )
    parser.add_argument("--stdin-filename", default=None, metavar="NAME")
    parser.add_argument(
        "--no-excerpt", action="store_true", help="text format: one line per finding"
    )


def _split(values: list[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _error(message: str) -> int:
    print(f"resilience audit: error: {message}", file=sys.stderr)
    return 2


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
    if done == total:
        sys.stderr.write("\r" + " " * (width + 30) + "\r")
    sys.stderr.flush()


class _UsageError(Exception):
    pass


def _config(args: argparse.Namespace, paths: list[str]) -> Config:
    from resilience_skill.analysis.selection import validate_selection
    from resilience_skill.config import ConfigError, load_config, with_overrides

    start = Path(paths[0]) if paths[0] != "-" else Path.cwd()
    try:
        config = load_config(args.config, start=start)
        config = with_overrides(
            config, select=_split(args.select), ignore=_split(args.ignore), fail_on=args.fail_on
        )
        validate_selection(config)
    except (ConfigError, ValueError) as exc:
        raise _UsageError(str(exc)) from exc
    if args.jobs is not None and args.jobs < 1:
        raise _UsageError("--jobs must be at least 1")
    if "-" in paths and paths != ["-"]:
        raise _UsageError("'-' (stdin) cannot be combined with other paths")
    return config


def _audit(
    args: argparse.Namespace, paths: list[str], config: Config
) -> tuple[AuditResult, SourceLines]:
    from resilience_skill.analysis.api import audit_bytes, audit_paths, collect_files
    from resilience_skill.analysis.cache import default_cache_folder
    from resilience_skill.report.lines import SourceLines

    if paths == ["-"]:
        name = args.stdin_filename or "<stdin>"
        raw = sys.stdin.buffer.read()
        return audit_bytes(raw, name, config), SourceLines(
            {name: raw.decode("utf-8-sig", "replace")}
        )
    progress = None
    if sys.stderr.isatty() and args.format == "text":
        files, _ = collect_files(paths, config)
        progress = _progress if len(files) > 300 else None
    cache = None if args.no_cache else default_cache_folder(config)
    result = audit_paths(paths, config, jobs=args.jobs, progress=progress, cache_folder=cache)
    return result, SourceLines()


def _exit_code(result: AuditResult, fail_on: str) -> int:
    from resilience_skill.analysis.model import Severity

    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    if result.errors or any(f.severity.rank >= threshold for f in result.findings):
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    paths = args.paths or ["."]
    try:
        config = _config(args, paths)
    except _UsageError as exc:
        return _error(str(exc))
    result, lines = _audit(args, paths, config)
    if args.write_baseline is not None:
        from resilience_skill.baseline import write_baseline

        count = write_baseline(args.write_baseline, result.findings, lines)
        print(f"Wrote {count} finding(s) to {args.write_baseline}", file=sys.stderr)
        return 0
    if args.baseline is not None:
        from resilience_skill.analysis.api import rebuild
        from resilience_skill.baseline import BaselineError, filter_new, load_baseline

        try:
            known = load_baseline(args.baseline)
        except BaselineError as exc:
            return _error(str(exc))
        result = rebuild(result, filter_new(result.findings, known, lines))
    sys.stdout.write(_render(result, args, lines))
    sys.stdout.flush()
    return _exit_code(result, config.fail_on)


def _render(result: AuditResult, args: argparse.Namespace, lines: SourceLines) -> str:
    fmt = args.format
    if fmt == "json":
        from resilience_skill.report import json as json_report

        return json_report.render(result)
    if fmt == "sarif":
        from resilience_skill.report import sarif

        return sarif.render(result, lines)
    if fmt == "github":
        from resilience_skill.report import github

        return github.render(result)
    from resilience_skill.report import text

    colour = sys.stdout.isatty()
    return text.render(result, lines, colour=colour, excerpts=not args.no_excerpt)
