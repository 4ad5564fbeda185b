# Generated in this folder by:
# resilience generate dead-letter-queue --flavor pika --out dead_letter.py
# and kept exactly as emitted: regenerate it rather than edit it.
"""A RabbitMQ (pika) consumer: bounded retries, then publish to a dead-letter queue, then ack.

Wire it to a channel with manual acknowledgements::

    connection = pika.BlockingConnection(connection_parameters("rabbitmq.internal"))
    channel = connection.channel()
    consumer = DeadLetterConsumer(channel, handle_order, queue="orders")
    consumer.start()                         # declares the DLQ, then basic_consume
    channel.start_consuming()

Each message is tried up to ``max_attempts`` times with full-jitter backoff between tries;
errors in ``permanent`` (a malformed body) are dead-lettered at once. A dead-lettered message
is published to ``<queue>.dlq`` with its error and attempt count in headers, and only then
acked. If publishing the dead letter fails, the error propagates and the message is not
acked, so RabbitMQ redelivers it: nothing is lost silently.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import pika
import pika.spec

MAX_ATTEMPTS = 3  # tries per message before it is dead-lettered
BASE_DELAY = 0.1  # seconds; the first wait between tries is at most this
MAX_DELAY = 2.0  # seconds; cap of any single wait between tries
PREFETCH = 10  # unacked messages in flight per consumer
BLOCKED_CONNECTION_TIMEOUT = (
    60.0  # seconds blocked by the broker
)

PERMANENT_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, KeyError)

logger = logging.getLogger(__name__)

Handler = Callable[[bytes, pika.spec.BasicProperties], None]


def connection_parameters(host: str, **kwargs: Any) -> pika.ConnectionParameters:
    """Connection parameters that never hang forever on a blocked or silent broker."""
    options: dict[str, Any] = {"socket_timeout": 10, "heartbeat": 60}
    options.update(kwargs)
    return pika.ConnectionParameters(
        host=host, blocked_connection_timeout=BLOCKED_CONNECTION_TIMEOUT, **options
    )


class DeadLetterConsumer:
    """Consumes ``queue`` on ``channel``; a message that keeps failing goes to the DLQ."""

    def __init__(
        self,
        channel: Any,
        handler: Handler,
        *,
        queue: str,
        dead_letter_queue: str | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        permanent: tuple[type[Exception], ...] = PERMANENT_ERRORS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.channel = channel
        self.handler = handler
        self.queue = queue
        self.dead_letter_queue = dead_letter_queue or f"{queue}.dlq"
        self.max_attempts = max_attempts
        self.permanent = permanent
        self.sleep = sleep

    def start(self) -> None:
        """Declare the dead-letter queue and consume ``queue`` with manual acks."""
        self.channel.queue_declare(queue=self.dead_letter_queue, durable=True)
        self.channel.basic_qos(prefetch_count=PREFETCH)
        self.channel.basic_consume(
            queue=self.queue, on_message_callback=self.on_message, auto_ack=False
        )

    def on_message(
        self,
        channel: Any,
        method: pika.spec.Basic.Deliver,
        properties: pika.spec.BasicProperties,
        body: bytes,
    ) -> None:
        """Process, dead-letter if it keeps failing, then ack: pika's consumer callback."""
        error, attempts = self._process(body, properties)
        if error is not None:
            self._dead_letter(channel, method, properties, body, error, attempts)
        channel.basic_ack(delivery_tag=method.delivery_tag)

    def _process(
        self, body: bytes, properties: pika.spec.BasicProperties
    ) -> tuple[Exception | None, int]:
        attempt = 1
        while True:
            try:
                self.handler(body, properties)
                return None, attempt
            except Exception as exc:
                if isinstance(exc, self.permanent) or attempt >= self.max_attempts:
                    return exc, attempt
                delay = random.uniform(0.0, min(MAX_DELAY, BASE_DELAY * 2.0 ** (attempt - 1)))
                logger.warning(
                    "message failed (attempt %d/%d: %r); retrying in %.2fs",
                    attempt,
                    self.max_attempts,
                    exc,
                    delay,
                )
                self.sleep(delay)
                attempt += 1

    def _dead_letter(
        self,
        channel: Any,
        method: pika.spec.Basic.Deliver,
        properties: pika.spec.BasicProperties,
        body: bytes,
        error: Exception,
        attempts: int,
    ) -> None:
        headers = dict(properties.headers or {})
        headers.update(
            {
                "x-error-type": type(error).__name__,
                "x-error": str(error)[:1000],
                "x-attempts": attempts,
                "x-original-queue": self.queue,
                "x-original-routing-key": method.routing_key,
            }
        )
        channel.basic_publish(
            exchange="",
            routing_key=self.dead_letter_queue,
            body=body,
            properties=pika.BasicProperties(
                headers=headers,
                content_type=properties.content_type,
                delivery_mode=pika.DeliveryMode.Persistent,
            ),
        )
        logger.error(
            "message %s dead-lettered to %s after %d attempt(s): %r",
            method.delivery_tag,
            self.dead_letter_queue,
            attempts,
            error,
        )
