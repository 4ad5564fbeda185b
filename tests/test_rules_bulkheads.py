"""RES401-RES403: unbounded fan-out, blocking I/O in the default executor, blocking calls
in async def."""

from __future__ import annotations

from textwrap import dedent, indent

import pytest
from resilience_skill.analysis import Finding, Location, audit_source


def run(source: str, rule: str) -> list[Finding]:
    result = audit_source(dedent(source), "svc.py")
    assert result.errors == ()
    return [f for f in result.findings if f.rule == rule]


def spans(source: str, rule: str) -> list[tuple[int, int, int, int]]:
    return [
        (f.location.line, f.location.column, f.location.end_line, f.location.end_column)
        for f in run(source, rule)
    ]


# -- RES403 -------------------------------------------------------------------------------


def test_res403_requests_in_async_def() -> None:
    src = """\
    import requests

    async def price(sku):
        return requests.get(f"https://prices/{sku}", timeout=5).json()
    """
    [finding] = run(src, "RES403")
    assert finding.location == Location(4, 12, 4, 60)
    assert finding.severity == "high"
    assert finding.message == (
        "requests.get() blocks inside async def price(): while it waits no other task runs, "
        "so one slow dependency stalls the whole event loop; use an async client "
        "(httpx.AsyncClient, aiohttp) or a dedicated executor"
    )
    assert finding.fix is None
    assert finding.generate == "bulkhead"


def test_res403_time_sleep_and_subprocess() -> None:
    src = """\
    import time, subprocess

    async def job():
        time.sleep(2)
        subprocess.run(["ls"], timeout=5)
    """
    found = run(src, "RES403")
    assert [(f.location.line, f.message.split(" blocks")[0]) for f in found] == [
        (4, "time.sleep()"),
        (5, "subprocess.run()"),
    ]
    assert found[0].message.endswith("use await asyncio.sleep(...)")


def test_res403_stdlib_network_and_session_binding() -> None:
    src = """\
    import socket
    import urllib.request
    from requests import Session

    SESSION = Session()

    async def probe(host):
        socket.create_connection((host, 80), timeout=1)
        urllib.request.urlopen("http://x", timeout=1)
        SESSION.post("http://x", timeout=1)
        with Session() as s:
            s.get("http://y", timeout=1)
    """
    assert [line for line, *_ in spans(src, "RES403")] == [8, 9, 10, 12]


def test_res403_sync_httpx_and_boto3() -> None:
    src = """\
    import boto3
    import httpx

    S3 = boto3.client("s3")

    async def go():
        httpx.get("u")
        with httpx.Client() as c:
            c.post("u")
        S3.put_object(Bucket="b", Key="k", Body=b"")
        S3.generate_presigned_url("get_object", Params={})
    """
    assert [line for line, *_ in spans(src, "RES403")] == [7, 9, 10]


def test_res403_aliases() -> None:
    src = """\
    import requests as rq
    from time import sleep as nap

    async def go():
        rq.get("u", timeout=1)
        nap(1)
    """
    assert spans(src, "RES403") == [(5, 5, 5, 27), (6, 5, 6, 11)]


def test_res403_non_ascii_before_call() -> None:
    src = """\
    import time

    async def go():
        x = "héllo"; time.sleep(1)
    """
    assert spans(src, "RES403") == [(4, 18, 4, 31)]


@pytest.mark.parametrize(
    "body",
    [
        "await asyncio.sleep(1)",
        "def inner():\n        time.sleep(1)",
        "await asyncio.to_thread(lambda: requests.get('u', timeout=1))",
        "await asyncio.to_thread(requests.get, 'u')",
        "time.sleep(0)",
        "async with httpx.AsyncClient() as c:\n        await c.get('u')",
    ],
)
def test_res403_negatives(body: str) -> None:
    src = (
        "import asyncio, time, requests, httpx\n\nasync def go():\n    "
        + body.replace("\n", "\n")
        + "\n"
    )
    assert run(src, "RES403") == []


def test_res403_sync_def_is_not_reported() -> None:
    src = """\
    import requests, time

    def go():
        time.sleep(1)
        requests.get("u", timeout=1)
    """
    assert run(src, "RES403") == []


def test_res403_suppression() -> None:
    src = """\
    import time

    async def go():
        time.sleep(1)  # noqa: RES403
        time.sleep(2)  # resilience: ignore[RES403]
    """
    assert run(src, "RES403") == []


# -- RES402 -------------------------------------------------------------------------------


def test_res402_to_thread_of_a_function_doing_http() -> None:
    src = """\
    import asyncio
    import requests

    def fetch_report(user):
        return requests.get(f"https://r/{user}", timeout=5).json()

    async def report(user):
        return await asyncio.to_thread(fetch_report, user)
    """
    [finding] = run(src, "RES402")
    assert finding.location == Location(8, 18, 8, 55)
    assert finding.severity == "low"
    assert finding.message == (
        "asyncio.to_thread() runs fetch_report(), which calls requests.get(), in the default "
        "executor shared by all work: one slow dependency fills its threads and starves the "
        "others; pass a dedicated bounded ThreadPoolExecutor to run_in_executor"
    )
    assert finding.generate == "bulkhead"


