"""Tests of the pybreaker breaker with a controllable state storage and a failing fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pybreaker
import pytest

# isort: split
import resilience_skill.templates.breaker_pybreaker as subject

FAIL_MAX = subject.FAIL_MAX
RESET_TIMEOUT = subject.RESET_TIMEOUT
make_breaker = subject.make_breaker


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


class Transitions(pybreaker.CircuitBreakerListener):
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        self.seen.append((old_state.name if old_state else "none", new_state.name))


@pytest.fixture
def storage() -> pybreaker.CircuitMemoryStorage:
    return pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)


@pytest.fixture
def transitions() -> Transitions:
    return Transitions()


@pytest.fixture
def breaker(
    storage: pybreaker.CircuitMemoryStorage, transitions: Transitions
) -> pybreaker.CircuitBreaker:
    return make_breaker(
        "dependency", exclude=[KeyError], listeners=[transitions], state_storage=storage
    )


def trip(breaker: pybreaker.CircuitBreaker, dependency: Dependency) -> None:
    for _ in range(FAIL_MAX - 1):
        with pytest.raises(ConnectionError):
            breaker.call(dependency)
    # pybreaker raises CircuitBreakerError from the call that trips it.
    with pytest.raises(pybreaker.CircuitBreakerError):
        breaker.call(dependency)


def recover(storage: pybreaker.CircuitMemoryStorage) -> None:
    """Move the opening time back past the recovery timeout (the fake clock)."""
    storage.opened_at = datetime.now(UTC) - timedelta(seconds=RESET_TIMEOUT + 1)


def test_opens_after_the_threshold(
    breaker: pybreaker.CircuitBreaker, transitions: Transitions
) -> None:
    dependency = Dependency()
    trip(breaker, dependency)
    assert breaker.current_state == pybreaker.STATE_OPEN
    assert transitions.seen == [("closed", "open")]
    assert dependency.calls == FAIL_MAX


def test_rejects_fast_while_open(breaker: pybreaker.CircuitBreaker) -> None:
    dependency = Dependency()
    trip(breaker, dependency)
    with pytest.raises(pybreaker.CircuitBreakerError):
        breaker.call(dependency)
    assert dependency.calls == FAIL_MAX


def test_trial_after_recovery_time_closes_on_success(
    breaker: pybreaker.CircuitBreaker,
    storage: pybreaker.CircuitMemoryStorage,
    transitions: Transitions,
) -> None:
    dependency = Dependency()
    trip(breaker, dependency)
    recover(storage)
    dependency.failing = False
    assert breaker.call(dependency) == "ok"
    assert breaker.current_state == pybreaker.STATE_CLOSED
    assert transitions.seen == [("closed", "open"), ("open", "half-open"), ("half-open", "closed")]


def test_reopens_when_the_trial_fails(
    breaker: pybreaker.CircuitBreaker, storage: pybreaker.CircuitMemoryStorage
) -> None:
    dependency = Dependency()
    trip(breaker, dependency)
    recover(storage)
    with pytest.raises(pybreaker.CircuitBreakerError):
        breaker.call(dependency)
    assert breaker.current_state == pybreaker.STATE_OPEN
    assert dependency.calls == FAIL_MAX + 1


def test_excluded_errors_do_not_count(
    breaker: pybreaker.CircuitBreaker, caplog: pytest.LogCaptureFixture
) -> None:
    @breaker
    def lookup() -> str:
        raise KeyError("no such user")

    for _ in range(FAIL_MAX * 2):
        with pytest.raises(KeyError):
            lookup()
    assert breaker.current_state == pybreaker.STATE_CLOSED
    trip(breaker, Dependency())
    assert any("closed -> open" in record.getMessage() for record in caplog.records)
