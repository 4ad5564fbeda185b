import requests


def fetch(url):
    return requests.get(
        url,
        params={'q': 1},
    )
