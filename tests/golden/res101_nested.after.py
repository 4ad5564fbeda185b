import requests as rq

data = rq.get(
    rq.get(index, timeout=(3.05, 30)).json()["next"], timeout=(3.05, 30)
).json()
