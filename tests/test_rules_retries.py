"""RES201-RES209 and RES301: retries with bounds, backoff, jitter, caps, one layer, idempotent
writes, narrow exceptions, and a circuit breaker around them."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from resilience_skill.analysis import audit_paths, audit_source
from resilience_skill.analysis.model import Applicability, Finding, Fix, Location, Severity
from resilience_skill.analysis.source import SourceFile
from resilience_skill.config import Config
from resilience_skill.fixes.apply import apply_edits

CONFIG = Config(select=("RES2", "RES301"))


def audit(code: str, config: Config = CONFIG) -> list[Finding]:
    result = audit_source(textwrap.dedent(code), "mod.py", config)
    assert result.errors == ()
    return list(result.findings)


def found(code: str, rule_id: str) -> list[Finding]:
    return [f for f in audit(code) if f.rule == rule_id]


def lines(code: str, rule_id: str) -> list[int]:
    return [f.location.line for f in found(code, rule_id)]


def span(code: str, finding: Finding) -> str:
    return SourceFile.from_text("mod.py", textwrap.dedent(code)).segment(finding.location)


def apply(text: str, fix: Fix) -> str:
    """Apply one fix's edits, as the fixer does."""
    return apply_edits(SourceFile.from_text("mod.py", text), fix.edits)


def fixed(code: str, rule_id: str) -> str:
    """Apply the fix of the only ``rule_id`` finding; the result parses and no longer has it."""
    text = textwrap.dedent(code)
    (finding,) = [f for f in audit(text) if f.rule == rule_id]
    assert finding.fix is not None and finding.fix.applicability == Applicability.UNSAFE
    out = apply(text, finding.fix)
    ast.parse(out)
    assert [f for f in audit(out) if f.rule == rule_id] == []
    return out


def tenacity_imports(text: str) -> set[str]:
    return {
        alias.name
        for node in ast.parse(text).body
        if isinstance(node, ast.ImportFrom) and node.module == "tenacity"
        for alias in node.names
    }


HEAD = """\
import time, random, functools
import requests, tenacity, backoff, stamina
from tenacity import retry, stop_after_attempt, wait_exponential, wait_fixed, wait_random
"""


# -- RES201 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deco",
    [
        "@retry",
        "@retry()",
        "@tenacity.retry",
        "@retry(wait=wait_fixed(1))",
        "@retry(stop=tenacity.stop_never)",
        "@backoff.on_exception(backoff.expo, IOError)",
        "@backoff.on_exception(backoff.expo, IOError, max_tries=None)",
        "@backoff.on_predicate(backoff.fibo)",
        "@stamina.retry(on=IOError, attempts=None, timeout=None)",
    ],
)
def test_res201_positive(deco: str) -> None:
    code = HEAD + f"{deco}\ndef f(): pass\n"
    (finding,) = found(code, "RES201")
    assert finding.location.line == 4
    assert span(code, finding) == deco[1:]
    assert finding.severity == Severity.HIGH
    assert "retries forever" in finding.message


@pytest.mark.parametrize(
    "deco",
    [
        "@retry(stop=stop_after_attempt(3))",
        "@retry(stop=tenacity.stop_after_delay(30))",
        "@retry(stop=STOP)",
        "@retry(stop=unknown_stop)",
        "@retry(**options)",
        "@backoff.on_exception(backoff.expo, IOError, max_time=60)",
        "@backoff.on_exception(backoff.expo, IOError, **kw)",
        "@stamina.retry(on=IOError)",
        "@stamina.retry(on=IOError, attempts=None)",
        "@lru_cache",
        "@my_retry",
    ],
)
def test_res201_negative(deco: str) -> None:
    code = HEAD + f"STOP = stop_after_attempt(2)\n{deco}\ndef f(): pass\n"
    assert found(code, "RES201") == []


def test_res201_aliases_loops_and_objects() -> None:
    code = """\
    import tenacity as t
    from tenacity import retry as r, Retrying, AsyncRetrying
    from urllib3.util.retry import Retry
    from requests.adapters import HTTPAdapter
    from celery import Celery

    app = Celery("x")
    policy = r(wait=t.wait_random(0, 1))

    @r
    def a(): pass

    @policy
    def b(): pass

    def c():
        for attempt in Retrying():
            with attempt:
                pass

    async def d():
        async for attempt in AsyncRetrying(stop=t.stop_never):
            with attempt:
                pass

    adapter_retry = HTTPAdapter(max_retries=Retry(total=None))
    bounded = Retry(total=None, connect=3)

    @app.task(autoretry_for=(IOError,), retry_kwargs={"max_retries": None})
    def e(): pass

    @app.task(bind=True)
    def g(self):
        raise self.retry(max_retries=None)
    """
    assert lines(code, "RES201") == [8, 10, 17, 22, 26, 29, 34]


def test_res201_fix_from_import() -> None:
    out = fixed(HEAD + "@retry\ndef f(): pass\n", "RES201")
    assert "@retry(stop=stop_after_attempt(3))\n" in out
    assert out.count("stop_after_attempt") == 2  # already imported: no new import


