"""Tests of the async resilient httpx client with a mock transport and a fake clock: no network,
no sleeping."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

# isort: split
import resilience_skill.templates.client_httpx_async as subject

CONNECT_TIMEOUT = subject.CONNECT_TIMEOUT
READ_TIMEOUT = subject.READ_TIMEOUT
TOTAL_TIMEOUT = subject.TOTAL_TIMEOUT
MAX_ATTEMPTS = subject.MAX_ATTEMPTS
BASE_DELAY = subject.BASE_DELAY
MAX_DELAY = subject.MAX_DELAY
FAIL_MAX = subject.FAIL_MAX
RESET_TIMEOUT = subject.RESET_TIMEOUT
AsyncResilientClient = subject.AsyncResilientClient

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


Outcome = int | BaseException
"""A status code to answer with, or an error to raise."""


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.now += delay


class FakeServer:
    """Answers with the scripted outcomes (the last one repeats); each attempt takes
    ``latency`` seconds of the fake clock; records every attempt's timeouts."""

    def __init__(self, clock: FakeClock, outcomes: list[Outcome], latency: float = 0.0) -> None:
        self.clock = clock
        self.outcomes = outcomes
        self.latency = latency
        self.attempts: list[tuple[str, str, Any]] = []
        self.started_at: list[float] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions["timeout"]
        self.attempts.append(
            (request.method, str(request.url), (timeout["connect"], timeout["read"]))
        )
        self.started_at.append(self.clock.now)
        self.clock.now += self.latency
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return httpx.Response(outcome)


class Harness:
    def __init__(self, outcomes: list[Outcome], latency: float = 0.0) -> None:
        self.clock = FakeClock()
        self.session = FakeServer(self.clock, outcomes, latency)
        self.waits: list[float] = []
        self.states: list[tuple[str, str]] = []
        self.client = AsyncResilientClient(
            "https://api.example",
            client=httpx.AsyncClient(transport=httpx.MockTransport(self.session)),
            clock=self.clock,
            sleep=self.clock.sleep,
            on_retry=lambda n, exc, delay: self.waits.append(delay),
            on_state_change=lambda old, new: self.states.append((old, new)),
        )

    async def call(self, method: str = "GET", **kwargs: Any) -> httpx.Response:
        return await self.client.request(method, "/users/1", **kwargs)


async def test_each_attempt_has_connect_and_read_timeouts() -> None:
    harness = Harness([200])
    assert (await harness.call()).status_code == 200
    assert harness.session.attempts == [
        ("GET", "https://api.example/users/1", (CONNECT_TIMEOUT, READ_TIMEOUT))
    ]


async def test_retries_transient_failures_with_capped_full_jitter_waits() -> None:
    harness = Harness([*([httpx.ConnectError("reset")] * (MAX_ATTEMPTS - 1)), 200])
    assert (await harness.call()).status_code == 200
    assert len(harness.session.attempts) == MAX_ATTEMPTS
    assert len(harness.waits) == MAX_ATTEMPTS - 1
    for n, delay in enumerate(harness.waits):
        assert 0.0 <= delay <= min(MAX_DELAY, BASE_DELAY * 2**n)


async def test_stops_after_the_attempts_and_returns_the_last_retryable_response() -> None:
    harness = Harness([503])
    assert (await harness.call()).status_code == 503
    assert len(harness.session.attempts) == MAX_ATTEMPTS


async def test_does_not_retry_client_errors_or_non_idempotent_posts() -> None:
    harness = Harness([404])
    assert (await harness.call()).status_code == 404
    assert len(harness.session.attempts) == 1
    harness = Harness([httpx.ConnectError("reset"), 200])
    with pytest.raises(httpx.ConnectError):
        await harness.call("POST", json={})
    assert len(harness.session.attempts) == 1
    harness = Harness([httpx.ConnectError("reset"), 201])
    assert (
        await harness.call("POST", json={}, headers={"Idempotency-Key": "k1"})
    ).status_code == 201


async def test_deadline_shrinks_each_attempt_timeout_to_the_remaining_budget() -> None:
    harness = Harness([httpx.ReadTimeout("slow")], latency=TOTAL_TIMEOUT - MAX_DELAY - 1.0)
    with pytest.raises((httpx.ReadTimeout, subject.DeadlineExceeded)):
        await harness.call()
    assert len(harness.session.attempts) >= 2
    for (_, _, timeout), started in zip(
        harness.session.attempts, harness.session.started_at, strict=True
    ):
        remaining = 100.0 + TOTAL_TIMEOUT - started
        assert timeout == (min(CONNECT_TIMEOUT, remaining), min(READ_TIMEOUT, remaining))
    assert harness.session.attempts[1][2][1] < READ_TIMEOUT or READ_TIMEOUT <= MAX_DELAY + 1


async def test_fails_fast_when_the_budget_is_spent() -> None:
    harness = Harness([httpx.ConnectError("reset"), 200], latency=TOTAL_TIMEOUT)
    with pytest.raises(subject.DeadlineExceeded):
        await harness.call()
    assert len(harness.session.attempts) == 1
    assert harness.waits == []


async def test_breaker_inside_retry_opens_on_failed_attempts_and_rejects_fast() -> None:
    harness = Harness([httpx.ConnectError("down")])
    calls = 0
    while harness.client.breaker.state.value != "open":
        with pytest.raises(httpx.ConnectError):
            await harness.call()
        calls += 1
    assert len(harness.session.attempts) == FAIL_MAX  # the retry stopped once it opened
    assert calls == -(-FAIL_MAX // MAX_ATTEMPTS)
    with pytest.raises(subject.CircuitOpenError):
        await harness.call()
    assert len(harness.session.attempts) == FAIL_MAX
    assert harness.states == [("closed", "open")]


async def test_breaker_trial_after_recovery_time_closes_on_success() -> None:
    harness = Harness([httpx.ConnectError("down")])
    while harness.client.breaker.state.value != "open":
        with pytest.raises(httpx.ConnectError):
            await harness.call()
    harness.clock.now += RESET_TIMEOUT + 0.001  # float sums of the waits: step past the edge
    harness.session.outcomes = [200]
    assert (await harness.call()).status_code == 200
    assert harness.states == [("closed", "open"), ("open", "half-open"), ("half-open", "closed")]


async def test_retries_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    harness = Harness([httpx.ConnectError("reset"), 200])
    await harness.call()
    assert any("retrying in" in record.getMessage() for record in caplog.records)


async def test_cancellation_is_neither_retried_nor_counted() -> None:
    harness = Harness([asyncio.CancelledError()])
    for _ in range(FAIL_MAX + 1):
        with pytest.raises(asyncio.CancelledError):
            await harness.call()
    assert len(harness.session.attempts) == FAIL_MAX + 1
    assert harness.client.breaker.state.value == "closed"


async def test_a_caller_timeout_is_refused_not_silently_ignored() -> None:
    harness = Harness([200])
    with pytest.raises(TypeError, match="sets each attempt's timeout itself"):
        await harness.call(timeout=99)
    assert harness.session.attempts == []
