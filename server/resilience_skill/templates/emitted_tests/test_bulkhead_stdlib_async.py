"""Tests of the asyncio bulkhead with dependencies that hang until released (no sleeping)."""

from __future__ import annotations

import asyncio

import pytest

# isort: split
import resilience_skill.templates.bulkhead_stdlib_async as subject

MAX_CONCURRENT = subject.MAX_CONCURRENT
AsyncBulkhead = subject.AsyncBulkhead
BulkheadFullError = subject.BulkheadFullError

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class HangingDependency:
    """Blocks every call until ``release`` is set; ``inside`` counts the calls in flight."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.inside = 0

    async def call(self) -> str:
        self.inside += 1
        await self.release.wait()
        return "ok"


async def fill(
    bulkhead: AsyncBulkhead, dependency: HangingDependency, n: int
) -> list[asyncio.Task[str]]:
    tasks = [asyncio.create_task(bulkhead.call(dependency.call)) for _ in range(n)]
    while dependency.inside < n:
        await asyncio.sleep(0)  # yield to the event loop so the tasks start; no wall-clock wait
    return tasks


async def test_rejects_beyond_its_size() -> None:
    rejected: list[str] = []
    slow = HangingDependency()
    bulkhead = AsyncBulkhead("slow", max_concurrent=MAX_CONCURRENT, on_reject=rejected.append)
    tasks = await fill(bulkhead, slow, MAX_CONCURRENT)
    assert bulkhead.active == MAX_CONCURRENT
    with pytest.raises(BulkheadFullError):
        await bulkhead.call(slow.call)
    assert rejected == ["slow"]
    slow.release.set()
    assert await asyncio.gather(*tasks) == ["ok"] * MAX_CONCURRENT
    assert bulkhead.active == 0


async def test_waits_at_most_max_wait_then_rejects() -> None:
    slow = HangingDependency()
    bulkhead = AsyncBulkhead("slow", max_concurrent=1, max_wait=0.001)
    tasks = await fill(bulkhead, slow, 1)
    with pytest.raises(BulkheadFullError):
        await bulkhead.call(slow.call)
    slow.release.set()
    await asyncio.gather(*tasks)


async def test_isolates_two_dependencies() -> None:
    slow = HangingDependency()
    saturated = AsyncBulkhead("recommendations", max_concurrent=2)
    healthy = AsyncBulkhead("payments", max_concurrent=2)
    tasks = await fill(saturated, slow, 2)
    with pytest.raises(BulkheadFullError):
        await saturated.call(slow.call)

    @healthy
    async def charge(amount: int) -> str:
        return f"charged {amount}"

    assert await charge(5) == "charged 5"
    slow.release.set()
    await asyncio.gather(*tasks)


async def test_slot_is_freed_when_the_call_fails_or_is_cancelled() -> None:
    bulkhead = AsyncBulkhead("flaky", max_concurrent=1)

    async def boom() -> str:
        raise ConnectionError("down")

    for _ in range(3):
        with pytest.raises(ConnectionError):
            await bulkhead.call(boom)
    slow = HangingDependency()
    (task,) = await fill(bulkhead, slow, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert bulkhead.active == 0
