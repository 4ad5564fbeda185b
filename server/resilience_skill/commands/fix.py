"""``resilience fix``: apply the fixes findings carry (safe by default, unsafe with
``--unsafe-fixes``, display-only never), or show them as a diff with ``--diff``.

Exit codes, as ``ruff check --fix`` / ``--diff``: with ``--diff``, 1 when there would be
changes (or a file could not be fixed); without it, 1 when findings remain or a file could
not be fixed; 0 otherwise; 2 for a usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from resilience_skill.config import Config, ConfigError, load_config

if TYPE_CHECKING:
    from resilience_skill.fixes import FixResult, Remaining


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default .)")
    parser.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply unsafe fixes (valid code whose behaviour may change)",
    )
    parser.add_argument(
        "--diff", action="store_true", help="print a unified diff and write nothing"
    )
    parser.add_argument(
        "--select", action="append", metavar="RULES", help="only these rules (RES1,RES201)"
    )
    parser.add_argument("--ignore", action="append", metavar="RULES", help="skip these rules")
    parser.add_argument("--config", metavar="FILE", help="pyproject.toml to read settings from")
    parser.add_argument(
        "--stdin-filename", metavar="NAME", default="<stdin>", help="name for PATH '-'"
    )


def _selectors(values: Sequence[str] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    return tuple(s.strip() for v in values for s in v.split(",") if s.strip())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _by_rule(counts: dict[str, int]) -> str:
    return ", ".join(f"{rule} x{n}" for rule, n in sorted(counts.items()))


def run(args: argparse.Namespace) -> int:
    from resilience_skill.fixes import fix_paths

    paths = list(args.paths) or ["."]
    try:
        config = _load(args, paths)
    except ConfigError as exc:
        print(f"resilience fix: {exc}", file=sys.stderr)
        return 2
    select, ignore = _selectors(args.select), _selectors(args.ignore)
    try:
        if paths == ["-"]:
            return _run_stdin(args, config, select, ignore)
        results = fix_paths(
            paths,
            config=config,
            unsafe=args.unsafe_fixes,
            write=not args.diff,
            select=select,
            ignore=ignore,
        )
    except ValueError as exc:
        print(f"resilience fix: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug in a cross-file rule; nothing has been written yet
        print(
            f"resilience fix: internal error: {type(exc).__name__}: {exc}; no file was written",
            file=sys.stderr,
        )
        return 2
    if args.diff:
        for result in results:
            sys.stdout.write(result.diff)
    _report(results, sys.stderr if args.diff else sys.stdout, would=args.diff)
    return _exit_code(results, diff=args.diff)


def _exit_code(results: Sequence[FixResult], *, diff: bool) -> int:
    errors = any(r.error for r in results)
    if diff:
        return 1 if errors or any(r.changed for r in results) else 0
    return 1 if errors or any(r.remaining for r in results) else 0


def _load(args: argparse.Namespace, paths: list[str]) -> Config:
    if args.config:
        return load_config(Path(args.config))
    start = Path(paths[0]) if paths[0] != "-" else Path.cwd()
    return load_config(start=start)


def _run_stdin(
    args: argparse.Namespace,
    config: Config,
    select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
) -> int:
    """PATH ``-``: the fixed code (or the diff) to stdout in the input's own encoding, the
    report to stderr; code that cannot be fixed is echoed unchanged, as Ruff does."""
    from resilience_skill.analysis.source import SourceError, SourceFile
    from resilience_skill.fixes import FixResult, fix_source

    filename = args.stdin_filename
    raw = sys.stdin.buffer.read()
    try:
        source = SourceFile.from_bytes(filename, raw)
    except SourceError as exc:
        sys.stdout.buffer.write(b"" if args.diff else raw)
        _report([FixResult(path=filename, original="", text="", error=str(exc))], sys.stderr)
        return 1
    result = fix_source(
        source.text, filename, config=config, unsafe=args.unsafe_fixes, select=select, ignore=ignore
    )
    sys.stdout.flush()
    if args.diff:
        sys.stdout.write(result.diff)
    else:
        sys.stdout.buffer.write(raw if result.error else source.encode(result.text))
    sys.stdout.flush()
    _report([result], sys.stderr, would=args.diff)
    return _exit_code([result], diff=args.diff)


def _report(results: Sequence[FixResult], out: TextIO, *, would: bool = False) -> None:
    fixed: dict[str, int] = {}
    files = 0
    remaining: list[Remaining] = []
    verb = "Would fix" if would else "Fixed"
    for result in results:
        if result.error:
            print(f"error: {result.path}: {result.error}; not fixed", file=sys.stderr)
        if result.applied and result.error is None:
            files += 1
            counts = result.applied_by_rule
            for rule, n in counts.items():
                fixed[rule] = fixed.get(rule, 0) + n
            if not would:
                print(f"{result.path}: fixed {_by_rule(counts)}", file=out)
        remaining.extend(result.remaining)
    total = sum(fixed.values())
    if total:
        print(
            f"{verb} {_plural(total, 'finding')} ({_by_rule(fixed)}) in {_plural(files, 'file')}.",
            file=out,
        )
    else:
        print(f"{verb} nothing.", file=out)
    if not remaining:
        return
    print(f"{_plural(len(remaining), 'finding')} remaining:", file=out)
    for item in remaining:
        f = item.finding
        loc = f.location
        print(f"{f.path}:{loc.line}:{loc.column}: {f.rule} {f.name}: {f.message}", file=out)
        hint = f"  {item.reason}"
        if item.generate:
            hint += f"; see `resilience generate {item.generate}`"
        print(hint, file=out)
