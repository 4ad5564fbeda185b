from tenacity import retry, stop_after_attempt, wait_random_exponential


@retry(stop=stop_after_attempt(3), wait=wait_random_exponential(multiplier=1, max=20))
def stock(sku):
    return sku
