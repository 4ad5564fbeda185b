import requests

r = requests.get(url, \
                 headers=h)
