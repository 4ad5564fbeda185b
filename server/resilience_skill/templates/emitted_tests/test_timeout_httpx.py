"""Tests of the httpx timeout client with a mock transport: no network."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

# isort: split
import resilience_skill.templates.timeout_httpx as subject

CONNECT_TIMEOUT = subject.CONNECT_TIMEOUT
READ_TIMEOUT = subject.READ_TIMEOUT
WRITE_TIMEOUT = subject.WRITE_TIMEOUT
POOL_TIMEOUT = subject.POOL_TIMEOUT
TimeoutClient = subject.TimeoutClient


class FakeServer:
    """Records each request's timeouts; ``hang`` makes it raise ReadTimeout instead."""

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang
        self.timeouts: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.timeouts.append(request.extensions["timeout"])
        if self.hang:
            raise httpx.ReadTimeout("read timed out", request=request)
        return httpx.Response(200, text="ok")


DEFAULT = {
    "connect": CONNECT_TIMEOUT,
    "read": READ_TIMEOUT,
    "write": WRITE_TIMEOUT,
    "pool": POOL_TIMEOUT,
}


def test_every_call_gets_the_configured_timeouts() -> None:
    server = FakeServer()
    with TimeoutClient(transport=httpx.MockTransport(server)) as client:
        client.get("https://api.example/users")
        client.post("https://api.example/users", json={})
    assert server.timeouts == [DEFAULT, DEFAULT]


def test_per_call_override() -> None:
    server = FakeServer()
    with TimeoutClient(transport=httpx.MockTransport(server)) as client:
        client.get("https://api.example/report", timeout=httpx.Timeout(60.0, connect=1.0))
    assert server.timeouts == [{"connect": 1.0, "read": 60.0, "write": 60.0, "pool": 60.0}]


def test_a_hanging_server_times_out_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    client = TimeoutClient(transport=httpx.MockTransport(FakeServer(hang=True)))
    with client, pytest.raises(httpx.ReadTimeout):
        client.get("https://api.example/slow")
    assert "GET https://api.example/slow timed out (ReadTimeout" in caplog.records[-1].getMessage()
