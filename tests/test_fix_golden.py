"""Golden files: ``tests/golden/<rule>_<case>.before.py`` fixed with ``--unsafe-fixes``
(only that rule selected) must equal ``<rule>_<case>.after.py`` byte for byte; the fixed
file must parse, re-audit with none of that rule's fixable findings, and not change on a
second run. A case whose rule is not registered yet is skipped with the reason."""

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


def _rule(case: str) -> str:
    return case.split("_", 1)[0].upper()


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path) -> None:
    rule = _rule(case)
    if rule not in load_rules():
        pytest.skip(f"{rule} is not registered yet")
    expected = (GOLDEN / f"{case}.after.py").read_bytes()
    target = tmp_path / f"{case}.py"
    shutil.copyfile(GOLDEN / f"{case}.before.py", target)

    [result] = fix_paths([str(target)], select=[rule], unsafe=True)
    assert result.error is None
    assert target.read_bytes() == expected

    audit = audit_bytes(expected, target.name)
    assert audit.errors == ()
    left = [f for f in audit.findings if f.rule == rule and is_applicable(f.fix, unsafe=True)]
    assert left == []

    [again] = fix_paths([str(target)], select=[rule], unsafe=True)
    assert again.applied == () and not again.written
    assert target.read_bytes() == expected


def test_every_case_has_an_after_file() -> None:
    assert CASES
    for case in CASES:
        assert (GOLDEN / f"{case}.after.py").is_file(), case