def test_res201_fix_adds_import_and_respects_alias() -> None:
    code = """\
    from tenacity import retry as r, wait_fixed

    @r(
        wait=wait_fixed(1),
    )
    def f(): pass
    """
    out = fixed(code, "RES201")
    assert out.startswith("from tenacity import retry as r, stop_after_attempt, wait_fixed\n")
    assert "@r(\n    wait=wait_fixed(1),\n    stop=stop_after_attempt(3),\n)\n" in out


def test_res201_fix_qualified_and_config() -> None:
    code = "import tenacity\n\n@tenacity.retry(stop=tenacity.stop_never)\ndef f(): pass\n"
    config = Config(select=("RES201",), retry_attempts=5)
    (finding,) = audit_source(code, "mod.py", config).findings
    assert finding.fix is not None
    out = apply(code, finding.fix)
    assert out == (
        "import tenacity\n\n@tenacity.retry(stop=tenacity.stop_after_attempt(5))\ndef f(): pass\n"
    )


def test_res201_fix_backoff_and_stamina() -> None:
    out = fixed(HEAD + "@backoff.on_exception(backoff.expo, IOError)\ndef f(): pass\n", "RES201")
    assert "@backoff.on_exception(backoff.expo, IOError, max_tries=3)" in out
    out = fixed(
        HEAD + "@stamina.retry(on=IOError, attempts=None, timeout=None)\ndef f(): pass\n",
        "RES201",
    )
    assert "@stamina.retry(on=IOError, attempts=3, timeout=None)" in out


def test_res201_bound_policy_reported_once_at_definition() -> None:
    code = HEAD + "p = retry(wait=wait_fixed(1))\n\n@p\ndef a(): pass\n\n@p\ndef b(): pass\n"
    (finding,) = found(code, "RES201")
    assert finding.location == Location(4, 5, 4, 30)
    fixed(code, "RES201")


def test_res201_non_ascii_and_suppression() -> None:
    code = HEAD + "x = 'é'; y = retry()  # façade\n"
    (finding,) = found(code, "RES201")
    assert finding.location == Location(4, 14, 4, 21)
    assert found(HEAD + "y = retry()  # noqa: RES201\n", "RES201") == []


# -- RES202 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "anchor"),
    [
        (
            "@retry(stop=stop_after_attempt(3))\ndef f(): pass\n",
            "retry(stop=stop_after_attempt(3))",
        ),
        ("@retry(stop=stop_after_attempt(3), wait=wait_fixed(2))\ndef f(): pass\n", None),
        ("@retry(stop=stop_after_attempt(3), wait=wait_random(1, 2))\ndef f(): pass\n", None),
        (
            "@retry(stop=stop_after_attempt(3), wait=wait_fixed(1) + wait_random(0, 1))\n"
            "def f(): pass\n",
            None,
        ),
        ("@backoff.on_exception(backoff.constant, IOError, max_tries=3)\ndef f(): pass\n", None),
        (
            "from requests.adapters import HTTPAdapter\na = HTTPAdapter(max_retries=3)\n",
            "HTTPAdapter(max_retries=3)",
        ),
        ("from urllib3 import Retry\nr = Retry(3)\n", "Retry(3)"),
        ("from urllib3 import Retry\nr = Retry(total=3, backoff_factor=0)\n", None),
        (
            "from celery import shared_task\n"
            "@shared_task(autoretry_for=(IOError,))\ndef f(): pass\n",
            "shared_task(autoretry_for=(IOError,))",
        ),
    ],
)
def test_res202_positive(code: str, anchor: str | None) -> None:
    text = HEAD + code
    (finding,) = found(text, "RES202")
    if anchor is not None:
        assert span(text, finding) == anchor
    assert finding.severity == Severity.MEDIUM


@pytest.mark.parametrize(
    "code",
    [
        "@retry(stop=stop_after_attempt(3), wait=wait_exponential(max=10))\ndef f(): pass\n",
        "@retry(stop=stop_after_attempt(3), wait=WAIT)\ndef f(): pass\n",
        "@retry(stop=stop_after_attempt(1))\ndef f(): pass\n",
        "@retry(stop=stop_after_attempt(3), wait=tenacity.wait_incrementing(1, 2))\n"
        "def f(): pass\n",
        "@backoff.on_exception(backoff.expo, IOError, max_tries=3)\ndef f(): pass\n",
        "@stamina.retry(on=IOError)\ndef f(): pass\n",
        "from requests.adapters import HTTPAdapter\na = HTTPAdapter(max_retries=0)\n",
        "from requests.adapters import HTTPAdapter\na = HTTPAdapter(max_retries=n)\n",
        "from urllib3 import Retry\nr = Retry(3, backoff_factor=0.5)\n",
        "from urllib3 import Retry\nr = Retry(total=False)\n",
        "from urllib3 import Retry\nr = Retry(3, **kw)\n",
        "from celery import shared_task\n"
        "@shared_task(autoretry_for=(IOError,), retry_backoff=True)\ndef f(): pass\n",
        "from celery import shared_task\n"
        "@shared_task(autoretry_for=(IOError,), retry_backoff=5)\ndef f(): pass\n",
    ],
)
def test_res202_negative(code: str) -> None:
    assert found(HEAD + "WAIT = make()\n" + code, "RES202") == []


