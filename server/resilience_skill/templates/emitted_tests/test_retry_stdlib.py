"""Tests of the retry policy under injected faults: no network, no sleeping."""

from __future__ import annotations

import random

import pytest

# isort: split
import resilience_skill.templates.retry_stdlib as subject

MAX_ATTEMPTS = subject.MAX_ATTEMPTS
BASE_DELAY = subject.BASE_DELAY
MAX_DELAY = subject.MAX_DELAY
RetryPolicy = subject.RetryPolicy


class FlakyDependency:
    """Fails ``failures`` times with ``error``, then returns "ok"."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


def make_policy(
    sleeps: list[float], attempts: int = MAX_ATTEMPTS, on_retry: subject.RetryHook | None = None
) -> RetryPolicy:
    return RetryPolicy(
        attempts=attempts,
        on_retry=on_retry,
        sleep=sleeps.append,
        uniform=random.Random(7).uniform,
    )


def test_recovers_from_transient_failures() -> None:
    sleeps: list[float] = []
    dependency = FlakyDependency(MAX_ATTEMPTS - 1, ConnectionError("reset"))
    assert make_policy(sleeps).call(dependency) == "ok"
    assert dependency.calls == MAX_ATTEMPTS
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_stops_after_the_attempts_and_raises_the_last_error() -> None:
    sleeps: list[float] = []
    dependency = FlakyDependency(MAX_ATTEMPTS + 5, TimeoutError("slow"))
    with pytest.raises(TimeoutError, match="slow"):
        make_policy(sleeps).call(dependency)
    assert dependency.calls == MAX_ATTEMPTS
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_waits_are_full_jitter_within_the_capped_exponential() -> None:
    sleeps: list[float] = []
    attempts = 12
    with pytest.raises(ConnectionError):
        make_policy(sleeps, attempts=attempts).call(FlakyDependency(99, ConnectionError()))
    assert len(sleeps) == attempts - 1
    for n, delay in enumerate(sleeps):
        assert 0.0 <= delay <= min(MAX_DELAY, BASE_DELAY * 2**n)


def test_upper_bound_is_reached_and_capped() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=12, sleep=sleeps.append, uniform=lambda low, high: high)
    with pytest.raises(ConnectionError):
        policy.call(FlakyDependency(99, ConnectionError()))
    assert sleeps == [min(MAX_DELAY, BASE_DELAY * 2**n) for n in range(11)]


def test_does_not_retry_non_transient_errors() -> None:
    sleeps: list[float] = []
    dependency = FlakyDependency(1, ValueError("bad request"))
    with pytest.raises(ValueError, match="bad request"):
        make_policy(sleeps).call(dependency)
    assert dependency.calls == 1
    assert sleeps == []


def test_hook_and_log_see_every_retry(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[int, str, float]] = []
    sleeps: list[float] = []
    policy = make_policy(
        sleeps, attempts=3, on_retry=lambda n, exc, delay: seen.append((n, str(exc), delay))
    )
    policy.call(FlakyDependency(2, ConnectionError("down")))
    assert [(n, message) for n, message, _ in seen] == [(1, "down"), (2, "down")]
    assert [delay for *_, delay in seen] == sleeps
    assert sum("retrying in" in record.getMessage() for record in caplog.records) == 2


def test_decorator_form_keeps_the_signature() -> None:
    sleeps: list[float] = []
    dependency = FlakyDependency(1, ConnectionError())

    @make_policy(sleeps, attempts=2)
    def fetch(suffix: str) -> str:
        return dependency() + suffix

    assert fetch("!") == "ok!"
    assert fetch.__name__ == "fetch"
