"""An asyncio circuit breaker: closed -> open after ``fail_max`` consecutive failures,
open -> half-open after ``reset_timeout`` seconds, one trial call, then closed or open again.

Create one breaker per dependency at module level and guard every call to it::

    payments_breaker = AsyncCircuitBreaker("payments")

    @payments_breaker
    async def charge(order: Order) -> Receipt: ...

    async with payments_breaker.calling():    # or around a block
        ...

While open, calls fail fast with :class:`CircuitOpenError` without touching the dependency.
Errors in ``exclude`` (for example a 404 or a validation error) are not dependency failures:
they propagate without counting; neither does cancellation. Every state change is logged and
sent to the listeners. State changes happen between awaits, so no lock is needed within one
event loop; use one breaker per loop.
"""

from __future__ import annotations

import enum
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import ParamSpec, TypeVar

FAIL_MAX = 5  # param: fail_max - consecutive failures that open the circuit
RESET_TIMEOUT = 30.0  # param: reset_timeout - seconds open before a trial call

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class State(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


StateListener = Callable[[str, State, State], None]
"""Called with (breaker name, old state, new state) on every transition."""


class CircuitOpenError(RuntimeError):
    """The circuit is open: the call was rejected without reaching the dependency."""

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(f"circuit {name!r} is open; retry in {retry_after:.1f}s")
        self.name = name
        self.retry_after = retry_after


class AsyncCircuitBreaker:
    """Counts consecutive failures of one dependency and stops calling it while it is down."""

    def __init__(
        self,
        name: str,
        *,
        fail_max: int = FAIL_MAX,
        reset_timeout: float = RESET_TIMEOUT,
        exclude: tuple[type[BaseException], ...] = (),
        listeners: tuple[StateListener, ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.fail_max = fail_max
        self.reset_timeout = reset_timeout
        self.exclude = exclude
        self.listeners = listeners
        self._clock = clock
        self._state = State.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def state(self) -> State:
        return self._state

    @asynccontextmanager
    async def calling(self) -> AsyncIterator[None]:
        """Guard the block: reject it while open, record its outcome."""
        self._before_call()
        try:
            yield
        except self.exclude:
            self._on_success()
            raise
        except Exception:
            self._on_failure()
            raise
        except BaseException:
            # Cancelled or interrupted: not the dependency's fault.
            self._release_trial()
            raise
        self._on_success()

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.calling():
            return await fn(*args, **kwargs)

    def __call__(self, fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        """Use the breaker as a decorator."""

        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            async with self.calling():
                return await fn(*args, **kwargs)

        return wrapper

    def _before_call(self) -> None:
        if self._state is State.OPEN:
            remaining = self._opened_at + self.reset_timeout - self._clock()
            if remaining > 0:
                raise CircuitOpenError(self.name, remaining)
            self._transition(State.HALF_OPEN)
        if self._state is State.HALF_OPEN:
            if self._trial_running:
                raise CircuitOpenError(self.name, 0.0)
            self._trial_running = True

    def _on_success(self) -> None:
        self._failures = 0
        self._trial_running = False
        if self._state is not State.CLOSED:
            self._transition(State.CLOSED)

    def _on_failure(self) -> None:
        self._failures += 1
        self._trial_running = False
        if self._state is State.HALF_OPEN or self._failures >= self.fail_max:
            self._opened_at = self._clock()
            if self._state is not State.OPEN:
                self._transition(State.OPEN)

    def _release_trial(self) -> None:
        self._trial_running = False

    def _transition(self, new: State) -> None:
        old, self._state = self._state, new
        log = logger.warning if new is State.OPEN else logger.info
        log("circuit %r: %s -> %s (failures=%d)", self.name, old.value, new.value, self._failures)
        for listener in self.listeners:
            listener(self.name, old, new)
