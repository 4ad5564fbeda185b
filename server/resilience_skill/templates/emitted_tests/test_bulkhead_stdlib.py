"""Tests of the thread bulkhead with dependencies that hang until released (no sleeping)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

# isort: split
import resilience_skill.templates.bulkhead_stdlib as subject

MAX_CONCURRENT = subject.MAX_CONCURRENT
Bulkhead = subject.Bulkhead
BulkheadFullError = subject.BulkheadFullError

JOIN_TIMEOUT = 10.0  # only reached if the code under test deadlocks


class HangingDependency:
    """Blocks every call until ``release`` is set; ``started`` counts the calls inside."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.inside = threading.Semaphore(0)

    def __call__(self) -> str:
        self.inside.release()
        if not self.release.wait(JOIN_TIMEOUT):
            raise TimeoutError("test never released the dependency")
        return "ok"


def fill(bulkhead: Bulkhead, dependency: HangingDependency, n: int) -> list[threading.Thread]:
    """Start ``n`` calls that hang inside the bulkhead; return once all are inside."""
    threads = [threading.Thread(target=bulkhead.call, args=(dependency,)) for _ in range(n)]
    for thread in threads:
        thread.start()
    for _ in range(n):
        assert dependency.inside.acquire(timeout=JOIN_TIMEOUT)
    return threads


@pytest.fixture
def slow() -> Iterator[HangingDependency]:
    dependency = HangingDependency()
    yield dependency
    dependency.release.set()


def test_rejects_beyond_its_size(slow: HangingDependency) -> None:
    rejected: list[str] = []
    bulkhead = Bulkhead("slow", max_concurrent=MAX_CONCURRENT, on_reject=rejected.append)
    threads = fill(bulkhead, slow, MAX_CONCURRENT)
    assert bulkhead.active == MAX_CONCURRENT
    with pytest.raises(BulkheadFullError):
        bulkhead.call(slow)
    assert rejected == ["slow"]
    slow.release.set()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert bulkhead.active == 0
    assert bulkhead.call(lambda: "free again") == "free again"


def test_isolates_two_dependencies(slow: HangingDependency) -> None:
    saturated = Bulkhead("recommendations", max_concurrent=2)
    healthy = Bulkhead("payments", max_concurrent=2)
    fill(saturated, slow, 2)
    with pytest.raises(BulkheadFullError):
        saturated.call(slow)

    @healthy
    def charge(amount: int) -> str:
        return f"charged {amount}"

    assert charge(5) == "charged 5"
    assert healthy.active == 0


def test_slot_is_freed_when_the_call_fails(caplog: pytest.LogCaptureFixture) -> None:
    bulkhead = Bulkhead("flaky", max_concurrent=1)

    def boom() -> str:
        raise ConnectionError("down")

    for _ in range(3):
        with pytest.raises(ConnectionError):
            bulkhead.call(boom)
    assert bulkhead.active == 0
    assert not caplog.records
