"""RES801: breakers with no listener anywhere in the tree, retries with no hook."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from resilience_skill.analysis import audit_paths, audit_source
from resilience_skill.analysis.model import Applicability, Finding, Fix, Location
from resilience_skill.analysis.source import SourceFile
from resilience_skill.config import Config
from resilience_skill.fixes.apply import apply_edits

CONFIG = Config(select=("RES801",))


def audit(code: str) -> list[Finding]:
    result = audit_source(textwrap.dedent(code), "mod.py", CONFIG)
    assert result.errors == ()
    return list(result.findings)


def lines(code: str) -> list[int]:
    return [f.location.line for f in audit(code)]


def apply(text: str, fix: Fix) -> str:
    """Apply one fix's edits, as the fixer does."""
    return apply_edits(SourceFile.from_text("mod.py", text), fix.edits)


def fix_each(code: str) -> list[str]:
    """Apply each RES801 fix alone; each result parses and loses that finding."""
    text = textwrap.dedent(code)
    findings = audit(text)
    results = []
    for finding in findings:
        assert finding.fix is not None
        assert finding.fix.applicability == Applicability.UNSAFE
        out = apply(text, finding.fix)
        ast.parse(out)
        after = audit(out)
        assert len(after) == len(findings) - 1, out
        results.append(out)
    return results


# -- breakers ----------------------------------------------------------------------------


def test_pybreaker_without_listener() -> None:
    findings = audit(
        """\
        import pybreaker

        breaker = pybreaker.CircuitBreaker(fail_max=3, reset_timeout=30)
        empty = pybreaker.CircuitBreaker(listeners=[])
        """
    )
    assert [(f.location, f.fix) for f in findings] == [
        (Location(3, 11, 3, 65), None),
        (Location(4, 9, 4, 47), None),
    ]
    assert findings[0].message == (
        "pybreaker.CircuitBreaker() has no listener anywhere in the audited tree: nobody "
        "sees the circuit open or close; pass listeners=[...] (a CircuitBreakerListener "
        "logging state_change) or call add_listener(...)"
    )
    assert findings[0].severity.value == "low"


def test_listeners_in_constructor_or_add_listener() -> None:
    assert (
        lines(
            """\
        import pybreaker
        from aiobreaker import CircuitBreaker as ACB
        from purgatory import SyncCircuitBreakerFactory

        a = pybreaker.CircuitBreaker(listeners=[LogListener()])
        b = pybreaker.CircuitBreaker(listeners=LISTENERS)
        c = pybreaker.CircuitBreaker()
        c.add_listener(LogListener())
        d = ACB()
        d.add_listeners(LogListener())
        e = pybreaker.CircuitBreaker(**opts)
        cbf = SyncCircuitBreakerFactory()
        cbf.add_listener(hook)

        class Api:
            def __init__(self):
                self.breaker = pybreaker.CircuitBreaker()
                self.breaker.add_listener(LogListener())
        """
        )
        == []
    )


def test_listener_on_another_breaker_does_not_count() -> None:
    assert lines(
        """\
        import pybreaker
        from purgatory import AsyncCircuitBreakerFactory

        a = pybreaker.CircuitBreaker()
        b = pybreaker.CircuitBreaker()
        b.add_listener(LogListener())
        cbf = AsyncCircuitBreakerFactory()
        """
    ) == [4, 7]


def test_circuit_decorators_need_the_monitor() -> None:
    findings = audit(
        """\
        import circuitbreaker
        from circuitbreaker import circuit

        @circuit
        def a(): ...

        @circuitbreaker.circuit(failure_threshold=3)
        def b(): ...
        """
    )
    assert [(f.location, f.message.split(" has ")[0]) for f in findings] == [
        (Location(4, 2, 4, 9), "@circuit"),
        (Location(7, 2, 7, 45), "@circuitbreaker.circuit(...)"),
    ]
    assert "CircuitBreakerMonitor" in findings[0].message


