import requests

requests.get(
    url,
    params=params,  # filters
)
requests.get(url  # why
)
