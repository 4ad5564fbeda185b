"""The checklist scorecard: the skill's checklist items scored against an audit.

The skill (``skills/resilience/SKILL.md``) is the source of truth for the items and the rule
IDs each cites; the registry's copy is used only if the skill cannot be loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache

from resilience_skill.analysis.model import ChecklistScore, Finding
from resilience_skill.analysis.registry import CHECKLIST, load_rules

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def checklist_items() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(item, rule IDs) for each checklist item of the bundled skill."""
    rules = sorted(load_rules())
    try:
        from resilience_skill.data import skill_path
        from resilience_skill.skill import load_skill

        skill = load_skill(skill_path())
        items = tuple(
            (item.title, tuple(r for r in item.rule_ids if r in rules)) for item in skill.checklist
        )
        if items and all(ids for _, ids in items):
            return items
    except Exception:
        # The scorecard must never fail an audit; say why the built-in copy is used.
        logger.warning(
            "cannot load the bundled skill's checklist; using the built-in copy", exc_info=True
        )
    return tuple(
        (item, tuple(r for r in rules if any(r.startswith(p) for p in prefixes)))
        for item, prefixes in CHECKLIST
    )


def scorecard(
    findings: Iterable[Finding], sites: dict[str, list[int]]
) -> tuple[ChecklistScore, ...]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    scores = []
    for item, rule_ids in checklist_items():
        n = sum(counts.get(r, 0) for r in rule_ids)
        checked, ok = sites.get(item, [0, 0])
        scores.append(
            ChecklistScore(
                item=item,
                rules=rule_ids,
                findings=n,
                sites_checked=checked,
                passed=n == 0,
                sites_ok=ok if item in sites else None,
            )
        )
    return tuple(scores)