def test_res202_fixes() -> None:
    out = fixed(HEAD + "@retry(stop=stop_after_attempt(3))\ndef f(): pass\n", "RES202")
    assert "wait_random_exponential" in tenacity_imports(out)
    assert (
        "@retry(stop=stop_after_attempt(3), wait=wait_random_exponential(multiplier=1, max=20))"
        in out
    )
    out = fixed(
        HEAD + "@retry(stop=stop_after_attempt(3), wait=wait_fixed(2))\ndef f(): pass\n", "RES202"
    )
    assert "wait=wait_random_exponential(multiplier=1, max=20))" in out
    out = fixed("from urllib3 import Retry\nr = Retry(3)\n", "RES202")
    assert out == "from urllib3 import Retry\nr = Retry(3, backoff_factor=0.5)\n"


# -- RES203 -----------------------------------------------------------------------------


def test_res203_contract_example_and_fix() -> None:
    code = """\
    import requests, tenacity, time
    from tenacity import retry, wait_exponential

    @retry(stop=tenacity.stop_after_attempt(3), wait=wait_exponential(max=10))   # RES203
    def fetch(): ...
    """
    (finding,) = found(code, "RES203")
    assert span(code, finding) == "wait_exponential(max=10)"
    assert finding.severity == Severity.LOW
    out = fixed(code, "RES203")
    assert "from tenacity import retry, wait_exponential, wait_random_exponential\n" in out
    assert "wait=wait_random_exponential(max=10))" in out


def test_res203_qualified_fix() -> None:
    code = (
        "import tenacity\n\n@tenacity.retry(stop=tenacity.stop_after_attempt(3), "
        "wait=tenacity.wait_exponential(multiplier=2, max=10))\ndef f(): pass\n"
    )
    out = fixed(code, "RES203")
    assert "wait=tenacity.wait_random_exponential(multiplier=2, max=10))" in out


@pytest.mark.parametrize(
    ("code", "anchor"),
    [
        (
            "@backoff.on_exception(backoff.expo, IOError, max_tries=3, jitter=None)\n"
            "def f(): pass\n",
            "jitter=None",
        ),
        (
            "from celery import shared_task\n@shared_task(autoretry_for=(IOError,), "
            "retry_backoff=True, retry_jitter=False)\ndef f(): pass\n",
            "retry_jitter=False",
        ),
        ("from urllib3 import Retry\nr = Retry(3, backoff_factor=0.5)\n", "backoff_factor=0.5"),
        (
            "W = wait_exponential(max=5)\n@retry(stop=stop_after_attempt(3), wait=W)\n"
            "def f(): pass\n",
            "wait_exponential(max=5)",
        ),
    ],
)
def test_res203_positive(code: str, anchor: str) -> None:
    text = HEAD + code
    (finding,) = found(text, "RES203")
    assert span(text, finding) == anchor


@pytest.mark.parametrize(
    "code",
    [
        "@retry(stop=stop_after_attempt(3), wait=wait_exponential(max=10) + wait_random(0, 1))\n"
        "def f(): pass\n",
        "@retry(stop=stop_after_attempt(3), wait=tenacity.wait_random_exponential(max=10))\n"
        "def f(): pass\n",
        "@retry(stop=stop_after_attempt(3), wait=tenacity.wait_exponential_jitter(max=10))\n"
        "def f(): pass\n",
        "@backoff.on_exception(backoff.expo, IOError, max_tries=3)\ndef f(): pass\n",
        "@backoff.on_exception(backoff.constant, IOError, max_tries=3, jitter=None)\n"
        "def f(): pass\n",
        "from urllib3 import Retry\nr = Retry(3, backoff_factor=0.5, backoff_jitter=1.0)\n",
        "from celery import shared_task\n@shared_task(autoretry_for=(IOError,), "
        "retry_jitter=False)\ndef f(): pass\n",
    ],
)
def test_res203_negative(code: str) -> None:
    assert found(HEAD + code, "RES203") == []


def test_res203_shared_wait_reported_once() -> None:
    code = HEAD + (
        "W = wait_exponential(max=5)\n"
        "@retry(stop=stop_after_attempt(3), wait=W)\ndef f(): pass\n"
        "@retry(stop=stop_after_attempt(2), wait=W)\ndef g(): pass\n"
    )
    assert lines(code, "RES203") == [4]


# -- RES204 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "anchor"),
    [
        (
            "@retry(stop=stop_after_attempt(5), wait=wait_exponential(multiplier=1))\n"
            "def f(): pass\n",
            "wait_exponential(multiplier=1)",
        ),
        (
            "@retry(stop=tenacity.stop_after_delay(60), wait=tenacity.wait_random_exponential())\n"
            "def f(): pass\n",
            "tenacity.wait_random_exponential()",
        ),
        (
            "@retry(wait=tenacity.wait_exponential_jitter(initial=1))\ndef f(): pass\n",
            "tenacity.wait_exponential_jitter(initial=1)",
        ),
        (
            "@backoff.on_exception(backoff.expo, IOError, max_tries=8)\ndef f(): pass\n",
            "backoff.expo",
        ),
    ],
)
def test_res204_positive(code: str, anchor: str) -> None:
    text = HEAD + code
    (finding,) = found(text, "RES204")
    assert span(text, finding) == anchor
    assert finding.severity == Severity.LOW


