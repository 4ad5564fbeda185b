"""``resilience rules [ID]``: the rule table, or one rule's documentation."""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", nargs="?", metavar="ID", help="a rule ID or name")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    from resilience_skill.analysis.registry import find_rule, load_rules

    rules = load_rules()
    if args.rule:
        info = find_rule(args.rule)
        if info is None:
            print(
                f"resilience rules: error: unknown rule {args.rule!r} "
                "(run `resilience rules` for the list)",
                file=sys.stderr,
            )
            return 2
        if args.format == "json":
            print(json.dumps(info.to_json(), indent=2))
            return 0
        print(f"# {info.id} {info.name}\n")
        print(
            f"Severity: {info.severity.value}    Fix: {info.fix}    "
            f"Checklist: {info.checklist_item}"
        )
        if info.generate:
            print(f"Generate: `resilience generate {info.generate}`")
        print(f"\n{info.summary}\n\n{info.doc}")
        return 0
    ordered = [rules[r] for r in sorted(rules)]
    if args.format == "json":
        print(json.dumps([info.to_json() for info in ordered], indent=2))
        return 0
    width = max((len(info.name) for info in ordered), default=10)
    print(f"{'ID':<7} {'name':<{width}} {'severity':<8} {'fix':<7} summary")
    for info in ordered:
        print(
            f"{info.id:<7} {info.name:<{width}} {info.severity.value:<8} {info.fix:<7} "
            f"{info.summary}"
        )
    return 0
