import requests

print(f"status: {requests.get(url).status_code}")
