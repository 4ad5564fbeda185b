"""Tests of the async fallback chain with failing fakes for the service and the cache."""

from __future__ import annotations

import asyncio

import pytest

# isort: split
import resilience_skill.templates.fallback_stdlib_async as subject

AsyncFallbackChain = subject.AsyncFallbackChain

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Step:
    """Returns ``value``, or raises ``error`` when given; counts its calls."""

    def __init__(self, value: str, error: BaseException | None = None) -> None:
        self.value = value
        self.error = error
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.value


def chain(
    service: Step, cache: Step, seen: list[tuple[str, str]] | None = None
) -> AsyncFallbackChain[str]:
    hook = None if seen is None else (lambda name, step, exc: seen.append((step, repr(exc))))
    return AsyncFallbackChain(
        "prices", [("service", service), ("cache", cache)], "default", on_fallback=hook
    )


async def test_service_answer_wins_and_cache_is_not_touched() -> None:
    service, cache = Step("fresh"), Step("cached")
    assert await chain(service, cache).run() == "fresh"
    assert cache.calls == 0


async def test_falls_back_to_the_cache_and_reports_it(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[str, str]] = []
    service, cache = Step("fresh", TimeoutError("slow")), Step("cached")
    assert await chain(service, cache, seen).run() == "cached"
    assert seen == [("service", "TimeoutError('slow')")]
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert record.exc_info is not None


async def test_falls_back_to_the_default_when_everything_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[tuple[str, str]] = []
    service = Step("fresh", ConnectionError("down"))
    cache = Step("cached", KeyError("miss"))
    assert await chain(service, cache, seen).run() == "default"
    assert [step for step, _ in seen] == ["service", "cache"]
    assert caplog.records[-1].levelname == "ERROR"


async def test_bugs_are_not_hidden_by_the_fallback() -> None:
    service, cache = Step("fresh", TypeError("bug")), Step("cached")
    with pytest.raises(TypeError, match="bug"):
        await chain(service, cache).run()
    assert cache.calls == 0


async def test_cancellation_is_not_a_fallback() -> None:
    service, cache = Step("fresh", asyncio.CancelledError()), Step("cached")
    with pytest.raises(asyncio.CancelledError):
        await chain(service, cache).run()
    assert cache.calls == 0
