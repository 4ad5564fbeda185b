"""Tests of the backoff retry under injected faults: no network, no sleeping."""

from __future__ import annotations

import time

import pytest

# isort: split
import resilience_skill.templates.retry_backoff as subject

MAX_ATTEMPTS = subject.MAX_ATTEMPTS
BASE_DELAY = subject.BASE_DELAY
MAX_DELAY = subject.MAX_DELAY
transient_retry = subject.transient_retry


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """backoff sleeps with ``time.sleep``: record the waits instead."""
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


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


def test_recovers_from_transient_failures(sleeps: list[float]) -> None:
    dependency = FlakyDependency(MAX_ATTEMPTS - 1, ConnectionError("reset"))
    assert transient_retry()(dependency)() == "ok"
    assert dependency.calls == MAX_ATTEMPTS
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_stops_after_the_attempts_and_raises_the_last_error(sleeps: list[float]) -> None:
    dependency = FlakyDependency(MAX_ATTEMPTS + 5, TimeoutError("slow"))
    with pytest.raises(TimeoutError, match="slow"):
        transient_retry()(dependency)()
    assert dependency.calls == MAX_ATTEMPTS
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_waits_are_full_jitter_within_the_capped_exponential(sleeps: list[float]) -> None:
    with pytest.raises(ConnectionError):
        transient_retry(attempts=12)(FlakyDependency(99, ConnectionError()))()
    assert len(sleeps) == 11
    for n, delay in enumerate(sleeps):
        assert 0.0 <= delay <= min(MAX_DELAY, BASE_DELAY * 2**n)


def test_does_not_retry_non_transient_errors(sleeps: list[float]) -> None:
    dependency = FlakyDependency(1, ValueError("bad request"))
    with pytest.raises(ValueError, match="bad request"):
        transient_retry()(dependency)()
    assert dependency.calls == 1
    assert sleeps == []


def test_every_retry_is_logged_and_reported(
    sleeps: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[int, str, float]] = []
    dependency = FlakyDependency(2, ConnectionError("down"))
    fetch = transient_retry(attempts=3, on_retry=lambda n, e, d: seen.append((n, str(e), d)))(
        dependency
    )
    assert fetch() == "ok"
    assert [(n, message) for n, message, _ in seen] == [(1, "down"), (2, "down")]
    assert [delay for *_, delay in seen] == sleeps
    assert sum("retrying in" in record.getMessage() for record in caplog.records) == 2
