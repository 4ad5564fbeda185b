"""An httpx AsyncClient with explicit connect/read/write/pool timeouts and a per-call override.

httpx's default (5 s on every phase) is finite but rarely right: the connect timeout should
be short, the read timeout should follow the dependency's p99 latency. Use one client per
dependency and share it::

    client = AsyncTimeoutClient(base_url="https://api.example")
    await client.get("/users")                             # the configured timeouts
    await client.get("/report", timeout=httpx.Timeout(60.0, connect=CONNECT_TIMEOUT))  # per call

A timed-out request is logged with its method, URL and the phase that timed out, then raised.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

CONNECT_TIMEOUT = 3.05  # param: connect_timeout [0.001..60] - seconds to open the connection
READ_TIMEOUT = 30.0  # param: read_timeout [0.001..60] - seconds between bytes of the response
WRITE_TIMEOUT = 30.0  # param: write_timeout [0.001..60] - seconds between bytes of the request
POOL_TIMEOUT = 5.0  # param: pool_timeout [0.001..60] - seconds to wait for a free pooled connection

logger = logging.getLogger(__name__)


def default_timeout() -> httpx.Timeout:
    """The configured timeouts, one per phase."""
    return httpx.Timeout(
        connect=CONNECT_TIMEOUT, read=READ_TIMEOUT, write=WRITE_TIMEOUT, pool=POOL_TIMEOUT
    )


class AsyncTimeoutClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` with the configured timeouts that logs every timeout."""

    def __init__(self, *, timeout: httpx.Timeout | None = None, **kwargs: Any) -> None:
        # None would disable every timeout in httpx; here it means "the configured default".
        super().__init__(timeout=timeout or default_timeout(), **kwargs)

    async def send(self, request: httpx.Request, *args: Any, **kwargs: Any) -> httpx.Response:
        try:
            return await super().send(request, *args, **kwargs)
        except httpx.TimeoutException as exc:
            logger.warning(
                "%s %s timed out (%s, timeouts=%s)",
                request.method,
                request.url,
                type(exc).__name__,
                request.extensions.get("timeout"),
            )
            raise
