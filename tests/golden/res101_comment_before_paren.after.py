import requests

requests.get(
    url,
    params=params,  # filters
    timeout=(3.05, 30),
)
requests.get(url, timeout=(3.05, 30)  # why
)
