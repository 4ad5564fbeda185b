"""Suppression comments."""

from __future__ import annotations

from resilience_skill.analysis import audit_source

CALL = "import requests\n"


def _rules(code: str) -> list[tuple[str, int]]:
    return [
        (f.rule, f.location.line) for f in audit_source(code, "m.py").findings if f.rule == "RES101"
    ]


def test_noqa_with_code_and_bare() -> None:
    code = CALL + (
        "requests.get(u)  # noqa: RES101\n"
        "requests.get(u)  # noqa\n"
        "requests.get(u)  # noqa: RES999\n"
        "requests.get(u)  # resilience: ignore[RES101]\n"
        "requests.get(u)  # resilience: ignore[RES102]\n"
        "requests.get(u)\n"
    )
    assert _rules(code) == [("RES101", 4), ("RES101", 6), ("RES101", 7)]


def test_noqa_applies_to_the_first_line_of_a_multiline_call() -> None:
    code = CALL + "requests.get(  # noqa: RES101\n    u,\n)\nrequests.get(\n    u,  # noqa\n)\n"
    assert _rules(code) == [("RES101", 5)]


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    assert _rules(CALL + "requests.get('# noqa')\n") == [("RES101", 2)]


def test_file_level_ignore() -> None:
    assert _rules("# resilience: ignore-file\n" + CALL + "requests.get(u)\n") == []
    assert _rules("# resilience: ignore-file[RES101]\n" + CALL + "requests.get(u)\n") == []
    assert _rules("# resilience: ignore-file[RES5]\n" + CALL + "requests.get(u)\n") == [
        ("RES101", 3)
    ]
    late = CALL + "\n" * 12 + "# resilience: ignore-file\nrequests.get(u)\n"
    assert _rules(late) == [("RES101", 15)]
