"""An async HTTP client (httpx) with a total deadline, retries, a circuit breaker and
per-attempt timeouts, composed in that order (Polly's standard pipeline):

    deadline (TOTAL_TIMEOUT) -> retry (MAX_ATTEMPTS, full jitter) -> breaker -> attempt timeout

* Every attempt has connect and read/write/pool timeouts, shrunk to what is left of the deadline; a
  retry that could not start before the deadline raises :class:`DeadlineExceeded`.
* Connection errors, timeouts and 429/502/503/504 are retried with capped full-jitter
  backoff, only for idempotent methods or requests carrying an ``Idempotency-Key`` header.
* The breaker sits inside the retry, so it counts attempts: after ``FAIL_MAX`` consecutive
  failed attempts it opens (the retry stops there) and every call fails fast with
  :class:`CircuitOpenError` for ``RESET_TIMEOUT`` seconds; then one trial attempt goes through.
* Every retry and breaker state change is logged and sent to the hooks. Cancellation is
  neither retried nor counted by the breaker.

Use one client per downstream service::

    users = AsyncResilientClient("https://users.internal")
    response = await users.request("GET", "/users/42")
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

CONNECT_TIMEOUT = (
    3.05  # param: connect_timeout [0.001..60] - seconds to open a connection, per attempt
)
READ_TIMEOUT = 10.0  # param: read_timeout [0.001..60] - seconds between response bytes, per attempt
TOTAL_TIMEOUT = (
    30.0  # param: total_timeout [0.001..60] - seconds for the call, all attempts included
)
MAX_ATTEMPTS = 3  # param: attempts - tries per call, the first one included
BASE_DELAY = 0.5  # param: base_delay - seconds; the first wait is at most this
MAX_DELAY = 5.0  # param: max_delay - seconds; cap of any single wait
FAIL_MAX = 5  # param: fail_max - consecutive failed attempts that open the breaker
RESET_TIMEOUT = 30.0  # param: reset_timeout - seconds open before a trial attempt

RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

logger = logging.getLogger(__name__)

RetryHook = Callable[[int, BaseException, float], None]
"""Called before each wait with (attempt number, its error, the wait in seconds)."""
StateHook = Callable[[str, str], None]
"""Called with (old state, new state) on every breaker transition."""


class CircuitOpenError(RuntimeError):
    """The breaker is open: the request was not sent."""


class DeadlineExceeded(TimeoutError):
    """The call's total time budget is spent: no further attempt was sent."""


class RetryableStatus(Exception):
    """An attempt answered with a status worth retrying (429, 502, 503, 504)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


RETRYABLE_ERRORS: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, RetryableStatus)


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class Breaker:
    """Consecutive-failure circuit breaker with a single half-open trial; thread-safe."""

    def __init__(self, clock: Callable[[], float], on_state_change: StateHook | None) -> None:
        self._clock = clock
        self._on_state_change = on_state_change
        self._lock = threading.Lock()
        self.state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def is_open(self) -> bool:
        return self.state is BreakerState.OPEN

    @contextmanager
    def calling(self) -> Iterator[None]:
        with self._lock:
            if self.state is BreakerState.OPEN:
                if self._clock() - self._opened_at < RESET_TIMEOUT:
                    raise CircuitOpenError("circuit open: request not sent")
                self._set(BreakerState.HALF_OPEN)
            if self.state is BreakerState.HALF_OPEN:
                if self._trial_running:
                    raise CircuitOpenError("circuit half-open: trial in progress")
                self._trial_running = True
        try:
            yield
        except RETRYABLE_ERRORS:
            self._record(failed=True)
            raise
        except BaseException:
            self._release()  # not the dependency's fault (a bug, an interrupt): no verdict
            raise
        self._record(failed=False)

    def _release(self) -> None:
        with self._lock:
            self._trial_running = False

    def _record(self, *, failed: bool) -> None:
        with self._lock:
            self._trial_running = False
            if not failed:
                self._failures = 0
                if self.state is not BreakerState.CLOSED:
                    self._set(BreakerState.CLOSED)
                return
            self._failures += 1
            if self.state is BreakerState.HALF_OPEN or self._failures >= FAIL_MAX:
                self._opened_at = self._clock()
                if self.state is not BreakerState.OPEN:
                    self._set(BreakerState.OPEN)

    def _set(self, new: BreakerState) -> None:
        old, self.state = self.state, new
        log = logger.warning if new is BreakerState.OPEN else logger.info
        log("circuit %s -> %s", old.value, new.value)
        if self._on_state_change is not None:
            self._on_state_change(old.value, new.value)


class AsyncResilientClient:
    """httpx with deadline -> retry -> breaker -> attempt timeout."""

    def __init__(
        self,
        base_url: str = "",
        *,
        client: httpx.AsyncClient | None = None,
        on_retry: RetryHook | None = None,
        on_state_change: StateHook | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.AsyncClient()
        self.on_retry = on_retry
        self.breaker = Breaker(clock, on_state_change)
        self._clock = clock
        self._sleep = sleep

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with the full pipeline; returns the last response, raises the last error."""
        if "timeout" in kwargs:
            # A caller's timeout would bypass the deadline; the constants set the pipeline's.
            raise TypeError(f"{type(self).__name__} sets each attempt's timeout itself")
        deadline = self._clock() + TOTAL_TIMEOUT
        retryable = _is_idempotent(method, kwargs.get("headers"))
        attempt = 1
        while True:
            remaining = deadline - self._clock()
            timeout = httpx.Timeout(
                min(READ_TIMEOUT, remaining), connect=min(CONNECT_TIMEOUT, remaining)
            )
            try:
                with self.breaker.calling():
                    response = await self.client.request(
                        method, self.base_url + url, timeout=timeout, **kwargs
                    )
                    if response.status_code in RETRY_STATUSES:
                        raise RetryableStatus(response)
                return response
            except RETRYABLE_ERRORS as exc:
                if not retryable or attempt >= MAX_ATTEMPTS or self.breaker.is_open:
                    logger.error("%s %s failed after %d attempt(s): %r", method, url, attempt, exc)
                    if isinstance(exc, RetryableStatus):
                        return exc.response
                    raise
                delay = random.uniform(0.0, min(MAX_DELAY, BASE_DELAY * 2.0 ** (attempt - 1)))
                if self._clock() + delay >= deadline:
                    logger.error("%s %s: no time left to retry (%r)", method, url, exc)
                    raise DeadlineExceeded(
                        f"{method} {url}: {TOTAL_TIMEOUT}s budget spent"
                    ) from exc
                logger.warning(
                    "%s %s attempt %d/%d failed (%r); retrying in %.2fs",
                    method,
                    url,
                    attempt,
                    MAX_ATTEMPTS,
                    exc,
                    delay,
                )
                if self.on_retry is not None:
                    self.on_retry(attempt, exc, delay)
                await self._sleep(delay)
                attempt += 1

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def aclose(self) -> None:
        await self.client.aclose()


def _is_idempotent(method: str, headers: Mapping[str, str] | None) -> bool:
    if method.upper() in IDEMPOTENT_METHODS:
        return True
    return any(name.lower() == "idempotency-key" for name in (headers or {}))
