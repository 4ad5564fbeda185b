"""Builds the order dashboard from several services at once."""

import asyncio
import time

import aiohttp
import requests


async def fetch_json(session: aiohttp.ClientSession, url: str) -> dict:
    async with session.get(url) as response:
        return await response.json()


async def dashboard(order_ids: list[str]) -> list[dict]:
    async with aiohttp.ClientSession() as session:
        orders = await asyncio.gather(
            *(fetch_json(session, f"https://orders.internal/{oid}") for oid in order_ids)
        )
    return list(orders)


async def shipping_status(order_id: str) -> str:
    response = requests.get(f"https://shipping.internal/status/{order_id}")
    return response.json()["status"]


async def refresh_forever(order_ids: list[str]) -> None:
    while True:
        try:
            await asyncio.wait_for(dashboard(order_ids), None)
        except BaseException:
            return None
        time.sleep(30)
