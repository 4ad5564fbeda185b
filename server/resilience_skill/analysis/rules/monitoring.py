"""RES801: breakers and retries nobody can see ("Monitor: circuit state, retry rates...").

Breakers are checked across the audited tree (a listener may be registered in another
module); retry policies are checked where they are written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis import breakers_model as bm
from resilience_skill.analysis import retry_scopes as rs
from resilience_skill.analysis.edits import (
    add_from_import,
    add_import,
    in_fstring,
    insert_keyword,
    module_logger,
)
from resilience_skill.analysis.engine import FileContext, make_finding
from resilience_skill.analysis.facts import ProjectIndex
from resilience_skill.analysis.model import Applicability, Edit, Finding, Fix, Location
from resilience_skill.analysis.registry import RULES, rule
from resilience_skill.config import Config

_BREAKERS = "RES801.breakers"
_LISTENERS = "RES801.listeners"
_MONITOR = "RES801.monitor"
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class _Breaker:
    kind: str
    key: str | None
    location: Location
    label: str


@dataclass(frozen=True)
class _Listener:
    key: str | None
    """The breaker (or purgatory factory) it listens to; ``None``: unknown, maybe any."""


def _listeners_given(ctx: FileContext, call: ast.Call) -> bool | None:
    """``listeners=`` on a pybreaker/aiobreaker constructor: True (some), False (none or
    an empty literal), ``None`` (``**kwargs``: unknown)."""
    kw = au.keyword(call, "listeners")
    if kw is None:
        return None if au.has_kwargs(call) else False
    value = kw.value
    if au.is_none(value):
        return False
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return bool(value.elts)
    return True  # a name or an expression: assume it holds listeners


@rule(
    "RES801",
    summary="A circuit breaker or retry policy reports nothing: nobody sees it trip or retry.",
)
class ResilienceUnobserved:
    """## What it does
    Finds circuit breakers with no listener anywhere in the audited tree (pybreaker and
    aiobreaker `listeners=` / `add_listener`, purgatory `add_listener`, circuitbreaker's
    `CircuitBreakerMonitor`), tenacity retries with no `before_sleep`, `after`, `before` or
    `retry_error_callback` hook, and `backoff` decorators with `logger=None` and no
    `on_backoff`. stamina is instrumented out of the box and never reported.

    ## Why is this bad?
    An open circuit or a retry storm is the first sign of a failing dependency. If nothing
    logs or counts them, the incident is found by users instead of dashboards, and nobody
    can tell whether the retry and breaker settings work.

    ## Example
    ```python
    from tenacity import retry, stop_after_attempt, wait_random_exponential

    @retry(stop=stop_after_attempt(3), wait=wait_random_exponential(max=10))
    def fetch(): ...
    ```

    ## Fix
    ```python
    import logging
    from tenacity import before_sleep_log, retry, stop_after_attempt, wait_random_exponential

    logger = logging.getLogger(__name__)

    @retry(
        stop=stop_after_attempt(3),
        wait=wait_random_exponential(max=10),
        before_sleep=before_sleep_log(logger, logging.WARNING),
    )
    def fetch(): ...
    ```
    `resilience fix --unsafe-fixes` adds the tenacity hook (and the imports and module
    logger it needs). For breakers, pass `listeners=[...]` or call `add_listener(...)`.
    """

    # -- breakers ---------------------------------------------------------------------

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        self._breaker_constructor(ctx, call)
        self._listener_call(ctx, call)
        if not isinstance(ctx.parent, _DEFS):
            policy = rs.call_policy(ctx, call)
            if policy is not None:
                self._retry(ctx, policy)

    def _breaker_constructor(self, ctx: FileContext, call: ast.Call) -> None:
        qual = ctx.qualname(call.func)
        kind = bm.kind_of_constructor(ctx, qual)
        if kind is None:
            return
        if kind in ("pybreaker", "aiobreaker"):
            given = _listeners_given(ctx, call)
            if given is not False:
                return
        label = f"{au.dotted(call.func) or qual}()"
        if isinstance(ctx.parent, _DEFS):
            label = f"@{au.dotted(call.func) or qual}(...)"
        ctx.facts.record(
            _BREAKERS, _Breaker(kind, bm.binding_key(ctx, call), ctx.location(call), label)
        )

    def _listener_call(self, ctx: FileContext, call: ast.Call) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in bm.LISTENER_METHODS:
            return
        receiver = func.value
        kind = bm.object_kind(ctx, receiver)
        if kind is None and ctx.type_of(receiver) is not None:
            return  # a known object that is not a breaker (an event emitter, a widget)
        ctx.facts.record(_LISTENERS, _Listener(bm.object_key(ctx, receiver)))

    def visit_FunctionDef(self, ctx: FileContext, node: ast.FunctionDef) -> None:
        self._decorators(ctx, node)

    def visit_AsyncFunctionDef(self, ctx: FileContext, node: ast.AsyncFunctionDef) -> None:
        self._decorators(ctx, node)

    def _decorators(self, ctx: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for deco in node.decorator_list:
            if (
                isinstance(deco, ast.Name | ast.Attribute)
                and ctx.qualname(deco) == bm.CIRCUIT_DECORATOR
            ):
                label = f"@{au.dotted(deco)}"
                ctx.facts.record(
                    _BREAKERS, _Breaker("circuitbreaker", None, ctx.location(deco), label)
                )
                continue
            policy = rs.decorator_policy(ctx, deco)
            if policy is not None and not policy.shared:
                self._retry(ctx, policy)

    def visit_ImportFrom(self, ctx: FileContext, node: ast.ImportFrom) -> None:
        if node.module == "circuitbreaker" and any(
            a.name == "CircuitBreakerMonitor" for a in node.names
        ):
            ctx.facts.record(_MONITOR, True)

    def visit_Attribute(self, ctx: FileContext, node: ast.Attribute) -> None:
        if node.attr == "CircuitBreakerMonitor" and ctx.qualname(node) == bm.CIRCUIT_MONITOR:
            ctx.facts.record(_MONITOR, True)

    @staticmethod
    def project(index: ProjectIndex, config: Config) -> Iterable[Finding]:
        monitored = any(True for _ in index.records(_MONITOR))
        breakers = list(index.records(_BREAKERS))
        if not breakers:
            return
        keys = [b.key for _f, b in breakers if b.key is not None]
        listened: list[str] = []
        blanket = False
        for _facts, listener in index.records(_LISTENERS):
            if listener.key is not None and bm.any_key_matches(listener.key, keys):
                listened.append(listener.key)
            else:
                blanket = True  # a listener we cannot place may serve any breaker
        info = RULES["RES801"]
        for facts, breaker in breakers:
            if breaker.kind == "circuitbreaker":
                if monitored:
                    continue
                advice = "use circuitbreaker's CircuitBreakerMonitor (e.g. a health check "
                advice += "listing get_open()) so open circuits are visible"
            else:
                if blanket or (
                    breaker.key is not None and bm.any_key_matches(breaker.key, listened)
                ):
                    continue
                advice = (
                    "register a listener (add_listener(...))"
                    if breaker.kind == "purgatory"
                    else "pass listeners=[...] (a CircuitBreakerListener logging "
                    "state_change) or call add_listener(...)"
                )
            yield make_finding(
                info,
                facts.path,
                breaker.location,
                f"{breaker.label} has no listener anywhere in the audited tree: nobody sees "
                f"the circuit open or close; {advice}",
                generate="circuit-breaker",
            )

    # -- retries ----------------------------------------------------------------------

    def _retry(self, ctx: FileContext, policy: rs.RetryPolicy) -> None:
        if policy.library not in ("tenacity", "backoff") or policy.has_hook:
            return
        anchor = policy.anchor
        label = _label(anchor, policy.form == "decorator")
        if policy.library == "backoff":
            ctx.report(
                "RES801",
                anchor,
                f"{label} retries silently (logger=None and no on_backoff): "
                f"nobody sees the retry rate; pass on_backoff= or a logger",
            )
            return
        ctx.report(
            "RES801",
            anchor,
            f"{label} retries silently (no before_sleep, after or "
            f"retry_error_callback): nobody sees the retry rate; add "
            f"before_sleep=before_sleep_log(logger, logging.WARNING)",
            fix=_tenacity_fix(ctx, policy),
        )


def _label(anchor: ast.AST, decorator: bool) -> str:
    if isinstance(anchor, ast.Call):
        text = f"{au.dotted(anchor.func) or 'retry'}(...)"
        return f"@{text}" if decorator else text
    if isinstance(anchor, ast.expr):
        return f"@{au.dotted(anchor) or 'retry'}"
    return "retry"


def _hook_function(ctx: FileContext, policy: rs.RetryPolicy) -> tuple[str, Edit | None] | None:
    """How to spell ``before_sleep_log`` here, and the import edit it needs."""
    existing = ctx.resolver.module_scope.names.get("before_sleep_log")
    if existing is not None:
        if existing.kind == "import" and existing.qualname == "tenacity.before_sleep_log":
            return "before_sleep_log", None
        return None  # the name means something else here
    anchor = policy.anchor
    func = anchor.func if isinstance(anchor, ast.Call) else anchor
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        base = ctx.qualname(func.value)
        if base == "tenacity":
            return f"{func.value.id}.before_sleep_log", None
    return "before_sleep_log", add_from_import(ctx.source, ctx.tree, "tenacity", "before_sleep_log")


def _tenacity_fix(ctx: FileContext, policy: rs.RetryPolicy) -> Fix | None:
    """``before_sleep=before_sleep_log(logger, logging.WARNING)`` with what it needs."""
    if in_fstring(ctx.ancestors) or policy.opaque:
        return None
    anchor = policy.anchor
    hook = _hook_function(ctx, policy)
    logger = module_logger(ctx.source, ctx.tree)
    if hook is None or logger is None:
        return None
    hook_name, import_edit = hook
    logger_name, logger_edits = logger
    value = f"{hook_name}({logger_name}, logging.WARNING)"
    if isinstance(anchor, ast.Call):
        if policy.call is not anchor:
            return None  # a partial or shared policy: the keywords live elsewhere
        main = insert_keyword(ctx.source, anchor, "before_sleep", value)
        if main is None:
            return None
    elif isinstance(anchor, ast.Name | ast.Attribute):
        loc = ctx.location(anchor)
        end = Location(loc.end_line, loc.end_column, loc.end_line, loc.end_column)
        main = Edit(end, f"(before_sleep={value})")
    else:
        return None
    edits: list[Edit] = [*logger_edits]
    if not logger_edits and not _imports_logging(ctx):
        logging_edit = add_import(ctx.source, ctx.tree, "logging")
        if logging_edit is not None:
            edits.append(logging_edit)
    if import_edit is not None:
        edits.append(import_edit)
    edits.append(main)
    return Fix(
        Applicability.UNSAFE,
        f"Add before_sleep={value}",
        _merge_inserts(edits),
    )


def _imports_logging(ctx: FileContext) -> bool:
    binding = ctx.resolver.module_scope.names.get("logging")
    return binding is not None and binding.kind == "import" and binding.qualname == "logging"


def _merge_inserts(edits: list[Edit]) -> tuple[Edit, ...]:
    """Insertions at the same point become one edit (in order), so no fixer sees them as
    overlapping; the result is sorted by position."""
    merged: dict[Location, str] = {}
    for edit in edits:
        merged[edit.location] = merged.get(edit.location, "") + edit.content
    return tuple(Edit(loc, text) for loc, text in sorted(merged.items()))
