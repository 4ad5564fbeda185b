"""The ``resilience`` command line: one sub-command per face of the engine.

Each sub-command lives in ``resilience_skill.commands.<name>`` with two functions,
``add_arguments(parser)`` and ``run(args) -> int``. Modules are imported only when their
command runs, so ``resilience audit`` never pays for the MCP SDK's import.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from resilience_skill import __version__

COMMANDS: dict[str, str] = {
    "audit": "Find resilience problems in Python code.",
    "fix": "Apply the fixes that findings carry.",
    "generate": "Emit tested resilience code (retry, circuit breaker, ...).",
    "rules": "List the rules, or show one rule's documentation.",
    "validate": "Check skill files against the skill-format standard.",
    "serve": "Run the MCP server (stdio or streamable HTTP).",
    "install": "Register the MCP server with an assistant.",
    "uninstall": "Remove the MCP server from an assistant's config.",
}


def _command_module(name: str) -> object:
    return importlib.import_module(f"resilience_skill.commands.{name}")


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resilience",
        description="Find and fix the code that turns one slow dependency into an outage.",
    )
    parser.add_argument("--version", action="version", version=f"resilience {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in commands if commands is not None else COMMANDS:
        sub_parser = sub.add_parser(name, help=COMMANDS[name], description=COMMANDS[name])
        sub_parser.set_defaults(command=name)
        _command_module(name).add_arguments(sub_parser)  # type: ignore[attr-defined]
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Build only the parser of the command being run: importing every command module would
    # make `resilience audit` pay for the others' imports.
    first = next((a for a in args_list if not a.startswith("-")), None)
    selected = [first] if first in COMMANDS else None
    parser = build_parser(selected)
    args = parser.parse_args(args_list)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        result: int = _command_module(args.command).run(args)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return result
