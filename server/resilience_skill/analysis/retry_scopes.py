"""Retry scopes and their policies: what retries, how often, how long it waits.

Recognised: tenacity (``@retry`` bare and called, ``Retrying``/``AsyncRetrying`` objects and
``for attempt in Retrying(...): with attempt:`` loops, ``retry_with``), backoff
(``on_exception``, ``on_predicate``), stamina (``retry``, ``retry_context``), celery tasks
(``autoretry_for``, ``self.retry``, ``retry_kwargs``), urllib3 ``Retry`` and requests'
``HTTPAdapter(max_retries=...)``, and hand-rolled retry loops.

A policy is evaluated from its arguments: stop conditions combined with ``|``/``&``, waits
added with ``+``, constants (module-level too), ``functools.partial`` of a policy and a policy
bound once to a name. What cannot be seen (``**kwargs``, positional arguments we do not
model, a policy from elsewhere) is *unknown*, and rules never report unknowns.

Every evaluation is cached per file (keyed by node identity), so rules may ask freely.

Facts for cross-file rules (all written idempotently by :func:`note_function` /
:func:`note_call`, which every rule needing them calls):

* ``FunctionFacts.attrs["retry"]``: the function's own retry policy summary
  (``{"library", "attempts", "unbounded", "label"}``) when it is a retry scope;
  ``attrs["retries_inside"]``: the same for a retry loop in its body.
* ``CallSite.attrs["retry_scope"]``: the summary of the innermost retry scopes enclosing
  the call (attempts multiplied across nested scopes of the function).
* record ``"retry.inner_call"``: :class:`InnerCall` for each call inside a retry scope.
* record ``"retry.mount"``: :class:`Mount` for ``session.mount(prefix, adapter)`` with an
  adapter that retries.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis import knowledge as kb
from resilience_skill.analysis.breakers_model import object_key
from resilience_skill.analysis.model import Location

if TYPE_CHECKING:
    from resilience_skill.analysis.engine import FileContext

# -- library names ----------------------------------------------------------------------

TENACITY_RETRY = frozenset({"tenacity.retry"})
TENACITY_RETRYING = frozenset(
    {
        "tenacity.Retrying",
        "tenacity.AsyncRetrying",
        "tenacity.asyncio.AsyncRetrying",
        "tenacity.TornadoRetrying",
    }
)
BACKOFF_DECORATORS = frozenset(
    {
        "backoff.on_exception",
        "backoff.on_predicate",
        "backoff._decorator.on_exception",
        "backoff._decorator.on_predicate",
    }
)
STAMINA_RETRY = frozenset({"stamina.retry"})
STAMINA_CONTEXT = frozenset({"stamina.retry_context"})
CELERY_TASK_DECORATORS = frozenset({"celery.shared_task", "celery.task", "celery.app.shared_task"})
URLLIB3_RETRY = frozenset(
    {
        "urllib3.Retry",
        "urllib3.util.Retry",
        "urllib3.util.retry.Retry",
        "requests.adapters.Retry",
        "requests.packages.urllib3.util.retry.Retry",
        "requests.packages.urllib3.util.Retry",
        "requests.packages.urllib3.Retry",
    }
)
HTTP_ADAPTERS = frozenset({"requests.adapters.HTTPAdapter", "requests.HTTPAdapter"})
PARTIAL = frozenset({"functools.partial"})

POLICY_FACTORIES = (
    TENACITY_RETRY | TENACITY_RETRYING | BACKOFF_DECORATORS | STAMINA_RETRY | STAMINA_CONTEXT
)

_TENACITY_WAITS = {
    "wait_none": "none",
    "wait_fixed": "fixed",
    "wait_random": "random",
    "wait_exponential": "exponential",
    "wait_random_exponential": "random_exponential",
    "wait_full_jitter": "random_exponential",
    "wait_exponential_jitter": "exponential_jitter",
    "wait_incrementing": "incrementing",
}
_BACKOFF_GENERATORS = {"expo": "expo", "fibo": "fibo", "constant": "constant"}
EXPONENTIAL_KINDS = frozenset(
    {"exponential", "random_exponential", "exponential_jitter", "expo", "fibo"}
)
JITTER_KINDS = frozenset({"random", "random_exponential", "exponential_jitter"})
FLAT_KINDS = frozenset({"none", "fixed", "random", "constant"})
ANY_EXCEPTION = frozenset({"Exception", "BaseException", "builtins.Exception"})
SLEEP_FUNCTIONS = frozenset(
    {"time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep", "eventlet.sleep"}
)

# -- data -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Wait:
    """One wait strategy of a policy (waits added with ``+`` give several)."""

    kind: str
    """none, fixed, random, exponential, random_exponential, exponential_jitter,
    incrementing (tenacity); expo, fibo, constant (backoff); stamina; celery; urllib3."""
    node: ast.expr | None = None
    multiplier: float | None = None
    base: float | None = None
    minimum: float | None = None
    cap: float | None = None
    """The maximum single wait when known."""
    capped: bool = False
    """A maximum is given (its value may be unknown)."""
    jitter: bool = False
    value: float | None = None
    """Fixed/constant wait, or the upper bound of a random one."""

    @property
    def exponential(self) -> bool:
        return self.kind in EXPONENTIAL_KINDS


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    library: str
    """tenacity, backoff, stamina, celery, urllib3, requests (HTTPAdapter)."""
    form: str
    """decorator, loop (a Retrying/retry_context iterator), object (a policy built outside
    a decorator), retry_with (``fn.retry_with(...)``: a variant of ``fn``'s policy), task
    (celery), client (urllib3 Retry / HTTPAdapter)."""
    anchor: ast.AST
    """Where findings about the policy point: the decorator or the policy call."""
    call: ast.Call | None
    """The call holding the policy's keywords (``None`` for a bare ``@retry``)."""
    keywords: dict[str, ast.expr] = field(default_factory=dict)
    attempts: int | None = None
    """Worst-case attempts (first try included) when known."""
    unbounded: bool = False
    """Certainly retries forever (no stop at all)."""
    max_delay: float | None = None
    waits: tuple[Wait, ...] = ()
    wait_known: bool = True
    wait_expr: ast.expr | None = None
    has_hook: bool = False
    retry_on: tuple[str, ...] | None = None
    """Exception qualnames retried on, when known."""
    retries_any: bool = False
    """Retries on any exception (``Exception``/``BaseException`` or the library default)."""
    filtered: bool = False
    """A ``giveup=``/predicate narrows what is retried."""
    opaque: bool = False
    """Some arguments cannot be seen (``**kwargs``, positional, ``retry_with``, a partial of
    an unknown): what is absent is unknown, not the library default."""
    shared: bool = False
    """The policy object is bound to a name and applied here (its call is elsewhere)."""

    @property
    def jittered(self) -> bool:
        return any(w.jitter for w in self.waits)

    @property
    def label(self) -> str:
        return "unbounded" if self.unbounded else str(self.attempts or "?")

    def summary(self) -> dict[str, Any]:
        """Picklable facts for cross-file rules."""
        return {
            "library": self.library,
            "attempts": self.attempts,
            "unbounded": self.unbounded,
        }


@dataclass(frozen=True, slots=True)
class LoopRetry:
    """A hand-rolled retry loop (RES205's shape)."""

    loop: ast.For | ast.While
    try_node: ast.Try
    calls: tuple[ast.Call, ...]
    """The external calls the loop retries."""
    attempts: int | None
    """``range(n)`` loops: n; ``while`` loops: unknown."""
    while_true: bool
    sleeps: tuple[ast.Call, ...]
    sleep_kind: str
    """none, constant, growing, jittered, unknown."""
    has_counter: bool
    has_deadline: bool
    raises: bool
    """Some except path raises."""


@dataclass(frozen=True, slots=True)
class ScopeFrame:
    """One retry scope enclosing the walk's position."""

    kind: str
    """decorator, loop (Retrying/retry_context), hand (hand-rolled loop), task (celery)."""
    node: ast.AST
    policy: RetryPolicy | None
    attempts: int | None
    unbounded: bool


@dataclass(frozen=True, slots=True)
class InnerCall:
    """A call made inside a retry scope (record ``retry.inner_call``)."""

    function: str
    target: str | None
    receiver: str | None
    location: Location
    attempts: int | None
    unbounded: bool
    label: str


@dataclass(frozen=True, slots=True)
class Mount:
    """``session.mount(prefix, adapter)`` with a retrying adapter (record ``retry.mount``)."""

    receiver: str
    attempts: int
    location: Location


# -- per-file cache ---------------------------------------------------------------------


def _cache(ctx: FileContext, name: str) -> dict[Any, Any]:
    # FileContext is per file; the cache lives and dies with it.
    store: dict[str, dict[Any, Any]] = vars(ctx).setdefault("_retry_scopes_cache", {})
    return store.setdefault(name, {})


# -- small evaluators -------------------------------------------------------------------


def _qual(ctx: FileContext, expr: ast.expr) -> str | None:
    return ctx.qualname(expr)


def _short(qual: str | None, library: str) -> str | None:
    """``tenacity.wait.wait_fixed`` -> ``wait_fixed`` for names of ``library``."""
    if qual is None or not (qual == library or qual.startswith(library + ".")):
        return None
    return qual.rsplit(".", 1)[-1]


def _int(ctx: FileContext, expr: ast.expr | None) -> int | None:
    value = au.const_value(ctx, expr)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def _num(ctx: FileContext, expr: ast.expr | None) -> float | None:
    return au.number(ctx, expr)


def _bound_value(ctx: FileContext, expr: ast.expr) -> ast.expr | None:
    """The expression a name is bound to once (module or local)."""
    if isinstance(expr, ast.Name):
        return ctx.value_of(expr.id)
    return None


@dataclass(slots=True)
class _Stop:
    bounded: bool | None
    attempts: int | None = None
    max_delay: float | None = None


def _stop(ctx: FileContext, expr: ast.expr, depth: int = 0) -> _Stop:
    if depth > 6:
        return _Stop(None)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr | ast.BitAnd):
        return _combine_stops(
            [_stop(ctx, expr.left, depth + 1), _stop(ctx, expr.right, depth + 1)],
            any_=isinstance(expr.op, ast.BitOr),
        )
    if isinstance(expr, ast.Call):
        name = _short(_qual(ctx, expr.func), "tenacity")
        if name == "stop_after_attempt":
            n = _int(ctx, au.argument(expr, "max_attempt_number", 0))
            return _Stop(True, n)
        if name in ("stop_after_delay", "stop_before_delay"):
            return _Stop(True, None, _num(ctx, au.argument(expr, "max_delay", 0)))
        if name in ("stop_any", "stop_all") and not au.has_star_args(expr):
            parts = [_stop(ctx, a, depth + 1) for a in expr.args]
            return _combine_stops(parts, any_=name == "stop_any")
        return _Stop(None)
    qual = _qual(ctx, expr)
    if _short(qual, "tenacity") == "stop_never":
        return _Stop(False)
    bound = _bound_value(ctx, expr)
    if bound is not None:
        return _stop(ctx, bound, depth + 1)
    return _Stop(None)


