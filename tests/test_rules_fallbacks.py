"""RES501-RES503: swallowed exceptions, silent fallbacks, swallowed cancellation."""

from __future__ import annotations

import ast
import textwrap

import pytest
from resilience_skill.analysis import audit_source
from resilience_skill.analysis.model import Applicability, Finding, Fix, Location
from resilience_skill.analysis.source import SourceFile
from resilience_skill.config import Config
from resilience_skill.fixes.apply import apply_edits

CONFIG = Config(select=("RES5",))
FALLBACKS = "Fallback strategy per dependency"


def audit(code: str, config: Config = CONFIG) -> list[Finding]:
    result = audit_source(code, "mod.py", config)
    assert result.errors == ()
    return list(result.findings)


def rules(code: str, config: Config = CONFIG) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in audit(textwrap.dedent(code), config)]


def apply(text: str, fix: Fix) -> str:
    """Apply one fix's edits, as the fixer does."""
    return apply_edits(SourceFile.from_text("mod.py", text), fix.edits)


def fixed(text: str, rule_id: str, config: Config = CONFIG) -> str:
    """Apply the fix of the only ``rule_id`` finding; the result parses and is clean."""
    found = [f for f in audit(text, config) if f.rule == rule_id]
    assert len(found) == 1, found
    fix = found[0].fix
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    out = apply(text, fix)
    ast.parse(out)
    assert [f for f in audit(out, config) if f.rule == rule_id] == []
    return out


def wrap(handler: str, body: str = "requests.get(u, timeout=3)") -> str:
    return (
        "import requests\n"
        "import logging\n"
        "logger = logging.getLogger(__name__)\n"
        "\n"
        "def f(u):\n"
        "    try:\n"
        f"        {body}\n"
        f"    {handler}\n"
    )


# -- RES501 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("handler", "severity"),
    [
        ("except:\n        pass", "high"),
        ("except Exception:\n        pass", "medium"),
        ("except BaseException:\n        ...", "medium"),
        ("except (ValueError, Exception):\n        pass", "medium"),
        ("except Exception as exc:\n        return None", "medium"),
        ("except Exception:\n        return", "medium"),
        ("except Exception:\n        return []", "medium"),
        ("except Exception:\n        return {'ok': False}", "medium"),
        ("except Exception:\n        result = None\n        return result", "medium"),
        ("except Exception:\n        self_x = DEFAULT", "medium"),
        ("except Exception:\n        'ignored'", "medium"),
        ("except builtins.Exception:\n        pass", "medium"),
    ],
)
def test_res501_positives(handler: str, severity: str) -> None:
    code = wrap(handler).replace("import logging\n", "import builtins, logging\nDEFAULT = 3\n")
    if "return result" in handler:
        # `return result` is not a constant: one trivial statement is not enough.
        assert rules(code) == []
        return
    found = audit(code)
    assert [f.rule for f in found] == ["RES501"]
    assert found[0].severity.value == severity


def test_res501_continue_in_loop() -> None:
    code = wrap("except Exception:\n            continue").replace(
        "    try:\n        requests", "    for x in u:\n      try:\n        requests"
    )
    code = (
        "import requests\n"
        "def f(urls):\n"
        "    for u in urls:\n"
        "        try:\n"
        "            requests.get(u, timeout=3)\n"
        "        except Exception:\n"
        "            continue\n"
    )
    assert rules(code) == [("RES501", 6)]


@pytest.mark.parametrize(
    "handler",
    [
        "except Exception:\n        logger.exception('boom')",
        "except Exception:\n        raise",
        "except Exception as exc:\n        return str(exc)",
        "except Exception:\n        metrics.increment('fetch.failed')\n        return None",
        "except Exception:\n        return fallback()",
        "except ValueError:\n        pass",
        "except requests.RequestException:\n        return None",
        "except Exception:\n        count += 1",
    ],
)
def test_res501_negatives(handler: str) -> None:
    assert [r for r, _ in rules(wrap(handler)) if r == "RES501"] == []


def test_res501_shadowed_exception_is_not_broad() -> None:
    code = "class Exception(ValueError): ...\ntry:\n    x()\nexcept Exception:\n    pass\n"
    assert rules(code) == []


def test_res501_span_message_and_suppression() -> None:
    code = wrap("except Exception:\n        pass")
    [finding] = audit(code)
    assert finding.location == Location(8, 5, 9, 13)
    assert finding.message == (
        "`except Exception:` swallows every error of requests.get() with `pass`: failures "
        "vanish without a trace; log it with logger.exception() and catch only the errors you "
        "expect"
    )
    assert audit(code.replace("except Exception:", "except Exception:  # noqa: RES501")) == []
    ignored = code.replace("except Exception:", "except Exception:  # resilience: ignore[RES501]")
    assert audit(ignored) == []


