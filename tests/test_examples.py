"""The examples: the flaky service shows every rule family, its fixed version audits clean,
the fixer converges on it, and the generated modules are what `resilience generate` emits."""

from __future__ import annotations

import ast
import shlex
import shutil
from pathlib import Path

import pytest
from resilience_skill.analysis import audit_paths
from resilience_skill.cli import main
from resilience_skill.config import load_config
from resilience_skill.fixes import fix_paths
from resilience_skill.fixes.api import DISPLAY_ONLY, NO_FIX
from resilience_skill.fixes.apply import is_applicable

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FLAKY = EXAMPLES / "flaky_service"
FIXED = EXAMPLES / "fixed" / "flaky_service"

GENERATED_HEADER = "# Generated in this folder by:\n"
HEADER_LINES = 3


def _rules(path: Path) -> set[str]:
    result = audit_paths([str(path)], load_config(start=path), jobs=1)
    assert result.errors == ()
    return {f.rule for f in result.findings}


def _generated_modules() -> list[Path]:
    return sorted(p for p in FIXED.glob("*.py") if p.read_text().startswith(GENERATED_HEADER))


def test_flaky_service_shows_every_rule_family() -> None:
    rules = _rules(EXAMPLES)
    assert {rule[:4] for rule in rules} == {f"RES{n}" for n in range(1, 9)}
    # One per family, the ones the examples are built around.
    assert {
        "RES101", "RES201", "RES302", "RES401", "RES503", "RES602", "RES701", "RES801"
    } <= rules  # fmt: skip


def test_fixed_service_audits_clean() -> None:
    assert _rules(EXAMPLES / "fixed") == set()


def test_fixed_service_audits_clean_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(EXAMPLES / "fixed")]) == 0
    assert capsys.readouterr().out.startswith("All checks passed (")


def test_fixed_service_resolves_findings_for_real() -> None:
    """No suppression comments: every finding was resolved in the code."""
    for module in sorted((EXAMPLES / "fixed").rglob("*.py")):
        text = module.read_text()
        assert "noqa" not in text, module
        assert "resilience: ignore" not in text, module


def test_fixed_service_has_the_same_modules_plus_generated_ones() -> None:
    originals = {p.name for p in FLAKY.glob("*.py")}
    fixed = {p.name for p in FIXED.glob("*.py")}
    generated = {p.name for p in _generated_modules()}
    assert fixed == originals | generated
    assert originals.isdisjoint(generated)
    assert generated == {
        "breakers.py", "bulkheads.py", "dead_letter.py", "deadlines.py",
        "fallbacks.py", "http_client.py", "retrying.py",
    }  # fmt: skip


@pytest.mark.parametrize(
    "module", sorted(EXAMPLES.rglob("*.py")), ids=lambda p: str(p.relative_to(EXAMPLES))
)
def test_every_example_module_parses(module: Path) -> None:
    ast.parse(module.read_text(encoding="utf-8"), filename=str(module))


@pytest.mark.parametrize("module", _generated_modules(), ids=lambda p: p.name)
def test_generated_module_is_what_generate_emits(
    module: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = module.read_text().splitlines(keepends=True)
    command = shlex.split(lines[1].removeprefix("#"))
    assert command[:2] == ["resilience", "generate"]
    assert command[-2:] == ["--out", module.name], "the header names this file"
    out = tmp_path / module.name
    assert main([*command[1:-1], str(out)]) == 0
    capsys.readouterr()
    assert "".join(lines[HEADER_LINES:]) == out.read_text(), (
        f"{module.name} differs from what its header's command emits now; regenerate it"
    )


@pytest.fixture
def fixed_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "flaky_service"
    shutil.copytree(FLAKY, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_fixer_converges_on_the_flaky_service(fixed_copy: Path) -> None:
    first = fix_paths([str(fixed_copy)], unsafe=True)
    assert [r.error for r in first if r.error] == []
    assert sum(r.changed for r in first) == 5  # every module but __init__.py
    remaining = [left for r in first for left in r.remaining]
    assert remaining, "the examples keep findings only generated code resolves"
    for left in remaining:
        assert not is_applicable(left.finding.fix, unsafe=True), left
        assert left.reason in {NO_FIX, DISPLAY_ONLY}, left
        assert left.generate is not None, f"{left.finding.rule} names no generate pattern"

    second = fix_paths([str(fixed_copy)], unsafe=True)
    assert [r.path for r in second if r.changed or r.applied] == []
    assert sorted(left.finding.rule for r in second for left in r.remaining) == sorted(
        left.finding.rule for left in remaining
    )
