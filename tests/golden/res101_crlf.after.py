import requests


def fetch(url):
    return requests.get(
        url,
        params={'q': 1},
        timeout=(3.05, 30),
    )
