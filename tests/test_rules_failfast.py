"""RES701 (latency-budget-exceeded) and RES702 (deadline-not-propagated)."""

from __future__ import annotations

import textwrap

from resilience_skill.analysis import audit_source
from resilience_skill.analysis.model import Finding, Location
from resilience_skill.config import Config

CONFIG = Config(select=("RES701", "RES702"))


def audit(code: str, config: Config = CONFIG) -> list[Finding]:
    result = audit_source(textwrap.dedent(code), "mod.py", config)
    assert result.errors == ()
    return list(result.findings)


def rules(code: str, config: Config = CONFIG) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in audit(code, config)]


def arithmetic(code: str, config: Config = CONFIG) -> list[str]:
    """The ``worst case ... s`` part of each budget finding."""
    return [
        f.message.split(" (")[0].removeprefix("worst case ")
        for f in audit(code, config)
        if f.message.startswith("worst case")
    ]


# -- RES701: retry budgets ----------------------------------------------------------------


def test_tenacity_budget_arithmetic_and_span() -> None:
    code = """\
        import requests
        from tenacity import retry, stop_after_attempt, wait_exponential

        @retry(stop=stop_after_attempt(3), wait=wait_exponential(max=10))
        def fetch(url):
            return requests.get(url, timeout=10.5)
        """
    (finding,) = audit(code)
    assert finding.rule == "RES701"
    assert finding.location == Location(4, 2, 4, 66)
    assert finding.message == (
        "worst case 3 attempts x 10.5 s + waits 1 + 2 = 34.5 s > budget 30 s "
        "(timeout=10.5 per attempt): the caller waits past its latency budget; lower the "
        "attempts or the timeout, or bound the whole retry by time (stop_after_delay, "
        "max_time, a deadline)"
    )
    assert finding.severity.value == "medium"
    assert finding.fix is None


def test_budget_is_configurable_and_exact_at_the_limit() -> None:
    code = """\
        import requests
        from tenacity import retry, stop_after_attempt, wait_fixed

        @retry(stop=stop_after_attempt(3), wait=wait_fixed(2))
        def fetch(url):
            return requests.get(url, timeout=8)
        """
    assert rules(code) == []  # 3 x 8 + 2 + 2 = 28
    assert arithmetic(code, Config(select=("RES701",), latency_budget=20)) == [
        "3 attempts x 8 s + waits 2 + 2 = 28 s > budget 20 s"
    ]
    assert rules(code, Config(select=("RES701",), latency_budget=28)) == []


def test_connect_read_tuple_jitter_upper_bound_and_caps() -> None:
    assert arithmetic(
        """\
        import requests, tenacity
        from tenacity import retry, stop_after_attempt, wait_random_exponential, wait_random

        CONNECT, READ = 3.05, 7
        TRIES = 4

        @retry(
            stop=stop_after_attempt(TRIES),
            wait=wait_random_exponential(multiplier=2, max=5) + wait_random(0, 1),
        )
        def fetch(url):
            requests.get(url, timeout=(3.05, 7))
            return requests.get(url, timeout=2)
        """
    ) == ["4 attempts x 10.05 s + waits 3 + 5 + 6 = 54.2 s > budget 30 s"]


def test_backoff_and_retrying_loop_and_hand_rolled_loop() -> None:
    assert arithmetic(
        """\
        import backoff, requests, time
        from tenacity import Retrying, stop_after_attempt

        @backoff.on_exception(backoff.expo, requests.RequestException, max_tries=4)
        def a(url):
            return requests.get(url, timeout=9)

        def b(url):
            for attempt in Retrying(stop=stop_after_attempt(5)):
                with attempt:
                    return requests.get(url, timeout=7)

        def c(url):
            for i in range(4):
                try:
                    return requests.get(url, timeout=10)
                except requests.RequestException:
                    time.sleep(2)
        """
    ) == [
        "4 attempts x 9 s + waits 1 + 2 + 4 = 43 s > budget 30 s",
        "5 attempts x 7 s = 35 s > budget 30 s",
        "4 attempts x 10 s + waits 2 + 2 + 2 = 46 s > budget 30 s",
    ]


def test_budget_negatives() -> None:
    assert (
        rules(
            """\
        import httpx, requests, stamina
        from tenacity import retry, stop_after_attempt, stop_after_delay, wait_exponential

        @retry(stop=stop_after_attempt(3) | stop_after_delay(20), wait=wait_exponential())
        def delay_bounded(url):
            return requests.get(url, timeout=15)

        @retry(wait=wait_exponential())
        def unbounded(url):
            return requests.get(url, timeout=15)

        @retry(stop=stop_after_attempt(5))
        def default_timeout(url):
            return httpx.get(url)

        @retry(stop=stop_after_attempt(5))
        def unknown_timeout(url, t):
            return requests.get(url, timeout=t)

        @stamina.retry(on=httpx.HTTPError)
        def stamina_defaults(url):
            return httpx.get(url, timeout=20)

        @retry(stop=stop_after_attempt(5), wait=custom_wait)
        def unknown_wait(url):
            return requests.get(url, timeout=20)

        @retry(stop=stop_after_attempt(5))
        def outer(url):
            def inner():
                return requests.get(url, timeout=20)
            return inner
        """
        )
        == []
    )


# -- RES701: single timeouts --------------------------------------------------------------


