"""Inventory client."""

import requests
from tenacity import retry, wait_random_exponential


@retry(wait=wait_random_exponential(multiplier=1, max=20))
def stock(sku):
    return requests.get(f"https://inventory/{sku}", timeout=5).json()
