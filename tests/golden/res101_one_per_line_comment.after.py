import requests

requests.get(
    url,
    stream=True,  # big file
    timeout=(3.05, 30)
)
