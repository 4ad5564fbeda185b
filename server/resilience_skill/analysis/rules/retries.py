"""RES2xx: retries ("Retry with exponential backoff + jitter").

Policies are recognised and evaluated by ``analysis/retry_scopes.py``; this module decides
what is wrong with them. A policy bound to a name (``policy = retry(...)``) is judged once,
where it is built, not at every ``@policy``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis import retry_scopes as rs
from resilience_skill.analysis.edits import add_from_import, in_fstring, insert_keyword
from resilience_skill.analysis.engine import FileContext, make_finding
from resilience_skill.analysis.facts import FileFacts, FunctionFacts, ProjectIndex
from resilience_skill.analysis.model import Applicability, Edit, Finding, Fix, Location, Severity
from resilience_skill.analysis.registry import RULES, checklist_item_for, rule
from resilience_skill.config import Config

RETRIES = checklist_item_for("RES201")

# A file must mention one of these for a policy rule to fire there (registry pre-filter).
_POLICY_TRIGGERS = ("retry", "Retry", "retries", "backoff", "stamina")
_SCOPE_TRIGGERS = (*_POLICY_TRIGGERS, "except")

# -- shared helpers ---------------------------------------------------------------------


def policy_label(policy: rs.RetryPolicy) -> str:
    """How a message names the policy: ``@retry``, ``Retrying(...)``, ``backoff.on_exception``."""
    anchor = policy.anchor
    if isinstance(anchor, ast.Call):
        text: str = au.dotted(anchor.func) or policy.library
        return f"{text}(...)" if policy.form != "decorator" else f"@{text}(...)"
    name = au.dotted(anchor) if isinstance(anchor, ast.expr) else None
    return f"@{name or policy.library}"


def _is_decorator(ctx: FileContext, call: ast.Call) -> bool:
    parent = ctx.parent
    return isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and any(
        d is call for d in parent.decorator_list
    )


def policies_at(ctx: FileContext, node: ast.AST) -> Iterator[rs.RetryPolicy]:
    """The policies to judge at ``node``: a def's retry decorators (not bound policies,
    judged where built) or a policy call that is not a decorator."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        for deco in node.decorator_list:
            policy = rs.decorator_policy(ctx, deco)
            if policy is not None and not policy.shared:
                yield policy
    elif isinstance(node, ast.Call) and not _is_decorator(ctx, node):
        policy = rs.call_policy(ctx, node)
        if policy is not None:
            yield policy


def _tenacity_name(ctx: FileContext, policy: rs.RetryPolicy, name: str) -> tuple[str, Edit | None]:
    """How to spell tenacity's ``name`` here and the import edit it needs: ``tenacity.x``
    when the policy is written ``tenacity.retry``, else ``x`` with ``from tenacity import
    x`` (``("", None)`` when ``x`` is bound to something else)."""
    anchor = policy.anchor
    func = anchor.func if isinstance(anchor, ast.Call) else anchor
    if isinstance(func, ast.Attribute):
        base = au.dotted(func.value)
        if base is not None and ctx.qualname(func.value) == "tenacity":
            return f"{base}.{name}", None
    binding = ctx.resolver.module_scope.names.get(name)
    if binding is not None:
        if binding.kind == "import" and binding.qualname in (f"tenacity.{name}",):
            return name, None
        return "", None
    return name, add_from_import(ctx.source, ctx.tree, "tenacity", name)


def _no_retry(policy: rs.RetryPolicy) -> bool:
    """One attempt at most: nothing is retried (``stop_after_attempt(1)``, ``total=0``)."""
    return policy.attempts is not None and policy.attempts <= 1


def _fix(description: str, *edits: Edit | None) -> Fix | None:
    real = tuple(e for e in edits if e is not None)
    return Fix(Applicability.UNSAFE, description, real) if real else None


def _replace(ctx: FileContext, node: ast.AST, text: str) -> Edit:
    return Edit(ctx.location(node), text)


def _set_keyword(ctx: FileContext, call: ast.Call, name: str, value: str) -> Edit | None:
    """Replace ``name=``'s value, or insert ``name=value``."""
    kw = au.keyword(call, name)
    if kw is not None:
        return _replace(ctx, kw.value, value)
    return insert_keyword(ctx.source, call, name, value)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# -- RES201 -----------------------------------------------------------------------------


