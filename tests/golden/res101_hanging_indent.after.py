import requests

response = requests.put(url,
                        data=payload,
                        timeout=(3.05, 30))
