import requests


def shipping_status(order_id: str) -> str:
    response = requests.get(
        f"https://shipping.internal/status/{order_id}", headers=HEADERS, timeout=(3.05, 30)
    )
    return response.json()["status"]


status = requests.get(
    f"https://shipping.internal/status/{ORDER_ID}", timeout=(3.05, 30)
).json()["status"]  # noqa: E501
first = [requests.get(url, headers=HEADERS, timeout=(3.05, 30)).json() for url in SHIPPING_STATUS_URLS_TO_CHECK]
