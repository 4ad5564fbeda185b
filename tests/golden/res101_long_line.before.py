import requests


def shipping_status(order_id: str) -> str:
    response = requests.get(f"https://shipping.internal/status/{order_id}", headers=HEADERS)
    return response.json()["status"]


status = requests.get(f"https://shipping.internal/status/{ORDER_ID}").json()["status"]  # noqa: E501
first = [requests.get(url, headers=HEADERS).json() for url in SHIPPING_STATUS_URLS_TO_CHECK]
