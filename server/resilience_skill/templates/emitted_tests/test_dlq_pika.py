"""Tests of the pika dead-letter consumer against a fake channel: no broker."""

from __future__ import annotations

from typing import Any

import pika
import pika.spec
import pytest

# isort: split
import resilience_skill.templates.dlq_pika as subject

MAX_ATTEMPTS = subject.MAX_ATTEMPTS
PREFETCH = subject.PREFETCH
DeadLetterConsumer = subject.DeadLetterConsumer


class FakeChannel:
    """Records what the consumer asks of the broker, in order."""

    def __init__(self, fail_publish: bool = False) -> None:
        self.fail_publish = fail_publish
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def queue_declare(self, **kwargs: Any) -> None:
        self.calls.append(("queue_declare", kwargs))

    def basic_qos(self, **kwargs: Any) -> None:
        self.calls.append(("basic_qos", kwargs))

    def basic_consume(self, **kwargs: Any) -> None:
        self.calls.append(("basic_consume", kwargs))

    def basic_publish(self, **kwargs: Any) -> None:
        if self.fail_publish:
            raise pika.exceptions.AMQPConnectionError("broker gone")
        self.calls.append(("basic_publish", kwargs))

    def basic_ack(self, **kwargs: Any) -> None:
        self.calls.append(("basic_ack", kwargs))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


class FlakyHandler:
    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self, body: bytes, properties: pika.spec.BasicProperties) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error


def deliver(consumer: DeadLetterConsumer, channel: FakeChannel, body: bytes) -> None:
    method = pika.spec.Basic.Deliver(delivery_tag=7, routing_key="orders.created")
    properties = pika.BasicProperties(headers={"trace": "abc"}, content_type="application/json")
    consumer.on_message(channel, method, properties, body)


def make(handler: FlakyHandler, channel: FakeChannel) -> tuple[DeadLetterConsumer, list[float]]:
    sleeps: list[float] = []
    return DeadLetterConsumer(channel, handler, queue="orders", sleep=sleeps.append), sleeps


def test_start_consumes_with_manual_acks_and_declares_the_dlq() -> None:
    channel = FakeChannel()
    consumer, _ = make(FlakyHandler(0, ConnectionError()), channel)
    consumer.start()
    assert channel.calls[0] == ("queue_declare", {"queue": "orders.dlq", "durable": True})
    assert channel.calls[1] == ("basic_qos", {"prefetch_count": PREFETCH})
    name, consume = channel.calls[2]
    assert (name, consume["queue"], consume["auto_ack"]) == ("basic_consume", "orders", False)


def test_a_message_that_recovers_is_acked_without_dead_letter() -> None:
    channel = FakeChannel()
    consumer, sleeps = make(FlakyHandler(MAX_ATTEMPTS - 1, ConnectionError()), channel)
    deliver(consumer, channel, b"{}")
    assert channel.calls == [("basic_ack", {"delivery_tag": 7})]
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_dead_letters_after_the_bounded_attempts_with_the_error_then_acks() -> None:
    channel = FakeChannel()
    handler = FlakyHandler(99, ConnectionError("db down"))
    consumer, _ = make(handler, channel)
    deliver(consumer, channel, b'{"id": 1}')
    assert handler.calls == MAX_ATTEMPTS
    assert channel.names() == ["basic_publish", "basic_ack"]
    published = channel.calls[0][1]
    assert (published["routing_key"], published["body"]) == ("orders.dlq", b'{"id": 1}')
    headers = published["properties"].headers
    assert headers["x-error"] == "db down"
    assert headers["x-error-type"] == "ConnectionError"
    assert headers["x-attempts"] == MAX_ATTEMPTS
    assert headers["x-original-routing-key"] == "orders.created"
    assert headers["trace"] == "abc"


def test_permanent_errors_are_dead_lettered_at_once() -> None:
    channel = FakeChannel()
    handler = FlakyHandler(99, ValueError("malformed"))
    consumer, sleeps = make(handler, channel)
    deliver(consumer, channel, b"not json")
    assert handler.calls == 1
    assert channel.names() == ["basic_publish", "basic_ack"]
    assert sleeps == []


def test_no_ack_when_the_dead_letter_cannot_be_published() -> None:
    channel = FakeChannel(fail_publish=True)
    consumer, _ = make(FlakyHandler(99, ValueError("malformed")), channel)
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        deliver(consumer, channel, b"not json")
    assert channel.calls == []


def test_connection_parameters_bound_every_wait() -> None:
    params = subject.connection_parameters("rabbitmq.internal")
    assert params.blocked_connection_timeout == subject.BLOCKED_CONNECTION_TIMEOUT
    assert params.socket_timeout == 10
