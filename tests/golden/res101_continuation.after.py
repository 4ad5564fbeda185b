import requests

r = requests.get(url, \
                 headers=h,
                 timeout=(3.05, 30))
