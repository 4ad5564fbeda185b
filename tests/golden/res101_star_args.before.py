import requests

requests.request(*args)
requests.get(url, *rest)
