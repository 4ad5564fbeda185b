import requests

requests.post(url, json=body, timeout=(3.05, 30),)
