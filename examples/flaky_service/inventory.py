"""Client for the inventory service."""

import logging
import time

import requests
from tenacity import retry, wait_exponential

log = logging.getLogger(__name__)

BASE_URL = "https://inventory.internal.example.com"


class InventoryClient:
    def __init__(self, token: str) -> None:
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    @retry
    def stock_level(self, sku: str) -> int:
        response = self.session.get(f"{BASE_URL}/stock/{sku}")
        response.raise_for_status()
        return response.json()["available"]

    @retry(wait=wait_exponential(multiplier=0.5))
    def reserve(self, sku: str, quantity: int) -> str:
        response = self.session.post(
            f"{BASE_URL}/reservations",
            json={"sku": sku, "quantity": quantity},
        )
        response.raise_for_status()
        return response.json()["reservation_id"]

    def release(self, reservation_id: str) -> None:
        for attempt in range(5):
            try:
                self.session.delete(f"{BASE_URL}/reservations/{reservation_id}", timeout=5)
                return
            except requests.RequestException:
                time.sleep(1)
        log.error("could not release reservation %s", reservation_id)
