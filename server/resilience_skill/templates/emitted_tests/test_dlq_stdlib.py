"""Tests of the dead-letter consumer with a fake handler that fails N times (no sleeping)."""

from __future__ import annotations

import queue

import pytest

# isort: split
import resilience_skill.templates.dlq_stdlib as subject

MAX_ATTEMPTS = subject.MAX_ATTEMPTS
MAX_DELAY = subject.MAX_DELAY
DeadLetter = subject.DeadLetter
DeadLetterConsumer = subject.DeadLetterConsumer


class FlakyHandler:
    """Fails ``failures`` times with ``error``, then records the message as handled."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0
        self.handled: list[str] = []

    def __call__(self, message: str) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        self.handled.append(message)


class Harness:
    def __init__(self, handler: FlakyHandler) -> None:
        self.source: queue.Queue[str] = queue.Queue()
        self.dead: queue.Queue[DeadLetter[str]] = queue.Queue()
        self.sleeps: list[float] = []
        self.consumer = DeadLetterConsumer(
            handler, source=self.source, dead_letters=self.dead, sleep=self.sleeps.append
        )

    def deliver(self, message: str) -> None:
        self.source.put(message)
        assert self.consumer.run_once(timeout=0)

    @property
    def acked(self) -> bool:
        return self.source.unfinished_tasks == 0


def test_a_message_that_recovers_is_handled_and_acked() -> None:
    handler = FlakyHandler(MAX_ATTEMPTS - 1, ConnectionError("blip"))
    harness = Harness(handler)
    harness.deliver("order-1")
    assert handler.handled == ["order-1"]
    assert harness.dead.empty()
    assert harness.acked
    assert len(harness.sleeps) == MAX_ATTEMPTS - 1
    assert all(0 <= delay <= MAX_DELAY for delay in harness.sleeps)


def test_dead_letters_after_the_bounded_attempts_with_the_error_then_acks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = FlakyHandler(99, ConnectionError("db down"))
    harness = Harness(handler)
    harness.deliver("order-2")
    assert handler.calls == MAX_ATTEMPTS
    letter = harness.dead.get_nowait()
    assert (letter.message, letter.error_type, letter.error, letter.attempts) == (
        "order-2",
        "ConnectionError",
        "db down",
        MAX_ATTEMPTS,
    )
    assert "ConnectionError: db down" in letter.traceback
    assert harness.acked
    assert "dead-lettered" in caplog.records[-1].getMessage()


def test_permanent_errors_are_dead_lettered_without_retrying() -> None:
    handler = FlakyHandler(99, ValueError("malformed"))
    harness = Harness(handler)
    harness.deliver("garbage")
    assert handler.calls == 1
    assert harness.dead.get_nowait().attempts == 1
    assert harness.sleeps == []
    assert harness.acked


def test_no_message_means_no_work() -> None:
    harness = Harness(FlakyHandler(0, ConnectionError()))
    assert harness.consumer.run_once(timeout=0) is False
