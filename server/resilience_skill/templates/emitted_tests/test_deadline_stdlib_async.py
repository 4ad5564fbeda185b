"""Tests of the async deadline with a fake clock and a fake client that records its timeouts."""

from __future__ import annotations

import asyncio

import pytest

# isort: split
import resilience_skill.templates.deadline_stdlib_async as subject

TOTAL_BUDGET = subject.TOTAL_BUDGET
PER_CALL_TIMEOUT = subject.PER_CALL_TIMEOUT
Deadline = subject.Deadline
DeadlineExceeded = subject.DeadlineExceeded

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


class SlowClient:
    """Records each call's timeout, then 'takes' ``duration`` seconds of the fake clock."""

    def __init__(self, clock: FakeClock, duration: float) -> None:
        self.clock = clock
        self.duration = duration
        self.timeouts: list[float] = []

    def get(self, timeout: float) -> str:
        self.timeouts.append(timeout)
        self.clock.now += min(self.duration, timeout)
        return "ok"


def handler(
    client: SlowClient, deadline: Deadline, calls: int, per_call_max: float = PER_CALL_TIMEOUT
) -> None:
    for _ in range(calls):
        client.get(timeout=deadline.timeout(per_call_max))


async def test_each_call_gets_at_most_the_per_call_timeout() -> None:
    clock = FakeClock()
    client = SlowClient(clock, duration=0.0)
    handler(client, Deadline(clock=clock), calls=3)
    assert client.timeouts == [min(PER_CALL_TIMEOUT, TOTAL_BUDGET)] * 3


async def test_the_timeout_shrinks_to_what_is_left() -> None:
    clock = FakeClock()
    client = SlowClient(clock, duration=4.0)
    handler(client, Deadline(10.0, clock=clock), calls=3, per_call_max=8.0)
    assert client.timeouts == pytest.approx([8.0, 6.0, 2.0])


async def test_fails_fast_when_spent(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    client = SlowClient(clock, duration=100.0)
    deadline = Deadline(1.0, clock=clock)
    client.get(timeout=deadline.timeout())
    with pytest.raises(DeadlineExceeded):
        client.get(timeout=deadline.timeout())
    assert client.timeouts == [1.0]
    assert deadline.expired
    assert "failing fast" in caplog.records[-1].getMessage()


async def test_nested_scopes_take_the_tighter_deadline() -> None:
    clock = FakeClock()
    assert subject.current_deadline() is None
    with subject.deadline_scope(10.0, clock=clock) as outer:
        with subject.deadline_scope(60.0) as inner:
            assert inner is outer
            assert subject.current_deadline() is outer
        with subject.deadline_scope(2.0) as tight:
            assert tight.remaining() == 2.0
        assert subject.current_deadline() is outer
    assert subject.current_deadline() is None


async def test_run_passes_the_shrunk_timeout_and_cuts_off_a_hanging_call() -> None:
    clock = FakeClock()
    deadline = Deadline(0.005, clock=clock)  # 5 ms of real waiting at most
    seen: list[float] = []
    never = asyncio.Event()

    async def hangs(timeout: float) -> str:
        seen.append(timeout)
        await never.wait()
        return "never"

    with pytest.raises(DeadlineExceeded):
        await deadline.run(hangs)
    assert seen == pytest.approx([0.005])


async def test_run_returns_and_keeps_the_per_call_cap() -> None:
    clock = FakeClock()
    deadline = Deadline(100.0, clock=clock)

    async def answers(timeout: float) -> float:
        return timeout

    assert await deadline.run(answers, per_call_max=3.0) == 3.0
    clock.now += 100.0
    with pytest.raises(DeadlineExceeded):
        await deadline.run(answers)


async def test_scopes_are_per_task() -> None:
    async def scoped(budget: float) -> float:
        with subject.deadline_scope(budget) as deadline:
            await asyncio.sleep(0)
            current = subject.current_deadline()
            assert current is deadline
            return budget

    assert list(await asyncio.gather(scoped(1.0), scoped(2.0))) == [1.0, 2.0]