def test_res402_run_in_executor_none_direct_partial_lambda_and_indirect() -> None:
    src = """\
    import asyncio as aio
    import functools
    import requests

    def fetch(u):
        return requests.get(u, timeout=5)

    def indirect(u):
        return fetch(u)

    async def main(u):
        loop = aio.get_running_loop()
        await loop.run_in_executor(None, requests.get, u)
        await loop.run_in_executor(None, functools.partial(fetch, u))
        await loop.run_in_executor(None, lambda: fetch(u))
        await aio.to_thread(indirect, u)
    """
    found = run(src, "RES402")
    assert [f.location.line for f in found] == [13, 14, 15, 16]
    assert "runs requests.get(), in the default" in found[0].message
    assert "runs indirect(), which calls requests.get()" in found[3].message


def test_res402_method_via_self() -> None:
    src = """\
    import asyncio
    import requests

    class Client:
        def __init__(self):
            self.s = requests.Session()

        def _get(self, u):
            return self.s.get(u, timeout=3)

        async def get(self, u):
            return await asyncio.to_thread(self._get, u)
    """
    assert [f.location.line for f in run(src, "RES402")] == [12]


@pytest.mark.parametrize(
    "call",
    [
        "asyncio.to_thread(cpu, 1)",  # CPU only
        "loop.run_in_executor(POOL, fetch, 'u')",  # its own pool
        "asyncio.to_thread(unknown_fn, 1)",  # cannot see it
        "asyncio.to_thread(*args)",
        "loop.run_in_executor(None, time.sleep, 1)",  # not network
    ],
)
def test_res402_negatives(call: str) -> None:
    src = f"""\
import asyncio, time
from concurrent.futures import ThreadPoolExecutor
import requests
from elsewhere import unknown_fn

POOL = ThreadPoolExecutor(max_workers=4)

def cpu(x):
    return sum(i * i for i in range(x))

def fetch(u):
    return requests.get(u, timeout=3)

async def main(*args):
    loop = asyncio.get_running_loop()
    await {call}
"""
    assert run(src, "RES402") == []


def test_res402_suppression() -> None:
    src = """\
    import asyncio, requests

    async def main():
        await asyncio.to_thread(requests.get, "u")  # noqa: RES402
    """
    assert run(src, "RES402") == []


# -- RES401 -------------------------------------------------------------------------------

_PRELUDE = """\
import asyncio
import threading
import requests

SEM = asyncio.Semaphore(10)
REGIONS = ["eu", "us"]

async def fetch(u):
    await asyncio.sleep(0)
    return u

async def fetch_guarded(u):
    async with SEM:
        return await fetch(u)

async def fetch_acquire(u, sem):
    await sem.acquire()
    try:
        return await fetch(u)
    finally:
        sem.release()

def work(u):
    requests.get(u, timeout=3)
"""


def fan(body: str) -> str:
    """``body`` as the body of ``async def main(urls, sem)`` after the prelude (line 27 on)."""
    return _PRELUDE + "\nasync def main(urls, sem):\n" + indent(dedent(body), "    ")


def test_res401_gather_generator() -> None:
    src = fan("return await asyncio.gather(*(fetch(u) for u in urls))\n")
    [finding] = run(src, "RES401")
    assert finding.location == Location(27, 18, 27, 59)
    assert finding.severity == "medium"
    assert finding.message == (
        "asyncio.gather() starts one fetch() per item of urls at once, with no limit: a large "
        "input floods the dependency and exhausts connections; acquire an asyncio.Semaphore "
        "in the callee or use a fixed pool of workers"
    )
    assert finding.generate == "bulkhead"


def test_res401_gather_list_comprehension_and_bound_name() -> None:
    src = fan(
        "await asyncio.gather(*[fetch(u) for u in urls])\n"
        "tasks = [fetch(u) for u in urls]\n"
        "await asyncio.gather(*tasks)\n"
    )
    assert [line for line, *_ in spans(src, "RES401")] == [27, 29]


def test_res401_create_task_and_taskgroup_in_loop() -> None:
    src = fan(
        """\
    for u in urls:
        asyncio.create_task(fetch(u))
    async with asyncio.TaskGroup() as tg:
        for u in urls:
            tg.create_task(fetch(u))
    loop = asyncio.get_running_loop()
    async for u in stream():
        loop.create_task(fetch(u))
"""
    )
    found = run(src, "RES401")
    assert [f.location.line for f in found] == [28, 31, 34]
    assert found[0].message.startswith("asyncio.create_task() starts one fetch() per item of urls")
    assert found[1].message.startswith("tg.create_task() starts one fetch()")


