"""Sends order e-mails and SMS through third-party providers."""

import smtplib
import threading

import pybreaker
import requests

SMS_URL = "https://sms-provider.example.net/v1/messages"


def send_sms(phone: str, text: str) -> None:
    breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=60)
    breaker.call(requests.post, SMS_URL, json={"to": phone, "text": text}, timeout=10)


def send_email(address: str, body: str) -> None:
    with smtplib.SMTP("smtp.internal.example.com") as smtp:
        smtp.sendmail("orders@example.com", [address], body)


def notify_all(customers: list[dict]) -> None:
    for customer in customers:
        threading.Thread(target=send_email, args=(customer["email"], "Your order")).start()