@pytest.mark.parametrize(
    "code",
    [
        # Any attempt bound <= 4 makes the cap moot (the RES204 exemption).
        "@retry(stop=stop_after_attempt(4), wait=wait_exponential())\ndef f(): pass\n",
        "@retry(stop=stop_after_attempt(2) | tenacity.stop_after_delay(99), "
        "wait=wait_exponential())\ndef f(): pass\n",
        "@backoff.on_exception(backoff.expo, IOError, max_tries=4)\ndef f(): pass\n",
        "@backoff.on_exception(backoff.expo, IOError, max_time=30)\ndef f(): pass\n",
        "@backoff.on_exception(backoff.expo, IOError, max_tries=9, max_value=30)\ndef f(): pass\n",
        "@retry(stop=stop_after_attempt(9), wait=wait_exponential(max=20))\ndef f(): pass\n",
        "@retry(stop=stop_after_attempt(9), wait=wait_exponential(1, 20))\ndef f(): pass\n",
        "@stamina.retry(on=IOError, attempts=20)\ndef f(): pass\n",
    ],
)
def test_res204_negative(code: str) -> None:
    assert found(HEAD + code, "RES204") == []


def test_res204_fixes() -> None:
    out = fixed(
        HEAD + "@retry(stop=stop_after_attempt(5), wait=wait_exponential(multiplier=1))\n"
        "def f(): pass\n",
        "RES204",
    )
    assert "wait=wait_exponential(multiplier=1, max=20))" in out
    out = fixed(
        HEAD + "@backoff.on_exception(backoff.expo, IOError, max_tries=8)\ndef f(): pass\n",
        "RES204",
    )
    assert "@backoff.on_exception(backoff.expo, IOError, max_tries=8, max_value=20)" in out


# -- RES205 / RES206 --------------------------------------------------------------------


def test_res205_contract_example() -> None:
    code = """\
    import requests, time

    def get(url):
        for attempt in range(5):                           # RES205 (constant sleep)
            try:
                return requests.get(url, timeout=5).json()
            except requests.RequestException:
                time.sleep(1)
    """
    (finding,) = found(code, "RES205")
    assert finding.location == Location(4, 5, 8, 26)
    assert "sleeps a constant time" in finding.message
    assert "requests.get()" in finding.message
    assert finding.fix is not None and finding.fix.applicability == Applicability.DISPLAY
    assert finding.generate == "retry"


@pytest.mark.parametrize(
    ("sleep", "message"),
    [
        ("pass", "retries immediately with no sleep"),
        ("time.sleep(DELAY)", "sleeps a constant time"),
        ("time.sleep(delay)", "sleeps a constant time"),
        ("time.sleep(2 ** attempt)", "grows the sleep without any random jitter"),
    ],
)
def test_res205_messages(sleep: str, message: str) -> None:
    code = f"""\
    import requests, time
    DELAY = 2

    def get(url, delay):
        for attempt in range(3):
            try:
                resp = requests.get(url, timeout=5)
                break
            except requests.Timeout:
                {sleep}
    """
    (finding,) = found(code, "RES205")
    assert message in finding.message


def test_res205_growing_variable_and_async() -> None:
    code = """\
    import asyncio, aiohttp

    async def get(session: aiohttp.ClientSession, url):
        delay = 1
        for attempt in range(4):
            try:
                return await session.get(url)
            except aiohttp.ClientError:
                await asyncio.sleep(delay)
                delay *= 2
    """
    (finding,) = found(code, "RES205")
    assert "grows the sleep" in finding.message


@pytest.mark.parametrize(
    "loop",
    [
        # Jittered backoff: a good hand-rolled retry.
        """
        for attempt in range(3):
            try:
                return requests.get(url, timeout=5)
            except requests.Timeout:
                time.sleep(random.uniform(0, 2 ** attempt))
        """,
        # A helper computes the sleep: it may jitter.
        """
        for attempt in range(3):
            try:
                return requests.get(url, timeout=5)
            except requests.Timeout:
                time.sleep(backoff_for(attempt))
        """,
        # Pagination.
        """
        for page in range(10):
            try:
                rows = requests.get(url, params={"page": page}, timeout=5)
                break
            except requests.Timeout:
                pass
        """,
        # Batch.
        """
        for item in items:
            try:
                requests.post(url, json=item, timeout=5)
                break
            except requests.Timeout:
                time.sleep(1)
        """,
        # Consumer loop: no success exit.
        """
        while True:
            try:
                requests.get(url, timeout=5)
            except requests.Timeout:
                time.sleep(1)
        """,
        # The except path exits.
        """
        for attempt in range(3):
            try:
                return requests.get(url, timeout=5)
            except requests.Timeout:
                return None
        """,
        # A poll for a state: the exit is conditional.
        """
        while True:
            try:
                job = requests.get(url, timeout=5).json()
                if job["state"] == "done":
                    return job
            except requests.Timeout:
                pass
            time.sleep(5)
        """,
        # Not an external call.
        """
        for attempt in range(3):
            try:
                return compute(url)
            except ValueError:
                time.sleep(1)
        """,
    ],
)
def test_res205_negative(loop: str) -> None:
    code = "import requests, time, random\n\ndef get(url, items):\n" + textwrap.indent(
        textwrap.dedent(loop), "    "
    )
    assert found(code, "RES205") == []
    assert found(code, "RES206") == []


