import logging

import requests

log = logging.getLogger(__name__)


def price(sku):
    try:
        return requests.get(f"https://pricing/{sku}", timeout=5).json()["price"]
    except requests.RequestException:
        log.warning("requests.get failed, using fallback", exc_info=True)
        return 0.0
