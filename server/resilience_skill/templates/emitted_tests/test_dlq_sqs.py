"""Tests of the SQS dead-letter consumer against a fake SQS client: no AWS."""

from __future__ import annotations

from typing import Any

import pytest

# isort: split
import resilience_skill.templates.dlq_sqs as subject

MAX_ATTEMPTS = subject.MAX_ATTEMPTS
DeadLetterConsumer = subject.DeadLetterConsumer

QUEUE = "https://sqs.example/orders"
DLQ = "https://sqs.example/orders-dlq"


class FakeSqs:
    """Serves one batch of messages; records receives, sends and deletes in order."""

    def __init__(self, bodies: list[str], fail_send: bool = False) -> None:
        self.batch = [
            {
                "MessageId": f"m{i}",
                "ReceiptHandle": f"r{i}",
                "Body": body,
                "MessageAttributes": {"trace": {"DataType": "String", "StringValue": "abc"}},
            }
            for i, body in enumerate(bodies)
        ]
        self.fail_send = fail_send
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("receive_message", kwargs))
        batch, self.batch = self.batch, []
        return {"Messages": batch} if batch else {}

    def send_message(self, **kwargs: Any) -> dict[str, Any]:
        if self.fail_send:
            raise ConnectionError("endpoint unreachable")
        self.calls.append(("send_message", kwargs))
        return {"MessageId": "dlq-1"}

    def delete_message(self, **kwargs: Any) -> None:
        self.calls.append(("delete_message", kwargs))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


class FlakyHandler:
    def __init__(self, failures: int, error: Exception, failing: set[str]) -> None:
        self.failures = failures
        self.error = error
        self.failing = failing
        self.calls: dict[str, int] = {}

    def __call__(self, message: dict[str, Any]) -> None:
        body = message["Body"]
        self.calls[body] = self.calls.get(body, 0) + 1
        if body in self.failing and self.calls[body] <= self.failures:
            raise self.error


def make(sqs: FakeSqs, handler: FlakyHandler) -> tuple[DeadLetterConsumer, list[float]]:
    sleeps: list[float] = []
    worker = DeadLetterConsumer(
        sqs, handler, queue_url=QUEUE, dead_letter_url=DLQ, sleep=sleeps.append
    )
    return worker, sleeps


def test_receive_long_polls_with_attributes() -> None:
    sqs = FakeSqs([])
    worker, _ = make(sqs, FlakyHandler(0, ConnectionError(), set()))
    assert worker.run_once() == 0
    assert sqs.calls == [
        (
            "receive_message",
            {
                "QueueUrl": QUEUE,
                "MaxNumberOfMessages": subject.BATCH_SIZE,
                "WaitTimeSeconds": subject.WAIT_TIME_SECONDS,
                "MessageAttributeNames": ["All"],
            },
        )
    ]


def test_recovering_messages_are_deleted_without_dead_letters() -> None:
    sqs = FakeSqs(["a"])
    worker, sleeps = make(sqs, FlakyHandler(MAX_ATTEMPTS - 1, ConnectionError(), {"a"}))
    assert worker.run_once() == 1
    assert sqs.names() == ["receive_message", "delete_message"]
    assert len(sleeps) == MAX_ATTEMPTS - 1


def test_dead_letters_after_the_bounded_attempts_with_the_error_then_deletes() -> None:
    sqs = FakeSqs(["good", "bad"])
    handler = FlakyHandler(99, ConnectionError("db down"), {"bad"})
    worker, _ = make(sqs, handler)
    worker.run_once()
    assert handler.calls == {"good": 1, "bad": MAX_ATTEMPTS}
    assert sqs.names() == ["receive_message", "delete_message", "send_message", "delete_message"]
    sent = sqs.calls[2][1]
    assert (sent["QueueUrl"], sent["MessageBody"]) == (DLQ, "bad")
    attributes = sent["MessageAttributes"]
    assert attributes["x-error"]["StringValue"] == "db down"
    assert attributes["x-error-type"]["StringValue"] == "ConnectionError"
    assert attributes["x-attempts"] == {"DataType": "Number", "StringValue": str(MAX_ATTEMPTS)}
    assert attributes["trace"]["StringValue"] == "abc"
    assert sqs.calls[3][1] == {"QueueUrl": QUEUE, "ReceiptHandle": "r1"}


def test_permanent_errors_are_dead_lettered_at_once() -> None:
    sqs = FakeSqs(["bad"])
    handler = FlakyHandler(99, ValueError("malformed"), {"bad"})
    worker, sleeps = make(sqs, handler)
    worker.run_once()
    assert handler.calls == {"bad": 1}
    assert sleeps == []
    assert sqs.names() == ["receive_message", "send_message", "delete_message"]


def test_not_deleted_when_the_dead_letter_cannot_be_sent() -> None:
    sqs = FakeSqs(["bad"], fail_send=True)
    worker, _ = make(sqs, FlakyHandler(99, ValueError("malformed"), {"bad"}))
    with pytest.raises(ConnectionError):
        worker.run_once()
    assert "delete_message" not in sqs.names()


def test_client_timeouts_outlast_the_long_poll() -> None:
    client = subject.make_sqs_client("eu-west-1")
    assert client.meta.config.read_timeout > subject.WAIT_TIME_SECONDS
    assert client.meta.config.connect_timeout == 3.05