def test_res206() -> None:
    code = """\
    import psycopg, time

    def connect(dsn):
        while True:
            try:
                conn = psycopg.connect(dsn, connect_timeout=5)
                break
            except psycopg.OperationalError:
                time.sleep(1)
        return conn
    """
    (finding,) = found(code, "RES206")
    assert finding.location == Location(4, 5, 9, 26)
    assert finding.severity == Severity.HIGH
    assert finding.fix is None and finding.generate == "retry"
    assert lines(code, "RES205") == [4]


@pytest.mark.parametrize(
    "extra",
    [
        ("attempts += 1", "time.sleep(1)"),
        ("if time.monotonic() - start > 30:", "    raise"),
        ("log.warning('retrying')", "raise RuntimeError('x') if False else None"),
    ],
)
def test_res206_negative(extra: tuple[str, str]) -> None:
    first, second = extra
    code = f"""\
    import requests, time

    def get(url):
        start = time.monotonic()
        attempts = 0
        while True:
            try:
                return requests.get(url, timeout=5)
            except requests.Timeout:
                {first}
                {second}
    """
    assert found(code, "RES206") == []


def test_res206_not_while_condition() -> None:
    code = """\
    import requests

    def get(url):
        while not done():
            try:
                return requests.get(url, timeout=5)
            except requests.Timeout:
                pass
    """
    assert found(code, "RES206") == []
    assert lines(code, "RES205") == [4]


# -- RES207 -----------------------------------------------------------------------------


def test_res207_same_module_product() -> None:
    code = (
        HEAD
        + """
@retry(stop=stop_after_attempt(5), wait=tenacity.wait_random_exponential(max=5))
def get_user(uid):
    return requests.get(f"/u/{uid}", timeout=5)

@retry(stop=stop_after_attempt(3), wait=tenacity.wait_random_exponential(max=5))
def handler(uid):
    user = get_user(uid)
    return user

@retry(stop=stop_after_attempt(2), wait=tenacity.wait_random_exponential(max=5))
def small(uid):
    return get_user(uid)

def unretried(uid):
    return get_user(uid)
"""
    )
    findings = found(code, "RES207")
    assert [(f.location, f.severity) for f in findings] == [
        (Location(11, 12, 11, 25), Severity.HIGH),
        (Location(16, 12, 16, 25), Severity.HIGH),
    ]
    assert findings[0].message == (
        "get_user() makes up to 5 attempts and is called inside a retry scope of 3 attempts: "
        "3 x 5 = 15 attempts, against a failing dependency in the worst case; retry at one "
        "layer only"
    )
    assert "2 x 5 = 10 attempts" in findings[1].message


def test_res207_severity_threshold() -> None:
    code = (
        HEAD
        + """
@retry(stop=stop_after_attempt(3))
def inner():
    return requests.get("/", timeout=5)

@retry(stop=stop_after_attempt(3))
def outer():
    return inner()

@retry(stop=stop_after_attempt(4))
def outer4():
    return inner()
"""
    )
    findings = found(code, "RES207")
    assert [(f.message.split(": ")[1].split(",")[0], f.severity) for f in findings] == [
        ("3 x 3 = 9 attempts", Severity.MEDIUM),
        ("4 x 3 = 12 attempts", Severity.HIGH),
    ]


def test_res207_cross_module_and_namespace_package(tmp_path: Path) -> None:
    pkg = tmp_path / "svc"  # no __init__.py: a namespace package
    pkg.mkdir()
    (pkg / "client.py").write_text(
        "import requests\nimport backoff\n\n"
        "@backoff.on_exception(backoff.expo, IOError, max_tries=4, max_value=10)\n"
        "def fetch(uid):\n    return requests.get(f'/u/{uid}', timeout=5)\n"
    )
    (pkg / "api.py").write_text(
        "from tenacity import retry, stop_after_attempt\n"
        "from .client import fetch\n"
        "from svc import client\n\n"
        "@retry(stop=stop_after_attempt(3))\n"
        "def get(uid):\n"
        "    a = fetch(uid)\n"
        "    return client.fetch(uid)\n"
    )
    result = audit_paths([str(tmp_path)], Config(select=("RES207",)))
    assert [(Path(f.path).name, f.location, f.severity) for f in result.findings] == [
        ("api.py", Location(7, 9, 7, 19), Severity.HIGH),
        ("api.py", Location(8, 12, 8, 29), Severity.HIGH),
    ]
    assert "3 x 4 = 12 attempts" in result.findings[0].message


def test_res207_method_of_typed_receiver(tmp_path: Path) -> None:
    (tmp_path / "inventory.py").write_text(
        "import requests\nfrom tenacity import retry, stop_after_attempt\n\n"
        "class Client:\n"
        "    def __init__(self):\n        self.s = requests.Session()\n\n"
        "    @retry(stop=stop_after_attempt(5))\n"
        "    def stock(self, sku):\n        return self.s.get(sku, timeout=5)\n"
    )
    (tmp_path / "pricing.py").write_text(
        "from tenacity import retry, stop_after_attempt\nfrom inventory import Client\n\n"
        "@retry(stop=stop_after_attempt(2))\n"
        "def quote(sku, inv: Client):\n    return inv.stock(sku)\n\n"
        "@retry(stop=stop_after_attempt(2))\n"
        "def untyped(sku, inv):\n    return inv.stock(sku)\n"
    )
    result = audit_paths([str(tmp_path)], Config(select=("RES207",)))
    (finding,) = result.findings
    assert (Path(finding.path).name, finding.location) == ("pricing.py", Location(6, 12, 6, 26))
    assert "2 x 5 = 10 attempts" in finding.message


