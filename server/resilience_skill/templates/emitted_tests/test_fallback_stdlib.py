"""Tests of the fallback chain with failing fakes for the service and the cache."""

from __future__ import annotations

import pytest

# isort: split
import resilience_skill.templates.fallback_stdlib as subject

FallbackChain = subject.FallbackChain


class Step:
    """Returns ``value``, or raises ``error`` when given; counts its calls."""

    def __init__(self, value: str, error: BaseException | None = None) -> None:
        self.value = value
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.value


def chain(
    service: Step, cache: Step, seen: list[tuple[str, str]] | None = None
) -> FallbackChain[str]:
    hook = None if seen is None else (lambda name, step, exc: seen.append((step, repr(exc))))
    return FallbackChain(
        "prices", [("service", service), ("cache", cache)], "default", on_fallback=hook
    )


def test_service_answer_wins_and_cache_is_not_touched() -> None:
    service, cache = Step("fresh"), Step("cached")
    assert chain(service, cache).run() == "fresh"
    assert cache.calls == 0


def test_falls_back_to_the_cache_and_reports_it(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[tuple[str, str]] = []
    service, cache = Step("fresh", TimeoutError("slow")), Step("cached")
    assert chain(service, cache, seen).run() == "cached"
    assert seen == [("service", "TimeoutError('slow')")]
    (record,) = caplog.records
    assert record.levelname == "WARNING"
    assert record.exc_info is not None


def test_falls_back_to_the_default_when_everything_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[tuple[str, str]] = []
    service = Step("fresh", ConnectionError("down"))
    cache = Step("cached", KeyError("miss"))
    assert chain(service, cache, seen).run() == "default"
    assert [step for step, _ in seen] == ["service", "cache"]
    assert caplog.records[-1].levelname == "ERROR"


def test_bugs_are_not_hidden_by_the_fallback() -> None:
    service, cache = Step("fresh", TypeError("bug")), Step("cached")
    with pytest.raises(TypeError, match="bug"):
        chain(service, cache).run()
    assert cache.calls == 0
