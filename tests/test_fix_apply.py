"""The apply layer on synthetic findings: applicability, conflicts, shared edits, order."""

from __future__ import annotations

from resilience_skill.analysis.model import (
    Applicability,
    Edit,
    Finding,
    Fix,
    Location,
    Severity,
)
from resilience_skill.analysis.source import SourceFile
from resilience_skill.fixes.apply import apply_fixes, is_applicable

TEXT = "import os\nx = f(a)\ny = g(b)\n"


def _edit(line: int, col: int, end_line: int, end_col: int, content: str) -> Edit:
    return Edit(Location(line, col, end_line, end_col), content)


def _finding(
    *edits: Edit, rule: str = "RES999", applicability: Applicability = Applicability.SAFE
) -> Finding:
    return Finding(
        rule=rule,
        name="synthetic",
        severity=Severity.LOW,
        message="m",
        path="m.py",
        location=edits[0].location if edits else Location(1, 1, 1, 1),
        checklist_item="item",
        fix=Fix(applicability, "d", tuple(edits)),
    )


def _apply(*findings: Finding, unsafe: bool = True, text: str = TEXT) -> tuple[str, int, int]:
    result = apply_fixes(SourceFile.from_text("m.py", text), findings, unsafe=unsafe)
    return result.text, len(result.fixed), len(result.deferred)


def test_applicability() -> None:
    safe = Fix(Applicability.SAFE, "d", (_edit(1, 1, 1, 1, "x"),))
    unsafe = Fix(Applicability.UNSAFE, "d", (_edit(1, 1, 1, 1, "x"),))
    display = Fix(Applicability.DISPLAY, "d", (_edit(1, 1, 1, 1, "x"),))
    assert is_applicable(safe, unsafe=False)
    assert not is_applicable(unsafe, unsafe=False)
    assert is_applicable(unsafe, unsafe=True)
    assert not is_applicable(display, unsafe=True)
    assert not is_applicable(None, unsafe=True)
    assert not is_applicable(Fix(Applicability.SAFE, "d", ()), unsafe=True)


def test_unsafe_needs_the_flag_and_display_never_applies() -> None:
    unsafe = _finding(_edit(2, 8, 2, 8, ", t=1"), applicability=Applicability.UNSAFE)
    display = _finding(_edit(3, 8, 3, 8, ", t=1"), applicability=Applicability.DISPLAY)
    assert _apply(unsafe, display, unsafe=False) == (TEXT, 0, 0)
    assert _apply(unsafe, display, unsafe=True) == (
        "import os\nx = f(a, t=1)\ny = g(b)\n",
        1,
        0,
    )


def test_independent_fixes_apply_together() -> None:
    one = _finding(_edit(2, 8, 2, 8, ", t=1"))
    two = _finding(_edit(3, 8, 3, 8, ", t=2"))
    assert _apply(two, one) == ("import os\nx = f(a, t=1)\ny = g(b, t=2)\n", 2, 0)


def test_replacement_and_deletion() -> None:
    replace = _finding(_edit(2, 5, 2, 6, "h"))
    delete = _finding(_edit(1, 1, 2, 1, ""))
    assert _apply(replace, delete) == ("x = h(a)\ny = g(b)\n", 2, 0)


def test_overlapping_fix_is_deferred_whole() -> None:
    first = _finding(_edit(2, 5, 2, 9, "h(c)"))
    # Its second edit is harmless, but the fix goes in whole or not at all.
    second = _finding(_edit(3, 8, 3, 8, ", t=2"), _edit(2, 6, 2, 7, "z"))
    assert _apply(first, second) == ("import os\nx = h(c)\ny = g(b)\n", 1, 1)


def test_inserts_at_the_same_place_conflict() -> None:
    one = _finding(_edit(2, 8, 2, 8, ", t=1"))
    two = _finding(_edit(2, 8, 2, 8, ", u=2"))
    assert _apply(one, two) == ("import os\nx = f(a, t=1)\ny = g(b)\n", 1, 1)


def test_insert_touching_a_replacement_conflicts() -> None:
    replace = _finding(_edit(2, 5, 2, 6, "h"))
    insert = _finding(_edit(2, 6, 2, 6, "_x"))
    assert _apply(replace, insert) == ("import os\nx = h(a)\ny = g(b)\n", 1, 1)


def test_shared_import_edit_is_applied_once() -> None:
    imp = _edit(1, 1, 1, 1, "import tenacity\n")
    one = _finding(imp, _edit(2, 8, 2, 8, ", t=1"))
    two = _finding(imp, _edit(3, 8, 3, 8, ", t=2"))
    assert _apply(one, two) == (
        "import tenacity\nimport os\nx = f(a, t=1)\ny = g(b, t=2)\n",
        2,
        0,
    )


def test_edits_of_one_fix_at_the_same_place_keep_their_order() -> None:
    fix = _finding(_edit(1, 1, 1, 1, "import a\n"), _edit(1, 1, 1, 1, "import b\n"))
    assert _apply(fix)[0] == "import a\nimport b\n" + TEXT


def test_edit_outside_the_file_is_skipped() -> None:
    bad = _finding(_edit(9, 1, 9, 1, "x"))
    bad_column = _finding(_edit(2, 40, 2, 40, "x"))
    assert _apply(bad, bad_column) == (TEXT, 0, 0)


def test_character_columns_and_crlf() -> None:
    text = "s = 'é'; f(a)\r\nz = 1\r\n"
    fix = _finding(_edit(1, 13, 1, 13, ", t=1"), _edit(2, 5, 2, 6, "2"))
    assert _apply(fix, text=text)[0] == "s = 'é'; f(a, t=1)\r\nz = 2\r\n"


def test_insert_at_end_of_file_without_newline() -> None:
    fix = _finding(_edit(1, 6, 1, 6, "\ny = 2"))
    assert _apply(fix, text="x = 1")[0] == "x = 1\ny = 2"


def test_fix_whose_own_edits_overlap_is_skipped() -> None:
    bad = _finding(_edit(2, 5, 2, 8, "h(c"), _edit(2, 6, 2, 9, "[d]"))
    assert _apply(bad) == (TEXT, 0, 0)
