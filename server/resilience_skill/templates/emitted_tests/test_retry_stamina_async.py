"""Tests of the async stamina retry under injected faults: no network, no sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import stamina
import stamina.instrumentation

# isort: split
import resilience_skill.templates.retry_stamina_async as subject

MAX_ATTEMPTS = subject.MAX_ATTEMPTS
BASE_DELAY = subject.BASE_DELAY
MAX_DELAY = subject.MAX_DELAY
JITTER = subject.JITTER
transient_retry = subject.transient_retry

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def retries_seen() -> Iterator[list[stamina.instrumentation.RetryDetails]]:
    """Record stamina's retries through the module's hook; restore the hooks after."""
    seen: list[stamina.instrumentation.RetryDetails] = []
    before = stamina.instrumentation.get_on_retry_hooks()
    subject.observe_retries(seen.append)
    yield seen
    stamina.instrumentation.set_on_retry_hooks(before)


@pytest.fixture
def no_waits() -> Iterator[None]:
    # cap=True keeps the template's own attempt count and sets every wait to 0.
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


class FlakyDependency:
    """Fails ``failures`` times with ``error``, then returns "ok"."""

    def __init__(self, failures: int, error: BaseException) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    async def call(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


@pytest.mark.usefixtures("no_waits")
async def test_recovers_from_transient_failures(
    retries_seen: list[stamina.instrumentation.RetryDetails],
) -> None:
    dependency = FlakyDependency(MAX_ATTEMPTS - 1, ConnectionError("reset"))
    assert await transient_retry()(dependency.call)() == "ok"
    assert dependency.calls == MAX_ATTEMPTS
    assert [d.retry_num for d in retries_seen] == list(range(1, MAX_ATTEMPTS))


@pytest.mark.usefixtures("no_waits")
async def test_stops_after_the_attempts_and_raises_the_last_error() -> None:
    dependency = FlakyDependency(MAX_ATTEMPTS + 5, TimeoutError("slow"))
    with pytest.raises(TimeoutError, match="slow"):
        await transient_retry()(dependency.call)()
    assert dependency.calls == MAX_ATTEMPTS


@pytest.mark.usefixtures("no_waits")
async def test_does_not_retry_non_transient_errors(
    retries_seen: list[stamina.instrumentation.RetryDetails],
) -> None:
    dependency = FlakyDependency(1, ValueError("bad request"))
    with pytest.raises(ValueError, match="bad request"):
        await transient_retry()(dependency.call)()
    assert dependency.calls == 1
    assert retries_seen == []


@pytest.mark.usefixtures("no_waits")
async def test_does_not_retry_cancellation() -> None:
    dependency = FlakyDependency(1, asyncio.CancelledError())
    with pytest.raises(asyncio.CancelledError):
        await transient_retry()(dependency.call)()
    assert dependency.calls == 1


async def test_waits_grow_jittered_and_capped(
    monkeypatch: pytest.MonkeyPatch, retries_seen: list[stamina.instrumentation.RetryDetails]
) -> None:
    sleeps: list[float] = []

    async def fake_sleep(delay: float) -> None:
        sleeps.append(delay)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    with pytest.raises(ConnectionError):
        await transient_retry(attempts=8)(FlakyDependency(99, ConnectionError()).call)()
    assert len(sleeps) == 7
    assert [d.wait_for for d in retries_seen] == pytest.approx(sleeps)
    for n, delay in enumerate(sleeps):
        assert (
            min(MAX_DELAY, BASE_DELAY * 2**n) <= delay <= min(MAX_DELAY, BASE_DELAY * 2**n + JITTER)
        )
