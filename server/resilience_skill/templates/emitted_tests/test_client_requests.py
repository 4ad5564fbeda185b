"""Tests of the resilient requests client with a fake session and a fake clock: no network,
no sleeping."""

from __future__ import annotations

from typing import Any, cast

import pytest
import requests

# isort: split
import resilience_skill.templates.client_requests as subject

CONNECT_TIMEOUT = subject.CONNECT_TIMEOUT
READ_TIMEOUT = subject.READ_TIMEOUT
TOTAL_TIMEOUT = subject.TOTAL_TIMEOUT
MAX_ATTEMPTS = subject.MAX_ATTEMPTS
BASE_DELAY = subject.BASE_DELAY
MAX_DELAY = subject.MAX_DELAY
FAIL_MAX = subject.FAIL_MAX
RESET_TIMEOUT = subject.RESET_TIMEOUT
ResilientClient = subject.ResilientClient

Outcome = int | Exception
"""A status code to answer with, or an error to raise."""


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, delay: float) -> None:
        self.now += delay


class FakeSession:
    """Answers with the scripted outcomes (the last one repeats); each attempt takes
    ``latency`` seconds of the fake clock; records every attempt's timeout."""

    def __init__(self, clock: FakeClock, outcomes: list[Outcome], latency: float = 0.0) -> None:
        self.clock = clock
        self.outcomes = outcomes
        self.latency = latency
        self.attempts: list[tuple[str, str, Any]] = []
        self.started_at: list[float] = []

    def request(self, method: str, url: str, timeout: Any, **kwargs: Any) -> requests.Response:
        self.attempts.append((method, url, timeout))
        self.started_at.append(self.clock.now)
        self.clock.now += self.latency
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        response = requests.Response()
        response.status_code = outcome
        return response


class Harness:
    def __init__(self, outcomes: list[Outcome], latency: float = 0.0) -> None:
        self.clock = FakeClock()
        self.session = FakeSession(self.clock, outcomes, latency)
        self.waits: list[float] = []
        self.states: list[tuple[str, str]] = []
        self.client = ResilientClient(
            "https://api.example",
            session=cast(requests.Session, self.session),
            clock=self.clock,
            sleep=self.clock.sleep,
            on_retry=lambda n, exc, delay: self.waits.append(delay),
            on_state_change=lambda old, new: self.states.append((old, new)),
        )

    def call(self, method: str = "GET", **kwargs: Any) -> requests.Response:
        return self.client.request(method, "/users/1", **kwargs)


def test_each_attempt_has_connect_and_read_timeouts() -> None:
    harness = Harness([200])
    assert harness.call().status_code == 200
    assert harness.session.attempts == [
        ("GET", "https://api.example/users/1", (CONNECT_TIMEOUT, READ_TIMEOUT))
    ]


def test_retries_transient_failures_with_capped_full_jitter_waits() -> None:
    harness = Harness([*([requests.ConnectionError("reset")] * (MAX_ATTEMPTS - 1)), 200])
    assert harness.call().status_code == 200
    assert len(harness.session.attempts) == MAX_ATTEMPTS
    assert len(harness.waits) == MAX_ATTEMPTS - 1
    for n, delay in enumerate(harness.waits):
        assert 0.0 <= delay <= min(MAX_DELAY, BASE_DELAY * 2**n)


def test_stops_after_the_attempts_and_returns_the_last_retryable_response() -> None:
    harness = Harness([503])
    assert harness.call().status_code == 503
    assert len(harness.session.attempts) == MAX_ATTEMPTS


def test_does_not_retry_client_errors_or_non_idempotent_posts() -> None:
    harness = Harness([404])
    assert harness.call().status_code == 404
    assert len(harness.session.attempts) == 1
    harness = Harness([requests.ConnectionError("reset"), 200])
    with pytest.raises(requests.ConnectionError):
        harness.call("POST", json={})
    assert len(harness.session.attempts) == 1
    harness = Harness([requests.ConnectionError("reset"), 201])
    assert harness.call("POST", json={}, headers={"Idempotency-Key": "k1"}).status_code == 201


def test_deadline_shrinks_each_attempt_timeout_to_the_remaining_budget() -> None:
    harness = Harness([requests.Timeout("slow")], latency=TOTAL_TIMEOUT - MAX_DELAY - 1.0)
    with pytest.raises((requests.Timeout, subject.DeadlineExceeded)):
        harness.call()
    assert len(harness.session.attempts) >= 2
    for (_, _, timeout), started in zip(
        harness.session.attempts, harness.session.started_at, strict=True
    ):
        remaining = 100.0 + TOTAL_TIMEOUT - started
        assert timeout == (min(CONNECT_TIMEOUT, remaining), min(READ_TIMEOUT, remaining))
    assert harness.session.attempts[1][2][1] < READ_TIMEOUT or READ_TIMEOUT <= MAX_DELAY + 1


def test_fails_fast_when_the_budget_is_spent() -> None:
    harness = Harness([requests.ConnectionError("reset"), 200], latency=TOTAL_TIMEOUT)
    with pytest.raises(subject.DeadlineExceeded):
        harness.call()
    assert len(harness.session.attempts) == 1
    assert harness.waits == []


def test_breaker_inside_retry_opens_on_failed_attempts_and_rejects_fast() -> None:
    harness = Harness([requests.ConnectionError("down")])
    calls = 0
    while harness.client.breaker.state.value != "open":
        with pytest.raises(requests.ConnectionError):
            harness.call()
        calls += 1
    assert len(harness.session.attempts) == FAIL_MAX  # the retry stopped once it opened
    assert calls == -(-FAIL_MAX // MAX_ATTEMPTS)
    with pytest.raises(subject.CircuitOpenError):
        harness.call()
    assert len(harness.session.attempts) == FAIL_MAX
    assert harness.states == [("closed", "open")]


def test_breaker_trial_after_recovery_time_closes_on_success() -> None:
    harness = Harness([requests.ConnectionError("down")])
    while harness.client.breaker.state.value != "open":
        with pytest.raises(requests.ConnectionError):
            harness.call()
    harness.clock.now += RESET_TIMEOUT + 0.001  # float sums of the waits: step past the edge
    harness.session.outcomes = [200]
    assert harness.call().status_code == 200
    assert harness.states == [("closed", "open"), ("open", "half-open"), ("half-open", "closed")]


def test_retries_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    harness = Harness([requests.ConnectionError("reset"), 200])
    harness.call()
    assert any("retrying in" in record.getMessage() for record in caplog.records)


def test_a_caller_timeout_is_refused_not_silently_ignored() -> None:
    harness = Harness([200])
    with pytest.raises(TypeError, match="sets each attempt's timeout itself"):
        harness.call(timeout=99)
    assert harness.session.attempts == []
