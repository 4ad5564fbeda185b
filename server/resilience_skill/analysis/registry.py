"""The rule registry: every rule's metadata and its handlers, in one place.

The ``rules`` command, SARIF output, the fixer and the MCP ``explain`` tool all read
``RULES``. A rule is registered with ``@rule(...)`` on either

* a function ``check(ctx, node)`` with ``nodes=(ast.Call, ...)``: called for each node of
  those types during the one walk of the file; or
* a class with methods ``visit_<NodeType>(self, ctx, node)``, optional ``leave_<NodeType>``,
  ``end(self, ctx)`` (after the walk) and a static ``project(index, config)`` (after every
  file, for cross-file rules). A fresh instance serves each file.

The docstring is the rule's documentation (Ruff's sections: what it does, why is this bad,
example, fix).
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from resilience_skill.analysis.model import Severity

CHECKLIST: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("All external calls have timeouts", ("RES1",)),
    ("Circuit breakers on critical deps", ("RES3",)),
    ("Retry with exponential backoff + jitter", ("RES2",)),
    ("Separate thread pools (critical vs non-critical)", ("RES4",)),
    ("Fallback strategy per dependency", ("RES5", "RES7")),
    ("Dead letter queue for failures", ("RES6",)),
    ("Monitor: circuit state, retry rates, timeouts, fallback usage", ("RES8",)),
)

# The contract (shared/spec/rules.md): ID -> (name, severity, most applicable fix, the
# `generate` pattern that covers findings no mechanical fix resolves).
CATALOG: dict[str, tuple[str, Severity, str, str | None]] = {
    "RES101": ("http-call-without-timeout", Severity.HIGH, "unsafe", "timeout"),
    "RES102": ("timeout-disabled", Severity.HIGH, "display", "timeout"),
    "RES103": ("stdlib-network-without-timeout", Severity.MEDIUM, "unsafe", "timeout"),
    "RES104": ("subprocess-without-timeout", Severity.MEDIUM, "unsafe", "deadline"),
    "RES105": ("datastore-client-without-timeout", Severity.MEDIUM, "unsafe", "timeout"),
    "RES106": ("grpc-call-without-deadline", Severity.HIGH, "unsafe", "deadline"),
    "RES107": ("unbounded-wait", Severity.MEDIUM, "none", "deadline"),
    "RES201": ("retry-unbounded", Severity.HIGH, "unsafe", "retry"),
    "RES202": ("retry-without-backoff", Severity.MEDIUM, "unsafe", "retry"),
    "RES203": ("backoff-without-jitter", Severity.LOW, "unsafe", "retry"),
    "RES204": ("backoff-without-cap", Severity.LOW, "unsafe", "retry"),
    "RES205": ("naive-retry-loop", Severity.MEDIUM, "display", "retry"),
    "RES206": ("unbounded-retry-loop", Severity.HIGH, "none", "retry"),
    "RES207": ("nested-retry-amplification", Severity.MEDIUM, "none", "resilient-client"),
    "RES208": ("retry-non-idempotent", Severity.HIGH, "none", "retry"),
    "RES209": ("retry-on-any-exception", Severity.LOW, "none", "retry"),
    "RES301": ("retry-without-circuit-breaker", Severity.LOW, "display", "circuit-breaker"),
    "RES302": ("breaker-per-call", Severity.HIGH, "none", "circuit-breaker"),
    "RES303": ("inert-breaker", Severity.MEDIUM, "none", "circuit-breaker"),
    "RES401": ("unbounded-fan-out", Severity.MEDIUM, "none", "bulkhead"),
    "RES402": ("blocking-call-in-default-executor", Severity.LOW, "none", "bulkhead"),
    "RES403": ("blocking-call-in-async", Severity.HIGH, "none", "bulkhead"),
    "RES501": ("swallowed-exception", Severity.MEDIUM, "unsafe", "fallback-chain"),
    "RES502": ("silent-fallback", Severity.MEDIUM, "unsafe", "fallback-chain"),
    "RES503": ("cancellation-swallowed", Severity.HIGH, "unsafe", None),
    "RES601": ("ack-before-processing", Severity.MEDIUM, "display", "dead-letter-queue"),
    "RES602": ("failure-without-dead-letter", Severity.HIGH, "display", "dead-letter-queue"),
    "RES701": ("latency-budget-exceeded", Severity.MEDIUM, "none", "deadline"),
    "RES702": ("deadline-not-propagated", Severity.LOW, "none", "deadline"),
    "RES801": ("resilience-unobserved", Severity.LOW, "unsafe", "retry"),
}


def known_rule_ids() -> tuple[str, ...]:
    """Every rule ID of the contract, whether or not its handler is loaded."""
    return tuple(CATALOG)


DOCS_URL = "https://github.com/resilience-skill/resilience-skill/blob/main/docs/rules.md#{id}"


def checklist_item_for(rule_id: str) -> str:
    for item, prefixes in CHECKLIST:
        if any(rule_id.startswith(p) for p in prefixes):
            return item
    raise KeyError(rule_id)


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    severity: Severity
    fix: str
    """``safe``, ``unsafe``, ``display`` or ``none`` (the most any finding carries)."""
    summary: str
    doc: str
    generate: str | None
    checklist_item: str
    handler: Any
    """The rule's function or class."""
    nodes: tuple[type[ast.AST], ...] = ()
    triggers: tuple[str, ...] = ()
    """Substrings one of which a file must contain for the rule to be able to fire there
    (empty: always run). A sound pre-filter: a file without them skips the rule's
    handlers."""

    def can_fire(self, text: str) -> bool:
        return not self.triggers or any(t in text for t in self.triggers)

    @property
    def is_class(self) -> bool:
        return inspect.isclass(self.handler)

    @property
    def url(self) -> str:
        return DOCS_URL.format(id=self.id.lower())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "severity": self.severity.value,
            "fix": self.fix,
            "summary": self.summary,
            "checklist_item": self.checklist_item,
            "generate": self.generate,
            "doc": self.doc,
            "url": self.url,
        }


