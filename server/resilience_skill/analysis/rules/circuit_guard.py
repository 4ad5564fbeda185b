"""RES301: a retried external call with no circuit breaker ("Circuit breakers on critical
deps").

Per file, each *retried function* (one that is, or contains, a retry scope around an
external call) is recorded with what might guard it; the project stage decides, because the
breaker is often defined (or applied) in another module:

* guarded locally: a breaker decorator, ``breaker.call(...)`` / ``with breaker.calling()`` /
  purgatory ``get_breaker`` in its body (``breakers_model`` recognises these);
* guarded by a breaker defined elsewhere: a decorator or guard receiver whose cross-file key
  names a breaker constructed anywhere in the tree;
* guarded by its caller: a function that runs it through ``breaker.call(fn, ...)``, or a
  breaker-guarded function of the tree that calls it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis import breakers_model as bm
from resilience_skill.analysis import retry_scopes as rs
from resilience_skill.analysis.engine import FileContext, call_target, make_finding
from resilience_skill.analysis.facts import ProjectIndex
from resilience_skill.analysis.model import Applicability, Finding, Fix, Location
from resilience_skill.analysis.registry import RULES, rule
from resilience_skill.config import Config

_RETRIED = "RES301.retried"
_GUARDED = "RES301.guarded"
_BREAKERS = "RES301.breakers"
_VIA_CALL = "RES301.via_call"
_SCOPE_WORDS = ("retry", "Retry", "retries", "backoff", "stamina", "except")


@dataclass
class _FunctionState:
    qualname: str
    retried: bool = False
    guarded: bool = False
    refs: set[str] = field(default_factory=set)
    """Keys of decorators / guard receivers that may be breakers defined elsewhere."""


@dataclass(frozen=True, slots=True)
class RetriedFunction:
    qualname: str
    name_location: Location
    guarded: bool
    refs: frozenset[str]


@dataclass(frozen=True, slots=True)
class GuardedFunction:
    """A function that is (or may be, via ``refs``) guarded by a breaker."""

    qualname: str
    guarded: bool
    refs: frozenset[str]


@dataclass(frozen=True, slots=True)
class ViaCall:
    """``<receiver>.call(fn, ...)``: ``fn`` runs under ``receiver`` if it is a breaker."""

    target: str
    receiver: str | None
    known_breaker: bool


@rule("RES301", summary="A retried external call with no circuit breaker around it.")
class RetryWithoutCircuitBreaker:
    """## What it does
    Reports, once per function, an external call inside a retry scope (a retry decorator,
    a `Retrying`/`retry_context` loop, a hand-rolled retry loop) when no circuit breaker
    guards the function: no `@breaker` (pybreaker, aiobreaker), `@circuit`, purgatory
    `@cbf("name")`, no `breaker.call(...)`, `with breaker.calling()` or purgatory
    `get_breaker(...)` in it, and no breaker-guarded caller in the audited tree.

    ## Why is this bad?
    When the dependency is down, every caller keeps retrying it: the retries multiply the
    load on a service that is trying to recover, and every request waits for all attempts
    to fail. A breaker fails fast after a few failures and probes for recovery.

    ## Example
    ```python
    @retry(stop=stop_after_attempt(3), wait=wait_random_exponential(max=10))
    def get_user(uid):
        return requests.get(f"{API}/users/{uid}", timeout=5).json()
    ```

    ## Fix
    ```python
    user_api = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)

    @user_api
    @retry(stop=stop_after_attempt(3), wait=wait_random_exponential(max=10))
    def get_user(uid):
        return requests.get(f"{API}/users/{uid}", timeout=5).json()
    ```
    `resilience generate circuit-breaker` emits a breaker for your library.
    """

    def __init__(self) -> None:
        self.stack: list[_FunctionState | None] = []
        self.text_flags: tuple[bool, bool] | None = None

    def _flags(self, ctx: FileContext) -> tuple[bool, bool]:
        """(the file may build a breaker, the file may hold a retry scope): cheap text
        checks that spare the per-call work in files that cannot need it."""
        if self.text_flags is None:
            text = ctx.source.text
            self.text_flags = (
                any(t in text for t in ("reaker", "circuit")),
                any(t in text for t in _SCOPE_WORDS),
            )
        return self.text_flags

    # -- functions ----------------------------------------------------------------------

    def visit_FunctionDef(self, ctx: FileContext, node: ast.FunctionDef) -> None:
        self._enter(ctx, node)

    def visit_AsyncFunctionDef(self, ctx: FileContext, node: ast.AsyncFunctionDef) -> None:
        self._enter(ctx, node)

    def leave_FunctionDef(self, ctx: FileContext, node: ast.FunctionDef) -> None:
        self._leave(ctx)

    def leave_AsyncFunctionDef(self, ctx: FileContext, node: ast.AsyncFunctionDef) -> None:
        self._leave(ctx)

    def _enter(self, ctx: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        scope = ctx.resolver.scope(node)
        if scope is None:
            self.stack.append(None)
            return
        state = _FunctionState(scope.qualname)
        state.guarded = bm.function_guard(ctx, node) is not None
        if not state.guarded:
            for deco in node.decorator_list:
                if rs.decorator_policy(ctx, deco) is not None:
                    continue
                target = deco.func if isinstance(deco, ast.Call) else deco
                key = bm.object_key(ctx, target)
                if key is not None:
                    state.refs.add(key)
        self.stack.append(state)

    def _leave(self, ctx: FileContext) -> None:
        state = self.stack.pop() if self.stack else None
        if state is None:
            return
        if state.guarded or state.refs:
            ctx.facts.record(
                _GUARDED, GuardedFunction(state.qualname, state.guarded, frozenset(state.refs))
            )
        facts = ctx.facts.functions.get(state.qualname)
        if state.retried and facts is not None:
            ctx.facts.record(
                _RETRIED,
                RetriedFunction(
                    state.qualname, facts.name_location, state.guarded, frozenset(state.refs)
                ),
            )

    def _current(self, ctx: FileContext) -> _FunctionState | None:
        # Only the innermost def counts: a nested def's calls are not its parent's.
        return self.stack[-1] if self.stack and ctx.function_node is not None else None

    # -- calls and with-blocks ----------------------------------------------------------

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        may_build, may_retry = self._flags(ctx)
        if may_build and bm.constructor_kind(ctx, call) is not None:
            key = bm.binding_key(ctx, call)
            if key is not None:
                ctx.facts.record(_BREAKERS, key)
        state = self._current(ctx)
        if state is None:
            return
        self._guard_call(ctx, call, state)
        if (
            may_retry
            and not state.retried
            and rs.in_retry_scope(ctx, call)
            and au.is_external_call(ctx, call)
        ):
            state.retried = True

    def _guard_call(self, ctx: FileContext, call: ast.Call, state: _FunctionState) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in ("call", "call_async"):
            return
        known = bm.guard_call(ctx, call) is not None
        receiver = bm.object_key(ctx, func.value)
        if known:
            state.guarded = True
        elif receiver is not None:
            state.refs.add(receiver)
        if call.args and not au.has_star_args(call):
            fn = call.args[0]
            target = _target_of(ctx, fn)
            if target is not None:
                ctx.facts.record(_VIA_CALL, ViaCall(target, receiver, known))

    def visit_With(self, ctx: FileContext, node: ast.With) -> None:
        self._with(ctx, node)

    def visit_AsyncWith(self, ctx: FileContext, node: ast.AsyncWith) -> None:
        self._with(ctx, node)

    def _with(self, ctx: FileContext, node: ast.With | ast.AsyncWith) -> None:
        state = self._current(ctx)
        if state is None:
            return
        for item in node.items:
            if bm.guard_context(ctx, item.context_expr) is not None:
                state.guarded = True
                continue
            expr = item.context_expr
            if isinstance(expr, ast.Await):
                expr = expr.value
            if (
                isinstance(expr, ast.Call)
                and isinstance(expr.func, ast.Attribute)
                and expr.func.attr in ("calling", "get_breaker")
            ):
                key = bm.object_key(ctx, expr.func.value)
                if key is not None:
                    state.refs.add(key)

    # -- the tree -----------------------------------------------------------------------

    @staticmethod
    def project(index: ProjectIndex, config: Config) -> Iterable[Finding]:
        breakers = {key for _facts, key in index.records(_BREAKERS)}

        def is_breaker(key: str | None) -> bool:
            return key is not None and bm.any_key_matches(key, breakers)

        guarded_functions = [
            g.qualname
            for _facts, g in index.records(_GUARDED)
            if g.guarded or any(is_breaker(r) for r in g.refs)
        ]
        via_breaker = [
            v.target
            for _facts, v in index.records(_VIA_CALL)
            if v.known_breaker or is_breaker(v.receiver)
        ]
        called_by_guarded: list[str] = []
        for qualname in guarded_functions:
            found = index.function(qualname)
            if found is not None:
                called_by_guarded += [site.target for site in found[1].calls]
        info = RULES["RES301"]
        for facts, fn in index.records(_RETRIED):
            if fn.guarded or any(is_breaker(r) for r in fn.refs):
                continue
            if bm.any_key_matches(fn.qualname, via_breaker):
                continue
            if bm.any_key_matches(fn.qualname, called_by_guarded):
                continue
            name = fn.qualname.rsplit(".", 1)[-1]
            yield make_finding(
                info,
                facts.path,
                fn.name_location,
                f"{name}() retries an external call with no circuit breaker: while the "
                f"dependency is down every caller keeps retrying it, multiplying the load "
                f"and the wait; guard it with a circuit breaker",
                fix=Fix(
                    Applicability.DISPLAY,
                    "Guard the function with a circuit breaker",
                    (),
                ),
            )


def _target_of(ctx: FileContext, fn: ast.expr) -> str | None:
    """The qualified name of a function passed by reference (``fetch``, ``self.fetch``)."""
    if isinstance(fn, ast.Name | ast.Attribute):
        probe = ast.Call(func=fn, args=[], keywords=[])
        return call_target(ctx, probe)
    return None