def _combine_stops(parts: list[_Stop], *, any_: bool) -> _Stop:
    if not parts:
        return _Stop(None)
    attempts = [p.attempts for p in parts if p.attempts is not None]
    delays = [p.max_delay for p in parts if p.max_delay is not None]
    if any_:
        # Stops at the first condition met: bounded when any part is.
        if any(p.bounded for p in parts):
            return _Stop(True, min(attempts) if attempts else None, min(delays, default=None))
        if all(p.bounded is False for p in parts):
            return _Stop(False)
        return _Stop(None)
    # stop_all / `&`: stops only when every condition holds.
    if all(p.bounded for p in parts):
        only_attempts = len(attempts) == len(parts)
        return _Stop(True, max(attempts) if only_attempts else None, None)
    if any(p.bounded is False for p in parts):
        return _Stop(False)
    return _Stop(None)


def _tenacity_waits(ctx: FileContext, expr: ast.expr, depth: int = 0) -> list[Wait] | None:
    """The waits of a tenacity ``wait=`` expression; ``None`` when unknown."""
    if depth > 6:
        return None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left = _tenacity_waits(ctx, expr.left, depth + 1)
        right = _tenacity_waits(ctx, expr.right, depth + 1)
        return None if left is None or right is None else left + right
    if isinstance(expr, ast.Call):
        name = _short(_qual(ctx, expr.func), "tenacity")
        if name in ("wait_combine", "wait_chain"):
            if au.has_star_args(expr):
                return None
            waits: list[Wait] = []
            for arg in expr.args:
                part = _tenacity_waits(ctx, arg, depth + 1)
                if part is None:
                    return None
                waits += part
            return waits
        kind = _TENACITY_WAITS.get(name or "")
        if kind is None or au.has_kwargs(expr):
            return None
        return [_tenacity_wait(ctx, kind, expr)]
    bound = _bound_value(ctx, expr)
    if bound is not None:
        return _tenacity_waits(ctx, bound, depth + 1)
    return None


def _tenacity_wait(ctx: FileContext, kind: str, call: ast.Call) -> Wait:
    if kind == "none":
        return Wait(kind, call, value=0.0)
    if kind == "fixed":
        return Wait(kind, call, value=_num(ctx, au.argument(call, "wait", 0)))
    if kind == "random":
        high = au.argument(call, "max", 1)
        return Wait(kind, call, value=_num(ctx, high) if high is not None else 1.0, jitter=True)
    if kind == "incrementing":
        cap = au.argument(call, "max", 2)
        return Wait(kind, call, cap=_num(ctx, cap), capped=cap is not None)
    if kind == "exponential_jitter":
        cap = au.argument(call, "max", 1)
        initial = au.argument(call, "initial", 0)
        return Wait(
            kind,
            call,
            multiplier=_num(ctx, initial) if initial is not None else 1.0,
            base=_default(ctx, au.argument(call, "exp_base", 2), 2.0),
            cap=_num(ctx, cap),
            capped=cap is not None,
            jitter=True,
            value=_default(ctx, au.argument(call, "jitter", 3), 1.0),
            minimum=_default(ctx, au.argument(call, "min", 4), 0.0),
        )
    # exponential, random_exponential: (multiplier=1, max=inf, exp_base=2, min=0)
    cap = au.argument(call, "max", 1)
    return Wait(
        kind,
        call,
        multiplier=_default(ctx, au.argument(call, "multiplier", 0), 1.0),
        base=_default(ctx, au.argument(call, "exp_base", 2), 2.0),
        minimum=_default(ctx, au.argument(call, "min", 3), 0.0),
        cap=_num(ctx, cap),
        capped=cap is not None,
        jitter=kind == "random_exponential",
    )


