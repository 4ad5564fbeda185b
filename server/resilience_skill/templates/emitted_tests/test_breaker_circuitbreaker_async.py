"""Tests of the async circuitbreaker breaker with a fake clock and a failing fake dependency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import circuitbreaker
import pytest

# isort: split
import resilience_skill.templates.breaker_circuitbreaker_async as subject

FAIL_MAX = subject.FAIL_MAX
RESET_TIMEOUT = subject.RESET_TIMEOUT
ObservedCircuitBreaker = subject.ObservedCircuitBreaker

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Dependency:
    """Fails while ``failing`` is set; counts the calls that reached it."""

    def __init__(self) -> None:
        self.failing = True
        self.calls = 0

    async def call(self) -> str:
        self.calls += 1
        if self.failing:
            raise ConnectionError("down")
        return "ok"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(circuitbreaker, "monotonic", fake)
    return fake


@pytest.fixture
def transitions() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def guarded(
    clock: FakeClock, transitions: list[tuple[str, str]]
) -> tuple[Dependency, Callable[[], Awaitable[str]]]:
    dependency = Dependency()
    breaker = ObservedCircuitBreaker(
        name="dependency", listeners=(lambda name, old, new: transitions.append((old, new)),)
    )
    return dependency, breaker(dependency.call)


async def trip(call: Callable[[], Awaitable[str]]) -> None:
    for _ in range(FAIL_MAX):
        with pytest.raises(ConnectionError):
            await call()


async def test_opens_after_the_threshold_and_rejects_fast(
    guarded: tuple[Dependency, Callable[[], Awaitable[str]]], transitions: list[tuple[str, str]]
) -> None:
    dependency, call = guarded
    await trip(call)
    assert transitions == [("closed", "open")]
    with pytest.raises(circuitbreaker.CircuitBreakerError):
        await call()
    assert dependency.calls == FAIL_MAX


async def test_trial_after_recovery_time_closes_on_success(
    guarded: tuple[Dependency, Callable[[], Awaitable[str]]],
    clock: FakeClock,
    transitions: list[tuple[str, str]],
) -> None:
    dependency, call = guarded
    await trip(call)
    clock.now += RESET_TIMEOUT - 1
    with pytest.raises(circuitbreaker.CircuitBreakerError):
        await call()
    clock.now += 1.5
    dependency.failing = False
    assert await call() == "ok"
    assert transitions == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


async def test_reopens_when_the_trial_fails(
    guarded: tuple[Dependency, Callable[[], Awaitable[str]]],
    clock: FakeClock,
    transitions: list[tuple[str, str]],
) -> None:
    dependency, call = guarded
    await trip(call)
    clock.now += RESET_TIMEOUT + 0.5
    with pytest.raises(ConnectionError):
        await call()
    assert transitions[-1] == ("half_open", "open")
    with pytest.raises(circuitbreaker.CircuitBreakerError):
        await call()
    assert dependency.calls == FAIL_MAX + 1


@pytest.mark.usefixtures("clock")
async def test_unexpected_errors_do_not_count(caplog: pytest.LogCaptureFixture) -> None:
    breaker = ObservedCircuitBreaker(name="lookups")

    @breaker
    async def lookup() -> str:
        raise KeyError("no such user")

    for _ in range(FAIL_MAX * 2):
        with pytest.raises(KeyError):
            await lookup()
    assert breaker.state == "closed"
    assert not caplog.records


async def test_cancellation_is_not_a_failure(clock: FakeClock) -> None:
    breaker = ObservedCircuitBreaker(name="cancelled")

    @breaker
    async def cancelled() -> str:
        raise asyncio.CancelledError

    for _ in range(FAIL_MAX * 2):
        with pytest.raises(asyncio.CancelledError):
            await cancelled()
    assert breaker.state == "closed"
