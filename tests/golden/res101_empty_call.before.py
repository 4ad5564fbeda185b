import requests

resp = requests.get()
