"""Retry transient failures of coroutines with backoff: bounded, capped full jitter, logged.

Decorate the single coroutine function that calls a remote dependency::

    @transient_retry()
    async def fetch_user(user_id: str) -> User: ...

Waits are ``uniform(0, min(max_delay, base_delay * 2**n))`` (``backoff.expo`` with
``full_jitter``); after ``attempts`` tries the last error propagates unchanged.
Cancellation is never retried.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import backoff

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


def _on_backoff(on_retry: RetryHook | None) -> Callable[[Any], None]:
    def handler(details: Any) -> None:
        error: BaseException = details["exception"]
        logger.warning(
            "%s attempt %d failed (%r); retrying in %.2fs",
            _name(details["target"]),
            details["tries"],
            error,
            details["wait"],
        )
        if on_retry is not None:
            on_retry(details["tries"], error, details["wait"])

    return handler


def _on_giveup(details: Any) -> None:
    logger.error(
        "%s failed after %d attempts: %r",
        _name(details["target"]),
        details["tries"],
        details["exception"],
    )


def transient_retry(
    *,
    attempts: int = MAX_ATTEMPTS,
    retry_on: tuple[type[Exception], ...] = TRANSIENT_ERRORS,
    on_retry: RetryHook | None = None,
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """A decorator retrying ``retry_on`` errors only, at most ``attempts`` tries."""
    return backoff.on_exception(
        backoff.expo,
        retry_on,
        max_tries=attempts,
        jitter=backoff.full_jitter,
        factor=BASE_DELAY,
        max_value=MAX_DELAY,
        on_backoff=_on_backoff(on_retry),
        on_giveup=_on_giveup,
        logger=None,  # our handlers log with the context; backoff's own lines would repeat it
    )


def _name(target: Callable[..., object]) -> str:
    return getattr(target, "__qualname__", repr(target))