@rule(
    "RES201",
    summary="A retry policy has no stop condition and retries forever.",
    nodes=(ast.FunctionDef, ast.AsyncFunctionDef, ast.Call),
    triggers=_POLICY_TRIGGERS,
)
def retry_unbounded(ctx: FileContext, node: ast.AST) -> None:
    """## What it does
    Finds retry policies with no bound: tenacity `@retry` (bare or called), `Retrying` and
    `AsyncRetrying` with no `stop=` or with `stop_never`; `backoff.on_exception` /
    `on_predicate` with neither `max_tries` nor `max_time`; stamina with `attempts=None` and
    `timeout=None`; celery `self.retry(max_retries=None)` or a task with
    `retry_kwargs={"max_retries": None}`; `urllib3.Retry(total=None)` with no other bound.

    ## Why is this bad?
    tenacity's default is `stop_never`: a dependency that stays down keeps every caller
    retrying forever, holding threads and connections and hammering the dependency as it
    tries to recover.

    ## Example
    ```python
    from tenacity import retry

    @retry
    def fetch(): ...
    ```

    ## Fix
    ```python
    from tenacity import retry, stop_after_attempt

    @retry(stop=stop_after_attempt(3))
    def fetch(): ...
    ```
    `resilience fix --unsafe-fixes` adds `stop=stop_after_attempt(<retry-attempts>)` (and
    the import) or backoff's `max_tries=<retry-attempts>`.
    """
    if isinstance(node, ast.Call) and rs.is_self_retry(ctx, node):
        kw = au.keyword(node, "max_retries")
        if kw is not None and au.is_none(kw.value):
            ctx.report(
                "RES201",
                node,
                "self.retry(max_retries=None) retries this task forever: a poison input or a "
                "dead dependency never leaves the queue; set max_retries",
            )
        return
    for policy in policies_at(ctx, node):
        if policy.library == "requests":
            continue  # HTTPAdapter(max_retries=Retry(...)): the Retry(...) is judged itself
        ctx.count_site(RETRIES, not policy.unbounded)
        if not policy.unbounded:
            continue
        label = policy_label(policy)
        ctx.report(
            "RES201",
            policy.anchor,
            f"{label} has no stop condition: it retries forever while the dependency is "
            f"down; bound it (for example {_bound_hint(policy, ctx.config.retry_attempts)})",
            fix=_stop_fix(ctx, policy),
        )


def _bound_hint(policy: rs.RetryPolicy, n: int) -> str:
    return {
        "tenacity": f"stop=stop_after_attempt({n})",
        "backoff": f"max_tries={n}",
        "stamina": f"attempts={n}",
        "celery": f"retry_kwargs={{'max_retries': {n - 1}}}",
        "urllib3": f"total={n - 1}",
    }.get(policy.library, "a maximum number of attempts")


def _stop_fix(ctx: FileContext, policy: rs.RetryPolicy) -> Fix | None:
    n = ctx.config.retry_attempts
    if in_fstring(ctx.ancestors):
        return None
    if policy.library == "tenacity":
        name, import_edit = _tenacity_name(ctx, policy, "stop_after_attempt")
        if not name:
            return None
        value = f"{name}({n})"
        if policy.call is None:
            end = ctx.location(policy.anchor)
            at = Location(end.end_line, end.end_column, end.end_line, end.end_column)
            edit: Edit | None = Edit(at, f"(stop={value})")
        else:
            edit = _set_keyword(ctx, policy.call, "stop", value)
        return _fix(f"Add stop={value}", edit, import_edit) if edit else None
    if policy.library == "backoff" and policy.call is not None:
        return _fix(f"Add max_tries={n}", _set_keyword(ctx, policy.call, "max_tries", str(n)))
    if policy.library == "stamina" and policy.call is not None:
        return _fix(f"Set attempts={n}", _set_keyword(ctx, policy.call, "attempts", str(n)))
    return None


# -- RES202 -----------------------------------------------------------------------------


