"""RES101-RES107: timeouts on every external call."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from resilience_skill.analysis import audit_paths, audit_source, requirements
from resilience_skill.analysis.model import Applicability, Finding, Fix, Location
from resilience_skill.analysis.source import SourceFile
from resilience_skill.config import Config
from resilience_skill.fixes.apply import apply_edits

CONFIG = Config(select=("RES1",))
TIMEOUTS = "All external calls have timeouts"


def audit(code: str, config: Config = CONFIG) -> list[Finding]:
    result = audit_source(textwrap.dedent(code), "mod.py", config)
    assert result.errors == ()
    return list(result.findings)


def rules(code: str, config: Config = CONFIG) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in audit(code, config)]


def sites(code: str) -> dict[str, int]:
    return audit_source(textwrap.dedent(code), "mod.py", CONFIG).sites.get(
        TIMEOUTS, {"sites": 0, "ok": 0}
    )


def apply(text: str, fix: Fix) -> str:
    """Apply one fix's edits, as the fixer does."""
    return apply_edits(SourceFile.from_text("mod.py", text), fix.edits)


def fixed(code: str, rule_id: str) -> str:
    """Apply the fix of the only ``rule_id`` finding; the result parses and is clean."""
    text = textwrap.dedent(code)
    found = [f for f in audit(text) if f.rule == rule_id]
    assert len(found) == 1, found
    assert found[0].fix is not None
    out = apply(text, found[0].fix)
    ast.parse(out)
    assert [f for f in audit(out) if f.rule == rule_id] == []
    return out


# -- RES101 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "import requests\nrequests.get(url)\n",
        "import requests as rq\nrq.post(url, json=body)\n",
        "from requests import get\nget(url)\n",
        "import requests\nrequests.request('GET', url)\n",
        "import requests\nrequests.api.delete(url)\n",
        "import requests\ns = requests.Session()\ns.post(url, json=body)\n",
        "from requests import Session as S\ns = S()\ns.get(url)\n",
        "import requests\nrequests.Session().get(url)\n",
        "import requests\nwith requests.Session() as s:\n    s.head(url)\n",
        "import requests\ndef f(s: requests.Session):\n    s.options(url)\n",
        "import urllib3\nurllib3.request('GET', url)\n",
        "import urllib3\nhttp = urllib3.PoolManager()\nhttp.request('GET', url)\n",
        (
            "import requests\n"
            "class C:\n"
            "    def __init__(self):\n"
            "        self.session = requests.Session()\n"
            "    def f(self):\n"
            "        return self.session.patch(url)\n"
        ),
    ],
)
def test_res101_positives(code: str) -> None:
    found = audit(code)
    assert [f.rule for f in found] == ["RES101"]
    assert found[0].severity.value == "high"
    assert found[0].fix is not None and found[0].fix.applicability is Applicability.UNSAFE


@pytest.mark.parametrize(
    "code",
    [
        "import requests\nrequests.get(url, timeout=5)\n",
        "import requests\nrequests.get(url, **kwargs)\n",
        "import httpx\nhttpx.get(url)\n",
        "import aiohttp\nasync def f(s: aiohttp.ClientSession):\n    await s.get(url)\n",
        "d = {}\nd.get('a')\n",
        "from django.test import Client\nclient = Client()\nclient.get('/x')\n",
        "from django.core.cache import cache\ncache.get('k')\n",
        "class C:\n    def f(self):\n        self.requests.get(url)\n",
        "requests = object()\nrequests.get(url)\n",
        "def f(session):\n    session.get(url)\n",
        "import requests\nrequests.Session().mount('https://', adapter)\n",
    ],
)
def test_res101_negatives(code: str) -> None:
    assert rules(code) == []


def test_res101_exact_span_and_message() -> None:
    code = "import requests\n\ndef f(url):\n    return requests.get(url).json()\n"
    [finding] = audit(code)
    assert finding.location == Location(4, 12, 4, 29)
    assert finding.message == (
        "requests.get() has no timeout: a slow server hangs this worker forever; "
        "pass timeout=(connect, read), e.g. timeout=(3.05, 30)"
    )


