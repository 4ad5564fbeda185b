"""Prices come from the pricing service, with the last known prices in a cache behind it."""

import logging

import pybreaker
import redis
import requests

from .breakers import make_breaker
from .deadlines import Deadline, DeadlineExceeded
from .fallbacks import FallbackChain
from .inventory import TRANSIENT, InventoryClient
from .retrying import transient_retry

logger = logging.getLogger(__name__)

PRICING_URL = "https://pricing.internal.example.com/quote"
QUOTE_BUDGET = 10.0  # seconds the checkout waits for a price, retries included
CALL_TIMEOUT = 4.0  # seconds; the most one call to the pricing service may take

# Every failure that means "the service cannot answer now": move on to the cache. Anything
# else (a bug, a malformed answer) propagates.
UNAVAILABLE = (
    *TRANSIENT,
    requests.HTTPError,
    pybreaker.CircuitBreakerError,
    DeadlineExceeded,
    redis.RedisError,
    LookupError,
)

cache = redis.Redis(
    host="cache.internal.example.com", socket_timeout=0.5, socket_connect_timeout=0.5
)
pricing_breaker = make_breaker("pricing")
retry_transient = transient_retry(retry_on=TRANSIENT)


class OutOfStock(ValueError):
    """Fewer items are in stock than were asked for."""


class PriceUnavailable(RuntimeError):
    """Neither the pricing service nor the cache could price the item."""


def cached_price(sku: str) -> float:
    """The last unit price seen for ``sku``; LookupError when the cache has none."""
    value = cache.get(f"price:{sku}")
    if value is None:
        raise LookupError(f"no cached price for {sku}")
    return float(value)


def quote(sku: str, quantity: int, inventory: InventoryClient) -> float:
    # Checked once, outside any retry of ours: the inventory client retries its own calls, and
    # an out-of-stock answer is not worth retrying at all.
    if inventory.stock_level(sku) < quantity:
        raise OutOfStock(f"only part of {sku} is in stock")
    deadline = Deadline(QUOTE_BUDGET)
    chain = FallbackChain(
        "price",
        steps=[
            ("service", lambda: _service_quote(sku, quantity, deadline)),
            ("cache", lambda: cached_price(sku) * quantity),
        ],
        default=None,
        handled=UNAVAILABLE,
    )
    total = chain.run()
    if total is None:
        # Never quote 0.0: refusing the checkout is cheaper than giving the order away.
        raise PriceUnavailable(sku)
    return total


@retry_transient.wraps
def _service_quote(sku: str, quantity: int, deadline: Deadline) -> float:
    # Each attempt gets what is left of the budget (at most CALL_TIMEOUT). Once it is spent,
    # DeadlineExceeded fails fast before the call: it is not retried, the breaker does not
    # count it against the service, and the chain falls back to the cache.
    return _fetch_quote(sku, quantity, timeout=deadline.timeout(CALL_TIMEOUT))


@pricing_breaker
def _fetch_quote(sku: str, quantity: int, timeout: float) -> float:
    response = requests.get(PRICING_URL, params={"sku": sku, "quantity": quantity}, timeout=timeout)
    response.raise_for_status()
    return float(response.json()["total"])
