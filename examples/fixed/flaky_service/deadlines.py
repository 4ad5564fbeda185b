# Generated in this folder by:
# resilience generate deadline --out deadlines.py
# and kept exactly as emitted: regenerate it rather than edit it.
"""A deadline propagated through calls: each call's timeout shrinks to what is left.

Create the deadline at the edge (the request handler) and pass it down, or open a scope that
nested code reads with :func:`current_deadline`::

    def handle(request: Request) -> Response:
        deadline = Deadline(budget=TOTAL_BUDGET)
        user = users.get(url, timeout=deadline.timeout())        # at most PER_CALL_TIMEOUT
        orders = fetch_orders(user, deadline)                    # gets what is left
        ...

    with deadline_scope(5.0):
        ...  # current_deadline() is the tighter of this scope and any enclosing one

When the budget is spent, :meth:`Deadline.timeout` raises :class:`DeadlineExceeded` before
the call is made (fail fast) instead of starting work nobody will wait for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

TOTAL_BUDGET = 30.0  # seconds for the whole operation
PER_CALL_TIMEOUT = 10.0  # seconds; cap of any single call

logger = logging.getLogger(__name__)


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
