"""A deadline propagated through async calls: each call's timeout shrinks to what is left.

Create the deadline at the edge (the request handler) and pass it down, or open a scope that
nested code reads with :func:`current_deadline`::

    async def handle(request: Request) -> Response:
        deadline = Deadline(budget=TOTAL_BUDGET)
        user = await client.get(url, timeout=deadline.timeout())  # at most PER_CALL_TIMEOUT
        orders = await deadline.run(lambda t: fetch_orders(user, timeout=t))  # cut off in time
        ...

    with deadline_scope(5.0):
        ...  # current_deadline() is the tighter of this scope and any enclosing one

When the budget is spent, :meth:`Deadline.timeout` raises :class:`DeadlineExceeded` before
the call is made (fail fast) instead of starting work nobody will wait for;
:meth:`Deadline.run` also cancels an awaited call that outlives its share of the budget.
Scopes live in a ``ContextVar``, so each task sees its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

TOTAL_BUDGET = 30.0  # param: budget - seconds for the whole operation
PER_CALL_TIMEOUT = 10.0  # param: per_call_timeout [0.001..60] - seconds; cap of any single call

logger = logging.getLogger(__name__)

T = TypeVar("T")


class DeadlineExceeded(TimeoutError):
    """The operation's time budget is spent; the call was not made."""


class Deadline:
    """A point in time by which an operation must finish, read through ``clock``."""

    def __init__(
        self, budget: float = TOTAL_BUDGET, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._clock = clock
        self.expires_at = clock() + budget

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.expires_at - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0

    def timeout(self, per_call_max: float = PER_CALL_TIMEOUT) -> float:
        """The timeout for the next call: ``min(per_call_max, remaining)``.

        Raises :class:`DeadlineExceeded` when nothing is left.
        """
        remaining = self.remaining()
        if remaining <= 0.0:
            logger.warning("deadline exceeded: failing fast without calling")
            raise DeadlineExceeded("deadline exceeded before the call")
        if remaining < per_call_max:
            logger.debug("call timeout shrunk to %.3fs by the deadline", remaining)
            return remaining
        return per_call_max

    async def run(
        self, fn: Callable[[float], Awaitable[T]], per_call_max: float = PER_CALL_TIMEOUT
    ) -> T:
        """Await ``fn(timeout)``, cancelling it after ``timeout(per_call_max)`` seconds.

        Raises :class:`DeadlineExceeded` when the deadline (not the per-call cap) cut it off.
        """
        timeout = self.timeout(per_call_max)
        try:
            async with asyncio.timeout(timeout):
                return await fn(timeout)
        except TimeoutError as exc:
            if timeout < per_call_max:
                logger.warning("deadline exceeded after %.3fs: call cancelled", timeout)
                raise DeadlineExceeded("deadline exceeded during the call") from exc
            raise

    def check(self) -> None:
        """Raise :class:`DeadlineExceeded` if the budget is spent (between steps of work)."""
        self.timeout()

    def tighter(self, budget: float) -> Deadline:
        """A deadline ``budget`` seconds from now, or this one if it comes sooner."""
        child = Deadline(budget, clock=self._clock)
        return self if self.expires_at <= child.expires_at else child


_current: ContextVar[Deadline | None] = ContextVar("deadline", default=None)


def current_deadline() -> Deadline | None:
    """The deadline of the innermost :func:`deadline_scope`, if any."""
    return _current.get()


@contextmanager
def deadline_scope(
    budget: float = TOTAL_BUDGET, *, clock: Callable[[], float] = time.monotonic
) -> Iterator[Deadline]:
    """Make a deadline current for the block (the tighter one if a scope is already open)."""
    outer = _current.get()
    deadline = outer.tighter(budget) if outer is not None else Deadline(budget, clock=clock)
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)
