import requests

resp = requests.get(timeout=(3.05, 30))
