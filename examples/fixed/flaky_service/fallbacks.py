# Generated in this folder by:
# resilience generate fallback-chain --out fallbacks.py
# and kept exactly as emitted: regenerate it rather than edit it.
"""A fallback chain: try the service, then the cache, then a safe default; log every step.

Degrade instead of failing, and make the degradation visible::

    chain = FallbackChain(
        "prices",
        steps=[("service", lambda: fetch_prices(sku)), ("cache", lambda: cache.get(sku))],
        default=Prices.unknown(),
        handled=(ConnectionError, TimeoutError, CacheMiss),
    )
    prices = chain.run()

Only ``handled`` errors move on to the next step; anything else (a bug) propagates. Every
failed step is logged with its exception and reported to ``on_fallback``, and so is falling
back to the default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

HANDLED_ERRORS: tuple[type[Exception], ...] = (ConnectionError, TimeoutError, LookupError)

logger = logging.getLogger(__name__)

FallbackHook = Callable[[str, str, BaseException], None]
"""Called with (chain name, failed step name, its error) each time the chain falls back."""


class FallbackChain(Generic[T]):
    """Steps tried in order; the first success wins, else ``default``."""

    def __init__(
        self,
        name: str,
        steps: Sequence[tuple[str, Callable[[], T]]],
        default: T,
        *,
        handled: tuple[type[Exception], ...] = HANDLED_ERRORS,
        on_fallback: FallbackHook | None = None,
    ) -> None:
        self.name = name
        self.steps = tuple(steps)
        self.default = default
        self.handled = handled
        self.on_fallback = on_fallback

    def run(self) -> T:
        """The first step's result that does not raise a handled error, else the default."""
        for step_name, step in self.steps:
            try:
                return step()
            except self.handled as exc:
                logger.warning(
                    "%s: step %r failed (%r); falling back",
                    self.name,
                    step_name,
                    exc,
                    exc_info=True,
                )
                if self.on_fallback is not None:
                    self.on_fallback(self.name, step_name, exc)
        logger.error("%s: every step failed; returning the default", self.name)
        return self.default