def _default(ctx: FileContext, expr: ast.expr | None, default: float) -> float | None:
    return default if expr is None else _num(ctx, expr)


def _exception_names(ctx: FileContext, expr: ast.expr | None) -> tuple[str, ...] | None:
    """Qualnames of an exception class or tuple of them; ``None`` when unknown."""
    if expr is None:
        return None
    if isinstance(expr, ast.Tuple | ast.List | ast.Set):
        names: list[str] = []
        for elt in expr.elts:
            part = _exception_names(ctx, elt)
            if part is None:
                return None
            names += part
        return tuple(names)
    if isinstance(expr, ast.Name) and ctx.resolver.lookup(expr.id, ctx.scope) is None:
        return (expr.id,)  # a builtin exception (or an unbound name)
    qual = _qual(ctx, expr)
    if qual is not None:
        return (qual,)
    bound = _bound_value(ctx, expr)
    if isinstance(bound, ast.Tuple | ast.List):
        return _exception_names(ctx, bound)
    return None


def _is_any(names: tuple[str, ...] | None) -> bool:
    return names is not None and any(n in ANY_EXCEPTION for n in names)


# -- resolving a policy expression ------------------------------------------------------


@dataclass(slots=True)
class _Spec:
    """A policy factory applied to arguments: the library function and what it gets."""

    factory: str
    keywords: dict[str, ast.expr]
    args: list[ast.expr]
    call: ast.Call | None
    opaque: bool = False
    shared: bool = False
    via_partial: bool = False


def _spec_of_callable(ctx: FileContext, func: ast.expr, depth: int = 0) -> _Spec | None:
    """What ``func`` is when called: a factory, or a ``partial`` of one (keywords merged)."""
    if depth > 4:
        return None
    qual = _qual(ctx, func)
    if qual in POLICY_FACTORIES:
        return _Spec(qual, {}, [], None)
    bound = _bound_value(ctx, func)
    if isinstance(bound, ast.Call) and _qual(ctx, bound.func) in PARTIAL and bound.args:
        inner = _spec_of_callable(ctx, bound.args[0], depth + 1)
        if inner is None:
            return None
        keywords = dict(inner.keywords)
        keywords.update({kw.arg: kw.value for kw in bound.keywords if kw.arg is not None})
        return _Spec(
            inner.factory,
            keywords,
            [*inner.args, *bound.args[1:]],
            None,
            opaque=inner.opaque or au.has_kwargs(bound) or au.has_star_args(bound),
            via_partial=True,
        )
    return None


def _spec_of_call(ctx: FileContext, call: ast.Call) -> _Spec | None:
    base = _spec_of_callable(ctx, call.func)
    if base is None:
        return None
    keywords = dict(base.keywords)
    keywords.update({kw.arg: kw.value for kw in call.keywords if kw.arg is not None})
    return _Spec(
        base.factory,
        keywords,
        [*base.args, *call.args],
        call,
        opaque=base.opaque or au.has_kwargs(call) or au.has_star_args(call),
        via_partial=base.via_partial,
    )


def decorator_policy(ctx: FileContext, deco: ast.expr) -> RetryPolicy | None:
    """The retry policy a decorator applies (tenacity, backoff, stamina, celery), or
    ``None`` when it is not a retry decorator or cannot be resolved."""
    cache = _cache(ctx, "decorator")
    key = id(deco)
    if key not in cache:
        cache[key] = _decorator_policy(ctx, deco)
    result: RetryPolicy | None = cache[key]
    return result


def _decorator_policy(ctx: FileContext, deco: ast.expr) -> RetryPolicy | None:
    if isinstance(deco, ast.Call):
        celery = celery_task_policy(ctx, deco)
        if celery is not None:
            return celery
        spec = _spec_of_call(ctx, deco)
        if spec is None or spec.factory in TENACITY_RETRYING | STAMINA_CONTEXT:
            return None
        return _evaluate(ctx, spec, deco, "decorator")
    qual = _qual(ctx, deco)
    if qual in TENACITY_RETRY:
        return _evaluate(ctx, _Spec(qual, {}, [], None), deco, "decorator")
    bound = _bound_value(ctx, deco)
    if isinstance(bound, ast.Call):
        # `policy = retry(stop=...)` then `@policy`: findings belong to the definition.
        spec = _spec_of_call(ctx, bound)
        if (
            spec is None
            or spec.via_partial
            or spec.factory not in (TENACITY_RETRY | BACKOFF_DECORATORS | STAMINA_RETRY)
        ):
            return None
        policy = call_policy(ctx, bound)
        return replace(policy, anchor=deco, shared=True) if policy is not None else None
    return None


def call_policy(ctx: FileContext, call: ast.Call) -> RetryPolicy | None:
    """The policy a call builds: ``Retrying(...)``, ``retry(...)`` (outside a decorator
    too), ``stamina.retry_context(...)``, ``urllib3.Retry(...)``, ``HTTPAdapter(...)``,
    a partial of a policy called; ``None`` otherwise."""
    cache = _cache(ctx, "call")
    key = id(call)
    if key not in cache:
        cache[key] = _call_policy(ctx, call)
    result: RetryPolicy | None = cache[key]
    return result


def _call_policy(ctx: FileContext, call: ast.Call) -> RetryPolicy | None:
    qual = _qual(ctx, call.func)
    if qual in URLLIB3_RETRY:
        return _urllib3_policy(ctx, call)
    if qual in HTTP_ADAPTERS:
        return _adapter_policy(ctx, call)
    if isinstance(call.func, ast.Attribute) and call.func.attr == "retry_with":
        return _retry_with_policy(ctx, call)
    spec = _spec_of_call(ctx, call)
    if spec is None:
        return None
    form = "loop" if spec.factory in TENACITY_RETRYING | STAMINA_CONTEXT else "object"
    return _evaluate(ctx, spec, call, form)


def _retry_with_policy(ctx: FileContext, call: ast.Call) -> RetryPolicy | None:
    """``fn.retry_with(...)``: a copy of ``fn``'s tenacity policy with some arguments
    replaced; only what is passed here is known."""
    func = call.func
    assert isinstance(func, ast.Attribute)
    if not _is_tenacity_decorated(ctx, func.value):
        return None
    spec = _Spec("tenacity.retry", {k.arg: k.value for k in call.keywords if k.arg}, [], call)
    spec.opaque = True
    return _evaluate(ctx, spec, call, "retry_with")


