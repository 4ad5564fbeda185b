"""Tests of the Kafka dead-letter consumer against fake consumer and producer: no broker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

# isort: split
import resilience_skill.templates.dlq_kafka as subject

MAX_ATTEMPTS = subject.MAX_ATTEMPTS
SEND_TIMEOUT = subject.SEND_TIMEOUT
DeadLetterConsumer = subject.DeadLetterConsumer


@dataclass
class Record:
    """The fields of a kafka ``ConsumerRecord`` the consumer reads."""

    offset: int
    value: bytes
    topic: str = "orders"
    partition: int = 0
    key: bytes | None = b"k"
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class FakeConsumer:
    def __init__(self, records: list[Record]) -> None:
        self.batches = [{("orders", 0): records}]
        self.events: list[str] = []
        self.poll_timeouts: list[int] = []

    def poll(self, timeout_ms: int) -> dict[Any, list[Record]]:
        self.poll_timeouts.append(timeout_ms)
        return self.batches.pop(0) if self.batches else {}

    def commit(self) -> None:
        self.events.append("commit")


class FakeFuture:
    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.timeouts: list[float | None] = []

    def get(self, timeout: float | None = None) -> None:
        self.timeouts.append(timeout)
        if self.fail:
            raise TimeoutError("DLQ write not confirmed")


class FakeProducer:
    def __init__(self, consumer: FakeConsumer, fail: bool = False) -> None:
        self.consumer = consumer
        self.fail = fail
        self.sent: list[dict[str, Any]] = []
        self.futures: list[FakeFuture] = []

    def send(self, topic: str, **kwargs: Any) -> FakeFuture:
        self.consumer.events.append("send")
        self.sent.append({"topic": topic, **kwargs})
        self.futures.append(FakeFuture(self.fail))
        return self.futures[-1]


class FlakyHandler:
    """Fails on the values in ``failing`` ``failures`` times each."""

    def __init__(self, failures: int, error: Exception, failing: set[bytes]) -> None:
        self.failures = failures
        self.error = error
        self.failing = failing
        self.calls: dict[bytes, int] = {}

    def __call__(self, record: Record) -> None:
        self.calls[record.value] = self.calls.get(record.value, 0) + 1
        if record.value in self.failing and self.calls[record.value] <= self.failures:
            raise self.error


def make(
    handler: FlakyHandler, records: list[Record], fail_send: bool = False
) -> tuple[DeadLetterConsumer, FakeConsumer, FakeProducer, list[float]]:
    consumer = FakeConsumer(records)
    producer = FakeProducer(consumer, fail=fail_send)
    sleeps: list[float] = []
    worker = DeadLetterConsumer(
        consumer, producer, handler, dead_letter_topic="orders.dlq", sleep=sleeps.append
    )
    return worker, consumer, producer, sleeps


def test_recovering_records_are_committed_without_dead_letters() -> None:
    handler = FlakyHandler(MAX_ATTEMPTS - 1, ConnectionError(), {b"a"})
    worker, consumer, producer, sleeps = make(handler, [Record(0, b"a"), Record(1, b"b")])
    assert worker.run_once() == 2
    assert producer.sent == []
    assert consumer.events == ["commit"]
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_dead_letters_after_the_bounded_attempts_with_the_error_then_commits() -> None:
    handler = FlakyHandler(99, ConnectionError("db down"), {b"bad"})
    worker, consumer, producer, _ = make(handler, [Record(0, b"good"), Record(1, b"bad")])
    assert worker.run_once() == 2
    assert handler.calls == {b"good": 1, b"bad": MAX_ATTEMPTS}
    assert consumer.events == ["send", "commit"]
    (sent,) = producer.sent
    assert (sent["topic"], sent["value"], sent["key"]) == ("orders.dlq", b"bad", b"k")
    headers = dict(sent["headers"])
    assert headers["x-error"] == b"db down"
    assert headers["x-error-type"] == b"ConnectionError"
    assert headers["x-attempts"] == str(MAX_ATTEMPTS).encode()
    assert headers["x-origin"] == b"orders/0/1"
    assert producer.futures[0].timeouts == [SEND_TIMEOUT]


def test_permanent_errors_are_dead_lettered_at_once() -> None:
    handler = FlakyHandler(99, ValueError("malformed"), {b"bad"})
    worker, consumer, _, sleeps = make(handler, [Record(0, b"bad")])
    worker.run_once()
    assert handler.calls == {b"bad": 1}
    assert consumer.events == ["send", "commit"]
    assert sleeps == []


def test_nothing_is_committed_when_the_dead_letter_is_not_confirmed() -> None:
    handler = FlakyHandler(99, ValueError("malformed"), {b"bad"})
    worker, consumer, _, _ = make(handler, [Record(0, b"bad")], fail_send=True)
    with pytest.raises(TimeoutError):
        worker.run_once()
    assert "commit" not in consumer.events


def test_an_empty_poll_commits_nothing() -> None:
    worker, consumer, _, _ = make(FlakyHandler(0, ConnectionError(), set()), [])
    worker.run_once()
    assert worker.run_once() == 0
    assert consumer.events == []
    assert consumer.poll_timeouts == [subject.POLL_TIMEOUT_MS] * 2
