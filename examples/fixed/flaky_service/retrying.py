# Generated in this folder by:
# resilience generate retry --flavor tenacity --out retrying.py
# and kept exactly as emitted: regenerate it rather than edit it.
"""Retry transient failures with tenacity: bounded, capped full-jitter backoff, logged.

``transient_retry()`` returns a configured ``tenacity.Retrying``; use it around the single
call to a remote dependency::

    result = transient_retry()(fetch_user, user_id)           # call form
    fetch_user = transient_retry().wraps(fetch_user)          # decorator form
    for attempt in transient_retry():                          # block form
        with attempt:
            result = fetch_user(user_id)

Waits are ``uniform(0, min(max_delay, base_delay * 2**n))`` (``wait_random_exponential``,
AWS "full jitter"); after ``attempts`` tries the last error propagates unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import tenacity

MAX_ATTEMPTS = 3  # total tries, the first one included
BASE_DELAY = 0.5  # seconds; the first wait is at most this
MAX_DELAY = 20.0  # seconds; cap of any single wait

# Builtin network errors only: add your client's (requests.ConnectionError,
# requests.Timeout, httpx.TransportError, ...). Never bare Exception: bugs are not transient.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (ConnectionError, TimeoutError)

logger = logging.getLogger(__name__)

RetryHook = Callable[[int, BaseException, float], None]
"""Called before each wait with (attempt number, its error, the wait in seconds)."""


def _log_retry(on_retry: RetryHook | None) -> Callable[[tenacity.RetryCallState], None]:
    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        name = getattr(state.fn, "__qualname__", "block")
        logger.warning(
            "%s attempt %d failed (%r); retrying in %.2fs", name, state.attempt_number, error, delay
        )
        if on_retry is not None and error is not None:
            on_retry(state.attempt_number, error, delay)

    return before_sleep


def transient_retry(
    *,
    attempts: int = MAX_ATTEMPTS,
    retry_on: tuple[type[Exception], ...] = TRANSIENT_ERRORS,
    on_retry: RetryHook | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tenacity.Retrying:
    """A retry controller for transient errors only; ``sleep`` is injectable for tests."""
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_random_exponential(multiplier=BASE_DELAY, max=MAX_DELAY),
        retry=tenacity.retry_if_exception_type(retry_on),
        before_sleep=_log_retry(on_retry),
        reraise=True,
        sleep=sleep,
    )