def test_res101_non_ascii_before_call() -> None:
    code = 'import requests\nx = "héllo wörld"; requests.get("ü")\n'
    [finding] = audit(code)
    assert finding.location == Location(2, 20, 2, 37)
    out = fixed(code, "RES101")
    assert out.endswith('requests.get("ü", timeout=(3.05, 30))\n')


def test_res101_multiline_call_span_and_fix() -> None:
    code = "import requests\nrequests.post(\n    url,\n    json=body,\n)\n"
    [finding] = audit(code)
    assert finding.location == Location(2, 1, 5, 2)
    assert fixed(code, "RES101") == (
        "import requests\nrequests.post(\n    url,\n    json=body,\n    timeout=(3.05, 30),\n)\n"
    )


def test_res101_fix_uses_configured_timeout() -> None:
    config = Config(select=("RES101",), default_timeout="10")
    [finding] = audit("import requests\nrequests.get(u)\n", config)
    assert finding.fix is not None
    assert finding.fix.description == "Add timeout=10"


@pytest.mark.parametrize(
    "comment", ["# noqa: RES101", "# resilience: ignore[RES101]", "# noqa", "# noqa: RES1"]
)
def test_res101_suppression(comment: str) -> None:
    code = f"import requests\nrequests.get(url)  {comment}\n"
    expected = [] if comment != "# noqa: RES1" else [("RES101", 2)]
    assert rules(code) == expected


def test_res101_sites_counted() -> None:
    code = (
        "import requests, httpx\n"
        "requests.get(a)\n"
        "requests.get(a, timeout=3)\n"
        "requests.get(a, timeout=None)\n"
        "httpx.get(a)\n"
    )
    assert sites(code) == {"sites": 4, "ok": 2}


# -- RES102 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "span"),
    [
        ("import requests\nrequests.get(u, timeout=None)\n", (2, 17, 2, 29)),
        ("import requests\nrequests.get(u, timeout=(3, None))\n", (2, 17, 2, 34)),
        ("import httpx\nhttpx.post(u, timeout=None)\n", (2, 15, 2, 27)),
        ("import httpx\nc = httpx.Client(timeout=None)\n", (2, 18, 2, 30)),
        ("import httpx\nc = httpx.AsyncClient()\nc.get(u, timeout=None)\n", (3, 10, 3, 22)),
        ("import httpx\nt = httpx.Timeout(None)\n", (2, 5, 2, 24)),
        ("import aiohttp\nt = aiohttp.ClientTimeout()\n", (2, 5, 2, 28)),
        ("import aiohttp\nt = aiohttp.ClientTimeout(total=None)\n", (2, 27, 2, 37)),
        (
            "import asyncio\nasync def f():\n    await asyncio.wait_for(g(), None)\n",
            (3, 11, 3, 38),
        ),
        (
            "import asyncio\nasync def f():\n    await asyncio.wait_for(g(), timeout=None)\n",
            (3, 33, 3, 45),
        ),
        (
            "import asyncio\nasync def f():\n    async with asyncio.timeout(None):\n        pass\n",
            (3, 16, 3, 37),
        ),
        ("import socket\nsocket.setdefaulttimeout(None)\n", (2, 1, 2, 31)),
        ("import socket\ns = socket.socket()\ns.settimeout(None)\n", (3, 1, 3, 19)),
        ("import redis\nr = redis.Redis(socket_timeout=None)\n", (2, 17, 2, 36)),
        ("import subprocess\nsubprocess.run(a, timeout=None)\n", (2, 19, 2, 31)),
    ],
)
def test_res102_positives(code: str, span: tuple[int, int, int, int]) -> None:
    found = [f for f in audit(code) if f.rule == "RES102"]
    assert len(found) == 1
    assert found[0].location == Location(*span)
    fix = found[0].fix
    assert fix is not None and fix.applicability is Applicability.DISPLAY and fix.edits == ()
    assert found[0].severity.value == "high"


