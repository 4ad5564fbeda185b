# Generated in this folder by:
# resilience generate timeout --flavor aiohttp --async --param read_timeout=10 --out http_client.py
# and kept exactly as emitted: regenerate it rather than edit it.
"""An aiohttp ClientSession with connect/read/total timeouts and a per-call override.

aiohttp's session default is 300 s in total, and a bare ``ClientTimeout()`` means no timeout
at all. Create one session per dependency inside the running loop and share it::

    session = create_session(base_url="https://api.example")
    body = await fetch(session, "GET", "/users")                       # configured timeouts
    body = await fetch(session, "GET", "/report",
                       timeout=aiohttp.ClientTimeout(total=60, sock_connect=CONNECT_TIMEOUT))

:func:`fetch` reads the body inside the timeout, raises on HTTP errors, and logs timeouts.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

CONNECT_TIMEOUT = 3.05  # seconds to get and open a connection
READ_TIMEOUT = 10.0  # seconds between bytes of the response
TOTAL_TIMEOUT = (
    60.0  # seconds for the whole request and response
)

logger = logging.getLogger(__name__)


def default_timeout() -> aiohttp.ClientTimeout:
    """The configured timeouts: every phase bounded, and the whole call too."""
    return aiohttp.ClientTimeout(
        total=TOTAL_TIMEOUT, connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT
    )


def create_session(
    *, timeout: aiohttp.ClientTimeout | None = None, **kwargs: Any
) -> aiohttp.ClientSession:
    """A session whose requests all have the configured timeouts (call it inside the loop)."""
    return aiohttp.ClientSession(timeout=timeout or default_timeout(), **kwargs)


async def fetch(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    timeout: aiohttp.ClientTimeout | None = None,
    **kwargs: Any,
) -> bytes:
    """The response body; ``timeout`` overrides the session's for this call only."""
    options: dict[str, Any] = dict(kwargs)
    if timeout is not None:
        options["timeout"] = timeout
    try:
        async with session.request(method, url, **options) as response:
            response.raise_for_status()
            return await response.read()
    except TimeoutError:
        logger.warning("%s %s timed out (timeout=%s)", method, url, timeout or session.timeout)
        raise