def test_res501_non_ascii_span() -> None:
    code = "try:\n    ünïcode()\nexcept Exception: msg = 'héllo'\n"
    [finding] = audit(code)
    assert finding.location == Location(3, 1, 3, 32)
    out = fixed(code, "RES501")
    assert "except Exception: logger.exception(\"ünïcode failed\"); msg = 'héllo'\n" in out


def test_res501_fix_uses_existing_logger() -> None:
    code = wrap("except Exception:\n        pass").replace("logger =", "log =")
    out = fixed(code, "RES501")
    assert out.endswith(
        '    except Exception:\n        log.exception("requests.get failed")\n        pass\n'
    )


def test_res501_fix_creates_module_logger() -> None:
    code = (
        '"""Doc."""\nimport requests\n\n'
        "def f():\n    try:\n        requests.get(u)\n    except:\n        return None\n"
    )
    out = fixed(code, "RES501")
    # The module logger's exact layout belongs to edits.module_logger; here: it exists,
    # after the imports, and the handler uses it.
    lines = out.splitlines()
    assert lines[0] == '"""Doc."""'
    assert lines.index("import logging") < lines.index("logger = logging.getLogger(__name__)")
    assert lines.index("import requests") < lines.index("logger = logging.getLogger(__name__)")
    assert out.endswith(
        '    except:\n        logger.exception("requests.get failed")\n        return None\n'
    )


def test_res501_fix_with_loguru() -> None:
    code = "from loguru import logger as lg\ntry:\n    go()\nexcept Exception:\n    pass\n"
    out = fixed(code, "RES501")
    assert 'lg.exception("go failed")' in out


def test_res501_fix_keeps_tabs_and_crlf() -> None:
    code = (
        "import logging\r\nlogger = logging.getLogger(__name__)\r\n"
        "def f():\r\n\ttry:\r\n\t\tgo()\r\n\texcept Exception:\r\n\t\tpass\r\n"
    )
    out = fixed(code, "RES501")
    assert out.endswith('\texcept Exception:\r\n\t\tlogger.exception("go failed")\r\n\t\tpass\r\n')


def test_res501_module_level_handler_before_logger_has_no_fix() -> None:
    code = "try:\n    import ujson as json\nexcept Exception:\n    json = None\nimport logging\n"
    [finding] = audit(code)
    assert finding.fix is None


def test_res501_no_fix_when_logger_name_is_taken() -> None:
    code = "logger = 3\ndef f():\n    try:\n        go()\n    except Exception:\n        pass\n"
    [finding] = audit(code)
    assert finding.fix is None


# -- RES502 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "handler",
    [
        "except requests.RequestException:\n        return None",
        "except requests.Timeout:\n        return",
        "except (requests.ConnectionError, KeyError):\n        data = CACHED",
        "except TimeoutError:\n        return fallback_value()",
        "except ConnectionError:\n        notify()\n        return []",
        "except requests.HTTPError as exc:\n        return None",
        "except OSError:\n        if retry:\n            return None\n        result = {}",
    ],
)
def test_res502_positives(handler: str) -> None:
    found = audit(wrap(handler))
    assert [f.rule for f in found] == ["RES502"]
    assert found[0].severity.value == "medium"


@pytest.mark.parametrize(
    "body",
    [
        "import httpx\nc = httpx.Client()\ndef f():\n    try:\n        c.get(u)\n"
        "    except httpx.HTTPError:\n        return None\n",
        "import redis\nr = redis.Redis()\ndef f():\n    try:\n        return r.get('k')\n"
        "    except redis.RedisError:\n        return None\n",
        "import subprocess\ndef f():\n    try:\n        subprocess.run(a, timeout=3)\n"
        "    except subprocess.TimeoutExpired:\n        return ''\n",
    ],
)
def test_res502_other_clients(body: str) -> None:
    assert [r for r, _ in rules(body)] == ["RES502"]


LOGGING_FORMS = [
    "logging.warning('x')",
    "logger.warning('x')",
    "log.error('x')",
    "LOG.error('x')",
    "self_logger.info('x')",
    "app.logger.info('x')",
    "structlog.get_logger().warning('x')",
    "sentry_sdk.capture_exception()",
    "capture_message('x')",
    "warnings.warn('x')",
    "audit.warning('x')",
    "statsd.increment('fallback')",
    "FALLBACKS.inc()",
    "print('fetch failed')",
    "lg.error('x')",
]


@pytest.mark.parametrize("call", LOGGING_FORMS)
def test_res502_any_logging_form_makes_it_visible(call: str) -> None:
    code = (
        "import logging, structlog, sentry_sdk, warnings, requests\n"
        "from sentry_sdk import capture_message\n"
        "from loguru import logger as lg\n"
        "audit = logging.getLogger('audit')\n"
        "def f(u):\n"
        "    try:\n"
        "        return requests.get(u, timeout=3)\n"
        "    except requests.RequestException:\n"
        f"        {call}\n"
        "        return None\n"
    )
    assert rules(code) == []


