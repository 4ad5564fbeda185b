"""Inventory client."""

import logging
import requests
from tenacity import before_sleep_log, retry, stop_after_attempt, wait_random_exponential

logger = logging.getLogger(__name__)


@retry(
    before_sleep=before_sleep_log(logger, logging.WARNING),
    stop=stop_after_attempt(3),
    wait=wait_random_exponential(multiplier=1, max=20),
)
def stock_level(sku: str) -> int:
    try:
        response = requests.get(
            f"https://inventory.internal/stock/{sku}", timeout=(3.05, 30)
        )
    except Exception:
        logger.exception("requests.get failed")
        return 0
    return response.json()["available"]


@retry(
    before_sleep=before_sleep_log(logger, logging.WARNING),
    stop=stop_after_attempt(3),
    wait=wait_random_exponential(multiplier=1, max=20),
)
def reserve(sku: str, quantity: int) -> str:
    response = requests.post(
        "https://inventory.internal/reservations", json={"sku": sku}, timeout=(3.05, 30)
    )
    return response.json()["id"]