@rule(
    "RES202",
    summary="A retry policy retries with no backoff: fixed, random or no waits.",
    nodes=(ast.FunctionDef, ast.AsyncFunctionDef, ast.Call),
    triggers=_POLICY_TRIGGERS,
)
def retry_without_backoff(ctx: FileContext, node: ast.AST) -> None:
    """## What it does
    Finds retries whose waits do not grow: tenacity with no `wait=` or only
    `wait_none`/`wait_fixed`/`wait_random`; `backoff.constant`; a celery task with
    `autoretry_for` and no `retry_backoff`; `HTTPAdapter(max_retries=<int>)`;
    `urllib3.Retry(...)` with `backoff_factor` 0 or absent.

    ## Why is this bad?
    Retrying at a fixed pace keeps the load on a struggling dependency constant (or
    multiplies it), exactly when it needs less. Exponential backoff gives it room.

    ## Example
    ```python
    @retry(stop=stop_after_attempt(3), wait=wait_fixed(1))
    def fetch(): ...
    ```

    ## Fix
    ```python
    @retry(stop=stop_after_attempt(3), wait=wait_random_exponential(multiplier=1, max=20))
    def fetch(): ...
    ```
    `resilience fix --unsafe-fixes` sets tenacity's `wait=` (cap from `backoff-cap`) or
    urllib3's `backoff_factor`.
    """
    for policy in policies_at(ctx, node):
        problem = _no_backoff(ctx, policy)
        if problem is None:
            continue
        ctx.report(
            "RES202",
            policy.anchor,
            f"{policy_label(policy)} {problem}: every caller retries at the same pace into a "
            f"struggling dependency; use exponential backoff with jitter",
            fix=_backoff_fix(ctx, policy),
        )


def _no_backoff(ctx: FileContext, policy: rs.RetryPolicy) -> str | None:
    if not policy.wait_known or _no_retry(policy) or policy.form == "retry_with":
        # `fn.retry_with(wait=wait_none())` is how tests skip the waits: not a finding.
        return None
    kinds = {w.kind for w in policy.waits}
    if policy.library == "tenacity":
        if "wait" not in policy.keywords:
            return "retries with no wait at all"
        if kinds and kinds <= rs.FLAT_KINDS:
            return "waits a fixed or random time between attempts"
        return None
    if policy.library == "backoff":
        return "waits a constant time (backoff.constant)" if kinds == {"constant"} else None
    if policy.library == "celery":
        return (
            "has autoretry_for without retry_backoff (a fixed 180 s countdown)"
            if kinds == {"fixed"}
            else None
        )
    if policy.library == "requests" and policy.call is not None:
        retries = au.argument(policy.call, "max_retries", 3)
        if retries is not None and rs._int(ctx, retries) is not None:
            return "retries with no backoff (max_retries=<int> means backoff_factor 0)"
        return None
    if policy.library == "urllib3" and kinds == {"none"}:
        return "has no backoff_factor: retries are immediate"
    return None


def _backoff_fix(ctx: FileContext, policy: rs.RetryPolicy) -> Fix | None:
    if policy.call is None or in_fstring(ctx.ancestors):
        return None
    cap = _fmt(ctx.config.backoff_cap)
    if policy.library == "tenacity" and not policy.opaque:
        name, import_edit = _tenacity_name(ctx, policy, "wait_random_exponential")
        if not name:
            return None
        value = f"{name}(multiplier=1, max={cap})"
        return _fix(f"Set wait={value}", _set_keyword(ctx, policy.call, "wait", value), import_edit)
    if policy.library == "urllib3":
        return _fix(
            "Set backoff_factor=0.5", _set_keyword(ctx, policy.call, "backoff_factor", "0.5")
        )
    return None


# -- RES203 -----------------------------------------------------------------------------


class _PolicyChecker:
    """Checks every policy written at a decorated def or a call, each anchor once."""

    def __init__(self) -> None:
        self.reported: set[int] = set()

    def visit_FunctionDef(self, ctx: FileContext, node: ast.FunctionDef) -> None:
        self._check(ctx, node)

    def visit_AsyncFunctionDef(self, ctx: FileContext, node: ast.AsyncFunctionDef) -> None:
        self._check(ctx, node)

    def visit_Call(self, ctx: FileContext, node: ast.Call) -> None:
        self._check(ctx, node)

    def _check(self, ctx: FileContext, node: ast.AST) -> None:
        raise NotImplementedError


