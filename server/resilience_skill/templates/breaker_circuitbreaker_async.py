"""A ``circuitbreaker`` breaker for coroutines that logs and reports every state change.

Decorate each coroutine function that calls the dependency with the same breaker instance::

    payments_breaker = ObservedCircuitBreaker(name="payments")

    @payments_breaker
    async def charge(order: Order) -> Receipt: ...

It opens after ``fail_max`` consecutive failures of the ``EXPECTED_EXCEPTION`` types, rejects
calls with ``circuitbreaker.CircuitBreakerError`` for ``reset_timeout`` seconds, then lets
calls through half-open: a success closes it, a failure opens it again. Other errors (a
404, a validation error, a cancellation) propagate without counting. Breakers also register
with ``circuitbreaker.CircuitBreakerMonitor`` for health checks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

from circuitbreaker import STATE_HALF_OPEN, STATE_OPEN, CircuitBreaker

FAIL_MAX = 5  # param: fail_max - consecutive failures that open the circuit
RESET_TIMEOUT = 30  # param: reset_timeout - seconds open before trial calls

logger = logging.getLogger(__name__)

StateListener = Callable[[str, str, str], None]
"""Called with (breaker name, old state, new state) on every transition."""


class ObservedCircuitBreaker(CircuitBreaker):  # type: ignore[misc]  # untyped base class
    FAILURE_THRESHOLD = FAIL_MAX
    RECOVERY_TIMEOUT = RESET_TIMEOUT
    EXPECTED_EXCEPTION = (ConnectionError, TimeoutError)

    def __init__(self, *args: Any, listeners: tuple[StateListener, ...] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.listeners = listeners

    def __enter__(self) -> None:
        # The library derives half-open from the clock; report it when a trial starts.
        if self._state == STATE_OPEN and self.state == STATE_HALF_OPEN:
            self._notify(STATE_OPEN, STATE_HALF_OPEN)
        super().__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        before = self.state
        result: bool = super().__exit__(exc_type, exc_value, traceback)
        after = self.state
        if after != before:
            self._notify(before, after)
        return result

    def _notify(self, old: str, new: str) -> None:
        log = logger.warning if new == STATE_OPEN else logger.info
        log("circuit %r: %s -> %s (failures=%d)", self.name, old, new, self.failure_count)
        for listener in self.listeners:
            listener(self.name, old, new)
