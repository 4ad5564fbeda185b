"""Price cache."""

import redis

cache = redis.Redis(host="cache", socket_timeout=5)


def cached_price(sku):
    try:
        return float(cache.get(f"price:{sku}"))
    except Exception:
        return None
