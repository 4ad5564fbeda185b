"""A Kafka (kafka-python) consumer: bounded retries, then a dead-letter topic, then commit.

Offsets are committed by hand, only after every record of the batch succeeded or was
dead-lettered (auto-commit would acknowledge records before they are processed)::

    consumer = make_consumer("orders", group_id="billing", bootstrap_servers="kafka:9092")
    producer = make_producer(bootstrap_servers="kafka:9092")
    worker = DeadLetterConsumer(consumer, producer, handle_order, dead_letter_topic="orders.dlq")
    while not stopping:
        worker.run_once()

Each record is tried up to ``max_attempts`` times with full-jitter backoff between tries;
errors in ``permanent`` (a malformed record) are dead-lettered at once. A dead letter keeps
the key and value and carries the error, the attempt count and the origin in headers; the
send is confirmed (bounded wait) before the offset moves. If it fails, the error propagates
and nothing is committed, so the batch is consumed again: nothing is lost silently.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import kafka

MAX_ATTEMPTS = 3  # param: attempts - tries per record before it is dead-lettered
BASE_DELAY = 0.1  # param: base_delay - seconds; the first wait between tries is at most this
MAX_DELAY = 2.0  # param: max_delay - seconds; cap of any single wait between tries
POLL_TIMEOUT_MS = 1000  # param: poll_timeout_ms [1..60000] - milliseconds to wait for records
SEND_TIMEOUT = (
    10.0  # param: send_timeout [0.001..60] - seconds to wait for the DLQ write to be confirmed
)

PERMANENT_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, KeyError)

logger = logging.getLogger(__name__)

Handler = Callable[[Any], None]
"""Called with each ``ConsumerRecord``."""


def make_consumer(topic: str, **config: Any) -> kafka.KafkaConsumer:
    """A consumer with manual commits and bounded network waits."""
    options: dict[str, Any] = {
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "request_timeout_ms": 30_000,
        "session_timeout_ms": 10_000,
        "max_poll_records": 100,
    }
    options.update(config)
    return kafka.KafkaConsumer(topic, **options)


def make_producer(**config: Any) -> kafka.KafkaProducer:
    """A producer that confirms writes and gives up on a send in bounded time."""
    options: dict[str, Any] = {
        "acks": "all",
        "retries": 5,
        "request_timeout_ms": 10_000,
        "delivery_timeout_ms": 30_000,
        "max_block_ms": 10_000,
    }
    options.update(config)
    return kafka.KafkaProducer(**options)


class DeadLetterConsumer:
    """Polls ``consumer``; a record that keeps failing goes to ``dead_letter_topic``."""

    def __init__(
        self,
        consumer: Any,
        producer: Any,
        handler: Handler,
        *,
        dead_letter_topic: str,
        max_attempts: int = MAX_ATTEMPTS,
        permanent: tuple[type[Exception], ...] = PERMANENT_ERRORS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.consumer = consumer
        self.producer = producer
        self.handler = handler
        self.dead_letter_topic = dead_letter_topic
        self.max_attempts = max_attempts
        self.permanent = permanent
        self.sleep = sleep

    def run_once(self) -> int:
        """Process one polled batch, then commit it; the number of records seen."""
        batch = self.consumer.poll(timeout_ms=POLL_TIMEOUT_MS)
        count = 0
        for records in batch.values():
            for record in records:
                error, attempts = self._process(record)
                if error is not None:
                    self._dead_letter(record, error, attempts)
                count += 1
        if count:
            self.consumer.commit()
        return count

    def _process(self, record: Any) -> tuple[Exception | None, int]:
        attempt = 1
        while True:
            try:
                self.handler(record)
                return None, attempt
            except Exception as exc:
                if isinstance(exc, self.permanent) or attempt >= self.max_attempts:
                    return exc, attempt
                delay = random.uniform(0.0, min(MAX_DELAY, BASE_DELAY * 2.0 ** (attempt - 1)))
                logger.warning(
                    "record %s@%s failed (attempt %d/%d: %r); retrying in %.2fs",
                    record.topic,
                    record.offset,
                    attempt,
                    self.max_attempts,
                    exc,
                    delay,
                )
                self.sleep(delay)
                attempt += 1

    def _dead_letter(self, record: Any, error: Exception, attempts: int) -> None:
        headers = [
            *(record.headers or []),
            ("x-error-type", type(error).__name__.encode()),
            ("x-error", str(error)[:1000].encode()),
            ("x-attempts", str(attempts).encode()),
            ("x-origin", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        ]
        future = self.producer.send(
            self.dead_letter_topic, value=record.value, key=record.key, headers=headers
        )
        future.get(timeout=SEND_TIMEOUT)
        logger.error(
            "record %s/%s/%s dead-lettered to %s after %d attempt(s): %r",
            record.topic,
            record.partition,
            record.offset,
            self.dead_letter_topic,
            attempts,
            error,
        )
