"""Measure `resilience serve` over stdio: cold start to the first tools/list answer (against
the SDK's own import time), the first audit call (loads the engine) and a warm audit call.

    python bench/mcp_startup.py [--runs 5] [--path server/resilience_skill]

Prints a table of medians. Timings depend on the machine; nothing asserts them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import anyio

REPO = Path(__file__).resolve().parent.parent


def sdk_import_seconds() -> float:
    """Wall time of a fresh interpreter importing the SDK's server (what any 2.x server pays)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from mcp.server.mcpserver import MCPServer"],
        check=True,
    )
    return time.perf_counter() - start


SPLIT = """
import time
t0 = time.perf_counter()
from mcp.server.mcpserver import MCPServer
t1 = time.perf_counter()
from resilience_skill.mcp.server import build_server
build_server()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def split_seconds() -> tuple[float, float]:
    """In one fresh process: the SDK's import, then our imports plus building the server."""
    out = subprocess.run(
        [sys.executable, "-c", SPLIT], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1])


async def session_seconds(path: str) -> tuple[float, float, float]:
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "resilience_skill", "serve", "--root", str(REPO)],
    )
    start = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        await client.list_tools()
        listed = time.perf_counter()
        first = await client.call_tool("audit", {"paths": [path], "limit": 5})
        audited = time.perf_counter()
        second = await client.call_tool("audit", {"paths": [path], "limit": 5})
        warm = time.perf_counter()
    for result in (first, second):
        if result.is_error:
            raise SystemExit(f"audit failed: {result.content}")
    return listed - start, audited - listed, warm - audited


def main() -> int:
    warnings.simplefilter("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="server/resilience_skill")
    args = parser.parse_args()
    imports, starts, firsts, warms, sdk_in, ours = [], [], [], [], [], []
    for _ in range(args.runs):
        imports.append(sdk_import_seconds())
        sdk_part, our_part = split_seconds()
        sdk_in.append(sdk_part)
        ours.append(our_part)
        start, first, warm = anyio.run(session_seconds, args.path)
        starts.append(start)
        firsts.append(first)
        warms.append(warm)
    sdk = statistics.median(imports)
    start = statistics.median(starts)
    rows = [
        ("python + SDK import (baseline)", sdk),
        ("spawn -> first tools/list answer", start),
        ("  overhead over the baseline", start - sdk),
        ("SDK import alone (in-process)", statistics.median(sdk_in)),
        ("our imports + build_server (in-process)", statistics.median(ours)),
        (f"first audit of {args.path} (loads engine)", statistics.median(firsts)),
        (f"warm audit of {args.path}", statistics.median(warms)),
    ]
    print(f"{'measure (median of ' + str(args.runs) + ' runs)':<56} {'seconds':>8}")
    for label, value in rows:
        print(f"{label:<56} {value:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
