"""Which rules run on which file: ``select``, ``ignore`` and ``per-file-ignores``."""

from __future__ import annotations

import fnmatch
from functools import lru_cache

from resilience_skill.analysis.registry import RuleInfo, expand_selectors, load_rules
from resilience_skill.config import Config


@lru_cache(maxsize=64)
def _selected(select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    rules = load_rules()
    chosen = expand_selectors(select) if select else set(rules)
    return frozenset((chosen - expand_selectors(ignore)) & set(rules))


def selected_ids(config: Config) -> frozenset[str]:
    return _selected(config.select, config.ignore)


def validate_selection(config: Config) -> None:
    """Raise ``ValueError`` naming an unknown selector anywhere in the config."""
    selected_ids(config)
    for pattern, rules in config.per_file_ignores:
        expand_selectors(rules, where=f"per-file-ignores {pattern!r}: ")


def _matches(pattern: str, path: str) -> bool:
    path = path.replace("\\", "/").lstrip("./")
    return fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, f"*/{pattern}")


def rule_ids_for_path(config: Config, relpath: str) -> frozenset[str]:
    ids = set(selected_ids(config))
    for pattern, rules in config.per_file_ignores:
        if _matches(pattern, relpath):
            ids -= expand_selectors(rules)
    return frozenset(ids)


def rules_for_path(config: Config, relpath: str) -> list[RuleInfo]:
    rules = load_rules()
    return [rules[r] for r in sorted(rule_ids_for_path(config, relpath))]
