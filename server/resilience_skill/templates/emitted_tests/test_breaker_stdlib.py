"""Tests of the circuit breaker with a fake clock and a failing fake dependency."""

from __future__ import annotations

import pytest

# isort: split
import resilience_skill.templates.breaker_stdlib as subject

FAIL_MAX = subject.FAIL_MAX
RESET_TIMEOUT = subject.RESET_TIMEOUT
CircuitBreaker = subject.CircuitBreaker
CircuitOpenError = subject.CircuitOpenError
State = subject.State


def state_of(breaker: CircuitBreaker) -> State:
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

    def __call__(self) -> str:
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
def breaker(clock: FakeClock, transitions: list[tuple[State, State]]) -> CircuitBreaker:
    return CircuitBreaker(
        "dependency",
        exclude=(KeyError,),
        listeners=(lambda name, old, new: transitions.append((old, new)),),
        clock=clock,
    )


def trip(breaker: CircuitBreaker, dependency: Dependency) -> None:
    for _ in range(FAIL_MAX):
        with pytest.raises(ConnectionError):
            breaker.call(dependency)


def test_opens_after_the_threshold(
    breaker: CircuitBreaker, transitions: list[tuple[State, State]]
) -> None:
    dependency = Dependency()
    for _ in range(FAIL_MAX - 1):
        with pytest.raises(ConnectionError):
            breaker.call(dependency)
    assert state_of(breaker) is State.CLOSED
    with pytest.raises(ConnectionError):
        breaker.call(dependency)
    assert state_of(breaker) is State.OPEN
    assert transitions == [(State.CLOSED, State.OPEN)]


def test_rejects_fast_while_open(breaker: CircuitBreaker, clock: FakeClock) -> None:
    dependency = Dependency()
    trip(breaker, dependency)
    clock.now += RESET_TIMEOUT - 0.001
    with pytest.raises(CircuitOpenError) as rejected:
        breaker.call(dependency)
    assert dependency.calls == FAIL_MAX
    assert rejected.value.retry_after == pytest.approx(0.001)


def test_half_open_trial_after_recovery_time_then_closes_on_success(
    breaker: CircuitBreaker, clock: FakeClock, transitions: list[tuple[State, State]]
) -> None:
    dependency = Dependency()
    trip(breaker, dependency)
    clock.now += RESET_TIMEOUT
    dependency.failing = False
    assert breaker.call(dependency) == "ok"
    assert state_of(breaker) is State.CLOSED
    assert transitions == [
        (State.CLOSED, State.OPEN),
        (State.OPEN, State.HALF_OPEN),
        (State.HALF_OPEN, State.CLOSED),
    ]


def test_only_one_trial_runs_while_half_open(breaker: CircuitBreaker, clock: FakeClock) -> None:
    dependency = Dependency()
    trip(breaker, dependency)
    clock.now += RESET_TIMEOUT
    dependency.failing = False
    with breaker.calling(), pytest.raises(CircuitOpenError):
        breaker.call(dependency)
    assert state_of(breaker) is State.CLOSED


def test_reopens_when_the_trial_fails(
    breaker: CircuitBreaker, clock: FakeClock, transitions: list[tuple[State, State]]
) -> None:
    dependency = Dependency()
    trip(breaker, dependency)
    clock.now += RESET_TIMEOUT
    with pytest.raises(ConnectionError):
        breaker.call(dependency)
    assert state_of(breaker) is State.OPEN
    assert transitions[-1] == (State.HALF_OPEN, State.OPEN)
    with pytest.raises(CircuitOpenError):
        breaker.call(dependency)
    assert dependency.calls == FAIL_MAX + 1


def test_success_resets_the_count_and_excluded_errors_do_not_count(
    breaker: CircuitBreaker,
) -> None:
    dependency = Dependency()
    for _ in range(FAIL_MAX - 1):
        with pytest.raises(ConnectionError):
            breaker.call(dependency)
    dependency.failing = False
    breaker.call(dependency)

    @breaker
    def lookup() -> str:
        raise KeyError("no such user")

    for _ in range(FAIL_MAX * 2):
        with pytest.raises(KeyError):
            lookup()
    assert state_of(breaker) is State.CLOSED
