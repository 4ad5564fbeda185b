import asyncio
import logging

logger = logging.getLogger(__name__)


async def refresh(task):
    try:
        await task()
    except asyncio.CancelledError:
        logger.info("cancelled")
        raise


async def poll(task):
    try:
        await task()
    except asyncio.CancelledError:
        raise
    except BaseException:
        logger.exception("poll failed")
