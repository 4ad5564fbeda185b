import requests

requests.get('https://example.com/ünïcode', timeout=(3.05, 30))