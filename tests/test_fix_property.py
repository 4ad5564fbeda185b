"""Property: for generated programs with ``requests.get(...)`` calls in many layouts (plus
swallowed exceptions and tenacity decorators, so several rules' fixes meet in one file),
``fix --unsafe-fixes`` output always parses, keeps the file's line endings, leaves no
applicable fix behind, and a second run changes nothing."""

from __future__ import annotations

import ast

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from resilience_skill.fixes import fix_source

POSITIONAL = ["url", "'é'", "f(x)", "{'a': [1, 2]}", "BASE + '/x'", "urls[0]", "(a, b)"]
KEYWORDS = ["headers=h", "json={'k': 1}", "params=dict(q=1)", "stream=True", "data=b'x'"]
FUNCS = ["requests.get", "requests.post", "rq.get", "s.get", "get"]


@st.composite
def calls(draw: st.DrawFn, *, simple: bool = False) -> str:
    """One call's text (possibly spanning lines, without indentation of its own)."""
    func = draw(st.sampled_from(FUNCS))
    args = draw(st.lists(st.sampled_from(POSITIONAL), max_size=2))
    if draw(st.booleans()):
        args.append("*args")
    args += draw(st.lists(st.sampled_from(KEYWORDS), max_size=2, unique=True))
    if draw(st.booleans()) and not simple:
        inner = draw(st.sampled_from(FUNCS))
        args.insert(0, f"{inner}(url).text")
    if draw(st.integers(0, 5)) == 0:
        args.append("**kw")
    if simple:
        args = [a for a in args if "'" not in a]
        return f"{func}({', '.join(args)})"
    layout = draw(st.sampled_from(["inline", "per_line", "hanging"]))
    trailing = bool(args) and draw(st.booleans())
    comment = draw(st.booleans()) and layout != "inline"
    if layout == "inline" or not args:
        tail = "," if trailing else ""
        return f"{func}({', '.join(args)}{tail})"
    if layout == "per_line":
        lines = [f"    {a}," for a in args]
        if not trailing:
            lines[-1] = lines[-1][:-1]
        if comment:
            lines[-1] += "  # note"
        return f"{func}(\n" + "\n".join(lines) + "\n)"
    pad = " " * (len(func) + 1)
    body = f",\n{pad}".join(args) + ("," if trailing else "")
    if comment:
        return f"{func}({body}  # note\n{pad})"
    return f"{func}({body})"


@st.composite
def statements(draw: st.DrawFn) -> str:
    kind = draw(
        st.sampled_from(["assign", "expr", "chain", "fstring", "other", "swallow", "retry"])
    )
    if kind == "swallow":
        handler = draw(st.sampled_from(["except Exception:", "except:", "except ValueError:"]))
        return f"try:\n{_indent(draw(calls()), '    ')}\n{handler}\n    pass"
    if kind == "retry":
        decorator = draw(st.sampled_from(["@retry", "@retry()", "@retry(wait=wait_fixed(1))"]))
        return f"{decorator}\ndef job():\n    return 1"
    if kind == "fstring":
        return f"print(f'{{{draw(calls(simple=True))}}}')"
    if kind == "other":
        return draw(st.sampled_from(["x = 1", "pass", "items = [1, 2]"]))
    call = draw(calls())
    return {"assign": f"r = {call}", "expr": call, "chain": f"data = {call}.json()"}[kind]


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.split("\n"))


@st.composite
def programs(draw: st.DrawFn) -> str:
    head = ['"""Module."""'] if draw(st.booleans()) else []
    head += [
        "import requests",
        "import requests as rq",
        "from requests import get",
        "from tenacity import retry, wait_fixed",
        "",
        "s = requests.Session()",
    ]
    body: list[str] = []
    for stmt in draw(st.lists(statements(), min_size=1, max_size=5)):
        if draw(st.booleans()):
            body.append(f"\n\ndef fn():\n{_indent(stmt, '    ')}")
        else:
            body.append(stmt)
    text = "\n".join(head + body) + "\n"
    return text.replace("\n", "\r\n") if draw(st.integers(0, 3)) == 0 else text


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(programs())
def test_fixed_output_parses_and_a_second_run_changes_nothing(program: str) -> None:
    try:
        ast.parse(program)
    except SyntaxError:
        assume(False)
    first = fix_source(program, "gen.py", unsafe=True)
    assert first.error is None
    ast.parse(first.text)
    if "\r\n" in program:
        assert "\n" not in first.text.replace("\r\n", "")
    assert all(r.reason in ("no fix", "display-only fix") for r in first.remaining), first.text
    second = fix_source(first.text, "gen.py", unsafe=True)
    assert second.text == first.text
    assert second.applied == ()
