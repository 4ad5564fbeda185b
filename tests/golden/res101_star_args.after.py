import requests

requests.request(*args, timeout=(3.05, 30))
requests.get(url, *rest, timeout=(3.05, 30))
