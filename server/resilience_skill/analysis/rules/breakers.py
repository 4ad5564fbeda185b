"""RES302, RES303: circuit breakers that can never open ("Circuit breakers on critical deps").

RES301 (a retry without a breaker) lives in ``circuit_guard.py``; breaker recognition shared
by all three is in ``analysis/breakers_model.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis import breakers_model as bm
from resilience_skill.analysis.engine import FileContext, make_finding
from resilience_skill.analysis.facts import ProjectIndex
from resilience_skill.analysis.model import Finding, Location
from resilience_skill.analysis.registry import RULES, rule
from resilience_skill.config import Config

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


def _walk_local(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and its descendants, not entering nested defs, lambdas or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, _NESTED):
                stack.append(child)


# -- RES302 -----------------------------------------------------------------------------


@dataclass
class _Uses:
    guard_loops: list[frozenset[int]]
    """For each use that runs work under the object: the loops (ids) enclosing it."""
    escaped: bool
    """The object leaves the region (returned, stored, passed, captured): it may live on."""


def _scan_uses(region: list[ast.stmt], name: str, guard_attrs: frozenset[str]) -> _Uses:
    """How ``name`` is used in ``region``: calls of it, guard methods on it and ``with``
    items are guard uses; attribute reads are neutral; anything else is an escape."""
    uses = _Uses([], False)

    def visit(node: ast.AST, parent: ast.AST | None, loops: tuple[int, ...]) -> None:
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            _classify(node, parent, loops)
            return
        if isinstance(node, _NESTED):
            decorators = node.decorator_list if not isinstance(node, ast.Lambda) else []
            for deco in decorators:
                visit(deco, node, loops)
            inside: list[ast.AST] = [node.body] if isinstance(node, ast.Lambda) else []
            if isinstance(node, ast.ClassDef):
                inside = [*node.body, *node.bases]
            elif isinstance(node, _DEFS):
                inside = [*node.body, node.args]
            if any(
                isinstance(n, ast.Name) and n.id == name for part in inside for n in ast.walk(part)
            ):
                uses.escaped = True  # captured by a closure or a class: it may live on
            return
        inner = (*loops, id(node)) if isinstance(node, _LOOPS) else loops
        for child in ast.iter_child_nodes(node):
            visit(child, node, inner)

    def _classify(node: ast.Name, parent: ast.AST | None, loops: tuple[int, ...]) -> None:
        guard = (
            (isinstance(parent, ast.Call) and parent.func is node)
            or isinstance(parent, ast.withitem)
            or (isinstance(parent, _DEFS) and node in parent.decorator_list)
            or (isinstance(parent, ast.Attribute) and parent.attr in guard_attrs)
        )
        if guard:
            uses.guard_loops.append(frozenset(loops))
        elif not isinstance(parent, ast.Attribute):
            uses.escaped = True

    for stmt in region:
        visit(stmt, None, ())
    return uses


@rule(
    "RES302",
    summary="A circuit breaker is built inside the function or loop that uses it, so it "
    "never opens.",
)
class BreakerPerCall:
    """## What it does
    Finds circuit breakers constructed where they are used: `pybreaker.CircuitBreaker(...)`,
    `aiobreaker.CircuitBreaker(...)`, circuitbreaker's `CircuitBreaker(...)` or `circuit(...)`,
    and purgatory breaker factories, built inside a function (or a loop) and used there:
    `CircuitBreaker().call(f)`, a local `breaker = CircuitBreaker()` then `breaker.call(...)`,
    a nested function decorated with `@circuit` and called right away.

    ## Why is this bad?
    A breaker counts failures across calls. Built on every call (or every iteration), it
    starts closed with a zero count each time, so it never reaches its threshold and never
    opens: the failing dependency is hammered exactly as if there were no breaker.

    ## Example
    ```python
    import pybreaker, requests

    def fetch(url):
        breaker = pybreaker.CircuitBreaker(fail_max=5)
        return breaker.call(requests.get, url, timeout=5)
    ```

    ## Fix
    ```python
    import pybreaker, requests

    breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)

    def fetch(url):
        return breaker.call(requests.get, url, timeout=5)
    ```
    A breaker built once in a function and reused in a loop there, stored on `self`, in a
    registry or returned (a factory) is not reported.
    """

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        if isinstance(ctx.parent, (*_DEFS, ast.ClassDef)):
            return  # a decorator: see visit_FunctionDef
        kind = bm.constructor_kind(ctx, call)
        if kind is None:
            return
        where = _per_call_region(ctx.ancestors)
        if where is None:
            return
        region, ctor_loops, label = where
        parent = ctx.parent
        direct = (
            (isinstance(parent, ast.Call) and parent.func is call)
            or isinstance(parent, ast.withitem)
            or (
                isinstance(parent, ast.Attribute)
                and parent.attr in _guard_attrs(kind)
                and len(ctx.ancestors) > 1
                and isinstance(ctx.ancestors[-2], ast.Call)
                and ctx.ancestors[-2].func is parent
            )
        )
        if not direct:
            name = _assigned_name(ctx, call)
            if name is None:
                return
            uses = _scan_uses(region, name, _guard_attrs(kind))
            if not _per_call(uses, ctor_loops):
                return
        self._report(ctx, call, kind, label)

    def visit_FunctionDef(self, ctx: FileContext, node: ast.FunctionDef) -> None:
        self._nested_def(ctx, node)

    def visit_AsyncFunctionDef(self, ctx: FileContext, node: ast.AsyncFunctionDef) -> None:
        self._nested_def(ctx, node)

    def _nested_def(self, ctx: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """``@circuit`` (or ``@CircuitBreaker()``) on a def that runs on every call."""
        for deco in node.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if isinstance(deco, ast.Call):
                kind = bm.constructor_kind(ctx, deco)
            else:
                kind = "circuitbreaker" if ctx.qualname(deco) == bm.CIRCUIT_DECORATOR else None
            if kind is None or kind == "purgatory" or target is None:
                continue
            where = _per_call_region(ctx.ancestors)
            if where is None:
                return
            region, def_loops, label = where
            uses = _scan_uses(region, node.name, frozenset())
            if _per_call(uses, def_loops):
                self._report(ctx, deco, kind, label)
            return

    @staticmethod
    def _report(ctx: FileContext, node: ast.expr, kind: str, label: str) -> None:
        text = au.dotted(node.func if isinstance(node, ast.Call) else node) or "breaker"
        what = "breaker factory" if kind == "purgatory" else "circuit breaker"
        ctx.report(
            "RES302",
            node,
            f"{text}() builds a new {what} {label}: its failure count starts at zero each "
            f"time, so it never opens; create it once (module level or __init__) and reuse it",
        )


def _guard_attrs(kind: str) -> frozenset[str]:
    if kind == "purgatory":
        return frozenset({"get_breaker"})
    return bm.GUARD_METHODS | {"decorate"}


def _per_call_region(
    ancestors: list[ast.AST],
) -> tuple[list[ast.stmt], frozenset[int], str] | None:
    """The statements a per-call breaker lives in (the innermost def's body, or the
    outermost loop at module level), the loops enclosing the construction inside it, and
    how the message names the repetition. ``None``: built once (module or class level)."""
    start = None
    for index in range(len(ancestors) - 1, -1, -1):
        node = ancestors[index]
        if isinstance(node, _DEFS):
            start = index
            break
        if isinstance(node, ast.Lambda | ast.ClassDef):
            return None
    if start is not None:
        fn = ancestors[start]
        assert isinstance(fn, _DEFS)
        loops = frozenset(id(n) for n in ancestors[start + 1 :] if isinstance(n, _LOOPS))
        label = "on every iteration" if loops else f"on every call of {fn.name}()"
        return fn.body, loops, label
    outer = next((n for n in ancestors if isinstance(n, _LOOPS)), None)
    if not isinstance(outer, ast.For | ast.AsyncFor | ast.While):
        return None
    loops = frozenset(id(n) for n in ancestors if isinstance(n, _LOOPS))
    return [outer], loops, "on every iteration"


def _assigned_name(ctx: FileContext, call: ast.Call) -> str | None:
    """``name = <call>`` bound once in the current scope."""
    parent = ctx.parent
    target: ast.expr | None = None
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        target = parent.targets[0]
    elif isinstance(parent, ast.AnnAssign):
        target = parent.target
    if not isinstance(target, ast.Name):
        return None
    binding = ctx.scope.names.get(target.id)
    if binding is None or binding.ambiguous or binding.value is not call:
        return None
    return target.id


def _per_call(uses: _Uses, ctor_loops: frozenset[int]) -> bool:
    """Used, never escaping, and never reused by a loop the construction is outside of."""
    return (
        not uses.escaped
        and bool(uses.guard_loops)
        and all(loops <= ctor_loops for loops in uses.guard_loops)
    )


# -- RES303 -----------------------------------------------------------------------------


def _is_catch_all(handler: ast.ExceptHandler) -> bool:
    types = handler.type
    if types is None:
        return True
    elts = types.elts if isinstance(types, ast.Tuple) else [types]
    return any(au.dotted(t) in ("Exception", "BaseException", "builtins.Exception") for t in elts)


def _raises(nodes: Iterable[ast.AST]) -> bool:
    return any(isinstance(n, ast.Raise) for stmt in nodes for n in _walk_local(stmt))


def _external_calls(ctx: FileContext, nodes: Iterable[ast.AST]) -> bool:
    return any(
        isinstance(n, ast.Call) and au.is_external_call(ctx, n)
        for stmt in nodes
        for n in _walk_local(stmt)
    )


def _swallowing_handlers(ctx: FileContext, body: list[ast.stmt]) -> list[ast.ExceptHandler]:
    """The catch-all handlers that hide every failure of ``body`` from a breaker: each
    external call of the body sits in a ``try`` whose handlers never raise and include a
    catch-all, and nothing outside those ``try`` statements raises."""
    swallowing: list[ast.ExceptHandler] = []
    for stmt in body:
        if isinstance(stmt, ast.Try | ast.TryStar):
            catch_all = [h for h in stmt.handlers if _is_catch_all(h)]
            if (
                catch_all
                and not _raises(stmt.handlers)
                and not _raises(stmt.finalbody)
                and _external_calls(ctx, stmt.body)
            ):
                if _raises(stmt.orelse) or _external_calls(ctx, [*stmt.orelse, *stmt.finalbody]):
                    return []
                swallowing.extend(catch_all)
                continue
        if _raises([stmt]) or _external_calls(ctx, [stmt]):
            return []
    return swallowing


def _message(guard: str) -> str:
    return (
        f"{guard} never sees a failure: this handler catches every exception and does not "
        f"re-raise, so the breaker never opens; catch the errors you can handle and let "
        f"the dependency's failures reach the breaker (or call the fallback outside it)"
    )


@dataclass(frozen=True)
class _Candidate:
    """A function whose decorator may be a breaker defined in another module."""

    decorator_keys: tuple[str, ...]
    function: str
    handlers: tuple[Location, ...]


_BREAKER_KEYS = "RES303.breakers"
_CANDIDATES = "RES303.candidates"


@rule(
    "RES303",
    summary="A function guarded by a circuit breaker swallows every exception, so the "
    "breaker never opens.",
)
class InertBreaker:
    """## What it does
    Finds functions guarded by a circuit breaker (`@breaker`, `@circuit`, purgatory
    `@cbf("name")`, `breaker.call(func, ...)`) and `with breaker.calling():` blocks whose
    external calls all sit in a `try` with a bare `except:`, `except Exception` or
    `except BaseException` handler that does not re-raise.

    ## Why is this bad?
    A breaker opens when the guarded code raises. If the code catches everything and returns
    a fallback, the breaker sees only successes: it never opens, and every caller keeps
    waiting on the failing dependency.

    ## Example
    ```python
    @breaker
    def get_user(uid):
        try:
            return requests.get(f"{API}/users/{uid}", timeout=5).json()
        except Exception:
            return None
    ```

    ## Fix
    ```python
    @breaker
    def _get_user(uid):
        return requests.get(f"{API}/users/{uid}", timeout=5).json()

    def get_user(uid):
        try:
            return _get_user(uid)
        except (pybreaker.CircuitBreakerError, requests.RequestException):
            return None
    ```
    Handlers that re-raise (even conditionally) or catch narrower types are not reported.
    """

    def __init__(self) -> None:
        self.reported: set[int] = set()
        self.called: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = []

    def visit_FunctionDef(self, ctx: FileContext, node: ast.FunctionDef) -> None:
        self._function(ctx, node)

    def visit_AsyncFunctionDef(self, ctx: FileContext, node: ast.AsyncFunctionDef) -> None:
        self._function(ctx, node)

    def _function(self, ctx: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if not node.decorator_list or not _has_catch_all_try(node.body):
            return
        kind = bm.function_guard(ctx, node)
        if kind is not None:
            self._check_body(ctx, node, node.body, f"the breaker on {node.name}()")
            return
        keys = tuple(
            key
            for deco in node.decorator_list
            if isinstance(deco, ast.Name | ast.Attribute)
            and (key := bm.object_key(ctx, deco)) is not None
            and _is_imported(ctx, deco)
        )
        if not keys:
            return
        handlers = self._handlers_in(ctx, node, node.body)
        if handlers:
            ctx.facts.record(
                _CANDIDATES,
                _Candidate(keys, node.name, tuple(ctx.location(h) for h in handlers)),
            )

    def visit_With(self, ctx: FileContext, node: ast.With) -> None:
        self._with(ctx, node)

    def visit_AsyncWith(self, ctx: FileContext, node: ast.AsyncWith) -> None:
        self._with(ctx, node)

    def _with(self, ctx: FileContext, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if bm.guard_context(ctx, item.context_expr) is not None:
                if _has_catch_all_try(node.body):
                    guard = au.dotted(_call_func(item.context_expr)) or "breaker"
                    for handler in _swallowing_handlers(ctx, node.body):
                        self._report(ctx, handler, f"the breaker of `with {guard}()`")
                return

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        kind = bm.constructor_kind(ctx, call)
        if kind is not None and isinstance(ctx.scope.node, ast.Module | ast.ClassDef):
            key = bm.binding_key(ctx, call)
            if key is not None:
                ctx.facts.record(_BREAKER_KEYS, key)
        if bm.guard_call(ctx, call) is None or not call.args:
            return
        func = call.args[0]
        if not isinstance(func, ast.Name):
            return
        binding = ctx.resolver.lookup(func.id, ctx.scope)
        if binding is not None and binding.kind == "def" and isinstance(binding.node, _DEFS):
            breaker = au.dotted(call.func.value) if isinstance(call.func, ast.Attribute) else None
            self.called.append((binding.node, breaker or "breaker"))

    def end(self, ctx: FileContext) -> None:
        for node, breaker in self.called:
            if _has_catch_all_try(node.body):
                self._check_body(ctx, node, node.body, f"{breaker} guarding {node.name}()")

    def _handlers_in(
        self, ctx: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef, body: list[ast.stmt]
    ) -> list[ast.ExceptHandler]:
        scope = ctx.resolver.scope(node)
        if scope is None:
            return []
        # The function's own scope resolves its local clients (`s = requests.Session()`).
        ctx.scopes.append(scope)
        try:
            return _swallowing_handlers(ctx, body)
        finally:
            ctx.scopes.pop()

    def _check_body(
        self,
        ctx: FileContext,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        body: list[ast.stmt],
        guard: str,
    ) -> None:
        for handler in self._handlers_in(ctx, node, body):
            self._report(ctx, handler, guard)

    def _report(self, ctx: FileContext, handler: ast.ExceptHandler, guard: str) -> None:
        if id(handler) in self.reported:
            return
        self.reported.add(id(handler))
        ctx.report("RES303", handler, _message(guard))

    @staticmethod
    def project(index: ProjectIndex, config: Config) -> Iterable[Finding]:
        keys = [key for _facts, key in index.records(_BREAKER_KEYS)]
        if not keys:
            return
        info = RULES["RES303"]
        for facts, candidate in index.records(_CANDIDATES):
            key = next((k for k in candidate.decorator_keys if bm.any_key_matches(k, keys)), None)
            if key is None:
                continue
            guard = f"the breaker {key.rsplit('.', 1)[-1]} on {candidate.function}()"
            for location in candidate.handlers:
                yield make_finding(info, facts.path, location, _message(guard))


def _has_catch_all_try(body: list[ast.stmt]) -> bool:
    """Cheap pre-check before the full look: a top-level try with a catch-all handler."""
    return any(
        isinstance(stmt, ast.Try | ast.TryStar) and any(_is_catch_all(h) for h in stmt.handlers)
        for stmt in body
    )


def _is_imported(ctx: FileContext, expr: ast.expr) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return False
    binding = ctx.resolver.lookup(expr.id, ctx.scope)
    return binding is not None and binding.kind == "import"


def _call_func(expr: ast.expr) -> ast.expr:
    if isinstance(expr, ast.Await):
        expr = expr.value
    return expr.func if isinstance(expr, ast.Call) else expr
