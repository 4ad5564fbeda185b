import tenacity


@tenacity.retry(
    stop=tenacity.stop_after_attempt(6),
    wait=tenacity.wait_random_exponential(multiplier=1, max=20),
)
def stock(sku):
    return sku
