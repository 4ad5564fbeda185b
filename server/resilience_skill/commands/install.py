"""`resilience install CLIENT`: register the MCP server with an assistant."""

from __future__ import annotations

import argparse

from resilience_skill.install import CLIENTS, LAUNCHERS, SCOPES, Machine, run_install


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client", choices=CLIENTS, help="the assistant to register with")
    parser.add_argument(
        "--scope",
        choices=SCOPES,
        default="user",
        help="user: every project (default); project: this folder's config only",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the resulting config (or the claude command) without writing anything",
    )
    parser.add_argument(
        "--launcher",
        choices=LAUNCHERS,
        default="auto",
        help="how the client starts the server: python (this interpreter's absolute path), "
        "uvx (uvx --from resilience-skill), auto (python unless running under uvx)",
    )


def run(args: argparse.Namespace) -> int:
    return run_install(
        args.client,
        args.scope,
        Machine.current(),
        launcher=args.launcher,
        dry_run=args.dry_run,
    )
