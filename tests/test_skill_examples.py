"""The skill's Python examples are code the analyser agrees with: each parses, each
``# bad: RESxxx, ...`` example is reported by at least the rules it names, and each ``# good``
example audits clean. Covers SKILL.md and every file under references/."""

from __future__ import annotations

import ast
import re

import pytest
from resilience_skill.analysis import audit_source
from resilience_skill.analysis.registry import known_rule_ids, load_rules
from resilience_skill.data import skill_path
from resilience_skill.skill import CodeBlock, load_skill, parse_body, read_skill_text

SKILL_DIR = skill_path().parent
ROLE = re.compile(r"^# (?:bad: (?P<ids>RES\d{3}(?:, RES\d{3})*)|(?P<good>good))$")


def _python_blocks() -> list[tuple[str, CodeBlock]]:
    blocks = [("SKILL.md", b) for b in load_skill(skill_path()).code_blocks]
    for ref in sorted((SKILL_DIR / "references").glob("*.md")):
        body = parse_body(read_skill_text(ref))
        blocks += [(f"references/{ref.name}", b) for b in body.code_blocks]
    return [(name, b) for name, b in blocks if b.language in ("python", "py", "python3")]


BLOCKS = _python_blocks()
IDS = [f"{name}:{block.line}" for name, block in BLOCKS]


def test_the_skill_has_examples_of_both_roles() -> None:
    roles = [block.text.split("\n", 1)[0] for name, block in BLOCKS if name == "SKILL.md"]
    assert sum(r == "# good" for r in roles) >= 8
    assert sum(r.startswith("# bad:") for r in roles) >= 12


def test_every_rule_has_a_bad_example() -> None:
    named = set()
    for _, block in BLOCKS:
        match = ROLE.match(block.text.split("\n", 1)[0])
        if match and match["ids"]:
            named.update(match["ids"].split(", "))
    assert sorted(set(known_rule_ids()) - named) == []


@pytest.mark.parametrize(("name", "block"), BLOCKS, ids=IDS)
def test_example_parses_and_has_a_role(name: str, block: CodeBlock) -> None:
    ast.parse(block.text, filename=f"{name}:{block.line}")
    first = block.text.split("\n", 1)[0]
    assert ROLE.match(first), f"{name}:{block.line}: first line must be '# good' or '# bad: IDS'"


@pytest.mark.parametrize(("name", "block"), BLOCKS, ids=IDS)
def test_example_agrees_with_the_analyser(name: str, block: CodeBlock) -> None:
    match = ROLE.match(block.text.split("\n", 1)[0])
    assert match is not None
    loaded = load_rules()
    result = audit_source(block.text, "example.py")
    assert result.errors == ()
    reported = {finding.rule for finding in result.findings}
    if match["good"]:
        assert [(f.rule, block.line + f.line - 1, f.message) for f in result.findings] == [], (
            f"{name}:{block.line}: a good example must audit clean"
        )
        return
    wanted = match["ids"].split(", ")
    missing_rules = [rule_id for rule_id in wanted if rule_id not in loaded]
    if missing_rules:
        pytest.skip(f"rule {missing_rules[0]} not implemented yet")
    assert set(wanted) <= reported, f"{name}:{block.line}: expected {wanted}, got {reported}"