def test_res502_configured_logging_names() -> None:
    code = wrap("except requests.Timeout:\n        report_failure('x')\n        return None")
    assert rules(code) == [("RES502", 8)]
    config = Config(select=("RES5",), logging_names=("report_failure",))
    assert rules(code, config) == []
    qualified = code.replace("import logging\n", "from myapp.obs import report_failure\n")
    config = Config(select=("RES5",), logging_names=("myapp.obs.report_failure",))
    assert rules(qualified, config) == []


@pytest.mark.parametrize(
    ("handler", "body"),
    [
        (
            "except requests.HTTPError as exc:\n        if exc.response.status_code == 404:\n"
            "            return []\n        raise",
            "requests.get(u, timeout=3)",
        ),
        ("except requests.Timeout:\n        raise ServiceDown()", "requests.get(u, timeout=3)"),
        ("except requests.Timeout:\n        pass", "requests.get(u, timeout=3)"),
        ("except KeyError:\n        return None", "requests.get(u, timeout=3)"),
        ("except TimeoutError:\n        return None", "compute()"),
        ("except Exception:\n        return None", "compute()"),
        ("except asyncio.CancelledError:\n        return None", "requests.get(u, timeout=3)"),
        ("except MyClientError:\n        return None", "requests.get(u, timeout=3)"),
    ],
)
def test_res502_negatives(handler: str, body: str) -> None:
    code = "import asyncio\n" + wrap(handler, body)
    assert [r for r, _ in rules(code) if r == "RES502"] == []


def test_res502_message_span_and_fix() -> None:
    code = wrap("except requests.RequestException:\n        return None")
    [finding] = audit(code)
    assert finding.location == Location(8, 5, 9, 20)
    assert finding.message == (
        "`except requests.RequestException:` around requests.get() falls back silently: the "
        "dependency can fail for days and nobody sees it; log a warning (exc_info=True) or "
        "count a metric"
    )
    out = fixed(code, "RES502")
    assert out.endswith(
        "    except requests.RequestException:\n"
        '        logger.warning("requests.get failed, using fallback", exc_info=True)\n'
        "        return None\n"
    )


# -- RES503 -------------------------------------------------------------------------------


def async_wrap(handler: str, imports: str = "import asyncio\n") -> str:
    return f"{imports}async def handler():\n    try:\n        await do()\n    {handler}\n"


@pytest.mark.parametrize(
    "handler",
    [
        "except BaseException:\n        return None",
        "except:\n        cleanup()",
        "except asyncio.CancelledError:\n        cleanup()",
        "except asyncio.CancelledError:\n        return None",
        "except (asyncio.CancelledError, ValueError):\n        log.info('x')",
    ],
)
def test_res503_positives(handler: str) -> None:
    code = async_wrap(handler)
    found = [f for f in audit(code) if f.rule == "RES503"]
    assert len(found) == 1
    assert found[0].severity.value == "high"
    assert found[0].location.line == 5
    fixed(code, "RES503", Config(select=("RES503",)))


def test_res503_contract_example_is_also_res501() -> None:
    code = async_wrap("except BaseException:\n        return None")
    assert rules(code) == [("RES501", 5), ("RES503", 5)]


@pytest.mark.parametrize(
    "code",
    [
        async_wrap("except BaseException:\n        cleanup()\n        raise"),
        async_wrap("except asyncio.CancelledError:\n        raise"),
        async_wrap("except Exception:\n        log.info('x')"),
        async_wrap(
            "except asyncio.CancelledError:\n        raise\n    except BaseException:\n"
            "        log.info('x')"
        ),
        async_wrap("except BaseException:\n        log.info('x')").replace("await do()", "do()"),
        "import asyncio\ndef f():\n    try:\n        g()\n    except BaseException:\n"
        "        log.info('x')\n",
        "import asyncio\nasync def f():\n    def g():\n        try:\n            h()\n"
        "        except BaseException:\n            log.info('x')\n    await g()\n",
    ],
)
def test_res503_negatives(code: str) -> None:
    assert [r for r, _ in rules(code) if r == "RES503"] == []


def test_res503_message_and_span() -> None:
    code = async_wrap("except asyncio.CancelledError:\n        cleanup()")
    [finding] = audit(code)
    assert finding.location == Location(5, 5, 6, 18)
    assert finding.message == (
        "`except asyncio.CancelledError:` in async def handler() swallows "
        "asyncio.CancelledError: timeouts and task cancellation stop working and the task "
        "keeps running; re-raise CancelledError"
    )


ONLY_503 = Config(select=("RES503",))