def test_res401_thread_start_in_loop() -> None:
    src = (
        _PRELUDE
        + """
def spawn(urls):
    for u in urls:
        threading.Thread(target=work, args=(u,)).start()
    for u in urls:
        t = threading.Thread(target=requests.get, args=(u,))
        t.start()
"""
    )
    found = run(src, "RES401")
    assert [(f.location.line, f.location.column) for f in found] == [(28, 9), (30, 13)]
    assert found[0].message.startswith(
        "threading.Thread(target=work) is started once per item of urls"
    )


def test_res401_gather_over_client_calls() -> None:
    src = """\
    import asyncio
    import aiohttp

    async def main(urls):
        async with aiohttp.ClientSession() as s:
            return await asyncio.gather(*(s.get(u) for u in urls))
    """
    [finding] = run(src, "RES401")
    assert finding.location == Location(6, 22, 6, 63)
    assert "starts one s.get() per item of urls" in finding.message


def test_res401_alias_import_asyncio_as_aio() -> None:
    src = """\
    import asyncio as aio
    from asyncio import gather

    async def fetch(u):
        await aio.sleep(0)

    async def main(urls):
        await gather(*(fetch(u) for u in urls))
        for u in urls:
            aio.ensure_future(fetch(u))
    """
    assert [line for line, *_ in spans(src, "RES401")] == [8, 10]


@pytest.mark.parametrize(
    "body",
    [
        # literal and constant-sized inputs
        "await asyncio.gather(*(fetch(u) for u in ['a', 'b']))",
        "await asyncio.gather(*(fetch(r) for r in REGIONS))",
        "for i in range(3):\n    asyncio.create_task(fetch(i))",
        "for r in REGIONS:\n    asyncio.create_task(fetch(r))",
        "await asyncio.gather(*(fetch(u) for u in urls[:10]))",
        "for i, r in enumerate(('a', 'b')):\n    asyncio.create_task(fetch(r))",
        # a semaphore in the callee, around the call, or acquired in the loop
        "await asyncio.gather(*(fetch_guarded(u) for u in urls))",
        "await asyncio.gather(*(fetch_acquire(u, sem) for u in urls))",
        "for u in urls:\n    async with SEM:\n        await asyncio.create_task(fetch(u))",
        "for u in urls:\n    await sem.acquire()\n    asyncio.create_task(fetch_acquire(u, sem))",
        # an executor bounds it
        "await asyncio.gather(*(asyncio.to_thread(work, u) for u in urls))",
        # drained inside the loop: sequential, not fan-out
        "for u in urls:\n    t = asyncio.create_task(fetch(u))\n    await t",
        "for batch in batches(urls):\n    await asyncio.gather(*(fetch(u) for u in batch))",
        # callee this module cannot see: unknown
        "await asyncio.gather(*(other.fetch(u) for u in urls))",
        "await asyncio.gather(*(t for t in urls))",
    ],
)
def test_res401_negatives(body: str) -> None:
    src = fan(body + "\n") + "\ndef batches(xs):\n    yield xs\n"
    src = src.replace("import requests\n", "import requests\nimport other\n", 1)
    assert run(src, "RES401") == []


def test_res401_worker_pool_is_not_fan_out() -> None:
    src = """\
    import asyncio
    import threading

    class Replicator:
        def __init__(self, replicas):
            self.replicas = replicas
            self.queue = asyncio.Queue()

        async def start(self):
            for i in range(len(self.replicas)):
                asyncio.create_task(self.worker(i))

        async def worker(self, i):
            while True:
                item = await self.queue.get()
                await self.replicas[i].write(item)

    def consume(q):
        while True:
            q.get()

    def start_threads(queues):
        for q in queues:
            threading.Thread(target=consume, args=(q,)).start()
    """
    assert run(src, "RES401") == []


def test_res401_thread_negatives() -> None:
    src = (
        _PRELUDE
        + """
LIMIT = threading.BoundedSemaphore(4)

def guarded(u):
    with LIMIT:
        work(u)

def spawn(urls):
    for u in urls:
        threading.Thread(target=guarded, args=(u,)).start()
    for i in range(4):
        threading.Thread(target=work, args=(i,)).start()
    for u in urls:
        t = threading.Thread(target=work, args=(u,))
        t.start()
        t.join()
    for u in urls:
        threading.Thread(target=work, args=(u,))
"""
    )
    assert run(src, "RES401") == []


def test_res401_suppression() -> None:
    src = fan("return await asyncio.gather(*(fetch(u) for u in urls))  # noqa: RES401\n")
    assert run(src, "RES401") == []


def test_res401_multiline_call_span() -> None:
    src = fan(
        "return await asyncio.gather(\n"
        "    *(fetch(u) for u in urls),\n"
        "    return_exceptions=True,\n"
        ")\n"
    )
    assert spans(src, "RES401") == [(27, 18, 30, 6)]