def test_monitor_in_same_file_counts_for_every_circuit() -> None:
    assert (
        lines(
            """\
        from circuitbreaker import circuit, CircuitBreakerMonitor

        @circuit
        def a(): ...

        def health():
            return list(CircuitBreakerMonitor.get_open())
        """
        )
        == []
    )


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_listener_registered_in_another_module(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/breakers.py": """\
                import pybreaker
                db_breaker = pybreaker.CircuitBreaker()
                api_breaker = pybreaker.CircuitBreaker()
                """,
            "app/observability.py": """\
                from app.breakers import db_breaker
                from app import breakers

                db_breaker.add_listener(LogListener())
                """,
        },
    )
    result = audit_paths([str(tmp_path)], CONFIG)
    assert [(f.path.rsplit("/", 1)[-1], f.location.line) for f in result.findings] == [
        ("breakers.py", 3)
    ]


def test_audit_root_inside_the_package(tmp_path: Path) -> None:
    # Imports name `app.breakers`; modules audited from inside `app/` are `breakers`.
    _write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/breakers.py": "import pybreaker\ndb_breaker = pybreaker.CircuitBreaker()\n",
            "app/observe.py": "from app.breakers import db_breaker\ndb_breaker.add_listener(L())\n",
        },
    )
    assert audit_paths([str(tmp_path / "app")], CONFIG).findings == ()


def test_monitor_in_another_module(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "svc.py": "from circuitbreaker import circuit\n\n@circuit\ndef a(): ...\n",
            "health.py": "import circuitbreaker\n\n"
            "def ok():\n    return circuitbreaker.CircuitBreakerMonitor.all_closed()\n",
        },
    )
    assert audit_paths([str(tmp_path)], CONFIG).findings == ()
    (tmp_path / "health.py").unlink()
    assert [f.location.line for f in audit_paths([str(tmp_path)], CONFIG).findings] == [3]


def test_unplaceable_listener_silences_breakers(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "b.py": "import pybreaker\nb = pybreaker.CircuitBreaker()\n",
            "o.py": "def wire(breakers):\n    for x in breakers:\n        x.add_listener(L())\n",
        },
    )
    assert audit_paths([str(tmp_path)], CONFIG).findings == ()


def test_breaker_suppression() -> None:
    assert lines("import pybreaker\nb = pybreaker.CircuitBreaker()  # noqa: RES801\n") == []


# -- retries -----------------------------------------------------------------------------


def test_tenacity_without_hook_spellings() -> None:
    findings = audit(
        """\
        import tenacity
        from tenacity import retry as r, Retrying, AsyncRetrying, stop_after_attempt

        @r
        def a(): ...

        @tenacity.retry(stop=stop_after_attempt(3))
        def b(): ...

        def c():
            for attempt in Retrying(stop=stop_after_attempt(3)):
                with attempt:
                    pass

        async def d():
            async for attempt in AsyncRetrying(stop=stop_after_attempt(3)):
                with attempt:
                    pass
        """
    )
    assert [(f.location, f.message.split(" retries")[0]) for f in findings] == [
        (Location(4, 2, 4, 3), "@r"),
        (Location(7, 2, 7, 44), "@tenacity.retry(...)"),
        (Location(11, 20, 11, 56), "Retrying(...)"),
        (Location(16, 26, 16, 67), "AsyncRetrying(...)"),
    ]
    assert findings[0].message == (
        "@r retries silently (no before_sleep, after or retry_error_callback): nobody sees "
        "the retry rate; add before_sleep=before_sleep_log(logger, logging.WARNING)"
    )


def test_tenacity_with_hooks_and_unknowns_are_fine() -> None:
    assert (
        lines(
            """\
        from tenacity import retry, before_sleep_log, after_log, stop_after_attempt

        @retry(before_sleep=before_sleep_log(log, 30))
        def a(): ...

        @retry(after=after_log(log, 20))
        def b(): ...

        @retry(retry_error_callback=lambda s: None)
        def c(): ...

        @retry(before=lambda s: None)
        def d(): ...

        @retry(**POLICY)
        def e(): ...

        @external_policy
        def f(): ...
        """
        )
        == []
    )


def test_backoff_and_stamina() -> None:
    assert lines(
        """\
        import backoff, stamina

        @backoff.on_exception(backoff.expo, ValueError, max_tries=3, logger=None)
        def a(): ...

        @backoff.on_exception(backoff.expo, ValueError, max_tries=3)
        def b(): ...

        @backoff.on_exception(backoff.expo, ValueError, logger=None, on_backoff=count)
        def c(): ...

        @stamina.retry(on=ValueError, attempts=3)
        def d(): ...
        """
    ) == [3]
    assert (
        audit("import backoff\n@backoff.on_predicate(backoff.fibo, logger=None)\ndef a(): ...\n")[
            0
        ].fix
        is None
    )


def test_shared_policy_reported_once_at_its_definition() -> None:
    assert lines(
        """\
        from tenacity import retry, stop_after_attempt

        policy = retry(stop=stop_after_attempt(3))

        @policy
        def a(): ...

        @policy
        def b(): ...
        """
    ) == [3]


# -- the fix -----------------------------------------------------------------------------


def test_fix_bare_retry_adds_imports_and_logger() -> None:
    (out,) = fix_each(
        '''\
        """Doc."""
        from tenacity import retry

        @retry
        def fetch(): ...
        '''
    )
    assert out == textwrap.dedent(
        '''\
        """Doc."""
        import logging
        from tenacity import before_sleep_log, retry

        logger = logging.getLogger(__name__)

        @retry(before_sleep=before_sleep_log(logger, logging.WARNING))
        def fetch(): ...
        '''
    )


def test_fix_reuses_logger_and_module_import() -> None:
    (out,) = fix_each(
        """\
        import logging
        import tenacity as t

        log = logging.getLogger("svc")

        @t.retry(
            stop=t.stop_after_attempt(3),
        )
        def fetch(): ...
        """
    )
    assert out == textwrap.dedent(
        """\
        import logging
        import tenacity as t

        log = logging.getLogger("svc")

        @t.retry(
            stop=t.stop_after_attempt(3),
            before_sleep=t.before_sleep_log(log, logging.WARNING),
        )
        def fetch(): ...
        """
    )


def test_fix_retrying_call_and_each_fix_alone() -> None:
    outs = fix_each(
        """\
        from tenacity import Retrying, retry, stop_after_attempt

        @retry(stop=stop_after_attempt(2))
        def a(): ...

        def b():
            for attempt in Retrying(stop=stop_after_attempt(3)):
                with attempt:
                    pass
        """
    )
    assert "Retrying(stop=stop_after_attempt(3), before_sleep=before_sleep_log(" in outs[1]


@pytest.mark.parametrize(
    "code",
    [
        "from tenacity import retry\nbefore_sleep_log = 1\n@retry\ndef a(): ...\n",
        "from tenacity import retry\nlogger = object()\n@retry\ndef a(): ...\n",
    ],
)
def test_no_fix_when_names_are_taken(code: str) -> None:
    (finding,) = audit(code)
    assert finding.fix is None


def test_fix_empty_call_with_loguru_logger() -> None:
    (out,) = fix_each(
        "from loguru import logger\nfrom tenacity import retry\n\n@retry()\ndef a(): ...\n"
    )
    assert out == (
        "import logging\nfrom loguru import logger\nfrom tenacity import before_sleep_log, retry\n"
        "\n@retry(before_sleep=before_sleep_log(logger, logging.WARNING))\ndef a(): ...\n"
    )


def test_breaker_findings_point_to_the_circuit_breaker_template() -> None:
    from resilience_skill.analysis import audit_source

    code = "import pybreaker\n\nbreaker = pybreaker.CircuitBreaker(fail_max=5)\n"
    [finding] = [f for f in audit_source(code, "m.py").findings if f.rule == "RES801"]
    assert finding.generate == "circuit-breaker"
