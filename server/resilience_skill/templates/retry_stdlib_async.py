"""Retry transient failures of a coroutine with capped exponential backoff and full jitter.

Apply ``AsyncRetryPolicy`` to the single awaited call to a remote dependency
(``await policy.call(fn, ...)`` or as a decorator). Each wait is
``uniform(0, min(max_delay, base_delay * 2**n))`` (AWS "full jitter"); after ``attempts``
tries the last error propagates. Cancellation is never retried: ``CancelledError`` is not an
``Exception``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

MAX_ATTEMPTS = 3  # param: attempts - total tries, the first one included
BASE_DELAY = 0.5  # param: base_delay - seconds; the first wait is at most this
MAX_DELAY = 20.0  # param: max_delay - seconds; cap of any single wait

# Builtin network errors only: add your client's (requests.ConnectionError,
# requests.Timeout, httpx.TransportError, ...). Never bare Exception: bugs are not transient.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (ConnectionError, TimeoutError)

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

RetryHook = Callable[[int, BaseException, float], None]
"""Called before each wait with (attempt number, its error, the wait in seconds)."""


def full_jitter_delay(
    attempt: int,
    base: float,
    cap: float,
    uniform: Callable[[float, float], float] = random.uniform,
) -> float:
    """The wait after the ``attempt``-th failure (0-based): uniform in [0, min(cap, base*2^n)]."""
    return uniform(0.0, min(cap, base * 2.0**attempt))


@dataclass(frozen=True, slots=True)
class AsyncRetryPolicy:
    """A bounded, jittered, observable retry. ``sleep`` and ``uniform`` are injectable."""

    attempts: int = MAX_ATTEMPTS
    base_delay: float = BASE_DELAY
    max_delay: float = MAX_DELAY
    retry_on: tuple[type[Exception], ...] = TRANSIENT_ERRORS
    on_retry: RetryHook | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    uniform: Callable[[float, float], float] = random.uniform

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Await ``fn`` until it succeeds, raises a non-transient error or runs out of tries."""
        attempt = 1
        while True:
            try:
                return await fn(*args, **kwargs)
            except self.retry_on as exc:
                if attempt >= self.attempts:
                    logger.error("%s failed after %d attempts", _name(fn), attempt, exc_info=True)
                    raise
                delay = full_jitter_delay(
                    attempt - 1, self.base_delay, self.max_delay, self.uniform
                )
                logger.warning(
                    "%s attempt %d/%d failed (%r); retrying in %.2fs",
                    _name(fn),
                    attempt,
                    self.attempts,
                    exc,
                    delay,
                )
                if self.on_retry is not None:
                    self.on_retry(attempt, exc, delay)
                await self.sleep(delay)
                attempt += 1

    def __call__(self, fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        """Use the policy as a decorator."""

        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return await self.call(fn, *args, **kwargs)

        return wrapper


def _name(fn: Callable[..., object]) -> str:
    return getattr(fn, "__qualname__", repr(fn))
