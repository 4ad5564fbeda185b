"""An SQS (boto3) consumer: bounded retries, then a dead-letter queue, then delete.

Each received message is tried up to ``max_attempts`` times with full-jitter backoff between
tries; errors in ``permanent`` (a malformed body) are dead-lettered at once. A dead-lettered
message is sent to the DLQ with its error and attempt count as message attributes, and only
then deleted from the source queue::

    sqs = make_sqs_client("eu-west-1")
    worker = DeadLetterConsumer(sqs, handle_order, queue_url=ORDERS_URL, dead_letter_url=DLQ_URL)
    while not stopping:
        worker.run_once()

If sending the dead letter fails, the error propagates and the message is not deleted: it
reappears after its visibility timeout. Keep a redrive policy on the source queue as well,
as the backstop for consumers that crash mid-message.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

MAX_ATTEMPTS = 3  # param: attempts - tries per message before it is dead-lettered
BASE_DELAY = 0.1  # param: base_delay - seconds; the first wait between tries is at most this
MAX_DELAY = 2.0  # param: max_delay - seconds; cap of any single wait between tries
WAIT_TIME_SECONDS = 20  # param: wait_time [0..20] - long-poll seconds per receive
BATCH_SIZE = 10  # param: batch_size [1..10] - messages per receive

PERMANENT_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, KeyError)

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
"""Called with each message dict of ``receive_message``."""


def make_sqs_client(region_name: str, **kwargs: Any) -> Any:
    """An SQS client whose read timeout outlasts the long poll, with bounded retries."""
    config = Config(
        connect_timeout=3.05,
        read_timeout=WAIT_TIME_SECONDS + 10,
        retries={"mode": "standard", "max_attempts": 3},
    )
    return boto3.client("sqs", region_name=region_name, config=config, **kwargs)


class DeadLetterConsumer:
    """Receives from ``queue_url``; a message that keeps failing goes to ``dead_letter_url``."""

    def __init__(
        self,
        sqs: Any,
        handler: Handler,
        *,
        queue_url: str,
        dead_letter_url: str,
        max_attempts: int = MAX_ATTEMPTS,
        permanent: tuple[type[Exception], ...] = PERMANENT_ERRORS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sqs = sqs
        self.handler = handler
        self.queue_url = queue_url
        self.dead_letter_url = dead_letter_url
        self.max_attempts = max_attempts
        self.permanent = permanent
        self.sleep = sleep

    def run_once(self) -> int:
        """Receive one batch and settle every message in it; the number received."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=BATCH_SIZE,
            WaitTimeSeconds=WAIT_TIME_SECONDS,
            MessageAttributeNames=["All"],
        )
        messages: list[dict[str, Any]] = response.get("Messages", [])
        for message in messages:
            error, attempts = self._process(message)
            if error is not None:
                self._dead_letter(message, error, attempts)
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def _process(self, message: dict[str, Any]) -> tuple[Exception | None, int]:
        attempt = 1
        while True:
            try:
                self.handler(message)
                return None, attempt
            except Exception as exc:
                if isinstance(exc, self.permanent) or attempt >= self.max_attempts:
                    return exc, attempt
                delay = random.uniform(0.0, min(MAX_DELAY, BASE_DELAY * 2.0 ** (attempt - 1)))
                logger.warning(
                    "message %s failed (attempt %d/%d: %r); retrying in %.2fs",
                    message.get("MessageId"),
                    attempt,
                    self.max_attempts,
                    exc,
                    delay,
                )
                self.sleep(delay)
                attempt += 1

    def _dead_letter(self, message: dict[str, Any], error: Exception, attempts: int) -> None:
        attributes = dict(message.get("MessageAttributes", {}))
        attributes.update(
            {
                "x-error-type": {"DataType": "String", "StringValue": type(error).__name__},
                "x-error": {"DataType": "String", "StringValue": str(error)[:1000] or "-"},
                "x-attempts": {"DataType": "Number", "StringValue": str(attempts)},
            }
        )
        self.sqs.send_message(
            QueueUrl=self.dead_letter_url, MessageBody=message["Body"], MessageAttributes=attributes
        )
        logger.error(
            "message %s dead-lettered to %s after %d attempt(s): %r",
            message.get("MessageId"),
            self.dead_letter_url,
            attempts,
            error,
        )
