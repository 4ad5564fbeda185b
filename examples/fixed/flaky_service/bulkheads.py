# Generated in this folder by:
# resilience generate bulkhead --async --out bulkheads.py
# and kept exactly as emitted: regenerate it rather than edit it.
"""Bulkheads for asyncio: a bounded number of concurrent calls per dependency class.

A slow dependency can only tie up its own slots; when they are all busy, further calls fail
fast with :class:`BulkheadFullError` (after at most ``max_wait`` seconds) instead of piling
up tasks and sockets that starve every other dependency. Create one bulkhead per dependency
class at start-up::

    critical = AsyncBulkhead("payments", max_concurrent=20)
    optional = AsyncBulkhead("recommendations", max_concurrent=5)

    receipt = await critical.call(charge, order)

    @optional
    async def recommend(user: User) -> list[Item]: ...

Bound fan-out too: ``gather(*(optional.call(fetch, x) for x in xs))`` runs at most
``max_concurrent`` at once and rejects the rest.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

MAX_CONCURRENT = 10  # calls in flight per bulkhead
MAX_WAIT = 0.0  # seconds to wait for a free slot before rejecting

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

RejectHook = Callable[[str], None]
"""Called with the bulkhead's name on every rejected call."""


class BulkheadFullError(RuntimeError):
    """Every slot of the bulkhead is busy: the call was rejected without running."""


class AsyncBulkhead:
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
        self._slots = asyncio.Semaphore(max_concurrent)
        self._active = 0

    @property
    def active(self) -> int:
        """Calls running now."""
        return self._active

    async def _acquire(self) -> bool:
        if self.max_wait <= 0:
            if self._slots.locked():
                return False
            await self._slots.acquire()
            return True
        try:
            async with asyncio.timeout(self.max_wait):
                await self._slots.acquire()
        except TimeoutError:
            return False
        return True

    async def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Await ``fn`` in a free slot, or raise :class:`BulkheadFullError`."""
        if not await self._acquire():
            logger.warning(
                "bulkhead %r full (%d in flight): call rejected", self.name, self.max_concurrent
            )
            if self.on_reject is not None:
                self.on_reject(self.name)
            raise BulkheadFullError(f"bulkhead {self.name!r} is full ({self.max_concurrent})")
        self._active += 1
        try:
            return await fn(*args, **kwargs)
        finally:
            self._active -= 1
            self._slots.release()

    def __call__(self, fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        """Use the bulkhead as a decorator."""

        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return await self.call(fn, *args, **kwargs)

        return wrapper
