"""Property tests of the analyser on generated programs: it never crashes, its spans point
at real text, and its answers do not depend on how the file is spelled (line endings, a
BOM, non-ASCII text before a call)."""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resilience_skill.analysis import audit_bytes, audit_source
from resilience_skill.analysis.source import SourceFile

HEADER = (
    "import asyncio\nimport subprocess\nimport time\n\nimport requests\n"
    "from tenacity import retry, stop_after_attempt, wait_exponential\n\n"
)

STATEMENTS = [
    "requests.get(url)",
    "requests.post(url, json=body, timeout=5)",
    "requests.get(url, **kwargs)",
    "s = requests.Session()\ns.get(url)",
    "subprocess.run(['ls'])",
    "time.sleep(1)",
    "x = {'k': 'é→🙂'}; requests.get(url)",
    "try:\n    requests.get(url, timeout=3)\nexcept Exception:\n    pass",
    "try:\n    requests.get(url, timeout=3)\nexcept requests.RequestException:\n    return None",
    "for attempt in range(3):\n    try:\n        return requests.get(url, timeout=2)\n"
    "    except requests.RequestException:\n        time.sleep(1)",
    "while True:\n    try:\n        return requests.get(url, timeout=2)\n"
    "    except requests.RequestException:\n        continue",
]

DECORATORS = ["", "@retry\n", "@retry(stop=stop_after_attempt(3), wait=wait_exponential())\n"]


def _indent(code: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in code.splitlines())


@st.composite
def programs(draw: st.DrawFn) -> str:
    parts = [HEADER]
    for i in range(draw(st.integers(min_value=1, max_value=4))):
        deco = draw(st.sampled_from(DECORATORS))
        is_async = draw(st.booleans())
        body = draw(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=4))
        head = "async def" if is_async else "def"
        parts.append(f"{deco}{head} f{i}(url, body=None, **kwargs):\n")
        parts.append("\n".join(_indent(stmt, "    ") for stmt in body) + "\n\n")
    return "".join(parts)


def _signature(result: object) -> list[tuple[str, int, int, int, int]]:
    return [
        (f.rule, f.location.line, f.location.column, f.location.end_line, f.location.end_column)
        for f in result.findings  # type: ignore[attr-defined]
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_spans_point_at_the_nodes_they_name(code: str) -> None:
    ast.parse(code)
    result = audit_source(code, "gen.py")
    assert result.errors == ()
    source = SourceFile.from_text("gen.py", code)
    for finding in result.findings:
        loc = finding.location
        assert (loc.line, loc.column) <= (loc.end_line, loc.end_column)
        segment = source.segment(loc)
        assert segment.strip(), finding
        assert segment == segment.strip() or finding.rule in {"RES501", "RES502", "RES503"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.booleans(), st.booleans())
def test_spelling_of_the_file_does_not_change_findings(code: str, crlf: bool, bom: bool) -> None:
    expected = _signature(audit_source(code, "gen.py"))
    raw = code.replace("\n", "\r\n") if crlf else code
    data = (b"\xef\xbb\xbf" if bom else b"") + raw.encode("utf-8")
    assert _signature(audit_bytes(data, "gen.py")) == expected


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_audit(text: str) -> None:
    result = audit_source(text, "noise.py")
    assert len(result.errors) <= 1
    if result.errors:
        assert result.errors[0].path == "noise.py"
        assert result.findings == ()
