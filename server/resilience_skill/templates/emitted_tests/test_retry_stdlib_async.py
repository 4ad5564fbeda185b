"""Tests of the async retry policy under injected faults: no network, no sleeping."""

from __future__ import annotations

import asyncio
import random

import pytest

# isort: split
import resilience_skill.templates.retry_stdlib_async as subject

MAX_ATTEMPTS = subject.MAX_ATTEMPTS
BASE_DELAY = subject.BASE_DELAY
MAX_DELAY = subject.MAX_DELAY
AsyncRetryPolicy = subject.AsyncRetryPolicy

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FlakyDependency:
    """Fails ``failures`` times with ``error``, then returns "ok"."""

    def __init__(self, failures: int, error: BaseException) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


class FakeSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def make_policy(sleep: FakeSleep, attempts: int = MAX_ATTEMPTS) -> AsyncRetryPolicy:
    return AsyncRetryPolicy(attempts=attempts, sleep=sleep, uniform=random.Random(7).uniform)


async def test_recovers_from_transient_failures() -> None:
    sleep = FakeSleep()
    dependency = FlakyDependency(MAX_ATTEMPTS - 1, ConnectionError("reset"))
    assert await make_policy(sleep).call(dependency) == "ok"
    assert dependency.calls == MAX_ATTEMPTS
    assert len(sleep.delays) == MAX_ATTEMPTS - 1


async def test_stops_after_the_attempts_and_raises_the_last_error() -> None:
    sleep = FakeSleep()
    dependency = FlakyDependency(MAX_ATTEMPTS + 5, TimeoutError("slow"))
    with pytest.raises(TimeoutError, match="slow"):
        await make_policy(sleep).call(dependency)
    assert dependency.calls == MAX_ATTEMPTS


async def test_waits_are_full_jitter_within_the_capped_exponential() -> None:
    sleep = FakeSleep()
    with pytest.raises(ConnectionError):
        await make_policy(sleep, attempts=12).call(FlakyDependency(99, ConnectionError()))
    assert len(sleep.delays) == 11
    for n, delay in enumerate(sleep.delays):
        assert 0.0 <= delay <= min(MAX_DELAY, BASE_DELAY * 2**n)


async def test_does_not_retry_non_transient_errors_or_cancellation() -> None:
    for error in (ValueError("bad request"), asyncio.CancelledError()):
        sleep = FakeSleep()
        dependency = FlakyDependency(1, error)
        with pytest.raises(type(error)):
            await make_policy(sleep).call(dependency)
        assert dependency.calls == 1
        assert sleep.delays == []


async def test_hook_sees_every_retry_and_decorator_works() -> None:
    seen: list[int] = []
    sleep = FakeSleep()
    policy = AsyncRetryPolicy(
        attempts=3, sleep=sleep, on_retry=lambda n, exc, delay: seen.append(n)
    )
    dependency = FlakyDependency(2, ConnectionError("down"))

    @policy
    async def fetch() -> str:
        return await dependency()

    assert await fetch() == "ok"
    assert seen == [1, 2]