@pytest.mark.parametrize(
    "code",
    [
        "import httpx\nhttpx.Timeout(None, connect=5)\n",
        "import httpx\nhttpx.Timeout(10)\n",
        "import aiohttp\naiohttp.ClientTimeout(total=None, sock_read=5)\n",
        "import aiohttp\naiohttp.ClientTimeout(total=30)\n",
        "import asyncio\nasync def f():\n    await asyncio.wait_for(g(), 5)\n",
        "import socket\nsocket.setdefaulttimeout(5)\n",
        "def f(sock):\n    sock.settimeout(None)\n",
        "def f(x):\n    x.get(timeout=None)\n",
        "import queue\nq = queue.Queue()\nq.get(timeout=None)\n",
    ],
)
def test_res102_negatives(code: str) -> None:
    assert [r for r, _ in rules(code) if r == "RES102"] == []


def test_res102_message() -> None:
    [finding] = audit("import requests\nrequests.get(u, timeout=None)\n")
    assert finding.message == (
        "requests.get() passes timeout=None: nothing bounds the wait, so a slow peer hangs "
        "this worker forever; replace it with timeout=(3.05, 30)"
    )
    assert finding.fix is not None
    assert finding.fix.description == "Replace it with timeout=(3.05, 30)"


def test_res102_positional_none_message() -> None:
    code = "import asyncio\nasync def f():\n    await asyncio.wait_for(g(), None)\n"
    [finding] = audit(code)
    assert finding.message == (
        "asyncio.wait_for() turns the timeout off: nothing bounds the wait, so a slow peer "
        "hangs this worker forever; pass a number of seconds, e.g. timeout=30"
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "import psycopg2\npsycopg2.connect(host='db')\n",
            "psycopg2.connect() has no connect_timeout: libpq waits forever for an unreachable "
            "database; pass connect_timeout=4",
        ),
        (
            "import psycopg\npsycopg.connect(host='db')\n",
            "psycopg.connect() has no connect_timeout: an unreachable database holds the "
            "connect for 130 s; pass connect_timeout=4",
        ),
        (
            "import pymongo\npymongo.MongoClient()\n",
            "pymongo.MongoClient() has no socketTimeoutMS: pymongo has no socket timeout by "
            "default: a server that stops answering blocks every query forever; pass "
            "socketTimeoutMS=30000",
        ),
    ],
)
def test_res105_messages(code: str, message: str) -> None:
    [finding] = audit(code)
    assert finding.message == message


def test_res102_counts_httpx_as_external_calls() -> None:
    code = "import httpx\nhttpx.get(u)\nhttpx.get(u, timeout=None)\nc = httpx.Client()\nc.get(u)\n"
    assert sites(code) == {"sites": 3, "ok": 2}  # the constructor is not a call out


# -- RES103 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "from urllib.request import urlopen\nurlopen(u)\n",
        "import urllib.request\nurllib.request.urlopen(u, data)\n",
        "import http.client\nhttp.client.HTTPSConnection('h')\n",
        "import http.client as hc\nhc.HTTPConnection('h', 80)\n",
        "import socket\nsocket.create_connection(('h', 1))\n",
        "import smtplib\nsmtplib.SMTP('h', 25)\n",
        "import smtplib\nsmtplib.SMTP_SSL('h')\n",
        "import ftplib\nftplib.FTP('h')\n",
        "import poplib\npoplib.POP3('h')\n",
        "import imaplib\nimaplib.IMAP4_SSL('h')\n",
        "import socket\nsocket.setdefaulttimeout(None)\nsocket.create_connection(a)\n",
    ],
)
def test_res103_positives(code: str) -> None:
    found = [f for f in audit(code) if f.rule == "RES103"]
    assert len(found) == 1
    assert found[0].severity.value == "medium"


@pytest.mark.parametrize(
    "code",
    [
        "from urllib.request import urlopen\nurlopen(u, timeout=5)\n",
        "from urllib.request import urlopen\nurlopen(u, None, 5)\n",
        "import socket\nsocket.create_connection(a, 5)\n",
        "import smtplib\nsmtplib.SMTP('h', 25, None, 10)\n",
        "import ftplib\nftplib.FTP()\n",
        "import socket\nsocket.create_connection(a, **kw)\n",
        "import socket\nsocket.setdefaulttimeout(10)\nsocket.create_connection(a)\n",
        (
            "import socket\nfrom urllib.request import urlopen\n"
            "def main():\n    urlopen(u)\n"
            "if __name__ == '__main__':\n    socket.setdefaulttimeout(TIMEOUT)\n"
        ),
        "def urlopen(u):\n    pass\nurlopen(u)\n",
    ],
)
def test_res103_negatives(code: str) -> None:
    assert [r for r, _ in rules(code) if r == "RES103"] == []