@rule(
    "RES203",
    summary="Exponential backoff without jitter: callers retry in synchronised waves.",
    nodes=(ast.FunctionDef, ast.AsyncFunctionDef, ast.Call),
    triggers=_POLICY_TRIGGERS,
)
class BackoffWithoutJitter(_PolicyChecker):
    """## What it does
    Finds exponential backoff with no randomness: tenacity `wait_exponential(...)` not
    added to a random wait; `backoff.on_exception(..., jitter=None)`; celery
    `retry_jitter=False`; `urllib3.Retry(backoff_factor>0)` without `backoff_jitter`.

    ## Why is this bad?
    Clients that failed together retry together: every wave lands at the same instant
    (AWS Architecture Blog, "Exponential Backoff and Jitter"). Full jitter spreads them.

    ## Example
    ```python
    @retry(stop=stop_after_attempt(3), wait=wait_exponential(max=10))
    def fetch(): ...
    ```

    ## Fix
    ```python
    @retry(stop=stop_after_attempt(3), wait=wait_random_exponential(max=10))
    def fetch(): ...
    ```
    `resilience fix --unsafe-fixes` swaps `wait_exponential` for `wait_random_exponential`
    with the same arguments.
    """

    def _check(self, ctx: FileContext, node: ast.AST) -> None:
        for policy in policies_at(ctx, node):
            for anchor, message in _jitterless(ctx, policy):
                if id(anchor) in self.reported:
                    continue
                self.reported.add(id(anchor))
                fix = _jitter_fix(ctx, policy, anchor) if policy.library == "tenacity" else None
                ctx.report("RES203", anchor, message, fix=fix)


def _jitterless(ctx: FileContext, policy: rs.RetryPolicy) -> Iterator[tuple[ast.AST, str]]:
    if _no_retry(policy):
        return
    tail = "clients that failed together retry together in synchronised waves; add jitter"
    if policy.library == "tenacity":
        if policy.jittered or not policy.wait_known:
            return
        for wait in policy.waits:
            if wait.kind == "exponential" and wait.node is not None:
                yield (
                    wait.node,
                    f"wait_exponential(...) in {policy_label(policy)} has no "
                    f"jitter: {tail} (wait_random_exponential)",
                )
        return
    kw = policy.keywords
    if policy.library == "backoff":
        jitter = kw.get("jitter")
        if jitter is not None and au.is_none(jitter) and any(w.exponential for w in policy.waits):
            yield _keyword_node(policy, jitter), f"jitter=None in {policy_label(policy)}: {tail}"
    elif policy.library == "celery":
        jitter = kw.get("retry_jitter")
        if (
            jitter is not None
            and au.const_value(ctx, jitter) is False
            and policy.waits
            and (policy.waits[0].kind == "celery")
        ):
            anchor = _keyword_node(policy, jitter)
            yield anchor, f"retry_jitter=False in {policy_label(policy)}: {tail}"
    elif policy.library == "urllib3" and policy.call is not None:
        factor = au.keyword(policy.call, "backoff_factor")
        value = au.number(ctx, factor.value) if factor is not None else None
        if factor is not None and value and not policy.jittered and not policy.opaque:
            yield factor, f"{policy_label(policy)} backs off with no backoff_jitter: {tail}"


def _keyword_node(policy: rs.RetryPolicy, value: ast.expr) -> ast.AST:
    """The ``name=value`` keyword holding ``value`` in the policy's call (else the value:
    a keyword that came through a ``partial``)."""
    if policy.call is not None:
        for kw in policy.call.keywords:
            if kw.value is value:
                return kw
    return value


def _jitter_fix(ctx: FileContext, policy: rs.RetryPolicy, anchor: ast.AST) -> Fix | None:
    if not isinstance(anchor, ast.Call) or in_fstring(ctx.ancestors):
        return None
    func = anchor.func
    if isinstance(func, ast.Attribute):
        base = au.dotted(func.value)
        if base is None or ctx.qualname(func.value) != "tenacity":
            return None
        name, import_edit = f"{base}.wait_random_exponential", None
    else:
        name, import_edit = _tenacity_name(ctx, policy, "wait_random_exponential")
        if not name:
            return None
    return _fix(f"Use {name}(...)", _replace(ctx, func, name), import_edit)


# -- RES204 -----------------------------------------------------------------------------


