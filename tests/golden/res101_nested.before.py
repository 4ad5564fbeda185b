import requests as rq

data = rq.get(rq.get(index).json()["next"]).json()