def test_res103_span_message_and_fix() -> None:
    code = "from urllib.request import urlopen\nbody = urlopen(u).read()\n"
    [finding] = audit(code)
    assert finding.location == Location(2, 8, 2, 18)
    assert finding.message.startswith(
        "urllib.request.urlopen() has no timeout and the socket default is None"
    )
    assert fixed(code, "RES103").endswith("urlopen(u, timeout=30).read()\n")


# -- RES104 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "import subprocess\nsubprocess.run(['ls'])\n",
        "import subprocess as sp\nsp.check_output(['ls'])\n",
        "from subprocess import call\ncall(['ls'])\n",
        "import subprocess\nsubprocess.check_call(['ls'], cwd=d)\n",
        "import subprocess\np = subprocess.Popen(['ls'])\np.communicate()\n",
        "import subprocess\nwith subprocess.Popen(['ls']) as p:\n    p.wait()\n",
    ],
)
def test_res104_positives(code: str) -> None:
    assert [r for r, _ in rules(code)] == ["RES104"]


@pytest.mark.parametrize(
    "code",
    [
        "import subprocess\nsubprocess.run(['ls'], timeout=5)\n",
        "import subprocess\nsubprocess.run(['ls'], **opts)\n",
        "import subprocess\np = subprocess.Popen(['ls'])\np.communicate(b'', 5)\n",
        "import subprocess\np = subprocess.Popen(['ls'])\np.wait(timeout=3)\n",
        "import threading\nt = threading.Thread(target=f)\nt.join()\n",
        "def f(p):\n    p.wait()\n",
    ],
)
def test_res104_negatives(code: str) -> None:
    assert rules(code) == []


def test_res104_fix_only_for_run_family() -> None:
    assert fixed("import subprocess\nsubprocess.run(['ls'])\n", "RES104").endswith(
        "subprocess.run(['ls'], timeout=30)\n"
    )
    [finding] = audit("import subprocess\np = subprocess.Popen(a)\np.wait()\n")
    assert finding.fix is None
    assert finding.location == Location(3, 1, 3, 9)


# -- RES105 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        ("import psycopg2\npsycopg2.connect(host='db')\n", "connect_timeout=4"),
        ("import psycopg2\npsycopg2.connect('dbname=app')\n", "connect_timeout=4"),
        ("import psycopg\npsycopg.connect('dbname=app')\n", "connect_timeout=4"),
        ("import asyncpg\nasync def f():\n    await asyncpg.connect()\n", "timeout=3.05"),
        ("import pymongo\npymongo.MongoClient('mongodb://h')\n", "socketTimeoutMS=30000"),
        ("from pymongo import MongoClient\nMongoClient()\n", "socketTimeoutMS=30000"),
        ("import pika\npika.ConnectionParameters('h')\n", "blocked_connection_timeout=30"),
    ],
)
def test_res105_positives(code: str, fix: str) -> None:
    [finding] = audit(code)
    assert finding.rule == "RES105"
    assert finding.fix is not None
    assert finding.fix.description == f"Add {fix}"
    assert fix in fixed(code, "RES105")


def test_res105_pika_url_has_no_fix() -> None:
    [finding] = audit("import pika\npika.URLParameters('amqp://h/%2F')\n")
    assert finding.rule == "RES105"
    assert finding.fix is None


