"""Retry transient failures with stamina: bounded attempts and total time, capped jittered
backoff, instrumented.

Decorate the single function that calls a remote dependency::

    @transient_retry()
    def fetch_user(user_id: str) -> User: ...

stamina waits ``min(max_delay, base_delay * 2**(n-1) + uniform(0, jitter))`` between tries,
stops after ``attempts`` tries or ``total_timeout`` seconds, whichever comes first, and lets
the last error through. stamina logs every retry by default (through structlog or logging,
and counts them in Prometheus when installed); :func:`observe_retries` adds your own hook.
In tests, ``stamina.set_testing(True, attempts=1000, cap=True)`` turns the waits off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

import stamina
import stamina.instrumentation

MAX_ATTEMPTS = 3  # param: attempts - total tries, the first one included
TOTAL_TIMEOUT = 30.0  # param: total_timeout [0.001..60] - seconds for all tries and waits together
BASE_DELAY = 0.1  # param: base_delay - seconds; the first wait is about this
MAX_DELAY = 5.0  # param: max_delay - seconds; cap of any single wait
JITTER = 1.0  # param: jitter - seconds of random jitter added to each wait

# Builtin network errors only: add your client's (requests.ConnectionError,
# requests.Timeout, httpx.TransportError, ...). Never bare Exception: bugs are not transient.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (ConnectionError, TimeoutError)

P = ParamSpec("P")
T = TypeVar("T")


def transient_retry(
    *,
    attempts: int = MAX_ATTEMPTS,
    retry_on: tuple[type[Exception], ...] = TRANSIENT_ERRORS,
) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """A decorator retrying ``retry_on`` errors only, at most ``attempts`` tries."""
    return stamina.retry(
        on=retry_on,
        attempts=attempts,
        timeout=TOTAL_TIMEOUT,
        wait_initial=BASE_DELAY,
        wait_max=MAX_DELAY,
        wait_jitter=JITTER,
    )


def observe_retries(on_retry: Callable[[stamina.instrumentation.RetryDetails], None]) -> None:
    """Add ``on_retry`` (called with ``RetryDetails`` before each wait) to stamina's hooks.

    Call it once at start-up: stamina's hooks are process-wide.
    """

    def hook(details: stamina.instrumentation.RetryDetails) -> None:
        on_retry(details)

    current = stamina.instrumentation.get_on_retry_hooks()
    stamina.instrumentation.set_on_retry_hooks([*current, hook])