def _is_tenacity_decorated(ctx: FileContext, expr: ast.expr) -> bool:
    binding = None
    if isinstance(expr, ast.Name):
        binding = ctx.resolver.lookup(expr.id, ctx.scope)
    node = binding.node if binding is not None and binding.kind == "def" else None
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return any(
        (p := decorator_policy(ctx, d)) is not None and p.library == "tenacity"
        for d in node.decorator_list
    )


def _evaluate(ctx: FileContext, spec: _Spec, anchor: ast.AST, form: str) -> RetryPolicy | None:
    factory = spec.factory
    if factory in TENACITY_RETRY | TENACITY_RETRYING:
        return _tenacity_policy(ctx, spec, anchor, form)
    if factory in BACKOFF_DECORATORS:
        return _backoff_policy(ctx, spec, anchor, form)
    if factory in STAMINA_RETRY | STAMINA_CONTEXT:
        return _stamina_policy(ctx, spec, anchor, form)
    return None


def _tenacity_policy(ctx: FileContext, spec: _Spec, anchor: ast.AST, form: str) -> RetryPolicy:
    kw = spec.keywords
    # Positional arguments (sleep, stop, wait, ...) are legal but rare: treat as unseen.
    opaque = spec.opaque or bool(spec.args)
    stop_expr = kw.get("stop")
    stop = _stop(ctx, stop_expr) if stop_expr is not None else _Stop(None if opaque else False)
    wait_expr = kw.get("wait")
    waits: list[Wait] | None
    if wait_expr is not None:
        waits = _tenacity_waits(ctx, wait_expr)
    else:
        waits = None if opaque else [Wait("none", None, value=0.0)]
    retry_expr = kw.get("retry")
    retry_on, retries_any, filtered = _tenacity_retry_on(ctx, retry_expr, opaque)
    hooks = ("before_sleep", "after", "retry_error_callback", "before")
    has_hook = any(h in kw and not au.is_none(kw[h]) for h in hooks)
    return RetryPolicy(
        library="tenacity",
        form=form,
        anchor=anchor,
        call=spec.call,
        keywords=kw,
        attempts=stop.attempts,
        unbounded=stop.bounded is False,
        max_delay=stop.max_delay,
        waits=tuple(waits or ()),
        wait_known=waits is not None,
        wait_expr=wait_expr,
        has_hook=has_hook or opaque,
        retry_on=retry_on,
        retries_any=retries_any,
        filtered=filtered,
        opaque=opaque,
    )


def _tenacity_retry_on(
    ctx: FileContext, expr: ast.expr | None, opaque: bool
) -> tuple[tuple[str, ...] | None, bool, bool]:
    """(exception names, retries on any exception, filtered by a predicate)."""
    if expr is None:
        return (None, False, False) if opaque else (("Exception",), True, False)
    if isinstance(expr, ast.Call):
        name = _short(_qual(ctx, expr.func), "tenacity")
        if name == "retry_if_exception_type":
            arg = au.argument(expr, "exception_types", 0)
            if arg is None and not expr.args and not expr.keywords:
                return ("Exception",), True, False
            names = _exception_names(ctx, arg)
            return names, _is_any(names), False
        return None, False, True
    if _short(_qual(ctx, expr), "tenacity") == "retry_always":
        return ("BaseException",), True, False
    bound = _bound_value(ctx, expr)
    if bound is not None:
        return _tenacity_retry_on(ctx, bound, opaque)
    return None, False, True


def _backoff_policy(ctx: FileContext, spec: _Spec, anchor: ast.AST, form: str) -> RetryPolicy:
    kw = spec.keywords
    opaque = spec.opaque
    is_predicate = spec.factory.endswith("on_predicate")
    wait_gen = kw.get("wait_gen") or (spec.args[0] if spec.args else None)
    max_tries, max_time = kw.get("max_tries"), kw.get("max_time")
    tries = None if max_tries is None or au.is_none(max_tries) else max_tries
    time_ = None if max_time is None or au.is_none(max_time) else max_time
    attempts = _int(ctx, tries) if tries is not None else None
    jitter_expr = kw.get("jitter")
    jitter = not au.is_none(jitter_expr) if jitter_expr is not None else True
    waits = _backoff_waits(ctx, wait_gen, kw, jitter)
    if is_predicate:
        retry_on, retries_any = None, False
        filtered = True
    else:
        exc_expr = kw.get("exception") or (spec.args[1] if len(spec.args) > 1 else None)
        retry_on = _exception_names(ctx, exc_expr)
        retries_any = _is_any(retry_on)
        filtered = "giveup" in kw
    logger = kw.get("logger")
    has_hook = "on_backoff" in kw or logger is None or not au.is_none(logger)
    return RetryPolicy(
        library="backoff",
        form=form,
        anchor=anchor,
        call=spec.call,
        keywords=kw,
        attempts=attempts,
        unbounded=tries is None and time_ is None and not opaque,
        max_delay=_num(ctx, time_) if time_ is not None else None,
        waits=tuple(waits or ()),
        wait_known=waits is not None,
        wait_expr=wait_gen,
        has_hook=has_hook or opaque,
        retry_on=retry_on,
        retries_any=retries_any,
        filtered=filtered,
        opaque=opaque,
    )


def _backoff_waits(
    ctx: FileContext, gen: ast.expr | None, kw: dict[str, ast.expr], jitter: bool
) -> list[Wait] | None:
    if gen is None:
        return None
    name = _short(_qual(ctx, gen), "backoff")
    kind = _BACKOFF_GENERATORS.get(name or "")
    if kind is None:
        return None
    cap_expr = kw.get("max_value")
    capped = cap_expr is not None and not au.is_none(cap_expr)
    if kind == "constant":
        interval = kw.get("interval")
        value = _num(ctx, interval) if interval is not None else 1.0
        return [Wait(kind, gen, value=value, jitter=jitter)]
    return [
        Wait(
            kind,
            gen,
            multiplier=_default(ctx, kw.get("factor"), 1.0),
            base=_default(ctx, kw.get("base"), 2.0),
            cap=_num(ctx, cap_expr) if capped else None,
            capped=capped,
            jitter=jitter,
        )
    ]


def _stamina_policy(ctx: FileContext, spec: _Spec, anchor: ast.AST, form: str) -> RetryPolicy:
    kw = spec.keywords
    attempts_expr, timeout_expr = kw.get("attempts"), kw.get("timeout")
    attempts = 10 if attempts_expr is None else _int(ctx, attempts_expr)
    unbounded = (
        attempts_expr is not None
        and au.is_none(attempts_expr)
        and timeout_expr is not None
        and au.is_none(timeout_expr)
    )
    timeout = 45.0 if timeout_expr is None else _num(ctx, timeout_expr)
    cap = _default(ctx, kw.get("wait_max"), 5.0)
    wait = Wait(
        "stamina",
        None,
        multiplier=_default(ctx, kw.get("wait_initial"), 0.1),
        base=_default(ctx, kw.get("wait_exp_base"), 2.0),
        cap=cap,
        capped=True,
        jitter=True,
        value=_default(ctx, kw.get("wait_jitter"), 1.0),
    )
    retry_on = _exception_names(ctx, kw.get("on"))
    return RetryPolicy(
        library="stamina",
        form=form,
        anchor=anchor,
        call=spec.call,
        keywords=kw,
        attempts=None if unbounded or au.is_none(attempts_expr) else attempts,
        unbounded=unbounded and not spec.opaque,
        max_delay=None if au.is_none(timeout_expr) else timeout,
        waits=(wait,),
        has_hook=True,
        retry_on=retry_on,
        retries_any=_is_any(retry_on),
        opaque=spec.opaque,
    )