@pytest.mark.parametrize(
    "code",
    [
        "import psycopg2\npsycopg2.connect(host='db', connect_timeout=3)\n",
        "import psycopg2\npsycopg2.connect('dbname=app connect_timeout=3')\n",
        "import psycopg2\npsycopg2.connect(DSN)\n",
        "import psycopg2\npsycopg2.connect(os.environ['DSN'])\n",
        "import psycopg2\npsycopg2.connect(**params)\n",
        "import asyncpg\nasync def f():\n    await asyncpg.connect(timeout=5)\n",
        "import pymongo\npymongo.MongoClient('mongodb://h/?socketTimeoutMS=2000')\n",
        "import pymongo\npymongo.MongoClient('mongodb://h/?timeoutms=2000')\n",
        "import pymongo\npymongo.MongoClient(uri)\n",
        "import pymongo\npymongo.MongoClient(sockettimeoutms=10)\n",
        "import pika\npika.URLParameters('amqp://h?blocked_connection_timeout=30')\n",
        "import pika\npika.URLParameters(url)\n",
        "import pika\npika.ConnectionParameters('h', blocked_connection_timeout=30)\n",
        "import redis\nredis.Redis()\n",
        "import redis\nredis.from_url('redis://h')\n",
    ],
)
def test_res105_negatives(code: str) -> None:
    assert rules(code) == []


def _project(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    requirements._PINS.clear()
    result = audit_paths([str(tmp_path)], Config(select=("RES105",)))
    assert result.errors == ()
    return list(result.findings)


REDIS_CODE = "import redis\nr = redis.Redis(host='h')\nu = redis.from_url('redis://h')\n"


@pytest.mark.parametrize(
    ("name", "text", "pinned"),
    [
        ("requirements.txt", "redis==4.6.0\n", True),
        ("requirements-prod.txt", "flask\nredis[hiredis]>=4,<5 ; python_version > '3'\n", True),
        ("requirements.txt", "redis~=7.2\n", True),
        ("requirements.txt", "redis<8\n", True),
        ("requirements.txt", "redis<=8.0\n", False),
        ("requirements.txt", "redis>=4\n", False),
        ("requirements.txt", "redis\n", False),
        ("requirements.txt", "django-redis==5.0\n", False),
        ("requirements.txt", "redis==8.1.0\n", False),
        ("pyproject.toml", '[project]\ndependencies = ["redis>=5,<7"]\n', True),
        ("pyproject.toml", '[tool.poetry.dependencies]\nredis = "^4.5"\n', True),
        ("pyproject.toml", '[tool.poetry.dependencies]\nredis = {version = "^8.0"}\n', False),
        ("setup.cfg", "[options]\ninstall_requires =\n    redis==3.5.3\n", True),
        ("setup.py", "setup(install_requires=['redis<6'])\n", True),
    ],
)
def test_res105_redis_pin(tmp_path: Path, name: str, text: str, pinned: bool) -> None:
    found = _project(tmp_path, {name: text, "app/cache.py": REDIS_CODE})
    if not pinned:
        assert found == []
        return
    assert [(f.rule, f.location.line) for f in found] == [("RES105", 2), ("RES105", 3)]
    assert found[0].message == (
        "redis.Redis() has no socket_timeout: the project pins redis < 8, which has no "
        "socket timeout: a stalled server blocks every command forever; pass socket_timeout=30"
    )
    text_code = REDIS_CODE
    for finding in found:
        assert finding.fix is not None
        ast.parse(apply(text_code, finding.fix))


def test_res105_redis_nearest_file_wins(tmp_path: Path) -> None:
    files = {
        "requirements.txt": "redis==4.0\n",
        "svc/requirements.txt": "redis>=8\n",
        "svc/app.py": REDIS_CODE,
        "old/app.py": REDIS_CODE,
    }
    found = _project(tmp_path, files)
    assert sorted({f.path.rsplit("/", 2)[-2] for f in found}) == ["old"]


def test_res105_redis_stops_at_project_root(tmp_path: Path) -> None:
    files = {"requirements.txt": "redis==4.0\n", "svc/pyproject.toml": "", "svc/app.py": REDIS_CODE}
    assert _project(tmp_path, files) == []


def test_res105_redis_keyword_satisfies(tmp_path: Path) -> None:
    code = "import redis\nredis.Redis(socket_timeout=5)\nredis.Redis('h', 6379, 0, None, 5)\n"
    assert _project(tmp_path, {"requirements.txt": "redis==4\n", "a.py": code}) == []


def test_res105_in_memory_source_has_no_pin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "requirements.txt").write_text("redis==4\n")
    monkeypatch.chdir(tmp_path)
    requirements._PINS.clear()
    assert rules(REDIS_CODE) == []


