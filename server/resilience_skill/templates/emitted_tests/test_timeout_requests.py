"""Tests of the timeout session with a fake transport adapter: no network."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import requests.adapters

# isort: split
import resilience_skill.templates.timeout_requests as subject

CONNECT_TIMEOUT = subject.CONNECT_TIMEOUT
READ_TIMEOUT = subject.READ_TIMEOUT
TimeoutSession = subject.TimeoutSession


class FakeAdapter(requests.adapters.HTTPAdapter):
    """Records the timeout of every request; ``hang`` makes it raise ReadTimeout instead."""

    def __init__(self, hang: bool = False) -> None:
        super().__init__()
        self.hang = hang
        self.timeouts: list[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.timeouts.append(kwargs.get("timeout"))
        if self.hang:
            raise requests.ReadTimeout("read timed out", request=request)
        response = requests.Response()
        response.status_code = 200
        response.request = request
        response._content = b"ok"
        return response


def session_with(adapter: FakeAdapter, **kwargs: float) -> TimeoutSession:
    session = TimeoutSession(**kwargs)
    session.mount("https://", adapter)
    return session


def test_every_call_gets_the_default_timeout() -> None:
    adapter = FakeAdapter()
    session = session_with(adapter)
    session.get("https://api.example/users")
    session.post("https://api.example/users", json={})
    session.get("https://api.example/users", timeout=None)
    assert adapter.timeouts == [(CONNECT_TIMEOUT, READ_TIMEOUT)] * 3


def test_per_call_and_per_session_overrides() -> None:
    adapter = FakeAdapter()
    session = session_with(adapter, connect_timeout=1.0, read_timeout=2.0)
    session.get("https://api.example/users")
    session.get("https://api.example/users", timeout=(0.5, 0.5))
    assert adapter.timeouts == [(1.0, 2.0), (0.5, 0.5)]


def test_a_hanging_server_times_out_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    session = session_with(FakeAdapter(hang=True))
    with pytest.raises(requests.Timeout):
        session.get("https://api.example/slow")
    assert "GET https://api.example/slow timed out" in caplog.records[-1].getMessage()
