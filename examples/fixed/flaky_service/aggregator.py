"""Builds the order dashboard from several services at once."""

import asyncio
import json
import logging

import aiohttp

from .bulkheads import AsyncBulkhead, BulkheadFullError
from .http_client import create_session, fetch

logger = logging.getLogger(__name__)

REFRESH_EVERY = 30.0  # seconds between two refreshes
REFRESH_TIMEOUT = 20.0  # seconds one refresh may take, every order included

# At most 10 calls to the orders service at once, however many orders the dashboard shows;
# a call that finds no free slot within 5 s is rejected rather than queued without end.
orders_bulkhead = AsyncBulkhead("orders", max_concurrent=10, max_wait=5.0)


async def fetch_json(session: aiohttp.ClientSession, url: str) -> dict:
    return json.loads(await fetch(session, "GET", url))


async def dashboard(order_ids: list[str]) -> list[dict]:
    # The session's timeouts (connect, read, total) bound every call made through it.
    async with create_session() as session:
        orders = await asyncio.gather(
            *(
                orders_bulkhead.call(fetch_json, session, f"https://orders.internal/{oid}")
                for oid in order_ids
            )
        )
    return list(orders)


async def shipping_status(session: aiohttp.ClientSession, order_id: str) -> str:
    # The async client: a slow shipping service no longer stalls the event loop.
    status = await fetch_json(session, f"https://shipping.internal/status/{order_id}")
    return status["status"]


async def refresh_forever(order_ids: list[str]) -> None:
    while True:
        try:
            async with asyncio.timeout(REFRESH_TIMEOUT):
                await dashboard(order_ids)
        except (aiohttp.ClientError, TimeoutError, BulkheadFullError):
            # One failed refresh is not fatal: keep refreshing, and let it show in the logs.
            logger.warning(
                "dashboard refresh failed; next try in %.0f s", REFRESH_EVERY, exc_info=True
            )
        await asyncio.sleep(REFRESH_EVERY)