def test_res105_pin_cache_sees_edits(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    files = {"requirements.txt": "redis==4.6\n", "app.py": REDIS_CODE}
    assert len(_project(tmp_path, files)) == 2
    requirements.write_text("redis==8.1.0\n")
    result = audit_paths([str(tmp_path)], Config(select=("RES105",)))
    assert result.findings == ()


def test_upper_bound() -> None:
    assert requirements._upper_bound("==7.*") == (8,)
    assert requirements._upper_bound(">=4, <4.5") == (4, 5)
    assert requirements._upper_bound("^0.3") == (0, 4)
    assert requirements._upper_bound(">=1") is None


# -- RES106 -------------------------------------------------------------------------------

GRPC = "import grpc\nfrom svc_pb2_grpc import UserStub\n"


@pytest.mark.parametrize(
    "code",
    [
        GRPC + "stub = UserStub(grpc.insecure_channel('h'))\nstub.Get(req)\n",
        GRPC + "ch = grpc.secure_channel('h', creds)\nstub = UserStub(ch)\nstub.Get(req)\n",
        GRPC + "stub = UserStub(grpc.insecure_channel('h'))\nstub.Get.future(req)\n",
        GRPC + "stub = UserStub(grpc.insecure_channel('h'))\nstub.Get.with_call(req)\n",
        GRPC + "async def f():\n    stub = UserStub(grpc.aio.insecure_channel('h'))\n"
        "    await stub.Get(req)\n",
        GRPC + "with grpc.insecure_channel('h') as ch:\n    stub = UserStub(ch)\n    stub.Get(r)\n",
        GRPC + "class C:\n    def __init__(self, target):\n"
        "        channel = grpc.insecure_channel(target)\n        self.stub = UserStub(channel)\n"
        "    def get(self):\n        return self.stub.Get(req)\n",
    ],
)
def test_res106_positives(code: str) -> None:
    found = audit(code)
    assert [f.rule for f in found] == ["RES106"]
    assert found[0].severity.value == "high"
    fixed(code, "RES106")


@pytest.mark.parametrize(
    "code",
    [
        GRPC + "stub = UserStub(grpc.insecure_channel('h'))\nstub.Get(req, timeout=5)\n",
        GRPC + "stub = UserStub(grpc.insecure_channel('h'))\nstub.Get(req, 5)\n",
        GRPC + "stub = UserStub(grpc.insecure_channel('h'))\nstub.Get(req, **opts)\n",
        GRPC + "stub = UserStub(channel)\nstub.Get(req)\n",
        GRPC + "def f(stub):\n    stub.Get(req)\n",
    ],
)
def test_res106_negatives(code: str) -> None:
    assert rules(code) == []


# -- RES107 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "line"),
    [
        (
            "from concurrent.futures import ThreadPoolExecutor\nex = ThreadPoolExecutor(4)\n"
            "fut = ex.submit(f)\nfut.result()\n",
            4,
        ),
        (
            "import concurrent.futures as cf\nwith cf.ThreadPoolExecutor() as ex:\n"
            "    ex.submit(f).result()\n",
            3,
        ),
        ("import concurrent.futures\nconcurrent.futures.wait(fs)\n", 2),
        ("from concurrent.futures import as_completed\nfor f in as_completed(fs):\n    pass\n", 2),
        ("from celery import shared_task\n@shared_task\ndef t(): ...\nt.delay(1).get()\n", 4),
        ("from proj import app\n@app.task\ndef t(): ...\nr = t.apply_async()\nr.get()\n", 5),
        ("from celery.result import AsyncResult\nAsyncResult(tid).get()\n", 2),
        (
            "import asyncio\nasync def f():\n    r, w = await asyncio.open_connection('h', 1)\n",
            3,
        ),
    ],
)
def test_res107_positives(code: str, line: int) -> None:
    found = audit(code)
    assert [(f.rule, f.location.line) for f in found] == [("RES107", line)]
    assert found[0].fix is None