def test_res207_audit_root_inside_package(tmp_path: Path) -> None:
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "pay.py").write_text(
        "import stamina, httpx\n\n@stamina.retry(on=httpx.HTTPError, attempts=3)\n"
        "def charge(x):\n    return httpx.post('/c', json=x)\n"
    )
    (pkg / "orders.py").write_text(
        "from shop.pay import charge\nimport tenacity\n\n"
        "@tenacity.retry(stop=tenacity.stop_after_attempt(2))\n"
        "def place(x):\n    return charge(x)\n"
    )
    result = audit_paths([str(pkg)], Config(select=("RES207",)))
    (finding,) = result.findings
    assert "2 x 3 = 6 attempts" in finding.message
    assert finding.severity == Severity.MEDIUM


def test_res207_mounted_adapter(tmp_path: Path) -> None:
    (tmp_path / "http.py").write_text(
        "import requests\nfrom requests.adapters import HTTPAdapter\n"
        "from urllib3.util.retry import Retry\n\n"
        "session = requests.Session()\n"
        "session.mount('https://', HTTPAdapter(max_retries=Retry(total=4, backoff_factor=1)))\n"
    )
    (tmp_path / "users.py").write_text(
        "from tenacity import retry, stop_after_attempt\nfrom http import session\n\n"
        "@retry(stop=stop_after_attempt(3))\ndef get(uid):\n"
        "    return session.get(f'/u/{uid}', timeout=5)\n"
    )
    result = audit_paths([str(tmp_path)], Config(select=("RES207",)))
    (finding,) = result.findings
    assert finding.location == Location(6, 12, 6, 47)
    assert "3 x 5 = 15 attempts" in finding.message
    assert "session" in finding.message


def test_res207_urllib3_pool_with_retries() -> None:
    code = (
        HEAD
        + """
import urllib3
from urllib3.util import Retry

http = urllib3.PoolManager(retries=Retry(total=2, backoff_factor=0.5, backoff_jitter=1))
plain = urllib3.PoolManager(timeout=5)

@retry(stop=stop_after_attempt(4))
def get(url):
    plain.request("GET", url)
    return http.request("GET", url)
"""
    )
    (finding,) = found(code, "RES207")
    assert span(code, finding) == 'http.request("GET", url)'
    assert "4 x 3 = 12 attempts" in finding.message


def test_res207_same_file_adapter_in_class() -> None:
    code = (
        HEAD
        + """
from requests.adapters import HTTPAdapter

class Client:
    def __init__(self):
        self.s = requests.Session()
        self.s.mount("https://", HTTPAdapter(max_retries=2))

    @retry(stop=stop_after_attempt(3))
    def get(self, url):
        return self.s.get(url, timeout=5)

    @retry(stop=stop_after_attempt(3))
    def get_unmounted(self, url):
        return requests.get(url, timeout=5)
"""
    )
    (finding,) = found(code, "RES207")
    assert finding.location.line == 14
    assert "3 x 3 = 9 attempts" in finding.message


def test_res207_unbounded_outer_and_recursion() -> None:
    code = (
        HEAD
        + """
@retry(stop=stop_after_attempt(3))
def inner():
    return requests.get("/", timeout=5)

@retry
def outer():
    return inner()

@retry(stop=stop_after_attempt(3))
def again():
    return again()
"""
    )
    (finding,) = found(code, "RES207")
    assert finding.location.line == 11
    assert "retry scope that retries forever: unbounded x 3 attempts, the dependency is" in (
        finding.message
    )
    assert finding.severity == Severity.HIGH


def test_res207_inner_loop_scope() -> None:
    code = (
        HEAD
        + """
from tenacity import Retrying

def inner():
    for attempt in Retrying(stop=stop_after_attempt(4)):
        with attempt:
            return requests.get("/", timeout=5)

def outer():
    for i in range(3):
        try:
            return inner()
        except IOError:
            time.sleep(random.random())
"""
    )
    assert found(code, "RES207") == []  # `inner()` is not an external call: no hand loop
    code2 = code.replace(
        "return inner()", "requests.get('/x', timeout=1)\n            return inner()"
    )
    (finding,) = found(code2, "RES207")
    assert "3 x 4 = 12 attempts" in finding.message


# -- RES208 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "what"),
    [
        ("requests.post(URL, json=x, timeout=5)", "POST"),
        ("requests.patch(URL, json=x, timeout=5)", "PATCH"),
        ("requests.request('POST', URL, timeout=5)", "'POST'"),
        ("requests.request(method='post', url=URL, timeout=5)", "'POST'"),
        ("httpx.post(URL, json=x)", "POST"),
        ("client.post(URL, json=x)", "POST"),
        ("cur.execute('INSERT INTO t (a) VALUES (%s)', (x,))", "INSERT"),
        ("cur.execute(SQL, (x,))", "INSERT"),
        ("cur.execute('UPDATE acct SET n = n + %s WHERE id = %s', (x, 1))", "increment"),
        ("smtp.sendmail('a@b', ['c@d'], 'hi')", "sendmail"),
    ],
)
def test_res208_positive(call: str, what: str) -> None:
    code = (
        HEAD
        + f"""
import httpx, smtplib
URL = "https://pay"
SQL = '''
    INSERT INTO t (a) VALUES (%s)'''
client = httpx.Client()
smtp = smtplib.SMTP("mail", timeout=5)

@retry(stop=stop_after_attempt(3))
def f(x, cur):
    return {call}
"""
    )
    (finding,) = found(code, "RES208")
    assert span(code, finding) == call
    assert what in finding.message
    assert finding.severity == Severity.HIGH


