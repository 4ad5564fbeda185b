"""Price cache."""

import logging
import redis

logger = logging.getLogger(__name__)

cache = redis.Redis(host="cache", socket_timeout=5)


def cached_price(sku):
    try:
        return float(cache.get(f"price:{sku}"))
    except Exception:
        logger.exception("float failed")
        return None
