"""Tests of the aiohttp timeouts with a fake session: no network."""

from __future__ import annotations

from types import TracebackType
from typing import Any, cast

import aiohttp
import pytest

# isort: split
import resilience_skill.templates.timeout_aiohttp as subject

CONNECT_TIMEOUT = subject.CONNECT_TIMEOUT
READ_TIMEOUT = subject.READ_TIMEOUT
TOTAL_TIMEOUT = subject.TOTAL_TIMEOUT
create_session = subject.create_session

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeResponse:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def raise_for_status(self) -> None:
        return None

    async def read(self) -> bytes:
        return self.body


class FakeRequest:
    def __init__(self, hang: bool) -> None:
        self.hang = hang

    async def __aenter__(self) -> FakeResponse:
        if self.hang:
            raise TimeoutError
        return FakeResponse(b"ok")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class FakeSession:
    """Stands in for a ClientSession: records request options; ``hang`` times every call out."""

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang
        self.timeout = subject.default_timeout()
        self.options: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **options: Any) -> FakeRequest:
        self.options.append(options)
        return FakeRequest(self.hang)


def fake(session: FakeSession) -> aiohttp.ClientSession:
    return cast(aiohttp.ClientSession, session)


async def test_session_has_every_phase_bounded() -> None:
    async with create_session() as session:
        assert session.timeout.total == TOTAL_TIMEOUT
        assert session.timeout.connect == CONNECT_TIMEOUT
        assert session.timeout.sock_read == READ_TIMEOUT


async def test_fetch_uses_the_session_default_or_the_per_call_override() -> None:
    session = FakeSession()
    assert await subject.fetch(fake(session), "GET", "https://api.example/users") == b"ok"
    override = aiohttp.ClientTimeout(total=1.0)
    await subject.fetch(fake(session), "GET", "https://api.example/users", timeout=override)
    assert session.options == [{}, {"timeout": override}]


async def test_a_hanging_server_times_out_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(TimeoutError):
        await subject.fetch(fake(FakeSession(hang=True)), "GET", "https://api.example/slow")
    assert "GET https://api.example/slow timed out" in caplog.records[-1].getMessage()
