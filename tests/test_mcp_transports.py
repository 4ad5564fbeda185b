"""`resilience serve` as a real process: one stdio session and one streamable HTTP session on
loopback, each listing, calling tools (an error, then a success), reading a resource and
getting a prompt."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::mcp.MCPDeprecationWarning"),
]

APP = 'import requests\n\nrequests.get("https://example.invalid")\n'
START_TIMEOUT = 60.0
"""Generous: a loaded CI machine may take several seconds to import the SDK."""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


async def exercise(client: Client) -> None:
    tools = [t.name for t in (await client.list_tools()).tools]
    assert tools == ["audit", "fix", "generate", "explain"]
    refused = await client.call_tool("audit", {"paths": ["../etc"]})
    assert refused.is_error
    result = await client.call_tool("audit", {"paths": ["app.py"]})
    assert not result.is_error
    structured: Any = result.structured_content
    assert [(f["rule"], f["path"], f["line"]) for f in structured["findings"]] == [
        ("RES101", "app.py", 3)
    ]
    rule = (await client.read_resource("rule://RES101")).contents[0]
    assert rule.text.startswith("# RES101 http-call-without-timeout")  # type: ignore[union-attr]
    prompt = await client.get_prompt("fix", {"path": "app.py"})
    assert "Fix the resilience findings in `app.py`" in prompt.messages[0].content.text  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stdio_session(ws: Path, mode: str) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "resilience_skill", "serve", "--root", str(ws)],
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    async with Client(params, mode=mode) as client:
        await exercise(client)
        assert client.server_info is not None and client.server_info.name == "resilience"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            pytest.fail(f"server exited with {proc.returncode}: {stderr}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"server did not listen on port {port} within {START_TIMEOUT} s")


async def test_streamable_http_session(ws: Path) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "resilience_skill", "serve", "--transport", "http"]
    cmd += ["--port", str(port), "--root", str(ws)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(proc, port)
        async with Client(f"http://127.0.0.1:{port}/mcp") as client:
            await exercise(client)
        async with Client(f"http://127.0.0.1:{port}/mcp", mode="legacy") as client:
            await exercise(client)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_serve_refuses_a_missing_root(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "resilience_skill", "serve", "--root", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"resilience serve: --root {tmp_path / 'nope'}: not a folder\n"