def test_single_timeout_above_maximum() -> None:
    findings = audit(
        """\
        import aiohttp, httpx, pymongo, requests, socket, urllib.request

        requests.get("u", timeout=120)
        httpx.Timeout(10, read=90)
        aiohttp.ClientTimeout(total=300)
        httpx.Client(timeout=61)
        pymongo.MongoClient("x", socketTimeoutMS=120000, serverSelectionTimeoutMS=5000)
        urllib.request.urlopen("u", None, 75)
        requests.post("u", timeout=(5, 58))
        socket.setdefaulttimeout(600)
        """
    )
    assert [(f.location.line, f.message.split(", above")[0]) for f in findings] == [
        (3, "requests.get() waits up to 120 s (timeout=120)"),
        (4, "httpx.Timeout() waits up to 90 s (read=90)"),
        (5, "aiohttp.ClientTimeout() waits up to 300 s (total=300)"),
        (6, "httpx.Client() waits up to 61 s (timeout=61)"),
        (7, "pymongo.MongoClient() waits up to 120 s (socketTimeoutMS=120000)"),
        (8, "urllib.request.urlopen() waits up to 75 s (timeout=75)"),
        (9, "requests.post() waits up to 63 s (timeout=(5, 58))"),
        (10, "socket.setdefaulttimeout() waits up to 600 s (timeout=600)"),
    ]
    assert findings[0].location == Location(3, 1, 3, 31)
    assert findings[0].message.endswith(
        "above the 60 s maximum (max-timeout): a slow dependency holds the caller that "
        "long; lower it and fail fast"
    )


def test_single_timeout_negatives() -> None:
    assert (
        rules(
            """\
        import pybreaker, redis, requests, subprocess
        from circuitbreaker import circuit

        LIMIT = 60
        requests.get("u", timeout=LIMIT)
        requests.get("u", timeout=None)
        breaker = pybreaker.CircuitBreaker(reset_timeout=600)
        r = redis.Redis(socket_timeout=5)
        r.lock("job", timeout=3600)
        subprocess.run(["make"], timeout=3600)
        cache.set("k", "v", timeout=86400)
        queue.get(timeout=300)

        @circuit(recovery_timeout=300)
        def f(): ...
        """
        )
        == []
    )
    assert rules('import requests\nrequests.get("u", timeout=90)\n', Config(max_timeout=120)) == []


def test_suppression_and_non_ascii() -> None:
    findings = audit('import requests\nx = "é"; requests.get("u", timeout=61)\n')
    assert [f.location for f in findings] == [Location(2, 10, 2, 39)]
    assert rules('import requests\nrequests.get("u", timeout=61)  # noqa: RES701\n') == []


# -- RES702 -------------------------------------------------------------------------------


def test_res702_constant_and_missing_timeout() -> None:
    findings = audit(
        """\
        import requests

        def get_profile(uid, timeout=5.0):
            return requests.get(f"/p/{uid}", timeout=30).json()

        def get_other(uid, *, request_deadline):
            return requests.get(f"/o/{uid}")
        """
    )
    assert [(f.rule, f.location) for f in findings] == [
        ("RES702", Location(4, 12, 4, 49)),
        ("RES702", Location(7, 12, 7, 37)),
    ]
    assert findings[0].message == (
        "requests.get() uses a fixed timeout (30) although get_profile() takes `timeout`: "
        "the caller's deadline is not passed on, so this call can outlive it; pass the "
        "remaining time (timeout=timeout, or deadline - time.monotonic())"
    )
    assert findings[1].message.startswith(
        "requests.get() has no timeout although get_other() takes `request_deadline`"
    )
    assert findings[0].severity.value == "low"


def test_res702_clients_stubs_and_datastores() -> None:
    assert rules(
        """\
        import grpc, httpx, psycopg2
        from svc_pb2_grpc import UserStub

        channel = grpc.insecure_channel("x")
        stub = UserStub(channel)
        client = httpx.Client()

        def a(uid, budget):
            return stub.Get(uid, timeout=2)

        def b(dsn, connect_timeout=3):
            return psycopg2.connect(dsn)

        def c(url, timeout):
            return client.get(url)
        """
    ) == [("RES702", 9), ("RES702", 12), ("RES702", 15)]


def test_res702_negatives() -> None:
    assert (
        rules(
            """\
        import asyncio, aiohttp, httpx, requests, time

        def passes(url, timeout=5):
            return requests.get(url, timeout=timeout)

        def remaining(url, deadline):
            left = deadline - time.monotonic()
            return requests.get(url, timeout=left)

        def computed(url, timeout):
            return requests.get(url, timeout=min(timeout, 5))

        async def scoped(url, deadline):
            async with asyncio.timeout(deadline):
                async with aiohttp.ClientSession() as s:
                    return await s.get(url)

        async def wait_for(session: aiohttp.ClientSession, url, timeout):
            return await asyncio.wait_for(session.get(url), timeout)

        def client_built(url, read_timeout):
            with httpx.Client(timeout=read_timeout) as c:
                return c.get(url)

        def kwargs(url, timeout, **kw):
            return requests.get(url, **kw)

        def no_param(url):
            return requests.get(url, timeout=5)

        def not_external(x, timeout):
            return compute(x, timeout=3)

        def outer(url, timeout):
            def inner():
                return requests.get(url, timeout=3)
            return inner
        """
        )
        == []
    )
