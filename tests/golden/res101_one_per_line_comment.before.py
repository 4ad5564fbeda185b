import requests

requests.get(
    url,
    stream=True  # big file
)