@rule(
    "RES204",
    summary="Exponential backoff with no maximum wait.",
    nodes=(ast.FunctionDef, ast.AsyncFunctionDef, ast.Call),
    triggers=_POLICY_TRIGGERS,
)
class BackoffWithoutCap(_PolicyChecker):
    """## What it does
    Finds exponential waits with no maximum: tenacity `wait_exponential`,
    `wait_random_exponential`, `wait_exponential_jitter` without `max=`; `backoff.expo`
    without `max_value` and without `max_time`. Not reported when the attempts are bounded
    by 4 or fewer (`stop_after_attempt(n)`, `max_tries=n`, stamina `attempts=n`).

    ## Why is this bad?
    Uncapped, the tenth wait is about 17 minutes, the fifteenth nine hours: a caller looks
    hung and holds its resources while it sleeps.

    ## Example
    ```python
    @retry(stop=stop_after_attempt(10), wait=wait_random_exponential(multiplier=1))
    def fetch(): ...
    ```

    ## Fix
    ```python
    @retry(stop=stop_after_attempt(10), wait=wait_random_exponential(multiplier=1, max=20))
    def fetch(): ...
    ```
    `resilience fix --unsafe-fixes` adds `max=<backoff-cap>` (backoff: `max_value=`).
    """

    def _check(self, ctx: FileContext, node: ast.AST) -> None:
        cap = _fmt(ctx.config.backoff_cap)
        for policy in policies_at(ctx, node):
            if policy.attempts is not None and policy.attempts <= 4:
                continue
            if policy.library not in ("tenacity", "backoff"):
                continue
            if policy.library == "backoff" and policy.max_delay is not None:
                continue
            if policy.library == "backoff" and "max_time" in policy.keywords:
                continue
            for wait in policy.waits:
                if wait.capped or wait.node is None or id(wait.node) in self.reported:
                    continue
                if wait.kind not in (
                    "exponential",
                    "random_exponential",
                    "exponential_jitter",
                    "expo",
                ):
                    continue
                self.reported.add(id(wait.node))
                fix = None
                if not in_fstring(ctx.ancestors):
                    if policy.library == "tenacity" and isinstance(wait.node, ast.Call):
                        fix = _fix(
                            f"Add max={cap}", insert_keyword(ctx.source, wait.node, "max", cap)
                        )
                    elif policy.library == "backoff" and policy.call is not None:
                        fix = _fix(
                            f"Add max_value={cap}",
                            insert_keyword(ctx.source, policy.call, "max_value", cap),
                        )
                what = (
                    "backoff.expo"
                    if wait.kind == "expo"
                    else au.dotted(wait.node.func if isinstance(wait.node, ast.Call) else wait.node)
                    or wait.kind
                )
                ctx.report(
                    "RES204",
                    wait.node,
                    f"{what} in {policy_label(policy)} has no maximum wait: the wait "
                    f"doubles every attempt, so late attempts sleep for minutes or hours; "
                    f"cap it (max={cap})",
                    fix=fix,
                )


# -- RES205 / RES206 --------------------------------------------------------------------


_LOOP_PROBLEM = {
    "none": "retries immediately with no sleep",
    "constant": "sleeps a constant time between attempts",
    "growing": "grows the sleep without any random jitter",
}


@rule(
    "RES205",
    summary="A hand-rolled retry loop with no sleep, a constant sleep or no jitter.",
    nodes=(ast.For, ast.While),
    triggers=("except",),
)
def naive_retry_loop(ctx: FileContext, loop: ast.For | ast.While) -> None:
    """## What it does
    Finds hand-rolled retries: a `for ... in range(n)` or `while` loop whose body tries an
    external call, whose except path falls through or `continue`s and whose success path
    `break`s or `return`s, retrying the same call (pagination and batch loops, whose call
    changes each time, are not retries). Reported when the loop does not sleep, sleeps a
    constant, or grows the sleep without `random` jitter; the message says which.

    ## Why is this bad?
    Hand-rolled loops rarely get backoff, jitter, a cap and a deadline right together;
    immediate or fixed-pace retries multiply the load on a failing dependency.

    ## Example
    ```python
    for attempt in range(5):
        try:
            return requests.get(url, timeout=5).json()
        except requests.RequestException:
            time.sleep(1)
    ```

    ## Fix
    Use a retry library with jittered exponential backoff (`resilience generate retry`):
    ```python
    @retry(stop=stop_after_attempt(5), wait=wait_random_exponential(max=20))
    def fetch(url):
        return requests.get(url, timeout=5).json()
    ```
    """
    found = rs.loop_retry(ctx, loop)
    if found is None:
        return
    ok = found.sleep_kind in ("jittered", "unknown")
    ctx.count_site(RETRIES, ok)
    if ok:
        return
    first = found.calls[0]
    label = f"{au.dotted(first.func) or 'call'}()"
    ctx.report(
        "RES205",
        loop,
        f"hand-rolled retry of {label} {_LOOP_PROBLEM[found.sleep_kind]}: failing callers "
        f"retry in lockstep; use exponential backoff with jitter and a cap",
        fix=Fix(
            Applicability.DISPLAY,
            "Replace the loop with a bounded retry with capped, jittered exponential backoff",
            (),
        ),
    )


