"""Client for the inventory service."""

import logging

import pybreaker
import requests

from .breakers import make_breaker
from .retrying import transient_retry

log = logging.getLogger(__name__)

BASE_URL = "https://inventory.internal.example.com"

# (connect, read). Worst case of one call with its retries: 3 attempts x 8.05 s + waits of at
# most 0.5 + 1 s = 25.65 s, inside the 30 s latency budget.
TIMEOUT = (3.05, 5)

# Only these are worth another attempt; a 4xx (HTTPError) or a bug is not.
TRANSIENT = (requests.ConnectionError, requests.Timeout)

# One policy and one breaker for the whole process, shared by every client instance. The
# breaker sits inside the retry: once it opens, CircuitBreakerError is not transient, so
# callers fail fast instead of retrying into a dependency that is down.
retry_transient = transient_retry(retry_on=TRANSIENT)
breaker = make_breaker("inventory")


class InventoryClient:
    def __init__(self, token: str) -> None:
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    @retry_transient.wraps
    @breaker
    def stock_level(self, sku: str) -> int:
        response = self.session.get(f"{BASE_URL}/stock/{sku}", timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()["available"]

    @retry_transient.wraps
    @breaker
    def reserve(self, sku: str, quantity: int, idempotency_key: str) -> str:
        # The same key on every attempt (and on every redelivery of the order message): a
        # retry after a timeout cannot reserve the stock twice.
        response = self.session.post(
            f"{BASE_URL}/reservations",
            json={"sku": sku, "quantity": quantity},
            headers={"Idempotency-Key": idempotency_key},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        return response.json()["reservation_id"]

    def release(self, reservation_id: str) -> None:
        """Best effort, as before: a reservation that cannot be released is logged, not raised."""
        try:
            self._delete_reservation(reservation_id)
        except (requests.RequestException, pybreaker.CircuitBreakerError):
            log.exception("could not release reservation %s", reservation_id)

    @retry_transient.wraps
    @breaker
    def _delete_reservation(self, reservation_id: str) -> None:
        response = self.session.delete(f"{BASE_URL}/reservations/{reservation_id}", timeout=TIMEOUT)
        response.raise_for_status()