@pytest.mark.parametrize(
    "call",
    [
        "requests.post(URL, json=x, headers={'Idempotency-Key': key}, timeout=5)",
        "requests.post(URL, json=x, headers=HEADERS, timeout=5)",
        "requests.post(URL, json=x, idempotency_key=key, timeout=5)",
        "requests.put(URL, json=x, timeout=5)",
        "requests.get(URL, timeout=5)",
        "requests.request('GET', URL, timeout=5)",
        "requests.request(verb, URL, timeout=5)",
        "cur.execute('INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING', (x,))",
        "cur.execute('UPDATE t SET a = %s WHERE id = 1', (x,))",
        "cur.execute('SELECT 1')",
        "cur.execute(query)",
        "other.post(URL)",
    ],
)
def test_res208_negative(call: str) -> None:
    code = (
        HEAD
        + f"""
URL = "https://pay"
HEADERS = {{"IDEMPOTENCY-KEY": "k"}}

@retry(stop=stop_after_attempt(3))
def f(x, cur, key, verb, query, other):
    return {call}
"""
    )
    assert found(code, "RES208") == []


def test_res208_scopes() -> None:
    code = (
        HEAD
        + """
from tenacity import Retrying
from celery import shared_task

def not_retried(x):
    return requests.post("/a", json=x, timeout=5)

def loop(x):
    for attempt in Retrying(stop=stop_after_attempt(3)):
        with attempt:
            requests.post("/b", json=x, timeout=5)
    requests.post("/after", json=x, timeout=5)

def hand(x):
    for i in range(3):
        try:
            return requests.post("/c", json=x, timeout=5)
        except requests.Timeout:
            time.sleep(random.random())

@shared_task(autoretry_for=(IOError,), retry_backoff=True)
def task(x):
    requests.post("/d", json=x, timeout=5)
    requests.patch("/e", json=x, timeout=5)

@retry(stop=stop_after_attempt(3))
def nested(x):
    def later():
        requests.post("/f", json=x, timeout=5)
    return later
"""
    )
    assert lines(code, "RES208") == [14, 20, 26, 27]


# -- RES209 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deco",
    [
        "@retry(stop=stop_after_attempt(3))",
        "@retry(stop=stop_after_attempt(3), retry=tenacity.retry_if_exception_type(Exception))",
        "@retry(stop=stop_after_attempt(3), retry=tenacity.retry_if_exception_type())",
        "@backoff.on_exception(backoff.expo, Exception, max_tries=3)",
        "@backoff.on_exception(backoff.expo, (IOError, Exception), max_tries=3)",
        "@stamina.retry(on=Exception)",
        "@shared_task(autoretry_for=(Exception,), retry_backoff=True)",
    ],
)
def test_res209_positive(deco: str) -> None:
    code = HEAD + f"from celery import shared_task\n{deco}\ndef f(): pass\n"
    (finding,) = found(code, "RES209")
    assert span(code, finding) == deco[1:]
    assert finding.severity == Severity.LOW


@pytest.mark.parametrize(
    "deco",
    [
        "@retry(stop=stop_after_attempt(3), retry=tenacity.retry_if_exception_type(IOError))",
        "@retry(stop=stop_after_attempt(3), retry=tenacity.retry_if_result(bool))",
        "@retry(stop=stop_after_attempt(3), retry=is_transient)",
        "@retry(**opts)",
        "@backoff.on_exception(backoff.expo, Exception, max_tries=3, giveup=is_fatal)",
        "@backoff.on_exception(backoff.expo, requests.RequestException, max_tries=3)",
        "@backoff.on_predicate(backoff.expo, max_tries=3)",
        "@stamina.retry(on=httpx_errors)",
        "@retry(stop=stop_after_attempt(1))",
        "@shared_task(autoretry_for=(IOError,), retry_backoff=True)",
    ],
)
def test_res209_negative(deco: str) -> None:
    code = HEAD + f"from celery import shared_task\n{deco}\ndef f(): pass\n"
    assert found(code, "RES209") == []


def test_contract_example_bare_retry() -> None:
    code = HEAD + "@retry\ndef fetch(): ...\n"
    assert sorted(f.rule for f in audit(code)) == ["RES201", "RES202", "RES209"]


# -- RES301 -----------------------------------------------------------------------------


GET = "    return requests.get('/', timeout=5)"


def test_res301_positive_and_span() -> None:
    code = (
        HEAD
        + """
@retry(stop=stop_after_attempt(3))
def get_user(uid):
    return requests.get(f"/u/{uid}", timeout=5)

def poll(url):
    for i in range(3):
        try:
            return requests.get(url, timeout=5)
        except requests.Timeout:
            time.sleep(random.random())
"""
    )
    findings = found(code, "RES301")
    assert [f.location for f in findings] == [Location(6, 5, 6, 13), Location(9, 5, 9, 9)]
    assert findings[0].severity == Severity.LOW
    assert findings[0].fix is not None and findings[0].fix.applicability == Applicability.DISPLAY
    assert findings[0].generate == "circuit-breaker"
    assert "get_user()" in findings[0].message


