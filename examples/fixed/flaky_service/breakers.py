# Generated in this folder by:
# resilience generate circuit-breaker --flavor pybreaker --out breakers.py
# and kept exactly as emitted: regenerate it rather than edit it.
"""A pybreaker circuit breaker per dependency, with a listener that logs every transition.

Create one breaker per dependency at module level and guard every call to it::

    payments_breaker = make_breaker("payments")

    @payments_breaker
    def charge(order: Order) -> Receipt: ...

    payments_breaker.call(charge, order)          # or call form
    with payments_breaker.calling():              # or around a block
        ...

It opens after ``fail_max`` consecutive failures, rejects calls with
``pybreaker.CircuitBreakerError`` for ``reset_timeout`` seconds, then lets one trial call
through (half-open): success closes it, failure opens it again. Errors in ``exclude`` (a 404,
a validation error) do not count. For several processes, pass a shared
``pybreaker.CircuitRedisStorage`` as ``state_storage``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pybreaker

FAIL_MAX = 5  # consecutive failures that open the circuit
RESET_TIMEOUT = 30.0  # seconds open before a trial call

logger = logging.getLogger(__name__)


class LoggingListener(pybreaker.CircuitBreakerListener):
    """Logs state changes (warning when opening) and each failure the breaker counts."""

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        old = old_state.name if old_state is not None else "none"
        log = logger.warning if new_state.name == pybreaker.STATE_OPEN else logger.info
        log("circuit %r: %s -> %s", cb.name, old, new_state.name)

    def failure(self, cb: pybreaker.CircuitBreaker, exc: BaseException) -> None:
        logger.info("circuit %r counted a failure (%d): %r", cb.name, cb.fail_counter, exc)


def make_breaker(
    name: str,
    *,
    exclude: Sequence[type[Exception]] = (),
    listeners: Sequence[pybreaker.CircuitBreakerListener] = (),
    state_storage: pybreaker.CircuitBreakerStorage | None = None,
    **options: Any,
) -> pybreaker.CircuitBreaker:
    """A breaker for one dependency; ``listeners`` add metrics next to the logging one."""
    return pybreaker.CircuitBreaker(
        fail_max=FAIL_MAX,
        reset_timeout=RESET_TIMEOUT,
        exclude=list(exclude),
        listeners=[LoggingListener(), *listeners],
        state_storage=state_storage,
        name=name,
        **options,
    )
