"""Sends order e-mails and SMS through third-party providers."""

import logging
import smtplib
from concurrent.futures import Future, ThreadPoolExecutor

import requests

from .breakers import make_breaker

logger = logging.getLogger(__name__)

SMS_URL = "https://sms-provider.example.net/v1/messages"
EMAIL_WORKERS = 4  # connections the SMTP relay gets from this process, however many orders

# Created once, so its failure count survives between calls and it can open.
sms_breaker = make_breaker("sms")

# E-mail gets a small pool of its own: a slow relay ties up these threads and no others,
# and a batch of ten thousand customers queues here instead of starting ten thousand threads.
email_pool = ThreadPoolExecutor(max_workers=EMAIL_WORKERS, thread_name_prefix="email")


def send_sms(phone: str, text: str) -> None:
    sms_breaker.call(requests.post, SMS_URL, json={"to": phone, "text": text}, timeout=10)


def send_email(address: str, body: str) -> None:
    with smtplib.SMTP("smtp.internal.example.com", timeout=30) as smtp:
        smtp.sendmail("orders@example.com", [address], body)


def _log_failure(future: "Future[None]") -> None:
    error = future.exception()
    if error is not None:
        logger.error("order e-mail not sent", exc_info=error)


def notify_all(customers: list[dict]) -> None:
    for customer in customers:
        future = email_pool.submit(send_email, customer["email"], "Your order")
        future.add_done_callback(_log_failure)
