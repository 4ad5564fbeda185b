"""`resilience validate`: check skill files against the skill-format standard."""

from __future__ import annotations

import argparse
import json
import sys

from resilience_skill.validate import PROFILES, Problem


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="SKILL.md files, skill folders or skills folders (default: the bundled skills)",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default=None,
        help="rules to apply (default: detected from each file)",
    )
    parser.add_argument("--format", choices=("text", "json", "github"), default="text")


def run(args: argparse.Namespace) -> int:
    from resilience_skill.validate import count, validate_paths

    problems = validate_paths(args.paths, args.profile)
    errors, warnings = count(problems)
    if args.format == "json":
        print(json.dumps(_json(problems, errors, warnings), indent=2))
    elif args.format == "github":
        for problem in problems:
            print(_github(problem))
    else:
        for problem in problems:
            print(problem.to_text())
        if problems:
            print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
        else:
            print("All checks passed.", file=sys.stderr)
    return 1 if errors else 0


def _json(problems: list[Problem], errors: int, warnings: int) -> dict[str, object]:
    from resilience_skill import __version__

    return {
        "tool": "resilience",
        "version": __version__,
        "problems": [p.to_json() for p in problems],
        "summary": {"errors": errors, "warnings": warnings},
    }


def _escape(text: str, *, prop: bool = False) -> str:
    # GitHub's workflow-command escaping; properties also escape ':' and ','.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github(problem: Problem) -> str:
    props = ",".join(
        [
            f"file={_escape(problem.path, prop=True)}",
            f"line={problem.line}",
            f"col={problem.column}",
            f"title={_escape(problem.code, prop=True)}",
        ]
    )
    return f"::{problem.severity} {props}::{_escape(f'{problem.code} {problem.message}')}"
