"""Tests of the async purgatory breakers with a fake clock and a failing fake dependency."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import purgatory
import purgatory.domain.model
import pytest

# isort: split
import resilience_skill.templates.breaker_purgatory_async as subject

FAIL_MAX = subject.FAIL_MAX
RESET_TIMEOUT = subject.RESET_TIMEOUT
make_breakers = subject.make_breakers
OpenedState = purgatory.domain.model.OpenedState

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTime:
    """Stands in for the ``time`` module purgatory reads its clock from."""

    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
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
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(purgatory.domain.model, "time", fake)
    return fake


@pytest.fixture
def states() -> list[str]:
    return []


@pytest.fixture
def breakers(clock: FakeTime, states: list[str]) -> purgatory.AsyncCircuitBreakerFactory:
    def record(name: str, event_name: str, event: purgatory.Event) -> None:
        if isinstance(event, purgatory.ContextChanged):
            states.append(event.state)

    return make_breakers(exclude=[KeyError], listeners=[record])


@pytest.fixture
def dependency() -> Dependency:
    return Dependency()


@pytest.fixture
def call(
    breakers: purgatory.AsyncCircuitBreakerFactory, dependency: Dependency
) -> Callable[[], Awaitable[str]]:
    guarded: Callable[[], Awaitable[str]] = breakers("dependency")(dependency.call)
    return guarded


async def trip(call: Callable[[], Awaitable[str]]) -> None:
    for _ in range(FAIL_MAX):
        with pytest.raises(ConnectionError):
            await call()


async def test_opens_after_the_threshold_and_rejects_fast(
    call: Callable[[], Awaitable[str]], dependency: Dependency, states: list[str]
) -> None:
    await trip(call)
    assert states == ["opened"]
    with pytest.raises(OpenedState):
        await call()
    assert dependency.calls == FAIL_MAX


async def test_trial_after_recovery_time_closes_on_success(
    call: Callable[[], Awaitable[str]], dependency: Dependency, clock: FakeTime, states: list[str]
) -> None:
    await trip(call)
    clock.now += RESET_TIMEOUT - 0.5
    with pytest.raises(OpenedState):
        await call()
    clock.now += 1.0
    dependency.failing = False
    assert await call() == "ok"
    assert states == ["opened", "half-opened", "closed"]


async def test_reopens_when_the_trial_fails(
    call: Callable[[], Awaitable[str]], dependency: Dependency, clock: FakeTime, states: list[str]
) -> None:
    await trip(call)
    clock.now += RESET_TIMEOUT + 0.5
    with pytest.raises(ConnectionError):
        await call()
    assert states[-1] == "opened"
    with pytest.raises(OpenedState):
        await call()
    assert dependency.calls == FAIL_MAX + 1


async def test_excluded_errors_and_cancellation_do_not_count_and_events_are_logged(
    breakers: purgatory.AsyncCircuitBreakerFactory,
    call: Callable[[], Awaitable[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(FAIL_MAX * 2):
        with pytest.raises(KeyError):
            async with await breakers.get_breaker("lookups"):
                raise KeyError("no such user")
    for _ in range(FAIL_MAX * 2):
        with pytest.raises(asyncio.CancelledError):
            async with await breakers.get_breaker("lookups"):
                raise asyncio.CancelledError
    async with await breakers.get_breaker("lookups"):
        pass
    await trip(call)
    assert any("is now opened" in record.getMessage() for record in caplog.records)
    assert not any("'lookups'" in record.getMessage() for record in caplog.records)