@rule(
    "RES206",
    summary="A while-True retry loop with no attempt limit, no deadline and no raise.",
    nodes=(ast.While,),
    triggers=("except",),
)
def unbounded_retry_loop(ctx: FileContext, loop: ast.While) -> None:
    """## What it does
    Finds `while True` retry loops (the shape of RES205) with no attempt counter, no
    deadline check (`monotonic() - start`) and no `raise` on any except path.

    ## Why is this bad?
    Nothing ever stops it: while the dependency is down the caller spins forever, holding
    its thread, and the error is never surfaced.

    ## Example
    ```python
    while True:
        try:
            conn = psycopg.connect(dsn, connect_timeout=5)
            break
        except psycopg.OperationalError:
            time.sleep(1)
    ```

    ## Fix
    Bound it: count attempts or check a deadline, and raise when it is exhausted (or use a
    retry library: `resilience generate retry`).
    """
    found = rs.loop_retry(ctx, loop)
    if found is None or not found.while_true:
        return
    if found.has_counter or found.has_deadline or found.raises:
        return
    first = found.calls[0]
    label = f"{au.dotted(first.func) or 'call'}()"
    ctx.report(
        "RES206",
        loop,
        f"while-True retry of {label} has no attempt limit, no deadline and never raises: "
        f"while the dependency is down this spins forever; count attempts or check a "
        f"deadline and raise when exhausted",
    )


# -- RES207 -----------------------------------------------------------------------------


@rule(
    "RES207",
    summary="A retry inside a retry: attempts multiply across layers.",
    triggers=(*_SCOPE_TRIGGERS, "mount"),
)
class NestedRetryAmplification:
    """## What it does
    Inside a retry scope, finds calls to a function that itself retries (same module or
    another module of the audited tree) or to a client with built-in retries configured in
    the tree (`HTTPAdapter(max_retries=n)` mounted on the session). The message gives the
    worst-case attempt product.

    ## Why is this bad?
    Retries multiply: 3 attempts around a function that makes 5 is 15 calls to a
    dependency that is already failing (Google SRE book: "3 layers x 4 attempts = 64").

    ## Example
    ```python
    @retry(stop=stop_after_attempt(5))
    def get_user(uid): ...

    @retry(stop=stop_after_attempt(3))
    def handler(uid):
        return get_user(uid)        # 3 x 5 = 15 attempts
    ```

    ## Fix
    Retry at one layer only, usually the outermost (`resilience generate resilient-client`).
    """

    def leave_FunctionDef(self, ctx: FileContext, node: ast.FunctionDef) -> None:
        rs.note_function(ctx, node)

    def leave_AsyncFunctionDef(self, ctx: FileContext, node: ast.AsyncFunctionDef) -> None:
        rs.note_function(ctx, node)

    def leave_Call(self, ctx: FileContext, node: ast.Call) -> None:
        rs.note_call(ctx, node)

    @staticmethod
    def project(index: ProjectIndex, config: Config) -> Iterable[Finding]:
        resolver = FunctionLookup(index)
        mounts: dict[str, int] = {}
        for _facts, mount in index.records("retry.mount"):
            mounts[mount.receiver] = max(mounts.get(mount.receiver, 0), mount.attempts)
        info = RULES["RES207"]
        for facts, call in index.records("retry.inner_call"):
            inner = _inner_retry(resolver, call, mounts)
            if inner is None:
                continue
            what, attempts, unbounded = inner
            if not unbounded and attempts is None:
                continue
            if not call.unbounded and call.attempts is None:
                continue
            text, product = rs.product_label(call.label, attempts, unbounded)
            severity = Severity.HIGH if product is None or product >= 10 else Severity.MEDIUM
            inner_text = "retries forever" if unbounded else f"makes up to {attempts} attempts"
            outer_text = "that retries forever" if call.unbounded else f"of {call.label} attempts"
            worst = (
                "the dependency is retried without end"
                if product is None
                else "against a failing dependency in the worst case"
            )
            yield make_finding(
                info,
                facts.path,
                call.location,
                f"{what} {inner_text} and is called inside a retry scope {outer_text}: "
                f"{text}, {worst}; retry at one layer only",
                severity=severity,
            )


def _inner_retry(
    lookup: FunctionLookup, call: rs.InnerCall, mounts: dict[str, int]
) -> tuple[str, int | None, bool] | None:
    if call.target is not None and call.target != call.function:
        found = lookup.find(call.target)
        if found is not None:
            _facts, function = found
            summary = function.attrs.get("retry") or function.attrs.get("retries_inside")
            if summary is not None:
                name = function.qualname.rsplit(".", 1)[-1]
                return f"{name}()", summary["attempts"], summary["unbounded"]
    if call.receiver is not None and call.receiver in mounts:
        name = call.receiver.rsplit(".", 1)[-1]
        return (
            f"the session {name!r} (HTTPAdapter with retries mounted)",
            mounts[call.receiver],
            False,
        )
    return None


