"""RES701, RES702: fail fast (checklist "Fallback strategy per dependency").

RES701 adds up, from explicit constants only, how long a call or a retry scope can hold its
caller; RES702 finds deadlines a function receives and does not pass on.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis import knowledge as kb
from resilience_skill.analysis import retry_scopes as rs
from resilience_skill.analysis.engine import FileContext
from resilience_skill.analysis.registry import rule

# -- which arguments are call timeouts ----------------------------------------------------

_NOT_CALL_TIMEOUTS = frozenset(
    {
        "reset_timeout",
        "recovery_timeout",
        "session_timeout_ms",
        "heartbeat_timeout",
        "keepalive_timeout",
        "idle_timeout",
        "visibility_timeout",
        "lock_timeout",
        "blocked_connection_timeout",
    }
)
"""Durations named like timeouts that bound no call (breaker resets, leases, idle
connections)."""

STDLIB_TIMEOUT_POSITION: dict[str, int | None] = {
    "urllib.request.urlopen": 2,
    "http.client.HTTPConnection": 2,
    "http.client.HTTPSConnection": None,
    "socket.create_connection": 1,
    "smtplib.SMTP": 3,
    "smtplib.SMTP_SSL": None,
    "ftplib.FTP": 4,
    "ftplib.FTP_TLS": None,
    "poplib.POP3": 2,
    "poplib.POP3_SSL": None,
    "imaplib.IMAP4": 2,
    "imaplib.IMAP4_SSL": None,
}

DATASTORE_TIMEOUT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "psycopg2.connect": ("connect_timeout",),
    "psycopg.connect": ("connect_timeout",),
    "asyncpg.connect": ("timeout",),
    "redis.Redis": ("socket_timeout",),
    "redis.StrictRedis": ("socket_timeout",),
    "redis.from_url": ("socket_timeout",),
    "pymongo.MongoClient": ("timeoutMS", "socketTimeoutMS"),
}

HTTP_CLIENT_TYPES = (
    kb.REQUESTS_SESSION_TYPES
    | kb.HTTPX_CLIENT_TYPES
    | kb.AIOHTTP_SESSION_TYPES
    | kb.URLLIB3_POOL_TYPES
)
HTTP_METHODS = kb.HTTPX_VERBS | {"send", "ws_connect", "urlopen", "request_encode_url"}

TIMEOUT_OBJECTS: dict[str, tuple[tuple[str, int | None], ...]] = {
    "httpx.Timeout": (("timeout", 0), ("connect", None), ("read", None), ("write", None)),
    "aiohttp.ClientTimeout": (
        ("total", 0),
        ("connect", None),
        ("sock_read", None),
        ("sock_connect", None),
    ),
    "aiohttp.client.ClientTimeout": (("total", 0), ("connect", None), ("sock_read", None)),
    "urllib3.Timeout": (("total", 0), ("connect", None), ("read", None)),
    "urllib3.util.Timeout": (("total", 0), ("connect", None), ("read", None)),
    "urllib3.util.timeout.Timeout": (("total", 0), ("connect", None), ("read", None)),
}
"""Timeout objects: the arguments that are durations in seconds (name, position)."""


def _is_timeout_keyword(name: str) -> float | None:
    """The divisor to seconds when ``name`` is a call-timeout keyword, else ``None``."""
    if name in _NOT_CALL_TIMEOUTS:
        return None
    if name == "timeout" or name.endswith("_timeout"):
        return 1.0
    lower = name.lower()
    if lower.endswith("timeoutms") or lower.endswith("timeout_ms"):
        return 1000.0
    return None


def _seconds(ctx: FileContext, expr: ast.expr | None, divisor: float = 1.0) -> float | None:
    """A constant duration in seconds; a ``(connect, read)`` pair counts as their sum."""
    value = au.const_value(ctx, expr)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value / divisor if value > 0 else None
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        return sum(value) / divisor if all(v > 0 for v in value) else None
    return None


@dataclass(frozen=True)
class _Timeout:
    seconds: float
    text: str
    """As written: ``timeout=(3.05, 27)``."""


def _fmt(value: float) -> str:
    return f"{round(value, 3):g}"


def _call_timeouts(ctx: FileContext, call: ast.Call) -> Iterator[_Timeout]:
    """Explicit constant timeouts of a call that reaches a dependency (keywords and the
    stdlib's positional timeouts)."""
    for kw in call.keywords:
        if kw.arg is None:
            continue
        divisor = _is_timeout_keyword(kw.arg)
        if divisor is None:
            continue
        seconds = _seconds(ctx, kw.value, divisor)
        if seconds is not None:
            yield _Timeout(seconds, f"{kw.arg}={ctx.source.segment(ctx.location(kw.value))}")
    qual = ctx.qualname(call.func)
    position = STDLIB_TIMEOUT_POSITION.get(qual or "")
    if position is not None and au.keyword(call, "timeout") is None:
        arg = au.argument(call, "timeout", position)
        seconds = _seconds(ctx, arg)
        if arg is not None and seconds is not None:
            yield _Timeout(seconds, f"timeout={ctx.source.segment(ctx.location(arg))}")


def _object_timeouts(ctx: FileContext, call: ast.Call, qual: str) -> Iterator[_Timeout]:
    for name, position in TIMEOUT_OBJECTS[qual]:
        arg = au.argument(call, name, position)
        seconds = _seconds(ctx, arg)
        if arg is not None and seconds is not None:
            yield _Timeout(seconds, f"{name}={ctx.source.segment(ctx.location(arg))}")


def is_dependency_call(ctx: FileContext, call: ast.Call) -> bool:
    """A call whose timeouts bound waiting on a dependency: network functions, HTTP client
    methods and constructors, gRPC stubs, datastore connections. Subprocesses (local work)
    and datastore methods (their ``timeout`` is often a lease: ``redis.lock``) are not."""
    qual = ctx.qualname(call.func)
    if qual is not None and (
        qual in kb.NETWORK_FUNCTIONS
        or qual in DATASTORE_TIMEOUT_KEYWORDS
        or qual in HTTP_CLIENT_TYPES
        or qual == "aiohttp.request"
    ):
        return True
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in HTTP_METHODS and ctx.type_of(func.value) in HTTP_CLIENT_TYPES:
        return True
    return au.is_grpc_stub(ctx, func.value) or (
        isinstance(func.value, ast.Attribute)
        and func.attr in ("future", "with_call")
        and au.is_grpc_stub(ctx, func.value.value)
    )


def _label(ctx: FileContext, call: ast.Call) -> str:
    return f"{au.dotted(call.func) or ctx.qualname(call.func) or 'call'}()"


# -- RES701 -------------------------------------------------------------------------------


@dataclass
class _ScopeBudget:
    frame: rs.ScopeFrame
    timeout: _Timeout


@rule(
    "RES701",
    summary="A retry scope's worst case, or a single timeout, exceeds the latency budget.",
)
class LatencyBudgetExceeded:
    """## What it does
    From explicit constants only, computes the worst-case time a retry scope can hold its
    caller: attempts x the largest per-attempt timeout of the external calls in the scope
    (a `(connect, read)` pair counts as connect + read) + the sum of the waits between
    attempts (capped; for jittered waits, their upper bound). Reports it when it exceeds
    `latency-budget` (30 s by default), showing the arithmetic. Also reports a single
    constant call timeout above `max-timeout` (60 s by default): `timeout`, `*_timeout`,
    httpx `Timeout(...)`, aiohttp `ClientTimeout(...)`; millisecond keywords (`*MS`,
    `*_ms`) are converted.

    ## Why is this bad?
    The caller is itself waited on. A retry that can take 95 s inside a request handler with
    a 30 s gateway timeout keeps working for a client that has given up, while holding a
    worker, a connection and a thread: the budget is spent before the dependency answers.

    ## Example
    ```python
    @retry(stop=stop_after_attempt(3), wait=wait_exponential(max=10))
    def fetch(url):
        return requests.get(url, timeout=15)   # 3 x 15 s + waits 1 + 2 = 48 s > 30 s
    ```

    ## Fix
    ```python
    @retry(stop=stop_after_attempt(3) | stop_after_delay(25), wait=wait_random_exponential(max=5))
    def fetch(url):
        return requests.get(url, timeout=(3.05, 5))
    ```
    Library defaults never count, breaker `reset_timeout`/`recovery_timeout` are not call
    timeouts, a policy bounded by time (`stop_after_delay`, `max_time`, stamina `timeout`)
    is not added up, and unbounded retries are RES201's.
    """

    def __init__(self) -> None:
        self.scopes: dict[int, _ScopeBudget] = {}

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        qual = ctx.qualname(call.func)
        if qual in TIMEOUT_OBJECTS:
            self._single(ctx, call, list(_object_timeouts(ctx, call, qual)))
            return
        if qual == "socket.setdefaulttimeout":
            seconds = _seconds(ctx, au.argument(call, "timeout", 0))
            if seconds is not None:
                text = ctx.source.segment(ctx.location(call.args[0])) if call.args else ""
                self._single(ctx, call, [_Timeout(seconds, f"timeout={text}")])
            return
        if not is_dependency_call(ctx, call):
            return
        timeouts = list(_call_timeouts(ctx, call))
        if not timeouts:
            return
        self._single(ctx, call, timeouts)
        frames = rs.enclosing_scopes(ctx, call)
        if frames:
            frame = frames[-1]
            worst = max(timeouts, key=lambda t: t.seconds)
            known = self.scopes.get(id(frame.node))
            if known is None or worst.seconds > known.timeout.seconds:
                self.scopes[id(frame.node)] = _ScopeBudget(frame, worst)

    def _single(self, ctx: FileContext, call: ast.Call, timeouts: list[_Timeout]) -> None:
        if not timeouts:
            return
        worst = max(timeouts, key=lambda t: t.seconds)
        limit = ctx.config.max_timeout
        if worst.seconds <= limit:
            return
        ctx.report(
            "RES701",
            call,
            f"{_label(ctx, call)} waits up to {_fmt(worst.seconds)} s ({worst.text}), above "
            f"the {_fmt(limit)} s maximum (max-timeout): a slow dependency holds the caller "
            f"that long; lower it and fail fast",
        )

    def _leave(self, ctx: FileContext, node: ast.AST) -> None:
        budget = self.scopes.pop(id(node), None)
        if budget is not None:
            self._budget(ctx, budget)

    leave_FunctionDef = _leave
    leave_AsyncFunctionDef = _leave
    leave_For = _leave
    leave_AsyncFor = _leave
    leave_While = _leave

    def _budget(self, ctx: FileContext, budget: _ScopeBudget) -> None:
        frame = budget.frame
        attempts = frame.attempts
        if frame.unbounded or attempts is None or attempts < 1:
            return  # unbounded retries are RES201's
        pauses = self._pauses(ctx, frame, attempts)
        if pauses is None:
            return
        per_attempt = budget.timeout.seconds
        total = attempts * per_attempt + sum(pauses)
        limit = ctx.config.latency_budget
        if total <= limit:
            return
        arithmetic = f"{attempts} attempts x {_fmt(per_attempt)} s"
        if any(pauses):
            arithmetic += f" + waits {_waits_text(pauses)}"
        arithmetic += f" = {_fmt(total)} s > budget {_fmt(limit)} s"
        anchor = frame.policy.anchor if frame.policy is not None else frame.node
        ctx.report(
            "RES701",
            anchor,
            f"worst case {arithmetic} ({budget.timeout.text} per attempt): the caller waits "
            f"past its latency budget; lower the attempts or the timeout, or bound the whole "
            f"retry by time (stop_after_delay, max_time, a deadline)",
        )

    @staticmethod
    def _pauses(ctx: FileContext, frame: rs.ScopeFrame, attempts: int) -> list[float] | None:
        policy = frame.policy
        if frame.kind == "hand":
            if not isinstance(frame.node, ast.For | ast.While):
                return None
            loop = rs.loop_retry(ctx, frame.node)
            if loop is None:
                return None
            if loop.sleep_kind == "none":
                return [0.0] * (attempts - 1)
            if loop.sleep_kind != "constant":
                return None
            each = 0.0
            for sleep in loop.sleeps:
                value = _seconds(ctx, au.argument(sleep, "secs", 0))
                if value is None:
                    return None
                each += value
            return [each] * (attempts - 1)
        if policy is None or policy.opaque or not policy.wait_known:
            return None
        if policy.library not in ("tenacity", "backoff", "stamina"):
            return None
        if policy.max_delay is not None:
            return None  # bounded by time: the attempt product overstates it
        if policy.library == "stamina" and "attempts" not in policy.keywords:
            return None  # library defaults never count
        return rs.wait_schedule(policy.waits, attempts)


def _waits_text(pauses: list[float]) -> str:
    parts = [_fmt(p) for p in pauses]
    if len(parts) > 6:
        parts = [*parts[:3], "...", parts[-1]]
    return " + ".join(parts)


# -- RES702 -------------------------------------------------------------------------------


def deadline_parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Parameters named ``timeout``, ``deadline``, ``budget`` or ``*_timeout``/``*_deadline``."""
    args = fn.args
    return [
        a.arg
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]
        if a.arg in ("timeout", "deadline", "budget") or a.arg.endswith(("_timeout", "_deadline"))
    ]


def _timeout_argument(ctx: FileContext, call: ast.Call) -> tuple[bool, ast.expr | None]:
    """(the call takes a per-call timeout, the argument passed for it)."""
    qual = ctx.qualname(call.func)
    if qual in DATASTORE_TIMEOUT_KEYWORDS:
        for name in DATASTORE_TIMEOUT_KEYWORDS[qual]:
            kw = au.keyword(call, name)
            if kw is not None:
                return True, kw.value
        return True, None
    if qual in STDLIB_TIMEOUT_POSITION:
        return True, au.argument(call, "timeout", STDLIB_TIMEOUT_POSITION[qual])
    if qual in HTTP_CLIENT_TYPES:
        return False, None  # a client constructor: its calls are checked
    return True, au.argument(call, "timeout")


def _mentions(expr: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(expr))


@rule(
    "RES702",
    summary="A function receives a timeout or deadline but its external calls ignore it.",
)
class DeadlineNotPropagated:
    """## What it does
    In a function with a parameter named `timeout`, `deadline`, `budget` or ending in
    `_timeout`/`_deadline`, finds external calls that pass a constant timeout or none at
    all, outside any `asyncio.timeout(...)`/`wait_for`/anyio scope built from that
    parameter and on clients not built from it.

    ## Why is this bad?
    The caller gave this function a deadline; calls below it that use their own fixed
    timeout (or none) can outlive it. The caller times out, but the work goes on, holding
    connections and threads for an answer nobody reads.

    ## Example
    ```python
    def get_profile(uid, timeout=5.0):
        return requests.get(f"{API}/profiles/{uid}", timeout=30).json()
    ```

    ## Fix
    ```python
    def get_profile(uid, timeout=5.0):
        return requests.get(f"{API}/profiles/{uid}", timeout=timeout).json()
    ```
    Pass what remains of the deadline (`deadline - time.monotonic()`) to each call.
    """

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        fn = ctx.function_node
        if fn is None or not is_dependency_call(ctx, call):
            return
        params = deadline_parameters(fn)
        if not params or au.has_kwargs(call):
            return
        takes, arg = _timeout_argument(ctx, call)
        if not takes:
            return
        names = set(params)
        if arg is not None:
            if au.const_value(ctx, arg) is au.UNKNOWN:
                return  # computed: assume it derives from the deadline
            shown = ctx.source.segment(ctx.location(arg))
            problem = f"uses a fixed timeout ({shown})"
        else:
            if self._bounded_around(ctx, fn, call, names) or self._client_built_with(
                ctx, call, names
            ):
                return
            problem = "has no timeout"
        param = params[0]
        ctx.report(
            "RES702",
            call,
            f"{_label(ctx, call)} {problem} although {fn.name}() takes `{param}`: the "
            f"caller's deadline is not passed on, so this call can outlive it; pass the "
            f"remaining time (timeout={param}, or deadline - time.monotonic())",
        )

    @staticmethod
    def _bounded_around(
        ctx: FileContext,
        fn: ast.FunctionDef | ast.AsyncFunctionDef,
        call: ast.Call,
        names: set[str],
    ) -> bool:
        """A ``with``/``async with`` item or an enclosing call (``wait_for``) built from the
        deadline, between the function and the call."""
        chain = [*ctx.ancestors, call]
        start = max(i for i, node in enumerate(chain) if node is fn)
        for index in range(start + 1, len(chain) - 1):
            node, child = chain[index], chain[index + 1]
            if isinstance(node, ast.With | ast.AsyncWith):
                if any(_mentions(item.context_expr, names) for item in node.items):
                    return True
            elif isinstance(node, ast.Call):
                others = [a for a in node.args if a is not child]
                others += [k.value for k in node.keywords if k.value is not child]
                if any(_mentions(arg, names) for arg in others):
                    return True
        return False

    @staticmethod
    def _client_built_with(ctx: FileContext, call: ast.Call, names: set[str]) -> bool:
        """``c.get(url)`` where ``c`` was built (here) from the deadline:
        ``with httpx.Client(timeout=timeout) as c``."""
        func = call.func
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            return False
        binding = ctx.resolver.lookup(func.value.id, ctx.scope)
        value = binding.value if binding is not None else None
        return value is not None and _mentions(value, names)
