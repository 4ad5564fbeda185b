"""RES302 (breaker-per-call) and RES303 (inert-breaker)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from resilience_skill.analysis import audit_paths, audit_source
from resilience_skill.analysis.model import Finding, Location
from resilience_skill.config import Config

CONFIG = Config(select=("RES302", "RES303"))


def audit(code: str, config: Config = CONFIG) -> list[Finding]:
    result = audit_source(textwrap.dedent(code), "mod.py", config)
    assert result.errors == ()
    return list(result.findings)


def rules(code: str) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in audit(code)]


# -- RES302 ------------------------------------------------------------------------------


def test_res302_local_breaker_used_once_per_call() -> None:
    findings = audit(
        """\
        import pybreaker, requests

        def fetch(url):
            breaker = pybreaker.CircuitBreaker(fail_max=5)
            return breaker.call(requests.get, url, timeout=5)
        """
    )
    assert [(f.rule, f.location) for f in findings] == [("RES302", Location(4, 15, 4, 51))]
    assert findings[0].message == (
        "pybreaker.CircuitBreaker() builds a new circuit breaker on every call of fetch(): "
        "its failure count starts at zero each time, so it never opens; create it once "
        "(module level or __init__) and reuse it"
    )
    assert findings[0].severity.value == "high"
    assert findings[0].generate == "circuit-breaker"


def test_res302_direct_use_alias_and_non_ascii() -> None:
    findings = audit(
        """\
        from pybreaker import CircuitBreaker as CB
        import requests

        def fetch(url):
            s = "é"; return CB().call(requests.get, url, timeout=5)
        """
    )
    assert [(f.rule, f.location) for f in findings] == [("RES302", Location(5, 21, 5, 25))]


def test_res302_calling_context_and_loop_at_module_level() -> None:
    assert rules(
        """\
        import pybreaker, requests

        def fetch(url):
            with pybreaker.CircuitBreaker().calling():
                return requests.get(url, timeout=5)

        for url in URLS:
            b = pybreaker.CircuitBreaker()
            b.call(requests.get, url, timeout=5)
        """
    ) == [("RES302", 4), ("RES302", 8)]


def test_res302_aiobreaker_and_circuit_applied_at_call_time() -> None:
    assert rules(
        """\
        import aiobreaker
        from circuitbreaker import circuit

        async def fetch(session, url):
            breaker = aiobreaker.CircuitBreaker()
            return await breaker.call_async(session.get, url)

        def get(url):
            return circuit(failure_threshold=3)(requests.get)(url, timeout=5)

        def nested(url):
            @circuit
            def _do():
                return requests.get(url, timeout=5)
            return _do()
        """
    ) == [("RES302", 5), ("RES302", 9), ("RES302", 12)]


def test_res302_purgatory_factory_per_call() -> None:
    assert rules(
        """\
        from purgatory import SyncCircuitBreakerFactory

        def fetch(url):
            cbf = SyncCircuitBreakerFactory(default_threshold=3)
            with cbf.get_breaker("api"):
                return requests.get(url, timeout=5)
        """
    ) == [("RES302", 4)]


def test_res302_negatives_module_level_self_factory_reuse() -> None:
    assert (
        rules(
            """\
        import pybreaker, requests
        from circuitbreaker import circuit

        breaker = pybreaker.CircuitBreaker()

        @circuit(failure_threshold=3)
        def top(url):
            return breaker.call(requests.get, url, timeout=5)

        class Client:
            def __init__(self):
                self.breaker = pybreaker.CircuitBreaker()

        def make_breaker():
            b = pybreaker.CircuitBreaker()
            return b

        def registry(names):
            out = {}
            for name in names:
                out[name] = pybreaker.CircuitBreaker(name=name)
            return out

        def crawl(urls):
            b = pybreaker.CircuitBreaker()
            for url in urls:
                b.call(requests.get, url, timeout=5)

        async def fan_out(urls):
            b = pybreaker.CircuitBreaker()
            await asyncio.gather(*(b.call_async(get, u) for u in urls))

        def closure():
            b = pybreaker.CircuitBreaker()
            def run(url):
                return b.call(requests.get, url, timeout=5)
            return run

        def decorated_factory():
            @circuit
            def _do():
                return requests.get("u", timeout=5)
            return _do

        _cached = None
        def lazy():
            global _cached
            _cached = pybreaker.CircuitBreaker()
            return _cached.call(requests.get, "u", timeout=5)
        """
        )
        == []
    )


def test_res302_unrelated_circuit_breaker_class_is_not_a_breaker() -> None:
    assert (
        rules(
            """\
        from mylib import CircuitBreaker

        def fetch(url):
            b = CircuitBreaker()
            return b.call(get, url)
        """
        )
        == []
    )


def test_res302_suppressed() -> None:
    assert (
        rules(
            """\
        import pybreaker

        def fetch(url):
            return pybreaker.CircuitBreaker().call(get, url)  # noqa: RES302
        """
        )
        == []
    )


# -- RES303 ------------------------------------------------------------------------------


def test_res303_decorated_function_swallows_everything() -> None:
    findings = audit(
        """\
        import pybreaker, requests

        breaker = pybreaker.CircuitBreaker()

        @breaker
        def get_user(uid):
            try:
                return requests.get(f"/users/{uid}", timeout=5).json()
            except Exception:
                return None
        """
    )
    assert [(f.rule, f.location) for f in findings] == [("RES303", Location(9, 5, 10, 20))]
    assert findings[0].message.startswith(
        "the breaker on get_user() never sees a failure: this handler catches every "
        "exception and does not re-raise, so the breaker never opens"
    )
    assert findings[0].severity.value == "medium"


def test_res303_library_spellings() -> None:
    assert rules(
        """\
        import aiohttp, requests
        from circuitbreaker import circuit, CircuitBreaker
        from purgatory import AsyncCircuitBreakerFactory

        cbf = AsyncCircuitBreakerFactory()

        class MyBreaker(CircuitBreaker):
            FAILURE_THRESHOLD = 3

        @circuit
        def a():
            try:
                requests.get("u", timeout=5)
            except:
                pass

        @circuit(failure_threshold=2)
        def b():
            try:
                requests.get("u", timeout=5)
            except BaseException:
                pass

        @MyBreaker()
        def c():
            try:
                requests.get("u", timeout=5)
            except (ValueError, Exception) as exc:
                return str(exc)

        @cbf("api")
        async def d(session: aiohttp.ClientSession):
            try:
                return await session.get("u")
            except Exception:
                return None
        """
    ) == [("RES303", 14), ("RES303", 21), ("RES303", 28), ("RES303", 35)]


def test_res303_with_calling_and_breaker_call() -> None:
    assert rules(
        """\
        import pybreaker, requests

        breaker = pybreaker.CircuitBreaker()

        def g():
            with breaker.calling():
                try:
                    requests.get("u", timeout=5)
                except:
                    pass

        def plain():
            try:
                return requests.get("u", timeout=5)
            except Exception:
                return None

        def h():
            return breaker.call(plain)
        """
    ) == [("RES303", 9), ("RES303", 15)]


def test_res303_negatives() -> None:
    assert (
        rules(
            """\
        import logging, pybreaker, requests

        breaker = pybreaker.CircuitBreaker()
        log = logging.getLogger(__name__)

        @breaker
        def reraises():
            try:
                return requests.get("u", timeout=5)
            except Exception:
                log.exception("boom")
                raise

        @breaker
        def narrow():
            try:
                return requests.get("u", timeout=5)
            except ValueError:
                return None

        @breaker
        def conditional():
            try:
                return requests.get("u", timeout=5)
            except Exception as exc:
                if is_transient(exc):
                    raise
                return None

        @breaker
        def call_outside():
            try:
                setup = requests.get("cfg", timeout=5)
            except Exception:
                setup = None
            return requests.get("u", timeout=5)

        @breaker
        def raises_after():
            try:
                r = requests.get("u", timeout=5)
            except Exception:
                r = None
            if r is None:
                raise RuntimeError("down")
            return r

        def unguarded():
            try:
                return requests.get("u", timeout=5)
            except Exception:
                return None

        @breaker
        def no_external_call():
            try:
                return parse()
            except Exception:
                return None
        """
        )
        == []
    )


def test_res303_breaker_from_another_module(tmp_path: Path) -> None:
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "breakers.py").write_text(
        "import pybreaker\n\ndb_breaker = pybreaker.CircuitBreaker(fail_max=3)\n"
    )
    (pkg / "users.py").write_text(
        textwrap.dedent(
            """\
            import requests
            from app.breakers import db_breaker
            from app import other

            @db_breaker
            def get_user(uid):
                try:
                    return requests.get("u", timeout=5)
                except Exception:
                    return None

            @other.cache
            def cached():
                try:
                    return requests.get("u", timeout=5)
                except Exception:
                    return None
            """
        )
    )
    (pkg / "other.py").write_text("def cache(f):\n    return f\n")
    result = audit_paths([str(tmp_path)], Config(select=("RES303",)))
    found = [(f.rule, f.path.rsplit("/", 1)[-1], f.location) for f in result.findings]
    assert found == [("RES303", "users.py", Location(9, 5, 10, 20))]
    assert result.findings[0].message.startswith(
        "the breaker db_breaker on get_user() never sees a failure"
    )


def test_res303_method_on_session_attribute_and_reused_nested_def() -> None:
    assert rules(
        """\
        import pybreaker, requests
        from circuitbreaker import circuit

        class Api:
            breaker = pybreaker.CircuitBreaker()

            def __init__(self):
                self.session = requests.Session()

            @breaker
            def get(self, path):
                try:
                    return self.session.get(path, timeout=5)
                except Exception:
                    return None

        def main(urls):
            @circuit
            def fetch(u):
                return requests.get(u, timeout=5)
            for u in urls:
                fetch(u)
        """
    ) == [("RES303", 14)]
