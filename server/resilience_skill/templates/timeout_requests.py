"""A requests Session with connect/read timeouts on every call and a per-call override.

requests waits forever by default, and a Session has no timeout setting of its own (setting
``session.timeout`` does nothing). Use one session per dependency::

    session = TimeoutSession()
    session.get(url)                        # (CONNECT_TIMEOUT, READ_TIMEOUT)
    session.get(url, timeout=(1.0, 5.0))    # per-call override
    session.get(url, timeout=None)          # still bounded: None means "the default" here

A timed-out call is logged with its method, URL and timeout, then raised.
"""

from __future__ import annotations

import logging
from typing import Any

import requests

CONNECT_TIMEOUT = 3.05  # param: connect_timeout [0.001..60] - seconds to open the connection
READ_TIMEOUT = 30.0  # param: read_timeout [0.001..60] - seconds between bytes of the response

logger = logging.getLogger(__name__)


class TimeoutSession(requests.Session):
    """A ``requests.Session`` that never sends a request without a timeout."""

    def __init__(
        self, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT
    ) -> None:
        super().__init__()
        self.default_timeout = (connect_timeout, read_timeout)

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        try:
            return super().request(method, url, *args, **kwargs)
        except requests.Timeout:
            logger.warning("%s %s timed out (timeout=%s)", method, url, kwargs["timeout"])
            raise
