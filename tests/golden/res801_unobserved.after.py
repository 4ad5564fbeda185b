import logging
from tenacity import (
    before_sleep_log,
    retry,
    stop_after_attempt,
    wait_random_exponential,
)

logger = logging.getLogger(__name__)


@retry(
    stop=stop_after_attempt(3),
    wait=wait_random_exponential(multiplier=1, max=20),
    before_sleep=before_sleep_log(logger, logging.WARNING),
)
def stock(sku):
    return sku
