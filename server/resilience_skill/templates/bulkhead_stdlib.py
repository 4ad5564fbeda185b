"""Bulkheads for threads: a bounded number of concurrent calls per dependency class.

A slow dependency can only tie up its own slots; when they are all busy, further calls fail
fast with :class:`BulkheadFullError` (after at most ``max_wait`` seconds) instead of queueing
and starving every other dependency of threads. Create one bulkhead per dependency class at
start-up::

    critical = Bulkhead("payments", max_concurrent=20)
    optional = Bulkhead("recommendations", max_concurrent=5)

    receipt = critical.call(charge, order)

    @optional
    def recommend(user: User) -> list[Item]: ...
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

MAX_CONCURRENT = 10  # param: max_concurrent - calls in flight per bulkhead
MAX_WAIT = 0.0  # param: max_wait [0..60] - seconds to wait for a free slot before rejecting

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

RejectHook = Callable[[str], None]
"""Called with the bulkhead's name on every rejected call."""


class BulkheadFullError(RuntimeError):
    """Every slot of the bulkhead is busy: the call was rejected without running."""


class Bulkhead:
    """At most ``max_concurrent`` calls at once through this bulkhead; the rest are rejected."""

    def __init__(
        self,
        name: str,
        *,
        max_concurrent: int = MAX_CONCURRENT,
        max_wait: float = MAX_WAIT,
        on_reject: RejectHook | None = None,
    ) -> None:
        self.name = name
        self.max_concurrent = max_concurrent
        self.max_wait = max_wait
        self.on_reject = on_reject
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._lock = threading.Lock()
        self._active = 0

    @property
    def active(self) -> int:
        """Calls running now."""
        with self._lock:
            return self._active

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` in a free slot, or raise :class:`BulkheadFullError`."""
        acquired = (
            self._slots.acquire(timeout=self.max_wait)
            if self.max_wait > 0
            else self._slots.acquire(blocking=False)
        )
        if not acquired:
            logger.warning(
                "bulkhead %r full (%d in flight): call rejected", self.name, self.max_concurrent
            )
            if self.on_reject is not None:
                self.on_reject(self.name)
            raise BulkheadFullError(f"bulkhead {self.name!r} is full ({self.max_concurrent})")
        with self._lock:
            self._active += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with self._lock:
                self._active -= 1
            self._slots.release()

    def __call__(self, fn: Callable[P, T]) -> Callable[P, T]:
        """Use the bulkhead as a decorator."""

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return self.call(fn, *args, **kwargs)

        return wrapper
