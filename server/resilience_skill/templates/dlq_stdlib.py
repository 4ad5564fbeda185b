"""A consumer that retries each message a bounded number of times, then dead-letters it.

For an in-process ``queue.Queue`` of work items (use the pika, kafka or sqs flavor for a
broker)::

    consumer = DeadLetterConsumer(handle_order, source=orders, dead_letters=failed_orders)
    worker = threading.Thread(target=consumer.run, args=(stop_event,), daemon=True)

Each message is tried up to ``max_attempts`` times with full-jitter backoff between tries;
errors in ``permanent`` (a malformed message) are dead-lettered at once. A dead letter
carries the message, the error and the attempt count. The message is acknowledged
(``task_done``) only after it succeeded or was dead-lettered: nothing is lost silently.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

MAX_ATTEMPTS = 3  # param: attempts - tries per message before it is dead-lettered
BASE_DELAY = 0.1  # param: base_delay - seconds; the first wait between tries is at most this
MAX_DELAY = 2.0  # param: max_delay - seconds; cap of any single wait between tries
POLL_TIMEOUT = (
    1.0  # param: poll_timeout [0.001..60] - seconds to wait for a message before checking stop
)

PERMANENT_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, KeyError)

logger = logging.getLogger(__name__)

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class DeadLetter(Generic[M]):
    """A message that could not be processed, with why."""

    message: M
    error_type: str
    error: str
    traceback: str
    attempts: int


class DeadLetterConsumer(Generic[M]):
    """Consumes ``source``; a message that keeps failing goes to ``dead_letters``."""

    def __init__(
        self,
        handler: Callable[[M], None],
        *,
        source: queue.Queue[M],
        dead_letters: queue.Queue[DeadLetter[M]],
        max_attempts: int = MAX_ATTEMPTS,
        permanent: tuple[type[Exception], ...] = PERMANENT_ERRORS,
        on_dead_letter: Callable[[DeadLetter[M]], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.handler = handler
        self.source = source
        self.dead_letters = dead_letters
        self.max_attempts = max_attempts
        self.permanent = permanent
        self.on_dead_letter = on_dead_letter
        self.sleep = sleep

    def process(self, message: M) -> bool:
        """Handle one message; False if it was dead-lettered."""
        attempt = 1
        while True:
            try:
                self.handler(message)
                return True
            except Exception as exc:
                if isinstance(exc, self.permanent) or attempt >= self.max_attempts:
                    self._dead_letter(message, exc, attempt)
                    return False
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

    def run_once(self, timeout: float = POLL_TIMEOUT) -> bool:
        """Process the next message, if one arrives within ``timeout``; True if one did."""
        try:
            message = self.source.get(timeout=timeout)
        except queue.Empty:
            return False
        try:
            self.process(message)
        finally:
            # Acknowledge only now: the message succeeded or sits in the dead-letter queue.
            self.source.task_done()
        return True

    def run(self, stop: threading.Event) -> None:
        """Consume until ``stop`` is set."""
        while not stop.is_set():
            self.run_once()

    def _dead_letter(self, message: M, exc: Exception, attempts: int) -> None:
        letter = DeadLetter(
            message=message,
            error_type=type(exc).__name__,
            error=str(exc),
            traceback="".join(traceback.format_exception(exc)),
            attempts=attempts,
        )
        self.dead_letters.put(letter)
        logger.error("message dead-lettered after %d attempt(s): %r", attempts, exc)
        if self.on_dead_letter is not None:
            self.on_dead_letter(letter)