def test_res107_stream_reader() -> None:
    code = (
        "import asyncio\n"
        "async def f():\n"
        "    async with asyncio.timeout(5):\n"
        "        reader, writer = await asyncio.open_connection('h', 1)\n"
        "    data = await reader.read(100)\n"
        "    async with asyncio.timeout(5):\n"
        "        line = await reader.readline()\n"
        "    more = await asyncio.wait_for(reader.read(1), 3)\n"
    )
    found = audit(code)
    assert [(f.rule, f.location) for f in found] == [("RES107", Location(5, 18, 5, 34))]
    assert found[0].message == (
        "await reader.read() has no timeout: a peer that stops answering suspends this "
        "coroutine forever; wrap it in `async with asyncio.timeout(<seconds>):`"
    )


@pytest.mark.parametrize(
    "code",
    [
        "from concurrent.futures import ThreadPoolExecutor\nex = ThreadPoolExecutor(4)\n"
        "fut = ex.submit(f)\nfut.result(timeout=5)\nfut.result(5)\n",
        "from concurrent.futures import as_completed\nfor f in as_completed(fs, 10):\n"
        "    f.result()\n",
        "import threading\ne = threading.Event()\ne.wait()\nt = threading.Thread()\nt.join()\n",
        "import queue\nq = queue.Queue()\nq.get()\n",
        "def f(fut):\n    fut.result()\n",
        "import asyncio\nasync def f():\n    async with asyncio.timeout(3):\n"
        "        await asyncio.open_connection('h', 1)\n",
        "import anyio, asyncio\nasync def f():\n    with anyio.fail_after(3):\n"
        "        await asyncio.open_connection('h', 1)\n",
        "import asyncio\nasync def f():\n"
        "    await asyncio.wait_for(asyncio.open_connection('h', 1), 3)\n",
        "import asyncio\nasync def f(reader):\n    await reader.read()\n",
        "import asyncio\nasync def f():\n    q = asyncio.Queue()\n    await q.get()\n",
    ],
)
def test_res107_negatives(code: str) -> None:
    assert rules(code) == []


# -- scorecard and cross-checks --------------------------------------------------------


def test_sites_count_every_rule_once() -> None:
    code = (
        "import requests, subprocess, grpc, boto3\n"
        "from urllib.request import urlopen\n"
        "requests.get(u)\n"
        "urlopen(u, timeout=3)\n"
        "subprocess.run(a)\n"
        "s3 = boto3.client('s3')\n"
        "s3.get_object(Bucket=b, Key=k)\n"
    )
    assert sites(code) == {"sites": 4, "ok": 2}
    result = audit_source(code, "mod.py", CONFIG)
    [item] = [c for c in result.checklist if c.item == TIMEOUTS]
    assert (item.sites_checked, item.sites_ok, item.findings, item.passed) == (4, 2, 2, False)


def test_sites_count_open_connection_once() -> None:
    code = (
        "import asyncio\n"
        "async def f():\n"
        "    r, w = await asyncio.open_connection('h', 1)\n"
        "    r2, w2 = await asyncio.wait_for(asyncio.open_connection('h', 1), 5)\n"
    )
    assert sites(code) == {"sites": 2, "ok": 1}


def test_crlf_and_tabs_fix() -> None:
    code = "import requests\r\nif x:\r\n\trequests.get(\r\n\t\tu,\r\n\t)\r\n"
    out = fixed(code, "RES101")
    expected = (
        "import requests\r\nif x:\r\n\trequests.get(\r\n\t\tu,\r\n\t\ttimeout=(3.05, 30),\r\n"
    )
    assert out == expected + "\t)\r\n"


def test_rule_docs_have_sections() -> None:
    from resilience_skill.analysis.registry import load_rules

    for rule_id in ("RES101", "RES102", "RES103", "RES104", "RES105", "RES106", "RES107"):
        doc = load_rules()[rule_id].doc
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix"):
            assert section in doc, (rule_id, section)


def test_res102_on_a_wait_is_a_failed_site_of_the_scorecard() -> None:
    code = "import asyncio\n\n\nasync def f(g):\n    await asyncio.wait_for(g(), None)\n"
    assert rules(code) == [("RES102", 5)]
    assert sites(code) == {"sites": 1, "ok": 0}
