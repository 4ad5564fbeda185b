import requests

requests.get(url, **options)
