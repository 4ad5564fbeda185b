"""Tests of the circuitbreaker breaker with a fake clock and a failing fake dependency."""

from __future__ import annotations

from collections.abc import Callable

import circuitbreaker
import pytest

# isort: split
import resilience_skill.templates.breaker_circuitbreaker as subject

FAIL_MAX = subject.FAIL_MAX
RESET_TIMEOUT = subject.RESET_TIMEOUT
ObservedCircuitBreaker = subject.ObservedCircuitBreaker


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

    def call(self) -> str:
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
) -> tuple[Dependency, Callable[[], str]]:
    dependency = Dependency()
    breaker = ObservedCircuitBreaker(
        name="dependency", listeners=(lambda name, old, new: transitions.append((old, new)),)
    )
    return dependency, breaker(dependency.call)


def trip(call: Callable[[], str]) -> None:
    for _ in range(FAIL_MAX):
        with pytest.raises(ConnectionError):
            call()


def test_opens_after_the_threshold_and_rejects_fast(
    guarded: tuple[Dependency, Callable[[], str]], transitions: list[tuple[str, str]]
) -> None:
    dependency, call = guarded
    trip(call)
    assert transitions == [("closed", "open")]
    with pytest.raises(circuitbreaker.CircuitBreakerError):
        call()
    assert dependency.calls == FAIL_MAX


def test_trial_after_recovery_time_closes_on_success(
    guarded: tuple[Dependency, Callable[[], str]],
    clock: FakeClock,
    transitions: list[tuple[str, str]],
) -> None:
    dependency, call = guarded
    trip(call)
    clock.now += RESET_TIMEOUT - 1
    with pytest.raises(circuitbreaker.CircuitBreakerError):
        call()
    clock.now += 1.5
    dependency.failing = False
    assert call() == "ok"
    assert transitions == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


def test_reopens_when_the_trial_fails(
    guarded: tuple[Dependency, Callable[[], str]],
    clock: FakeClock,
    transitions: list[tuple[str, str]],
) -> None:
    dependency, call = guarded
    trip(call)
    clock.now += RESET_TIMEOUT + 0.5
    with pytest.raises(ConnectionError):
        call()
    assert transitions[-1] == ("half_open", "open")
    with pytest.raises(circuitbreaker.CircuitBreakerError):
        call()
    assert dependency.calls == FAIL_MAX + 1


@pytest.mark.usefixtures("clock")
def test_unexpected_errors_do_not_count(caplog: pytest.LogCaptureFixture) -> None:
    breaker = ObservedCircuitBreaker(name="lookups")

    @breaker
    def lookup() -> str:
        raise KeyError("no such user")

    for _ in range(FAIL_MAX * 2):
        with pytest.raises(KeyError):
            lookup()
    assert breaker.state == "closed"
    assert not caplog.records