def test_res503_fix_appends_raise() -> None:
    code = async_wrap("except asyncio.CancelledError:\n        cleanup()  # tidy")
    assert fixed(code, "RES503", ONLY_503).endswith(
        "    except asyncio.CancelledError:\n        cleanup()  # tidy\n        raise\n"
    )


def test_res503_fix_replaces_return() -> None:
    code = async_wrap("except asyncio.CancelledError:\n        return None")
    assert fixed(code, "RES503", ONLY_503).endswith(
        "    except asyncio.CancelledError:\n        raise\n"
    )


def test_res503_fix_single_line_handler() -> None:
    code = async_wrap("except asyncio.CancelledError: cleanup()")
    assert fixed(code, "RES503", ONLY_503).endswith(
        "    except asyncio.CancelledError: cleanup(); raise\n"
    )


def test_res503_fix_inserts_handler_before_base_exception() -> None:
    code = async_wrap("except BaseException:\n        return None")
    assert fixed(code, "RES503", ONLY_503) == (
        "import asyncio\nasync def handler():\n    try:\n        await do()\n"
        "    except asyncio.CancelledError:\n        raise\n"
        "    except BaseException:\n        return None\n"
    )


@pytest.mark.parametrize(
    ("imports", "spelled"),
    [
        ("import asyncio as aio\n", "aio.CancelledError"),
        ("from asyncio import CancelledError\n", "CancelledError"),
        ("", "asyncio.CancelledError"),
    ],
)
def test_res503_fix_spells_cancelled_error_as_imported(imports: str, spelled: str) -> None:
    code = async_wrap("except:\n        return None", imports)
    out = fixed(code, "RES503", ONLY_503)
    assert f"    except {spelled}:\n        raise\n    except:\n" in out
    if not imports:
        assert out.startswith("import asyncio\n")


def test_res503_fix_with_tabs() -> None:
    code = (
        "import asyncio\nasync def f():\n\ttry:\n\t\tawait g()\n\texcept BaseException:\n\t\tpass\n"
    )
    out = fixed(code, "RES503", ONLY_503)
    assert "\texcept asyncio.CancelledError:\n\t\traise\n\texcept BaseException:\n" in out


def test_res503_fix_follows_the_handlers_indentation() -> None:
    code = (
        "import asyncio\n\nasync def f():\n    pass\n\nclass C:\n  async def g(self):\n"
        "    try:\n        await h()\n    except:\n        pass\n"
    )
    out = fixed(code, "RES503", ONLY_503)
    assert "    except asyncio.CancelledError:\n        raise\n    except:\n" in out


def test_res503_except_star() -> None:
    code = (
        "import asyncio\nasync def f():\n    try:\n        await g()\n"
        "    except* BaseException:\n        pass\n"
    )
    out = fixed(code, "RES503", ONLY_503)
    assert "    except* asyncio.CancelledError:\n        raise\n" in out


# -- scorecard ----------------------------------------------------------------------------


def test_sites_count_examined_handlers() -> None:
    code = (
        "import asyncio, requests\n"
        "def f(u):\n"
        "    try:\n        requests.get(u, timeout=3)\n"
        "    except Exception:\n        pass\n"  # RES501: bad
        "    try:\n        requests.get(u, timeout=3)\n"
        "    except requests.Timeout:\n        return None\n"  # RES502: bad
        "    try:\n        requests.get(u, timeout=3)\n"
        "    except requests.Timeout:\n        raise\n"  # RES502: ok
        "    try:\n        x = 1\n"
        "    except ValueError:\n        pass\n"  # not examined
        "async def g():\n"
        "    try:\n        await h()\n"
        "    except asyncio.CancelledError:\n        raise\n"  # RES503: ok
    )
    result = audit_source(code, "mod.py", CONFIG)
    assert result.sites[FALLBACKS] == {"sites": 4, "ok": 2}


def test_rule_docs_have_sections() -> None:
    from resilience_skill.analysis.registry import load_rules

    for rule_id in ("RES501", "RES502", "RES503"):
        doc = load_rules()[rule_id].doc
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Fix"):
            assert section in doc, (rule_id, section)


def test_res503_handler_handing_the_exception_to_a_converter_is_unknown() -> None:
    from resilience_skill.analysis import audit_source

    code = (
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
        "async def send(sock, data):\n"
        "    try:\n        await sock.send(data)\n"
        "    except BaseException as exc:\n        convert_socket_error(exc)\n\n\n"
        "async def send_logged(sock, data):\n"
        "    try:\n        await sock.send(data)\n"
        "    except BaseException as exc:\n        logger.error('send failed', exc_info=exc)\n"
    )
    found = [
        (f.rule, f.location.line) for f in audit_source(code, "m.py").findings if f.rule == "RES503"
    ]
    assert found == [("RES503", 16)]
