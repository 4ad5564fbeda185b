"""`resilience uninstall CLIENT`: remove the MCP server's entry, and only it."""

from __future__ import annotations

import argparse

from resilience_skill.install import CLIENTS, SCOPES, Machine, run_uninstall


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client", choices=CLIENTS, help="the assistant to remove it from")
    parser.add_argument(
        "--scope", choices=SCOPES, default="user", help="which config: user (default) or project"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the resulting config without writing it"
    )


def run(args: argparse.Namespace) -> int:
    return run_uninstall(args.client, args.scope, Machine.current(), dry_run=args.dry_run)
