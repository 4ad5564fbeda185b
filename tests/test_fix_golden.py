"""Golden files: ``tests/golden/<rules>_<case>.before.py`` fixed with ``--unsafe-fixes``
(only those rules selected; ``res101+res201`` selects two) must equal
``<rules>_<case>.after.py`` byte for byte; the fixed file must parse, re-audit with none of
those rules' fixable findings, and not change on a second run. A case whose rule is not
registered yet is skipped with the reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from resilience_skill.analysis import audit_bytes
from resilience_skill.analysis.registry import load_rules
from resilience_skill.fixes import fix_paths
from resilience_skill.fixes.apply import is_applicable

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name[: -len(".before.py")] for p in GOLDEN.glob("*.before.py"))


def _rules(case: str) -> list[str]:
    return case.split("_", 1)[0].upper().split("+")


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path) -> None:
    rules = _rules(case)
    missing = [r for r in rules if r not in load_rules()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not registered yet")
    expected = (GOLDEN / f"{case}.after.py").read_bytes()
    target = tmp_path / f"{case}.py"
    shutil.copyfile(GOLDEN / f"{case}.before.py", target)

    [result] = fix_paths([str(target)], select=rules, unsafe=True)
    assert result.error is None
    assert target.read_bytes() == expected

    audit = audit_bytes(expected, target.name)
    assert audit.errors == ()
    left = [f for f in audit.findings if f.rule in rules and is_applicable(f.fix, unsafe=True)]
    assert left == []

    [again] = fix_paths([str(target)], select=rules, unsafe=True)
    assert again.applied == () and not again.written
    assert target.read_bytes() == expected


def test_every_case_has_an_after_file() -> None:
    assert CASES
    for case in CASES:
        assert (GOLDEN / f"{case}.after.py").is_file(), case
