"""Tests of the tenacity retry under injected faults: no network, no sleeping."""

from __future__ import annotations

import pytest

# isort: split
import resilience_skill.templates.retry_tenacity as subject

MAX_ATTEMPTS = subject.MAX_ATTEMPTS
BASE_DELAY = subject.BASE_DELAY
MAX_DELAY = subject.MAX_DELAY
transient_retry = subject.transient_retry


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


def test_recovers_from_transient_failures() -> None:
    sleeps: list[float] = []
    dependency = FlakyDependency(MAX_ATTEMPTS - 1, ConnectionError("reset"))
    assert transient_retry(sleep=sleeps.append)(dependency) == "ok"
    assert dependency.calls == MAX_ATTEMPTS
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_stops_after_the_attempts_and_raises_the_last_error() -> None:
    sleeps: list[float] = []
    dependency = FlakyDependency(MAX_ATTEMPTS + 5, TimeoutError("slow"))
    with pytest.raises(TimeoutError, match="slow"):
        transient_retry(sleep=sleeps.append)(dependency)
    assert dependency.calls == MAX_ATTEMPTS
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_waits_are_full_jitter_within_the_capped_exponential() -> None:
    sleeps: list[float] = []
    with pytest.raises(ConnectionError):
        transient_retry(attempts=12, sleep=sleeps.append)(FlakyDependency(99, ConnectionError()))
    assert len(sleeps) == 11
    for n, delay in enumerate(sleeps):
        assert 0.0 <= delay <= min(MAX_DELAY, BASE_DELAY * 2**n)


def test_does_not_retry_non_transient_errors() -> None:
    sleeps: list[float] = []
    dependency = FlakyDependency(1, ValueError("bad request"))
    with pytest.raises(ValueError, match="bad request"):
        transient_retry(sleep=sleeps.append)(dependency)
    assert dependency.calls == 1
    assert sleeps == []


def test_every_retry_is_logged_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[int, str]] = []
    sleeps: list[float] = []
    retrying = transient_retry(
        attempts=3, sleep=sleeps.append, on_retry=lambda n, exc, delay: seen.append((n, str(exc)))
    )
    dependency = FlakyDependency(2, ConnectionError("down"))
    for attempt in retrying:
        with attempt:
            result = dependency()
    assert result == "ok"
    assert seen == [(1, "down"), (2, "down")]
    assert sum("retrying in" in record.getMessage() for record in caplog.records) == 2
