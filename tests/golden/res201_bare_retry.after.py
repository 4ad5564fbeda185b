"""Inventory client."""

import requests
from tenacity import retry, stop_after_attempt, wait_random_exponential


@retry(wait=wait_random_exponential(multiplier=1, max=20), stop=stop_after_attempt(3))
def stock(sku):
    return requests.get(f"https://inventory/{sku}", timeout=5).json()
