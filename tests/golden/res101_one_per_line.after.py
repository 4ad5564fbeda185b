import requests


def fetch(url, token):
    return requests.get(
        url,
        headers={"Authorization": token},
        params={
            "page": 1,
        },
        timeout=(3.05, 30)
    )