class FunctionLookup:
    """Functions of the tree by qualified name; a name that does not match exactly (the
    audit root inside or above the package) matches by its unique dotted suffix."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.by_suffix: dict[str, list[str]] = {}
        for qualname in index.functions:
            parts = qualname.split(".")
            for start in range(0, len(parts) - 1):
                self.by_suffix.setdefault(".".join(parts[start:]), []).append(qualname)

    def find(self, target: str) -> tuple[FileFacts, FunctionFacts] | None:
        found = self.index.function(target)
        if found is not None:
            return found
        parts = target.split(".")
        for start in range(0, len(parts) - 1):
            candidates = self.by_suffix.get(".".join(parts[start:]), [])
            if len(candidates) == 1:
                return self.index.function(candidates[0])
            if candidates:
                return None
        return None


# -- RES208 -----------------------------------------------------------------------------

_WRITE_METHODS = frozenset({"POST", "PATCH"})
_INSERT = re.compile(r"^\s*(?:WITH\b.*?\)\s*)?INSERT\b", re.IGNORECASE | re.DOTALL)
_INCREMENT = re.compile(r"\bUPDATE\b.*\bSET\b.*?\b(\w+)\s*=\s*\1\s*[-+]", re.IGNORECASE | re.DOTALL)
_IDEMPOTENT_SQL = re.compile(
    r"ON\s+CONFLICT|ON\s+DUPLICATE\s+KEY|INSERT\s+IGNORE|INSERT\s+OR\s+(?:IGNORE|REPLACE)",
    re.IGNORECASE,
)
_HTTP_RECEIVERS = frozenset(
    {
        "requests",
        "requests.api",
        "httpx",
        "aiohttp",
    }
)


@rule(
    "RES208",
    summary="A retry scope repeats a non-idempotent write with no idempotency key.",
    nodes=(ast.Call,),
    triggers=_SCOPE_TRIGGERS,
)
def retry_non_idempotent(ctx: FileContext, call: ast.Call) -> None:
    """## What it does
    Inside a retry scope (a retry decorator, a `Retrying`/`retry_context` loop, a celery
    task that retries, a hand-rolled retry loop), finds writes that are not safe to repeat:
    HTTP POST/PATCH with requests, httpx or aiohttp (`.post`, `.patch`,
    `.request("POST", ...)`, `method="POST"`), SQL `INSERT` or `UPDATE ... SET x = x + ...`
    through `execute`, and `smtplib` `sendmail`/`send_message`, when no idempotency key is
    sent (a header or argument whose name contains `idempotency`, any case).

    ## Why is this bad?
    A timeout does not mean the write failed: the server may have done it. Retrying charges
    the card twice, inserts the row twice, sends the mail twice.

    ## Example
    ```python
    @retry(stop=stop_after_attempt(3))
    def charge(order):
        return requests.post(PAY_URL, json=order, timeout=10)
    ```

    ## Fix
    Send an idempotency key the server deduplicates on (generated once, outside the retry):
    ```python
    def charge(order):
        key = str(uuid.uuid4())
        return _post(order, key)

    @retry(stop=stop_after_attempt(3))
    def _post(order, key):
        return requests.post(PAY_URL, json=order, headers={"Idempotency-Key": key}, timeout=10)
    ```
    """
    what = _non_idempotent(ctx, call)
    if what is None or not rs.enclosing_scopes(ctx, call):
        return
    if _has_idempotency_key(ctx, call):
        return
    ctx.report(
        "RES208",
        call,
        f"{what} inside a retry scope with no idempotency key: a retry after a timeout can "
        f"repeat a write that succeeded; send an idempotency key or do not retry this call",
    )


def _non_idempotent(ctx: FileContext, call: ast.Call) -> str | None:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    method = func.attr
    if method in ("post", "patch", "request") and _is_http_client_call(ctx, call):
        if method != "request":
            return f"{au.dotted(func) or method}() ({method.upper()})"
        verb = au.const_value(ctx, au.argument(call, "method", 0))
        if isinstance(verb, str) and verb.upper() in _WRITE_METHODS:
            return f"{au.dotted(func) or method}({verb.upper()!r}, ...)"
        return None
    if method in ("execute", "executemany", "executescript"):
        sql = _sql_text(ctx, call.args[0] if call.args else au.argument(call, "query"))
        if sql is None or _IDEMPOTENT_SQL.search(sql):
            return None
        if _INSERT.search(sql):
            return f"SQL INSERT via {au.dotted(func) or method}()"
        if _INCREMENT.search(sql):
            return f"SQL increment (UPDATE ... SET x = x + ...) via {au.dotted(func) or method}()"
        return None
    if method in ("sendmail", "send_message") and ctx.type_of(func.value) in (
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "smtplib.LMTP",
    ):
        return f"smtplib {method}()"
    return None


def _is_http_client_call(ctx: FileContext, call: ast.Call) -> bool:
    func = call.func
    assert isinstance(func, ast.Attribute)
    qual = ctx.qualname(func.value)
    if qual in _HTTP_RECEIVERS:
        return True
    rtype = ctx.type_of(func.value)
    from resilience_skill.analysis import knowledge as kb

    return (
        rtype in (kb.REQUESTS_SESSION_TYPES | kb.HTTPX_CLIENT_TYPES | kb.AIOHTTP_SESSION_TYPES)
        or rtype in kb.URLLIB3_POOL_TYPES
    )


def _sql_text(ctx: FileContext, expr: ast.expr | None) -> str | None:
    if expr is None:
        return None
    if (
        isinstance(expr, ast.Call)
        and expr.args
        and ((ctx.qualname(expr.func) or "").endswith(".text"))
    ):
        expr = expr.args[0]
    if isinstance(expr, ast.Name):
        bound = ctx.value_of(expr.id)
        if bound is not None:
            expr = bound
    if isinstance(expr, ast.JoinedStr):
        parts = [v.value for v in expr.values if isinstance(v, ast.Constant)]
        return "".join(str(p) for p in parts)
    value = au.const_value(ctx, expr)
    return value if isinstance(value, str) else None


def _has_idempotency_key(ctx: FileContext, call: ast.Call) -> bool:
    def mentions(node: ast.AST) -> bool:
        for sub in ast.walk(node):
            text = (
                sub.value
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
                else sub.id
                if isinstance(sub, ast.Name)
                else sub.attr
                if isinstance(sub, ast.Attribute)
                else ""
            )
            if "idempoten" in text.lower():
                return True
        return False

    for kw in call.keywords:
        if kw.arg is not None and "idempoten" in kw.arg.lower():
            return True
        if mentions(kw.value):
            return True
        if isinstance(kw.value, ast.Name):
            bound = ctx.value_of(kw.value.id)
            if bound is not None and mentions(bound):
                return True
    return any(mentions(arg) for arg in call.args)


# -- RES209 -----------------------------------------------------------------------------


@rule(
    "RES209",
    summary="A retry policy retries on any exception, bugs and permanent errors included.",
    nodes=(ast.FunctionDef, ast.AsyncFunctionDef, ast.Call),
    triggers=_POLICY_TRIGGERS,
)
def retry_on_any_exception(ctx: FileContext, node: ast.AST) -> None:
    """## What it does
    Finds retry policies that retry every exception: tenacity with no `retry=` or with
    `retry_if_exception_type(Exception)`; `backoff.on_exception(..., Exception)`; celery
    `autoretry_for=(Exception,)`; `stamina.retry(on=Exception)`. Not reported when a
    `giveup=` or predicate filters what is retried.

    ## Why is this bad?
    A `ValueError`, a `KeyError` from a bug, a 404 or a 401 fails the same way every time:
    retrying it only delays the error and adds load.

    ## Example
    ```python
    @backoff.on_exception(backoff.expo, Exception, max_tries=5)
    def fetch(): ...
    ```

    ## Fix
    Retry the transient errors only:
    ```python
    @backoff.on_exception(backoff.expo, (requests.ConnectionError, requests.Timeout),
                          max_tries=5)
    def fetch(): ...
    ```
    """
    for policy in policies_at(ctx, node):
        if policy.library not in ("tenacity", "backoff", "celery", "stamina"):
            continue
        if not policy.retries_any or policy.filtered or policy.opaque or _no_retry(policy):
            continue
        ctx.report(
            "RES209",
            policy.anchor,
            f"{policy_label(policy)} retries on any exception: bugs and permanent errors "
            f"(ValueError, 4xx) are retried as if transient; retry only transient errors "
            f"(timeouts, connection errors, 5xx/429)",
        )
