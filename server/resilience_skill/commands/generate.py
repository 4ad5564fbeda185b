"""`resilience generate`: emit tested resilience code for a pattern."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", nargs="?", help="the pattern to emit (see --list)")
    parser.add_argument("--list", action="store_true", help="list patterns and flavors")
    parser.add_argument("--flavor", help="library flavor (default: the pattern's first)")
    parser.add_argument("--async", dest="async_", action="store_true", help="async variant")
    parser.add_argument("--name", help="rename the main class or function")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a template parameter (repeatable)",
    )
    parser.add_argument("--with-tests", action="store_true", help="also emit the pytest module")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--out", type=Path, help="write the code to FILE (tests next to it)")


def _error(message: str) -> int:
    print(f"resilience generate: {message}", file=sys.stderr)
    return 2


def _list(fmt: str) -> int:
    from resilience_skill.generate import list_patterns
    from resilience_skill.templates.catalog import TEMPLATES

    patterns = list_patterns()
    if fmt == "json":
        print(json.dumps([p.to_json() for p in patterns], indent=2))
        return 0
    width = max(len(p.pattern) for p in patterns)
    for p in patterns:
        labels = []
        for flavor in p.flavors:
            variants = {
                t.is_async for t in TEMPLATES if t.pattern == p.pattern and t.flavor == flavor
            }
            suffix = {frozenset({False}): "", frozenset({True}): " (async only)"}.get(
                frozenset(variants), " (+async)"
            )
            labels.append(flavor + suffix)
        print(f"{p.pattern:<{width}}  {', '.join(labels)}")
        print(f"{'':<{width}}  {p.description}")
    return 0


def _parse_params(pairs: list[str]) -> dict[str, str] | str:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            return f"--param expects KEY=VALUE, got {pair!r}"
        params[key.strip()] = value
    return params


def _write(path: Path, text: str) -> None:
    # Write beside the target and rename, so an interrupted run never leaves half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def run(args: argparse.Namespace) -> int:
    from resilience_skill.generate import GenerateError, generate

    if args.list:
        return _list(args.format)
    if not args.pattern:
        return _error("give a PATTERN, or --list to see them")
    params = _parse_params(args.param)
    if isinstance(params, str):
        return _error(params)
    out: Path | None = args.out
    module_name = out.stem if out is not None and out.stem.isidentifier() else None
    try:
        result = generate(
            args.pattern,
            args.flavor,
            async_=args.async_,
            name=args.name,
            params=params,
            module_name=module_name,
        )
    except GenerateError as exc:
        return _error(str(exc))
    test_name = f"test_{result.module_name}.py"
    if out is not None:
        try:
            _write(out, result.code)
            if args.with_tests:
                _write(out.with_name(test_name), result.tests)
        except OSError as exc:
            return _error(f"cannot write {exc.filename}: {exc.strerror}")
    if args.format == "json":
        print(json.dumps(result.to_json(), indent=2))
    elif out is None:
        sys.stdout.write(result.code)
        if args.with_tests:
            sys.stdout.write(f"\n# ---- {test_name} ----\n\n{result.tests}")
    else:
        written = f"{out}" + (f" and {out.with_name(test_name)}" if args.with_tests else "")
        print(f"wrote {written}", file=sys.stderr)
    if args.format == "text":
        deps = ", ".join(result.dependencies) or "none (stdlib)"
        notes = "".join(f"\n  - {note}" for note in result.notes)
        print(f"# requires: {deps}\n# notes:{notes}", file=sys.stderr)
    return 0
