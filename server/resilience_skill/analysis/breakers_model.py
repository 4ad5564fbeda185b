"""What a circuit breaker looks like in source: constructors, guards, listeners.

Shared by RES301 (is a function guarded?), RES302 (constructed per call?), RES303 (inert
guard?) and RES801 (observed?). Libraries: pybreaker, aiobreaker, circuitbreaker (the
``circuit`` decorator, ``CircuitBreaker`` and its subclasses), purgatory (circuit breaker
factories). Every helper answers ``None`` when it cannot know: unknown is never a finding.

Breakers are identified across files by a *key*: the dotted name the object is bound to
(``app.breakers.db_breaker`` for a module-level name, ``app.clients.Api.breaker`` for a
class attribute or ``self.breaker``). Imports of it resolve to the same key, possibly with a
different prefix when the audit root differs from the package root, so keys are compared by
dotted suffix (``keys_match``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resilience_skill.analysis.engine import FileContext
    from resilience_skill.analysis.resolve import Scope

BREAKER_CLASSES: dict[str, str] = {
    "pybreaker.CircuitBreaker": "pybreaker",
    "aiobreaker.CircuitBreaker": "aiobreaker",
    "aiobreaker.circuitbreaker.CircuitBreaker": "aiobreaker",
    "circuitbreaker.CircuitBreaker": "circuitbreaker",
}
"""Constructors whose instances are breakers, by library."""

CIRCUIT_DECORATOR = "circuitbreaker.circuit"
CIRCUIT_MONITOR = "circuitbreaker.CircuitBreakerMonitor"

BREAKER_FACTORIES: dict[str, str] = {
    "purgatory.SyncCircuitBreakerFactory": "purgatory",
    "purgatory.AsyncCircuitBreakerFactory": "purgatory",
    "purgatory.service._sync.circuitbreaker.SyncCircuitBreakerFactory": "purgatory",
    "purgatory.service._async.circuitbreaker.AsyncCircuitBreakerFactory": "purgatory",
}
"""purgatory keeps breaker state in the factory: the factory is the stateful object."""

GUARD_METHODS = frozenset({"call", "call_async", "calling"})
"""Methods of a pybreaker/aiobreaker object that run work under the breaker."""

LISTENER_METHODS = frozenset({"add_listener", "add_listeners"})


# -- what a constructor or a name builds ---------------------------------------------


def _subclass_kind(ctx: FileContext, qual: str, depth: int = 0) -> str | None:
    """The library of a class of this module that subclasses a breaker class."""
    module = ctx.resolver.module
    prefix = f"{module}." if module else ""
    if depth > 3 or not qual.startswith(prefix):
        return None
    name = qual[len(prefix) :]
    if "." in name:
        return None
    binding = ctx.resolver.module_scope.names.get(name)
    if binding is None or binding.ambiguous or not isinstance(binding.node, ast.ClassDef):
        return None
    for base in binding.node.bases:
        base_qual = ctx.resolver.qualname(base, ctx.resolver.module_scope)
        if base_qual is None:
            continue
        kind = BREAKER_CLASSES.get(base_qual) or _subclass_kind(ctx, base_qual, depth + 1)
        if kind is not None:
            return kind
    return None


def kind_of_constructor(ctx: FileContext, qual: str | None) -> str | None:
    """The breaker library a constructor (or ``circuit``) qualified name builds."""
    if qual is None:
        return None
    if qual == CIRCUIT_DECORATOR:
        return "circuitbreaker"
    return BREAKER_CLASSES.get(qual) or BREAKER_FACTORIES.get(qual) or _subclass_kind(ctx, qual)


def constructor_kind(ctx: FileContext, call: ast.Call) -> str | None:
    """The library when ``call`` builds a new breaker (or purgatory factory):
    ``pybreaker.CircuitBreaker(...)``, ``circuit(...)``, ``circuit(func)``,
    ``SyncCircuitBreakerFactory()``, a local subclass of a breaker class."""
    return kind_of_constructor(ctx, ctx.qualname(call.func))


def object_kind(ctx: FileContext, expr: ast.expr) -> str | None:
    """The library of the breaker (or purgatory factory) object ``expr`` holds: a
    constructor call, or a name / ``self.x`` bound once to one."""
    if isinstance(expr, ast.Call):
        kind = constructor_kind(ctx, expr)
        # `circuit(...)` returns a breaker; `circuit(f)` a guarded function.
        if kind == "circuitbreaker" and ctx.qualname(expr.func) == CIRCUIT_DECORATOR:
            return None if _is_bare_circuit_application(expr) else kind
        return kind
    if isinstance(expr, ast.Name | ast.Attribute):
        value = ctx.value_of(expr.id) if isinstance(expr, ast.Name) else None
        if isinstance(value, ast.Call) and _is_bare_circuit_application(value):
            return None  # `guarded = circuit(f)` is a function, not a breaker
        return kind_of_constructor(ctx, ctx.type_of(expr))
    return None


def _is_bare_circuit_application(call: ast.Call) -> bool:
    """``circuit(func)``: one positional argument that is a function, not a threshold."""
    return (
        len(call.args) == 1
        and not call.keywords
        and isinstance(call.args[0], ast.Name | ast.Attribute | ast.Lambda)
    )


# -- guards ---------------------------------------------------------------------------


def guard_decorator(ctx: FileContext, deco: ast.expr) -> str | None:
    """The library when decorator ``deco`` puts a breaker around the function:
    ``@breaker``, ``@circuit``, ``@circuit(...)``, ``@CircuitBreaker(...)``,
    ``@MyCircuitBreaker()``, ``@breaker(__pybreaker_call_async=True)``, purgatory
    ``@cbf("name")``."""
    if isinstance(deco, ast.Name | ast.Attribute):
        if ctx.qualname(deco) == CIRCUIT_DECORATOR:
            return "circuitbreaker"
        kind = object_kind(ctx, deco)
        return kind if kind is not None and kind != "purgatory" else None
    if isinstance(deco, ast.Call):
        qual = ctx.qualname(deco.func)
        if qual == CIRCUIT_DECORATOR:
            return "circuitbreaker"
        kind = kind_of_constructor(ctx, qual)
        if kind is not None:
            # `@pybreaker.CircuitBreaker()` guards; `@SyncCircuitBreakerFactory()` does not.
            return kind if kind != "purgatory" else None
        # A call of a breaker object: pybreaker options, or purgatory `cbf("name")`.
        return object_kind(ctx, deco.func)
    return None


def guard_context(ctx: FileContext, expr: ast.expr) -> str | None:
    """The library when a ``with`` item runs its block under a breaker:
    ``breaker.calling()``, purgatory ``cbf.get_breaker(...)`` (``async with await ...``),
    a circuitbreaker ``CircuitBreaker`` object used as a context manager."""
    if isinstance(expr, ast.Await):
        expr = expr.value
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        kind = object_kind(ctx, expr.func.value)
        if kind in ("pybreaker", "aiobreaker") and expr.func.attr == "calling":
            return kind
        if kind == "purgatory" and expr.func.attr == "get_breaker":
            return kind
        return None
    kind = object_kind(ctx, expr) if isinstance(expr, ast.Name | ast.Attribute) else None
    return kind if kind == "circuitbreaker" else None


def guard_call(ctx: FileContext, call: ast.Call) -> str | None:
    """The library when ``call`` runs a function under a breaker: ``breaker.call(f, ...)``,
    ``breaker.call_async(f, ...)``."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("call", "call_async"):
        kind = object_kind(ctx, func.value)
        if kind in ("pybreaker", "aiobreaker"):
            return kind
    return None


