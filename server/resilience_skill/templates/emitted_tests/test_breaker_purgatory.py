"""Tests of the purgatory breakers with a fake clock and a failing fake dependency."""

from __future__ import annotations

import logging
from collections.abc import Callable

import purgatory
import purgatory.domain.model
import pytest

# isort: split
import resilience_skill.templates.breaker_purgatory as subject

FAIL_MAX = subject.FAIL_MAX
RESET_TIMEOUT = subject.RESET_TIMEOUT
make_breakers = subject.make_breakers
OpenedState = purgatory.domain.model.OpenedState


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

    def call(self) -> str:
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
def breakers(clock: FakeTime, states: list[str]) -> purgatory.SyncCircuitBreakerFactory:
    def record(name: str, event_name: str, event: purgatory.Event) -> None:
        if isinstance(event, purgatory.ContextChanged):
            states.append(event.state)

    return make_breakers(exclude=[KeyError], listeners=[record])


@pytest.fixture
def dependency() -> Dependency:
    return Dependency()


@pytest.fixture
def call(
    breakers: purgatory.SyncCircuitBreakerFactory, dependency: Dependency
) -> Callable[[], str]:
    guarded: Callable[[], str] = breakers("dependency")(dependency.call)
    return guarded


def trip(call: Callable[[], str]) -> None:
    for _ in range(FAIL_MAX):
        with pytest.raises(ConnectionError):
            call()


def test_opens_after_the_threshold_and_rejects_fast(
    call: Callable[[], str], dependency: Dependency, states: list[str]
) -> None:
    trip(call)
    assert states == ["opened"]
    with pytest.raises(OpenedState):
        call()
    assert dependency.calls == FAIL_MAX


def test_trial_after_recovery_time_closes_on_success(
    call: Callable[[], str], dependency: Dependency, clock: FakeTime, states: list[str]
) -> None:
    trip(call)
    clock.now += RESET_TIMEOUT - 0.5
    with pytest.raises(OpenedState):
        call()
    clock.now += 1.0
    dependency.failing = False
    assert call() == "ok"
    assert states == ["opened", "half-opened", "closed"]


def test_reopens_when_the_trial_fails(
    call: Callable[[], str], dependency: Dependency, clock: FakeTime, states: list[str]
) -> None:
    trip(call)
    clock.now += RESET_TIMEOUT + 0.5
    with pytest.raises(ConnectionError):
        call()
    assert states[-1] == "opened"
    with pytest.raises(OpenedState):
        call()
    assert dependency.calls == FAIL_MAX + 1


def test_excluded_errors_do_not_count_and_events_are_logged(
    breakers: purgatory.SyncCircuitBreakerFactory,
    call: Callable[[], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(FAIL_MAX * 2):
        with pytest.raises(KeyError), breakers.get_breaker("lookups"):
            raise KeyError("no such user")
    with breakers.get_breaker("lookups"):
        pass
    trip(call)
    assert any("is now opened" in record.getMessage() for record in caplog.records)
    assert not any("'lookups'" in record.getMessage() for record in caplog.records)