def _retry_count(ctx: FileContext, expr: ast.expr | None, default: int) -> tuple[int | None, bool]:
    """A retry *count* (celery max_retries, urllib3 total) -> (attempts, unbounded)."""
    if expr is None:
        return default + 1, False
    if au.is_none(expr):
        return None, True
    n = _int(ctx, expr)
    return (n + 1 if n is not None and n >= 0 else None), False


def _urllib3_policy(ctx: FileContext, call: ast.Call) -> RetryPolicy:
    opaque = au.has_kwargs(call) or au.has_star_args(call)
    total = au.argument(call, "total", 0)
    others = [au.keyword(call, k) for k in ("connect", "read", "redirect", "status", "other")]
    other_bounds = [k.value for k in others if k is not None and not au.is_none(k.value)]
    attempts: int | None
    if total is not None and au.const_value(ctx, total) is False:
        attempts, unbounded = 1, False
    elif total is not None and au.is_none(total):
        counts = [_int(ctx, v) for v in other_bounds]
        known = [c for c in counts if c is not None]
        # Each counter bounds its own kind of error only; the sum bounds all of them.
        attempts = sum(known) + 1 if known and len(known) == len(counts) else None
        unbounded = not other_bounds and not opaque
    else:
        attempts, unbounded = _retry_count(ctx, total, 10)
    factor = au.argument(call, "backoff_factor", 8)
    factor_value = 0.0 if factor is None else _num(ctx, factor)
    jitter = au.keyword(call, "backoff_jitter")
    jitter_value = _num(ctx, jitter.value) if jitter is not None else 0.0
    cap = au.keyword(call, "backoff_max")
    kind = "none" if factor_value == 0 else ("urllib3" if factor_value else "unknown")
    wait = Wait(
        kind,
        factor,
        multiplier=factor_value,
        base=2.0,
        cap=_num(ctx, cap.value) if cap is not None else 120.0,
        capped=True,
        jitter=jitter_value is None or jitter_value > 0,
    )
    return RetryPolicy(
        library="urllib3",
        form="client",
        anchor=call,
        call=call,
        keywords={k.arg: k.value for k in call.keywords if k.arg},
        attempts=attempts,
        unbounded=unbounded,
        waits=(wait,),
        wait_known=factor_value is not None and not opaque,
        wait_expr=factor,
        has_hook=True,
        opaque=opaque,
    )


def _adapter_policy(ctx: FileContext, call: ast.Call) -> RetryPolicy | None:
    retries = au.argument(call, "max_retries", 3)
    if retries is None:
        return None
    if isinstance(retries, ast.Call) or isinstance(_bound_value(ctx, retries), ast.Call):
        inner_call = retries if isinstance(retries, ast.Call) else _bound_value(ctx, retries)
        assert isinstance(inner_call, ast.Call)
        inner = call_policy(ctx, inner_call)
        if inner is None or inner.library != "urllib3":
            return None
        return replace(inner, library="requests", anchor=call, call=call, form="client")
    n = _int(ctx, retries)
    if n is None:
        return None
    return RetryPolicy(
        library="requests",
        form="client",
        anchor=call,
        call=call,
        keywords={k.arg: k.value for k in call.keywords if k.arg},
        attempts=n + 1,
        waits=(Wait("none", retries, value=0.0),),
        wait_expr=retries,
        has_hook=True,
    )


# -- celery -----------------------------------------------------------------------------


def is_celery_task_decorator(ctx: FileContext, deco: ast.expr) -> bool:
    func = deco.func if isinstance(deco, ast.Call) else deco
    qual = _qual(ctx, func)
    if qual in CELERY_TASK_DECORATORS:
        return True
    if isinstance(func, ast.Attribute) and func.attr == "task":
        app_type = ctx.type_of(func.value)
        if app_type in ("celery.Celery", "celery.app.Celery", "celery.app.base.Celery"):
            return True
        # `from proj.celery import app`: an app from elsewhere; the task keywords say it.
        return isinstance(deco, ast.Call) and any(
            kw.arg in ("autoretry_for", "retry_kwargs", "retry_backoff", "bind")
            for kw in deco.keywords
        )
    return False


def celery_task_policy(ctx: FileContext, deco: ast.Call) -> RetryPolicy | None:
    """A celery task decorator with ``autoretry_for=`` (or ``bind=True``, whose body may
    call ``self.retry``): the task as a retry policy."""
    if not is_celery_task_decorator(ctx, deco):
        return None
    kw = {k.arg: k.value for k in deco.keywords if k.arg}
    if "autoretry_for" not in kw:
        return None
    opaque = au.has_kwargs(deco)
    retry_kwargs = kw.get("retry_kwargs")
    max_retries: ast.expr | None = kw.get("max_retries")
    if isinstance(retry_kwargs, ast.Dict):
        for key, value in zip(retry_kwargs.keys, retry_kwargs.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "max_retries":
                max_retries = value
            elif key is None:
                opaque = True
    elif retry_kwargs is not None:
        opaque = True
    attempts, unbounded = _retry_count(ctx, max_retries, 3)
    backoff = kw.get("retry_backoff")
    backoff_value = au.const_value(ctx, backoff) if backoff is not None else False
    jitter_expr = kw.get("retry_jitter")
    jitter_value = au.const_value(ctx, jitter_expr) if jitter_expr is not None else True
    cap = kw.get("retry_backoff_max")
    if backoff_value is au.UNKNOWN:
        waits: tuple[Wait, ...] = ()
    elif backoff_value:
        waits = (
            Wait(
                "celery",
                backoff,
                multiplier=1.0 if backoff_value is True else float(backoff_value),
                base=2.0,
                cap=_num(ctx, cap) if cap is not None else 600.0,
                capped=True,
                jitter=jitter_value is not False,
            ),
        )
    else:
        waits = (Wait("fixed", None, value=180.0),)
    retry_on = _exception_names(ctx, kw["autoretry_for"])
    return RetryPolicy(
        library="celery",
        form="task",
        anchor=deco,
        call=deco,
        keywords=kw,
        attempts=None if opaque and max_retries is None else attempts,
        unbounded=unbounded and not opaque,
        waits=waits,
        wait_known=backoff_value is not au.UNKNOWN and not opaque,
        wait_expr=backoff,
        has_hook=True,
        retry_on=retry_on,
        retries_any=_is_any(retry_on),
        filtered="dont_autoretry_for" in kw,
        opaque=opaque,
    )


def is_self_retry(ctx: FileContext, call: ast.Call) -> bool:
    """``self.retry(...)`` in a ``bind=True`` celery task."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr == "retry"
        and isinstance(func.value, ast.Name)
    ):
        return False
    fn = ctx.function_node
    if fn is None or not (fn.args.posonlyargs or fn.args.args):
        return False
    first = (fn.args.posonlyargs or fn.args.args)[0].arg
    if func.value.id != first:
        return False
    return any(
        isinstance(d, ast.Call)
        and is_celery_task_decorator(ctx, d)
        and any(k.arg == "bind" and au.const_value(ctx, k.value) is True for k in d.keywords)
        for d in fn.decorator_list
    )


def _celery_bound_task(ctx: FileContext, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A ``bind=True`` task whose body calls ``<self>.retry(...)`` (looked at once)."""
    cache = _cache(ctx, "self_retry")
    key = id(fn)
    if key in cache:
        return bool(cache[key])
    found = False
    args = fn.args.posonlyargs or fn.args.args
    bound = any(
        isinstance(d, ast.Call)
        and is_celery_task_decorator(ctx, d)
        and any(k.arg == "bind" and au.const_value(ctx, k.value) is True for k in d.keywords)
        for d in fn.decorator_list
    )
    if bound and args:
        first = args[0].arg
        for node in _walk_body(fn.body):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "retry"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == first
            ):
                found = True
                break
    cache[key] = found
    return found


