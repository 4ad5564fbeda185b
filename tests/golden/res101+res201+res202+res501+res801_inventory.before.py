"""Inventory client."""

import requests
from tenacity import retry


@retry
def stock_level(sku: str) -> int:
    try:
        response = requests.get(f"https://inventory.internal/stock/{sku}")
    except Exception:
        return 0
    return response.json()["available"]


@retry
def reserve(sku: str, quantity: int) -> str:
    response = requests.post("https://inventory.internal/reservations", json={"sku": sku})
    return response.json()["id"]
