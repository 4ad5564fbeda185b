import requests

response = requests.put(url,
                        data=payload)