# -- traversal helpers (bounded: one statement list, nested defs excluded) --------------


def _walk_body(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    return au.walk_local(stmts)


def _walk_no_loops(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    """As ``_walk_body`` but not into nested loops either (their break/continue are
    theirs)."""
    stack: list[ast.AST] = list(reversed(stmts))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(
            node,
            ast.FunctionDef
            | ast.AsyncFunctionDef
            | ast.ClassDef
            | ast.Lambda
            | ast.For
            | ast.AsyncFor
            | ast.While,
        ):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


# -- hand-rolled retry loops ------------------------------------------------------------


def loop_retry(ctx: FileContext, loop: ast.For | ast.While) -> LoopRetry | None:
    """The loop as a hand-rolled retry (RES205's shape), or ``None``."""
    cache = _cache(ctx, "loop")
    key = id(loop)
    if key not in cache:
        cache[key] = _loop_retry(ctx, loop)
    result: LoopRetry | None = cache[key]
    return result


def _range_attempts(ctx: FileContext, loop: ast.For) -> tuple[bool, int | None]:
    it = loop.iter
    if not (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Name)
        and it.func.id == "range"
        and ctx.resolver.lookup("range", ctx.scope) is None
        and not it.keywords
        and 1 <= len(it.args) <= 3
        and not au.has_star_args(it)
    ):
        return False, None
    values = [_int(ctx, a) for a in it.args]
    if any(v is None for v in values):
        return True, None
    ints = [v for v in values if v is not None]
    try:
        return True, len(range(*ints))
    except (ValueError, OverflowError):  # range(0, 9, 0), astronomically long ranges
        return True, None


def _loop_retry(ctx: FileContext, loop: ast.For | ast.While) -> LoopRetry | None:
    attempts: int | None = None
    loop_vars: set[str] = set()
    if isinstance(loop, ast.For):
        is_range, attempts = _range_attempts(ctx, loop)
        if not is_range:
            return None
        loop_vars = _names_in(loop.target)
        while_true = False
    else:
        test = au.const_value(ctx, loop.test)
        while_true = test is not au.UNKNOWN and bool(test)
    for index, stmt in enumerate(loop.body):
        if isinstance(stmt, ast.Try) and stmt.handlers:
            found = _try_retry(ctx, loop, stmt, loop.body[index + 1 :], loop_vars)
            if found is not None:
                calls, retrying = found
                return _describe(ctx, loop, stmt, calls, retrying, attempts, while_true, loop_vars)
    return None


def _ends_with(stmts: list[ast.stmt], kinds: tuple[type[ast.stmt], ...]) -> bool:
    return bool(stmts) and isinstance(stmts[-1], kinds)


def _try_retry(
    ctx: FileContext,
    loop: ast.For | ast.While,
    try_node: ast.Try,
    after: list[ast.stmt],
    loop_vars: set[str],
) -> tuple[tuple[ast.Call, ...], list[ast.ExceptHandler]] | None:
    """(the retried external calls, the handlers that retry) when ``try_node`` is the
    retried attempt of ``loop``."""
    calls = tuple(
        n
        for n in _walk_no_loops(try_node.body)
        if isinstance(n, ast.Call) and au.is_external_call(ctx, n)
    )
    if not calls:
        return None
    exits = (ast.Raise, ast.Return, ast.Break)
    retrying = [h for h in try_node.handlers if not _ends_with(h.body, exits)]
    if not retrying:
        return None
    # Success leaves the loop unconditionally: a conditional exit (`if done: break`) is a
    # poll for a state, not a retry of a failure.
    success = _exits(try_node.body) or _exits(try_node.orelse)
    if not success and all(_ends_with(h.body, (ast.Continue,)) for h in retrying):
        success = _exits(after)
    if not success:
        return None
    # The same call each time: its arguments use nothing the loop changes (pagination,
    # cursors, batches), and the loop variable at most as an attempt counter (timeouts).
    changed = _assigned_in(loop.body) | loop_vars
    for call in calls:
        if _call_varies(call, changed, loop_vars):
            return None
    return calls, retrying


def _exits(stmts: list[ast.stmt]) -> bool:
    """A ``break``/``return`` among ``stmts`` (``with`` blocks included), not under an
    ``if``."""
    for stmt in stmts:
        if isinstance(stmt, ast.Break | ast.Return):
            return True
        if isinstance(stmt, ast.With | ast.AsyncWith) and _exits(stmt.body):
            return True
    return False


def _assigned_in(stmts: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for node in _walk_body(stmts):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                names |= _names_in(target)
        elif (
            isinstance(node, ast.AugAssign | ast.AnnAssign) and node.target is not None
        ) or isinstance(node, ast.For | ast.AsyncFor):
            names |= _names_in(node.target)
        elif isinstance(node, ast.NamedExpr):
            names.add(node.target.id)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            names |= _names_in(node.optional_vars)
    return names


def _call_varies(call: ast.Call, changed: set[str], loop_vars: set[str]) -> bool:
    receiver_names: set[str] = set()
    func = call.func
    while isinstance(func, ast.Attribute):
        func = func.value
    if isinstance(func, ast.Name):
        receiver_names.add(func.id)
    for arg in call.args:
        if _names_in(arg) & changed:
            return True
    for kw in call.keywords:
        used = _names_in(kw.value) & changed
        if not used:
            continue
        if kw.arg is not None and "timeout" in kw.arg and used <= loop_vars:
            continue  # a timeout grown per attempt is still the same call
        return True
    # A receiver rebuilt in the loop (`conn = connect()` then `conn.get()`) is a reconnect,
    # still a retry of the same work; a receiver that *is* the loop variable is iteration.
    return bool(receiver_names & loop_vars)


def _describe(
    ctx: FileContext,
    loop: ast.For | ast.While,
    try_node: ast.Try,
    calls: tuple[ast.Call, ...],
    retrying: list[ast.ExceptHandler],
    attempts: int | None,
    while_true: bool,
    loop_vars: set[str],
) -> LoopRetry:
    nodes = list(_walk_no_loops(loop.body))
    sleeps = tuple(
        n for n in nodes if isinstance(n, ast.Call) and _qual(ctx, n.func) in SLEEP_FUNCTIONS
    )
    jitter = any(
        isinstance(n, ast.Call)
        and (_qual(ctx, n.func) or "").startswith(("random.", "secrets.", "numpy.random."))
        for n in nodes
    )
    changed = _assigned_in(loop.body) | loop_vars
    sleep_kind = _sleep_kind(ctx, sleeps, changed, jitter)
    has_counter = any(isinstance(n, ast.AugAssign) for n in nodes) or bool(loop_vars)
    if isinstance(loop, ast.While) and not while_true:
        has_counter = True  # the loop condition bounds it
    has_deadline = any(
        isinstance(n, ast.Call)
        and (
            (_qual(ctx, n.func) or "")
            in ("time.monotonic", "time.time", "time.perf_counter", "time.monotonic_ns")
            or (isinstance(n.func, ast.Attribute) and n.func.attr in ("time", "monotonic"))
        )
        for n in nodes
    )
    raises = any(
        isinstance(n, ast.Raise) for h in try_node.handlers for n in _walk_no_loops(h.body)
    )
    return LoopRetry(
        loop=loop,
        try_node=try_node,
        calls=calls,
        attempts=attempts,
        while_true=while_true,
        sleeps=sleeps,
        sleep_kind=sleep_kind,
        has_counter=has_counter,
        has_deadline=has_deadline,
        raises=raises,
    )


def _sleep_kind(
    ctx: FileContext, sleeps: tuple[ast.Call, ...], changed: set[str], jitter: bool
) -> str:
    if not sleeps:
        return "none"
    if jitter:
        return "jittered"
    kinds = set()
    for call in sleeps:
        arg = au.argument(call, "seconds", 0) or au.argument(call, "delay", 0)
        if arg is None:
            kinds.add("constant")  # asyncio.sleep(0)-like defaults
            continue
        if au.number(ctx, arg) is not None:
            kinds.add("constant")
        elif any(isinstance(n, ast.Call) for n in ast.walk(arg)):
            kinds.add("unknown")  # a helper may add jitter
        elif _names_in(arg) & changed:
            kinds.add("growing")
        else:
            kinds.add("constant")  # a parameter or setting, the same every time
    if "unknown" in kinds:
        return "unknown"
    return "growing" if "growing" in kinds else "constant"


# -- where the walk is ------------------------------------------------------------------


def loop_policy(ctx: FileContext, loop: ast.For | ast.AsyncFor) -> RetryPolicy | None:
    """``for attempt in Retrying(...)`` / ``stamina.retry_context(...)`` (or a name bound
    once to one): the loop's policy."""
    it = loop.iter
    call = it if isinstance(it, ast.Call) else _bound_value(ctx, it)
    if not isinstance(call, ast.Call):
        return None
    policy = call_policy(ctx, call)
    if policy is None or policy.form != "loop":
        return None
    return policy


def function_policy(
    ctx: FileContext, fn: ast.FunctionDef | ast.AsyncFunctionDef
) -> RetryPolicy | None:
    """The retry policy decorating ``fn`` (the outermost retry decorator)."""
    for deco in fn.decorator_list:
        policy = decorator_policy(ctx, deco)
        if policy is not None:
            return policy
    return None


def _frame_for(
    ctx: FileContext, node: ast.AST, child: ast.AST | None, grandchild: ast.AST | None
) -> ScopeFrame | None:
    """The retry scope ``node`` opens for a position under its ``child`` (and that
    child's ``grandchild``), if any."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        if child is not None and not any(child is s for s in node.body):
            return None  # a decorator or default, evaluated outside the retried call
        policy = function_policy(ctx, node)
        if policy is not None:
            return ScopeFrame("decorator", node, policy, policy.attempts, policy.unbounded)
        if _celery_bound_task(ctx, node):
            return ScopeFrame("task", node, None, 4, False)
        return None
    if child is None or not isinstance(node, ast.For | ast.AsyncFor | ast.While):
        return None
    if not any(child is s for s in node.body):
        return None
    if isinstance(node, ast.For | ast.AsyncFor):
        policy = loop_policy(ctx, node)
        if policy is not None:
            return ScopeFrame("loop", node, policy, policy.attempts, policy.unbounded)
    if isinstance(node, ast.For | ast.While) and isinstance(child, ast.Try):
        loop = loop_retry(ctx, node)
        if (
            loop is not None
            and loop.try_node is child
            and grandchild is not None
            and any(grandchild is s for s in child.body)
        ):
            return ScopeFrame("hand", node, None, loop.attempts, False)
    return None


def enclosing_scopes(ctx: FileContext, node: ast.AST | None = None) -> list[ScopeFrame]:
    """Retry scopes enclosing the walk's position in the innermost function (outermost
    first). ``node`` is the node being visited (it is not in ``ctx.ancestors``)."""
    ancestors = ctx.ancestors
    frames: list[ScopeFrame] = []
    child: ast.AST | None = node
    grandchild: ast.AST | None = None
    for index in range(len(ancestors) - 1, -1, -1):
        current = ancestors[index]
        frame = _frame_for(ctx, current, child, grandchild)
        if frame is not None:
            frames.append(frame)
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            break
        grandchild, child = child, current
    frames.reverse()
    return frames


def in_retry_scope(ctx: FileContext, node: ast.AST | None = None) -> bool:
    return bool(enclosing_scopes(ctx, node))


def scope_attempts(frames: list[ScopeFrame]) -> tuple[int | None, bool]:
    """Worst-case attempts of nested scopes: (product when known, unbounded)."""
    if any(f.unbounded for f in frames):
        return None, True
    product = 1
    for frame in frames:
        if frame.attempts is None:
            return None, False
        product *= frame.attempts
    return product, False


# -- facts for cross-file rules ---------------------------------------------------------


def receiver_key(ctx: FileContext, expr: ast.expr) -> str | None:
    """A name for the object ``expr`` refers to that is the same across functions and
    modules: ``pkg.mod.session`` for a module-level or imported name, ``pkg.mod.C.s`` for
    ``self.s``, ``pkg.mod.f.s`` for a local (the breakers' cross-file identity, limited to
    names and ``self`` attributes)."""
    if isinstance(expr, ast.Attribute) and not (
        isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls")
    ):
        return None
    return object_key(ctx, expr)


def note_function(ctx: FileContext, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """Record on the function's facts that it is a retry scope (idempotent). Call from a
    ``leave_FunctionDef`` handler: the engine creates the function's facts after the
    ``visit_`` handlers run."""
    scope = ctx.resolver.scope(fn)
    if scope is None:
        return
    facts = ctx.facts.functions.get(scope.qualname)
    if facts is None:
        return
    policy = function_policy(ctx, fn)
    if policy is not None:
        facts.attrs["retry"] = {**policy.summary(), "label": policy.label}
    elif _celery_bound_task(ctx, fn):
        facts.attrs["retry"] = {
            "library": "celery",
            "attempts": 4,
            "unbounded": False,
            "label": "4",
        }


def note_call(ctx: FileContext, call: ast.Call) -> None:
    """Facts about a call (idempotent): inside a retry scope -> record ``retry.inner_call``,
    ``CallSite.attrs["retry_scope"]`` and the function's ``attrs["retries_inside"]``;
    ``session.mount(p, adapter)`` with a retrying adapter -> record ``retry.mount``.
    Call from ``leave_Call`` (the engine adds the call's ``CallSite`` after the ``visit_``
    handlers)."""
    done = _cache(ctx, "noted_calls")
    if id(call) in done:
        return
    done[id(call)] = True
    _note_mount(ctx, call)
    _note_pool(ctx, call)
    function = ctx.function
    if function is None:
        return
    frames = enclosing_scopes(ctx, call)
    if not frames:
        return
    attempts, unbounded = scope_attempts(frames)
    location = ctx.location(call)
    inner = [f for f in frames if f.kind != "decorator"]
    if inner:
        a, u = scope_attempts(inner)
        previous = function.attrs.get("retries_inside")
        if previous is None or _worse(a, u, previous["attempts"], previous["unbounded"]):
            function.attrs["retries_inside"] = {"attempts": a, "unbounded": u}
    summary = {"attempts": attempts, "unbounded": unbounded}
    for site in reversed(function.calls):
        if site.location == location:
            site.attrs["retry_scope"] = summary
            break
    target = _call_target(ctx, call)
    receiver = receiver_key(ctx, call.func.value) if isinstance(call.func, ast.Attribute) else None
    label = "unbounded" if unbounded else str(attempts) if attempts is not None else "?"
    ctx.facts.record(
        "retry.inner_call",
        InnerCall(
            function.qualname, target, receiver, ctx.location(call), attempts, unbounded, label
        ),
    )


def _worse(a: int | None, u: bool, b: int | None, v: bool) -> bool:
    if u or v:
        return u and not v
    return a is not None and (b is None or a > b)


def _call_target(ctx: FileContext, call: ast.Call) -> str | None:
    """What the engine resolves, plus methods of a receiver whose class is known
    (``inventory: InventoryClient`` then ``inventory.stock_level()``)."""
    from resilience_skill.analysis.engine import call_target

    target = call_target(ctx, call)
    if target is None and isinstance(call.func, ast.Attribute):
        rtype = ctx.type_of(call.func.value)
        if rtype is not None:
            target = f"{rtype}.{call.func.attr}"
    return target


def _note_mount(ctx: FileContext, call: ast.Call) -> None:
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "mount" and len(call.args) == 2):
        return
    adapter = call.args[1]
    adapter_call = adapter if isinstance(adapter, ast.Call) else _bound_value(ctx, adapter)
    if adapter_call is None and isinstance(adapter, ast.Attribute):
        adapter_call = ctx.resolver.attribute_value(adapter.attr, ctx.scope)
    if not isinstance(adapter_call, ast.Call):
        return
    policy = call_policy(ctx, adapter_call)
    if policy is None or policy.library != "requests" or not policy.attempts:
        return
    if policy.attempts <= 1:
        return
    key = receiver_key(ctx, func.value)
    if key is not None:
        ctx.facts.record("retry.mount", Mount(key, policy.attempts, ctx.location(call)))


def _note_pool(ctx: FileContext, call: ast.Call) -> None:
    """``pool = urllib3.PoolManager(retries=Retry(...) | n)`` bound to a name: its requests
    retry (recorded as a ``retry.mount`` on the pool's key)."""
    if _qual(ctx, call.func) not in kb.URLLIB3_POOL_TYPES:
        return
    retries = au.keyword(call, "retries")
    if retries is None:
        return
    value = retries.value
    retry_call = value if isinstance(value, ast.Call) else _bound_value(ctx, value)
    if isinstance(retry_call, ast.Call):
        policy = call_policy(ctx, retry_call)
        attempts = policy.attempts if policy is not None and policy.library == "urllib3" else None
    else:
        count = _int(ctx, value)
        attempts = count + 1 if count is not None and count >= 0 else None
    if attempts is None or attempts <= 1:
        return
    parent = ctx.parent
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and parent.value is call:
        target = parent.targets[0]
        key: str | None = None
        if isinstance(target, ast.Name):
            scope = ctx.scope.qualname
            key = f"{scope}.{target.id}" if scope else target.id
        elif isinstance(target, ast.Attribute):
            key = receiver_key(ctx, target)
        if key is not None:
            ctx.facts.record("retry.mount", Mount(key, attempts, ctx.location(call)))


def product_label(outer: str, inner: int | None, inner_unbounded: bool) -> tuple[str, int | None]:
    """``"3 x 5 = 15 attempts"`` and the product (``None`` when unbounded)."""
    inner_label = "unbounded" if inner_unbounded else str(inner)
    if outer == "unbounded" or inner_unbounded or inner is None or not outer.isdigit():
        return f"{outer} x {inner_label} attempts", None
    product = int(outer) * inner
    return f"{outer} x {inner} = {product} attempts", product


def worst_wait(waits: tuple[Wait, ...], attempts: int) -> float | None:
    """The sum of the (capped, upper-bound) waits between ``attempts`` attempts, when every
    wait is known; for RES701-style budgets."""
    total = 0.0
    for n in range(1, attempts):
        for wait in waits:
            value = _wait_upper(wait, n)
            if value is None:
                return None
            total += value
    return total


def _wait_upper(wait: Wait, n: int) -> float | None:
    """Upper bound of ``wait`` before attempt ``n + 1`` (``n`` >= 1)."""
    if wait.kind in ("none",):
        return 0.0
    if wait.kind in ("fixed", "random", "constant"):
        return wait.value
    if wait.exponential or wait.kind in ("stamina", "celery", "urllib3"):
        if wait.multiplier is None or wait.base is None:
            return None
        if wait.kind == "fibo":
            a, b = 1, 1
            for _ in range(n - 1):
                a, b = b, a + b
            raw = float(a)
        else:
            try:
                raw = wait.multiplier * wait.base ** (n - 1)
            except OverflowError:
                raw = math.inf
        if wait.kind in ("exponential_jitter", "stamina"):
            if wait.value is None:
                return None
            raw += wait.value  # the jitter is added before the cap
        raw = max(raw, wait.minimum or 0.0)
        if wait.capped:
            return None if wait.cap is None else min(raw, wait.cap)
        return raw
    return None


def wait_schedule(waits: tuple[Wait, ...], attempts: int) -> list[float] | None:
    """The upper bound of each pause between ``attempts`` attempts (waits added with
    ``+`` summed per pause), when every wait is known; RES701 shows them in its message."""
    pauses: list[float] = []
    for n in range(1, attempts):
        pause = 0.0
        for wait in waits:
            value = _wait_upper(wait, n)
            if value is None:
                return None
            pause += value
        pauses.append(pause)
    return pauses
