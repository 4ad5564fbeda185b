"""Tests of the asyncio circuit breaker with a fake clock and a failing fake dependency."""

from __future__ import annotations

import asyncio

import pytest

# isort: split
import resilience_skill.templates.breaker_stdlib_async as subject

FAIL_MAX = subject.FAIL_MAX
RESET_TIMEOUT = subject.RESET_TIMEOUT
AsyncCircuitBreaker = subject.AsyncCircuitBreaker
CircuitOpenError = subject.CircuitOpenError
State = subject.State

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def state_of(breaker: AsyncCircuitBreaker) -> State:
    """The breaker's state, read afresh (keeps mypy from narrowing it between calls)."""
    return breaker.state


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

    async def __call__(self) -> str:
        self.calls += 1
        if self.failing:
            raise ConnectionError("down")
        return "ok"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def transitions() -> list[tuple[State, State]]:
    return []


@pytest.fixture
def breaker(clock: FakeClock, transitions: list[tuple[State, State]]) -> AsyncCircuitBreaker:
    return AsyncCircuitBreaker(
        "dependency",
        exclude=(KeyError,),
        listeners=(lambda name, old, new: transitions.append((old, new)),),
        clock=clock,
    )


async def trip(breaker: AsyncCircuitBreaker, dependency: Dependency) -> None:
    for _ in range(FAIL_MAX):
        with pytest.raises(ConnectionError):
            await breaker.call(dependency)


async def test_opens_after_the_threshold(
    breaker: AsyncCircuitBreaker, transitions: list[tuple[State, State]]
) -> None:
    dependency = Dependency()
    for _ in range(FAIL_MAX - 1):
        with pytest.raises(ConnectionError):
            await breaker.call(dependency)
    assert state_of(breaker) is State.CLOSED
    with pytest.raises(ConnectionError):
        await breaker.call(dependency)
    assert state_of(breaker) is State.OPEN
    assert transitions == [(State.CLOSED, State.OPEN)]


async def test_rejects_fast_while_open(breaker: AsyncCircuitBreaker, clock: FakeClock) -> None:
    dependency = Dependency()
    await trip(breaker, dependency)
    clock.now += RESET_TIMEOUT - 0.001
    with pytest.raises(CircuitOpenError) as rejected:
        await breaker.call(dependency)
    assert dependency.calls == FAIL_MAX
    assert rejected.value.retry_after == pytest.approx(0.001)


async def test_half_open_trial_after_recovery_time_then_closes_on_success(
    breaker: AsyncCircuitBreaker, clock: FakeClock, transitions: list[tuple[State, State]]
) -> None:
    dependency = Dependency()
    await trip(breaker, dependency)
    clock.now += RESET_TIMEOUT
    dependency.failing = False
    assert await breaker.call(dependency) == "ok"
    assert state_of(breaker) is State.CLOSED
    assert transitions == [
        (State.CLOSED, State.OPEN),
        (State.OPEN, State.HALF_OPEN),
        (State.HALF_OPEN, State.CLOSED),
    ]


async def test_only_one_trial_runs_while_half_open(
    breaker: AsyncCircuitBreaker, clock: FakeClock
) -> None:
    dependency = Dependency()
    await trip(breaker, dependency)
    clock.now += RESET_TIMEOUT
    dependency.failing = False
    async with breaker.calling():
        with pytest.raises(CircuitOpenError):
            await breaker.call(dependency)
    assert state_of(breaker) is State.CLOSED


async def test_reopens_when_the_trial_fails(
    breaker: AsyncCircuitBreaker, clock: FakeClock, transitions: list[tuple[State, State]]
) -> None:
    dependency = Dependency()
    await trip(breaker, dependency)
    clock.now += RESET_TIMEOUT
    with pytest.raises(ConnectionError):
        await breaker.call(dependency)
    assert state_of(breaker) is State.OPEN
    assert transitions[-1] == (State.HALF_OPEN, State.OPEN)
    with pytest.raises(CircuitOpenError):
        await breaker.call(dependency)
    assert dependency.calls == FAIL_MAX + 1


async def test_success_resets_the_count_and_excluded_errors_do_not_count(
    breaker: AsyncCircuitBreaker,
) -> None:
    dependency = Dependency()
    for _ in range(FAIL_MAX - 1):
        with pytest.raises(ConnectionError):
            await breaker.call(dependency)
    dependency.failing = False
    await breaker.call(dependency)

    @breaker
    async def lookup() -> str:
        raise KeyError("no such user")

    for _ in range(FAIL_MAX * 2):
        with pytest.raises(KeyError):
            await lookup()
    assert state_of(breaker) is State.CLOSED


async def test_cancellation_is_not_a_failure(
    breaker: AsyncCircuitBreaker, clock: FakeClock
) -> None:
    dependency = Dependency()
    await trip(breaker, dependency)
    clock.now += RESET_TIMEOUT

    async def cancelled() -> str:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await breaker.call(cancelled)
    assert state_of(breaker) is State.HALF_OPEN
    dependency.failing = False
    assert await breaker.call(dependency) == "ok"
    assert state_of(breaker) is State.CLOSED