def is_breaker_guard(ctx: FileContext, node: ast.AST) -> bool:
    """True for a decorator, ``with`` item expression or call that puts a breaker around
    work (see ``guard_decorator``, ``guard_context``, ``guard_call``)."""
    if isinstance(node, ast.withitem):
        return guard_context(ctx, node.context_expr) is not None
    if isinstance(node, ast.Call) and guard_call(ctx, node) is not None:
        return True
    if isinstance(node, ast.expr):
        return guard_decorator(ctx, node) is not None or guard_context(ctx, node) is not None
    return False


def function_guard(ctx: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The library of the first breaker decorator of ``node`` (evaluated in the scope
    enclosing the def: call from a ``visit_FunctionDef`` handler)."""
    for deco in node.decorator_list:
        kind = guard_decorator(ctx, deco)
        if kind is not None:
            return kind
    return None


# -- identity across files -------------------------------------------------------------


def _scope_holding(ctx: FileContext, name: str) -> str | None:
    """The qualified name of the scope where ``name`` (seen from the current scope) is
    bound, or ``None`` when it is not bound once."""
    current: Scope | None = ctx.scope
    first = True
    while current is not None:
        if first or not isinstance(current.node, ast.ClassDef):
            binding = current.names.get(name)
            if binding is not None:
                return None if binding.ambiguous else current.qualname
        first = False
        current = current.parent
    return None


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def object_key(ctx: FileContext, expr: ast.expr) -> str | None:
    """The cross-file identity of the object ``expr`` names (see the module docstring)."""
    if isinstance(expr, ast.Name):
        binding = ctx.resolver.lookup(expr.id, ctx.scope)
        if binding is None:
            return None
        if binding.kind == "import":
            return binding.qualname
        holder = _scope_holding(ctx, expr.id)
        return _join(holder, expr.id) if holder is not None else None
    if isinstance(expr, ast.Attribute):
        base = expr.value
        if isinstance(base, ast.Name) and base.id in ("self", "cls"):
            cls_scope = ctx.resolver.enclosing_class(ctx.scope)
            return _join(cls_scope.qualname, expr.attr) if cls_scope is not None else None
        return ctx.qualname(expr)
    return None


def binding_key(ctx: FileContext, call: ast.Call) -> str | None:
    """The key of the name a constructor call is assigned to (``x = C()`` at any scope,
    ``self.x = C()``, ``x: T = C()``); ``None`` when the result is not bound to a name."""
    parent = ctx.parent
    target: ast.expr | None = None
    if isinstance(parent, ast.Assign) and parent.value is call and len(parent.targets) == 1:
        target = parent.targets[0]
    elif isinstance(parent, ast.AnnAssign) and parent.value is call:
        target = parent.target
    if target is None:
        return None
    if isinstance(target, ast.Name):
        return _join(ctx.scope.qualname, target.id)
    if isinstance(target, ast.Attribute):
        return object_key(ctx, target)
    return None


def keys_match(a: str, b: str) -> bool:
    """Same object, allowing for audit roots above or below the package root."""
    return a == b or a.endswith(f".{b}") or b.endswith(f".{a}")


def any_key_matches(key: str, keys: Iterable[str]) -> bool:
    return any(keys_match(key, other) for other in keys)
