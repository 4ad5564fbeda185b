"""Per-file facts that cross-file rules read after every file has been analysed.

The per-file stage is a pure function of (path, bytes, config); what a cross-file rule needs
from a file (its functions, what they call, which are retry scopes or guarded by a breaker)
travels here, picklable, and ``ProjectIndex`` joins them once per audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from resilience_skill.analysis.model import Location


@dataclass(slots=True)
class CallSite:
    target: str
    """Qualified name of the called function as far as it resolves (``pkg.mod.func``,
    ``pkg.mod.Class.method`` for ``self.method()``, ``requests.get``)."""
    location: Location
    attrs: dict[str, Any] = field(default_factory=dict)
    """What rules noted about the site (for example the retry scope it sits in)."""


@dataclass(slots=True)
class FunctionFacts:
    qualname: str
    name_location: Location
    is_async: bool
    calls: list[CallSite] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    """What rules noted about the function (``retry_attempts``, ``guarded``, ...)."""


@dataclass(slots=True)
class FileFacts:
    path: str
    module: str
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    records: dict[str, list[Any]] = field(default_factory=dict)
    """Rule-specific records, keyed by a name the rule family owns."""
    suppressed: dict[int, frozenset[str] | None] = field(default_factory=dict)
    """Line -> rule IDs suppressed there (``None``: all)."""
    file_ignores: frozenset[str] | None = frozenset()
    """Rules ignored for the whole file (``None``: all)."""
    disabled: frozenset[str] = frozenset()
    """Rules not enabled for this file (select/ignore/per-file-ignores)."""

    def record(self, key: str, value: Any) -> None:
        self.records.setdefault(key, []).append(value)

    def is_suppressed(self, rule_id: str, line: int) -> bool:
        if rule_id in self.disabled:
            return True
        if self.file_ignores is None or rule_id in self.file_ignores:
            return True
        if line in self.suppressed:
            rules = self.suppressed[line]
            return rules is None or rule_id in rules
        return False


def first_through(
    functions: dict[str, FunctionFacts], qualname: str, attr: str, limit: int = 4
) -> Any:
    """The first truthy ``attrs[attr]`` of ``qualname`` or of the functions it calls among
    ``functions`` (breadth first, ``limit`` levels); ``None`` when none has it."""
    seen = {qualname}
    frontier = [qualname]
    for _ in range(limit):
        following: list[str] = []
        for name in frontier:
            function = functions.get(name)
            if function is None:
                continue
            value = function.attrs.get(attr)
            if value:
                return value
            for site in function.calls:
                if site.target not in seen and site.target in functions:
                    seen.add(site.target)
                    following.append(site.target)
        frontier = following
    return None


class ProjectIndex:
    """Every file's facts, joined: functions by qualified name across the audited tree."""

    def __init__(self, files: list[FileFacts]) -> None:
        self.files = files
        self.functions: dict[str, tuple[FileFacts, FunctionFacts]] = {}
        for facts in files:
            for qualname, function in facts.functions.items():
                self.functions.setdefault(qualname, (facts, function))

    def function(self, qualname: str) -> tuple[FileFacts, FunctionFacts] | None:
        """The function a call target names; an unresolved name gives ``None``."""
        return self.functions.get(qualname)

    def records(self, key: str) -> Iterator[tuple[FileFacts, Any]]:
        for facts in self.files:
            for value in facts.records.get(key, ()):
                yield facts, value
