"""`resilience serve`: run the MCP server over stdio (default) or streamable HTTP.

The MCP SDK is imported inside ``run`` only: the other commands never pay for it.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from pathlib import Path

LOOPBACK_NAMES = ("localhost",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--transport",
        choices=("stdio", "http"),
        default="stdio",
        help="stdio (default; for assistants that launch the server) or streamable HTTP",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="HTTP interface to bind (default: loopback)"
    )
    parser.add_argument("--port", type=int, default=8765, help="HTTP port (default: 8765)")
    parser.add_argument(
        "--root",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="a folder the tools may read and fix (repeatable; default: the working "
        "directory); clients that declare roots use theirs instead",
    )


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    # Everything the server logs goes to stderr: stdout carries the protocol only.
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="resilience serve: %(message)s"
    )
    log = logging.getLogger("resilience.serve")
    roots: list[Path] = args.root
    for root in roots:
        if not root.is_dir():
            print(f"resilience serve: --root {root}: not a folder", file=sys.stderr)
            return 2
    if not 0 < args.port < 65536:
        print(f"resilience serve: --port {args.port}: not a port number", file=sys.stderr)
        return 2

    from resilience_skill.mcp.server import build_server

    server = build_server(roots)
    if args.transport == "stdio":
        server.run("stdio")
        return 0
    if not _is_loopback(args.host):
        log.warning(
            "listening on %s: the tools read files under the roots; anyone who can reach "
            "this address can use them (no authentication)",
            args.host,
        )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"resilience serve: MCP endpoint http://{shown}:{args.port}/mcp", file=sys.stderr)
    server.run("streamable-http", host=args.host, port=args.port)
    return 0