RULES: dict[str, RuleInfo] = {}


def rule(
    rule_id: str,
    *,
    summary: str,
    nodes: Iterable[type[ast.AST]] = (),
    triggers: Iterable[str] = (),
) -> Callable[[Any], Any]:
    """Register a rule (see the module docstring for the two handler shapes). Name,
    severity, fix applicability and generate pattern come from ``CATALOG``."""
    name, severity, fix, generate = CATALOG[rule_id]

    def register(handler: Any) -> Any:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = RuleInfo(
            id=rule_id,
            name=name,
            severity=severity,
            fix=fix,
            summary=summary,
            doc=inspect.cleandoc(handler.__doc__ or summary),
            generate=generate,
            checklist_item=checklist_item_for(rule_id),
            handler=handler,
            nodes=tuple(nodes),
            triggers=tuple(triggers),
        )
        return handler

    return register


def load_rules() -> dict[str, RuleInfo]:
    """Import every rule family so the registry is complete."""
    from resilience_skill.analysis import rules  # noqa: F401  (registers on import)

    return RULES


_ID = re.compile(r"^RES\d+$", re.IGNORECASE)


def expand_selectors(selectors: Iterable[str], *, where: str = "") -> set[str]:
    """IDs, ID prefixes (``RES1``, ``RES10``), ``ALL`` and rule names to the set of IDs.
    A selector that names no rule of the contract raises ``ValueError`` naming it."""
    by_name = {name: rule_id for rule_id, (name, *_rest) in CATALOG.items()}
    chosen: set[str] = set()
    for raw in selectors:
        sel = raw.strip()
        if not sel:
            continue
        upper = sel.upper().rstrip("X")
        if upper == "ALL":
            chosen.update(CATALOG)
        elif sel in by_name:
            chosen.add(by_name[sel])
        elif _ID.match(upper) or upper == "RES":
            matched = {r for r in CATALOG if r.startswith(upper)}
            if not matched:
                raise ValueError(f"{where}unknown rule selector {raw!r}")
            chosen.update(matched)
        else:
            raise ValueError(f"{where}unknown rule selector {raw!r}")
    return chosen


def find_rule(key: str) -> RuleInfo | None:
    """A rule by ID (any case) or by name."""
    rules = load_rules()
    if key.upper() in rules:
        return rules[key.upper()]
    return next((info for info in rules.values() if info.name == key), None)
