"""Fetches feeds with the standard library."""

import smtplib
import urllib.request
from http.client import HTTPSConnection


def fetch(url):
    with urllib.request.urlopen(url) as response:  # the feed
        return response.read()


def connect(host):
    return HTTPSConnection(host)


def notify(body):
    with smtplib.SMTP(
        "smtp.example.com",
        587,
    ) as smtp:
        smtp.sendmail("a@example.com", ["b@example.com"], body)