@pytest.mark.parametrize(
    "guard",
    [
        "@breaker\n@retry(stop=stop_after_attempt(3))\ndef f():\n" + GET,
        "@retry(stop=stop_after_attempt(3))\n@breaker\ndef f():\n" + GET,
        "@circuit\n@retry(stop=stop_after_attempt(3))\ndef f():\n" + GET,
        "@circuit(failure_threshold=3)\n@retry(stop=stop_after_attempt(3))\ndef f():\n"
        "    return requests.get('/', timeout=5)",
        "@retry(stop=stop_after_attempt(3))\ndef f():\n    with breaker.calling():\n"
        "        return requests.get('/', timeout=5)",
        "@retry(stop=stop_after_attempt(3))\ndef f():\n"
        "    return breaker.call(requests.get, '/', timeout=5)",
        "@retry(stop=stop_after_attempt(3))\nasync def f():\n"
        "    async with await cbf.get_breaker('users'):\n"
        "        return await session.get('/')",
        "@cbf('users')\n@retry(stop=stop_after_attempt(3))\nasync def f():\n"
        "    return await session.get('/')",
        # No external call in the scope: not a retried function.
        "@retry(stop=stop_after_attempt(3))\ndef f():\n    return compute()",
        # Guarded by a caller running it under the breaker.
        "@retry(stop=stop_after_attempt(3))\ndef f():\n    return requests.get('/', timeout=5)\n"
        "def g():\n    return breaker.call(f)",
        # Guarded by a breaker-decorated caller.
        "@retry(stop=stop_after_attempt(3))\ndef f():\n    return requests.get('/', timeout=5)\n"
        "@breaker\ndef g():\n    return f()",
    ],
)
def test_res301_guarded(guard: str) -> None:
    code = HEAD + (
        "import pybreaker, aiohttp\nfrom circuitbreaker import circuit\n"
        "from purgatory import AsyncCircuitBreakerFactory\n"
        "breaker = pybreaker.CircuitBreaker(fail_max=5)\n"
        "cbf = AsyncCircuitBreakerFactory()\n"
        "session = aiohttp.ClientSession()\n" + guard + "\n"
    )
    assert found(code, "RES301") == []


def test_res301_cross_module(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "breakers.py").write_text(
        "import pybreaker\n\nusers_breaker = pybreaker.CircuitBreaker(fail_max=5)\n"
    )
    (app / "users.py").write_text(
        "import requests\nfrom tenacity import retry, stop_after_attempt\n"
        "from app.breakers import users_breaker\nfrom .lib import helper\n\n"
        "@users_breaker\n@retry(stop=stop_after_attempt(3))\n"
        "def guarded(uid):\n    return requests.get(f'/u/{uid}', timeout=5)\n\n"
        "@retry(stop=stop_after_attempt(3))\n"
        "def via_call(uid):\n    return requests.get(f'/u/{uid}', timeout=5)\n\n"
        "def entry(uid):\n    return users_breaker.call(via_call, uid)\n\n"
        "@helper\n@retry(stop=stop_after_attempt(3))\n"
        "def unguarded(uid):\n    return requests.get(f'/u/{uid}', timeout=5)\n"
    )
    (app / "lib.py").write_text("def helper(f):\n    return f\n")
    result = audit_paths([str(tmp_path)], Config(select=("RES301",)))
    assert [(Path(f.path).name, f.location) for f in result.findings] == [
        ("users.py", Location(20, 5, 20, 14))
    ]


def test_res301_suppressed_on_def_line() -> None:
    code = HEAD + (
        "@retry(stop=stop_after_attempt(3))\n"
        "def f():  # noqa: RES301\n    return requests.get('/', timeout=5)\n"
    )
    assert found(code, "RES301") == []


def test_retry_with_is_judged_on_what_it_passes() -> None:
    code = HEAD + (
        "@retry(stop=stop_after_attempt(3), retry=tenacity.retry_if_exception_type(IOError))\n"
        "def fetch(): pass\n\n"
        "forever = fetch.retry_with(stop=tenacity.stop_never)\n"
        "quick = fetch.retry_with(wait=wait_fixed(0))\n"
    )
    findings = [f for f in audit(code) if f.location.line > 5]
    assert [(f.rule, span(code, f)) for f in findings] == [
        ("RES201", "fetch.retry_with(stop=tenacity.stop_never)"),
    ]


def test_res207_suppressed_at_inner_call() -> None:
    code = (
        HEAD
        + """
@retry(stop=stop_after_attempt(3))
def inner():
    return requests.get("/", timeout=5)

@retry(stop=stop_after_attempt(3))
def outer():
    return inner()  # noqa: RES207
"""
    )
    assert found(code, "RES207") == []


def test_res208_non_ascii_and_multiline_span() -> None:
    code = HEAD + (
        "@retry(stop=stop_after_attempt(3))\n"
        "def f(x):\n"
        "    note = 'réservé'; return requests.post(\n"
        "        '/r', json=x, timeout=5,\n"
        "    )\n"
    )
    (finding,) = found(code, "RES208")
    assert finding.location == Location(6, 30, 8, 6)
