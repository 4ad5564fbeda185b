"""purgatory circuit breakers, one per named dependency, with every event logged.

Create the factory once at start-up and guard every call to a dependency with its breaker::

    breakers = make_breakers()

    @breakers("payments")
    def charge(order: Order) -> Receipt: ...

    with breakers.get_breaker("payments"):        # or around a block
        ...

A breaker opens after ``fail_max`` consecutive failures, rejects calls with
``purgatory.domain.model.OpenedState`` for ``reset_timeout`` seconds, then lets calls through
half-open: a success closes it, a failure opens it again. Errors in ``exclude`` (a 404, a
validation error) do not count. For several processes, pass
``uow=purgatory.SyncRedisUnitOfWork(url)`` to share the state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import purgatory
from purgatory.domain.messages.events import CircuitBreakerFailed, ContextChanged
from purgatory.typing import Hook

FAIL_MAX = 5  # param: fail_max - consecutive failures that open the circuit
RESET_TIMEOUT = 30.0  # param: reset_timeout - seconds open before trial calls

logger = logging.getLogger(__name__)


def log_event(name: str, event_name: str, event: purgatory.Event) -> None:
    """Log the breakers' events: state changes (warning when opening) and failures."""
    if isinstance(event, ContextChanged):
        log = logger.warning if event.state == "opened" else logger.info
        log("circuit %r is now %s", name, event.state)
    elif isinstance(event, CircuitBreakerFailed):
        logger.info("circuit %r counted a failure (%d)", name, event.failure_count)
    else:
        logger.debug("circuit %r: %s", name, event_name)


def make_breakers(
    *,
    exclude: Sequence[type[BaseException]] = (),
    listeners: Sequence[Hook] = (),
    **options: Any,
) -> purgatory.SyncCircuitBreakerFactory:
    """A factory of named breakers; ``listeners`` add metrics next to the logging one."""
    factory = purgatory.SyncCircuitBreakerFactory(
        default_threshold=FAIL_MAX,
        default_ttl=RESET_TIMEOUT,
        exclude=list(exclude),
        **options,
    )
    for listener in (log_event, *listeners):
        factory.add_listener(listener)
    return factory
