"""The rule registry: every rule of the contract is registered, documented and published."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from resilience_skill.analysis.registry import CATALOG, RULES, load_rules
from resilience_skill.commands.rules import markdown

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## Fix")


def test_every_contract_rule_is_registered() -> None:
    assert sorted(load_rules()) == sorted(CATALOG)


@pytest.mark.parametrize("rule_id", sorted(CATALOG))
def test_rule_doc_has_ruffs_sections_and_parsing_examples(rule_id: str) -> None:
    info = load_rules()[rule_id]
    positions = [info.doc.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), f"{rule_id} lacks a section"
    assert positions == sorted(positions)
    for block in re.findall(r"```python\n(.*?)```", info.doc, re.S):
        ast.parse(block)
    assert info.summary.endswith(".")


def test_docs_rules_md_is_up_to_date() -> None:
    expected = markdown([RULES[r] for r in sorted(load_rules())])
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == expected, (
        "regenerate with: resilience rules --format markdown > docs/rules.md"
    )
