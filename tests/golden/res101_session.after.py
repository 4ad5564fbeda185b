import requests


class Client:
    def __init__(self):
        self.session = requests.Session()

    def send(self, body):
        return self.session.post(
            "https://api.example.com/x", json=body, timeout=(3.05, 30)
        )
