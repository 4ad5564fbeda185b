"""RES4xx: bulkheads ("Separate thread pools (critical vs non-critical)").

A bulkhead keeps one dependency from taking every worker: bounded concurrency per
dependency, blocking work off the event loop, and slow calls in their own pool.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis import knowledge as kb
from resilience_skill.analysis.engine import FileContext
from resilience_skill.analysis.facts import first_through
from resilience_skill.analysis.registry import checklist_item_for, rule
from resilience_skill.analysis.resolve import Resolver, Scope

BULKHEADS = checklist_item_for("RES401")

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_LOOPS = (ast.For, ast.AsyncFor)

# -- what blocks a thread ----------------------------------------------------------------

_SYNC_HTTP_METHODS: dict[frozenset[str], frozenset[str]] = {
    kb.REQUESTS_SESSION_TYPES: kb.REQUESTS_VERBS | {"send"},
    frozenset({"httpx.Client"}): kb.HTTPX_VERBS | {"send"},
    kb.URLLIB3_POOL_TYPES: frozenset(
        {"request", "urlopen", "request_encode_url", "request_encode_body"}
    ),
}
"""Sync HTTP clients: only these methods reach the network."""

_SYNC_CLIENTS = kb.BOTO_CLIENT_FACTORIES | {
    "redis.Redis",
    "redis.StrictRedis",
    "redis.from_url",
    "redis.Redis.from_url",
    "pika.BlockingConnection",
    "psycopg2.connect",
    "psycopg.connect",
    "pymysql.connect",
    "MySQLdb.connect",
    "elasticsearch.Elasticsearch",
}
"""Sync clients whose public methods do I/O, except the few in ``_LOCAL_METHODS``."""

_LOCAL_METHODS = frozenset(
    {
        "close",
        "cursor",
        "pipeline",
        "pubsub",
        "lock",
        "register_script",
        "get_paginator",
        "get_waiter",
        "can_paginate",
        "generate_presigned_url",
        "generate_presigned_post",
        "exceptions",
        "meta",
    }
)

_CONNECTING_CALLS = frozenset(
    {
        "psycopg2.connect",
        "psycopg.connect",
        "pymysql.connect",
        "MySQLdb.connect",
        "pika.BlockingConnection",
        "kafka.KafkaConsumer",
        "kafka.KafkaProducer",
    }
)
"""Constructors and functions that open a connection before they return."""

_ASYNC_NETWORK = frozenset({"aiohttp.request", "asyncio.open_connection"})

_SLEEP = "time.sleep"
_SUBPROCESS = kb.SUBPROCESS_RUN | {"os.system"}


def _label(ctx: FileContext, call: ast.Call) -> str:
    name = ctx.qualname(call.func) or au.dotted(call.func) or "call"
    return f"{name}()"


def blocking_network_call(ctx: FileContext, call: ast.Call) -> str | None:
    """The label of a call that blocks its thread on the network (sync HTTP, stdlib
    sockets, sync datastore and cloud clients), else ``None``."""
    if au.is_requests_call(ctx, call):
        return _label(ctx, call)
    qual = ctx.qualname(call.func)
    if qual is not None:
        if qual in _ASYNC_NETWORK:
            return None
        if qual in kb.NETWORK_FUNCTIONS or qual in _CONNECTING_CALLS:
            return f"{qual}()"
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr.startswith("_"):
        return None
    rtype = ctx.type_of(func.value)
    if rtype is None:
        return None
    for types, methods in _SYNC_HTTP_METHODS.items():
        if rtype in types:
            return _label(ctx, call) if func.attr in methods else None
    if rtype in _SYNC_CLIENTS and func.attr not in _LOCAL_METHODS:
        return _label(ctx, call)
    return None


def _blocking_in_async(ctx: FileContext, call: ast.Call) -> tuple[str, str] | None:
    """(label, advice) for a call that must not run on the event loop."""
    qual = ctx.qualname(call.func)
    if qual == _SLEEP:
        if au.number(ctx, call.args[0] if call.args else None) == 0:
            return None  # sleep(0) only yields the GIL
        return "time.sleep()", "use await asyncio.sleep(...)"
    if qual in _SUBPROCESS:
        return (
            f"{qual}()",
            "use asyncio.create_subprocess_exec(...) or await asyncio.to_thread(...)",
        )
    label = blocking_network_call(ctx, call)
    if label is None:
        return None
    return label, "use an async client (httpx.AsyncClient, aiohttp) or a dedicated executor"


# -- RES403 --------------------------------------------------------------------------------


@rule(
    "RES403",
    summary="A blocking network, subprocess or sleep call runs directly inside async def.",
    nodes=(ast.Call,),
)
def blocking_call_in_async(ctx: FileContext, call: ast.Call) -> None:
    """## What it does
    Finds blocking calls made directly in the body of an `async def` (not in a nested
    sync `def` or `lambda`): `requests` calls (module or `requests.Session`), sync `httpx`,
    `urllib3`, `urllib.request.urlopen`, `socket.create_connection` and the other stdlib
    network clients, sync datastore and boto3 clients, `subprocess.run` and friends, and
    `time.sleep`.

    ## Why is this bad?
    An event loop runs one thing at a time. While a blocking call waits on a slow server,
    no other coroutine in the process runs: one slow dependency stalls every request the
    service is handling, and timeouts elsewhere fire for work that never got a turn.

    ## Example
    ```python
    import requests

    async def price(sku):
        return requests.get(f"https://prices/{sku}", timeout=5).json()
    ```

    ## Fix
    ```python
    import httpx

    async def price(client: httpx.AsyncClient, sku):
        return (await client.get(f"https://prices/{sku}", timeout=5)).json()
    ```
    Or move the call to a dedicated, bounded executor. `asyncio.sleep` is fine.
    """
    if not ctx.in_async:
        return
    found = _blocking_in_async(ctx, call)
    if found is None:
        return
    label, advice = found
    function = ctx.function_node
    name = function.name if function is not None else "?"
    ctx.report(
        "RES403",
        call,
        f"{label} blocks inside async def {name}(): while it waits no other task runs, so "
        f"one slow dependency stalls the whole event loop; {advice}",
    )


# -- RES402 --------------------------------------------------------------------------------

_BLOCKING_ATTR = "bulkheads.blocking"
"""FunctionFacts attr: label of the first blocking network call made in the function."""


@dataclass(slots=True)
class _ExecutorSite:
    call: ast.Call
    label: str
    direct: str | None
    """The blocking call itself when it is passed directly (``to_thread(requests.get)``)."""
    callee: str | None
    """The qualified name of a same-module function passed as ``f``."""


@rule(
    "RES402",
    summary="Blocking network I/O is sent to the shared default executor.",
)
class BlockingCallInDefaultExecutor:
    """## What it does
    Finds `loop.run_in_executor(None, f, ...)` and `asyncio.to_thread(f, ...)` where `f`
    makes blocking network I/O: `f` is itself such a call (`requests.get`), or a function
    of the same module (or a `functools.partial` or `lambda` around one) that makes one,
    directly or through other functions of the module.

    ## Why is this bad?
    Both send the work to the loop's default executor, one small thread pool shared by
    everything in the process. When one dependency slows down its calls occupy every
    thread, and unrelated work (DNS lookups, file reads, other dependencies) queues behind
    them: one slow dependency starves the others.

    ## Example
    ```python
    async def report(user):
        return await asyncio.to_thread(fetch_report, user)  # fetch_report uses requests
    ```

    ## Fix
    ```python
    REPORTS_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="reports")

    async def report(user):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(REPORTS_POOL, fetch_report, user)
    ```
    Give each slow dependency its own bounded pool, or use an async client.
    """

    def __init__(self) -> None:
        self.sites: list[_ExecutorSite] = []

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        function = ctx.function
        if function is not None and _BLOCKING_ATTR not in function.attrs:
            label = blocking_network_call(ctx, call)
            if label is not None:
                function.attrs[_BLOCKING_ATTR] = label
        site = _default_executor_site(ctx, call)
        if site is not None:
            self.sites.append(site)

    def end(self, ctx: FileContext) -> None:
        for site in self.sites:
            blocking = site.direct
            through = ""
            if blocking is None and site.callee is not None:
                blocking = _blocking_through(ctx, site.callee)
                through = f"{site.callee.rsplit('.', 1)[-1]}(), which calls "
            ctx.count_site(BULKHEADS, blocking is None)
            if blocking is None:
                continue
            ctx.report(
                "RES402",
                site.call,
                f"{site.label} runs {through}{blocking}, in the default executor shared by "
                f"all work: one slow dependency fills its threads and starves the others; "
                f"pass a dedicated bounded ThreadPoolExecutor to run_in_executor",
            )


def _default_executor_site(ctx: FileContext, call: ast.Call) -> _ExecutorSite | None:
    func = call.func
    target: ast.expr | None
    if isinstance(func, ast.Attribute) and func.attr == "run_in_executor":
        if len(call.args) < 2 or au.has_star_args(call) or not au.is_none(call.args[0]):
            return None
        target, label = call.args[1], "run_in_executor(None, ...)"
    elif ctx.qualname(func) == "asyncio.to_thread":
        if not call.args or isinstance(call.args[0], ast.Starred):
            return None
        target, label = call.args[0], "asyncio.to_thread()"
    else:
        return None
    target = _unwrap_partial(ctx, target)
    if isinstance(target, ast.Lambda):
        body = target.body
        if not isinstance(body, ast.Call):
            return None
        direct = blocking_network_call(ctx, body)
        return _ExecutorSite(call, label, direct, _local_callee(ctx, body.func))
    fake = ast.Call(func=target, args=[], keywords=[])
    direct = blocking_network_call(ctx, fake) if _is_function_ref(target) else None
    return _ExecutorSite(call, label, direct, _local_callee(ctx, target))


def _is_function_ref(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Name | ast.Attribute)


def _unwrap_partial(ctx: FileContext, expr: ast.expr) -> ast.expr:
    if (
        isinstance(expr, ast.Call)
        and ctx.qualname(expr.func) == "functools.partial"
        and expr.args
        and not isinstance(expr.args[0], ast.Starred)
    ):
        return expr.args[0]
    return expr


def _local_callee(ctx: FileContext, expr: ast.expr) -> str | None:
    """The qualified name of a function of this module ``expr`` names."""
    node = local_def(ctx.resolver, ctx.scope, expr)
    if node is None:
        return None
    scope = ctx.resolver.scope(node)
    return scope.qualname if scope is not None else None


def _blocking_through(ctx: FileContext, qualname: str) -> str | None:
    """The first blocking network call made by ``qualname`` or the module functions it
    calls (breadth first, a few levels)."""
    label = first_through(ctx.facts.functions, qualname, _BLOCKING_ATTR)
    return label if isinstance(label, str) else None


# -- shared: local definitions and limiters -------------------------------------------------


def local_def(resolver: Resolver, scope: Scope | None, expr: ast.expr) -> FunctionNode | None:
    """The ``def`` of this module that ``expr`` (``f``, ``self.m``, ``cls.m``) names."""
    if isinstance(expr, ast.Name):
        binding = resolver.lookup(expr.id, scope)
        if binding is not None and binding.kind == "def":
            node = binding.node
            return node if isinstance(node, FunctionNode) else None
        return None
    if (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id in ("self", "cls")
    ):
        cls_scope = resolver.enclosing_class(scope)
        if cls_scope is None:
            return None
        binding = cls_scope.names.get(expr.attr)
        if binding is not None and binding.kind == "def" and not binding.ambiguous:
            node = binding.node
            return node if isinstance(node, FunctionNode) else None
    return None


LIMITER_TYPES = frozenset(
    {
        "asyncio.Semaphore",
        "asyncio.BoundedSemaphore",
        "asyncio.locks.Semaphore",
        "asyncio.locks.BoundedSemaphore",
        "asyncio.Lock",
        "threading.Semaphore",
        "threading.BoundedSemaphore",
        "threading.Lock",
        "threading.RLock",
        "anyio.Semaphore",
        "anyio.CapacityLimiter",
        "anyio.Lock",
        "aiolimiter.AsyncLimiter",
        "trio.Semaphore",
        "trio.CapacityLimiter",
    }
)


def _limiter_like_name(name: str) -> bool:
    lowered = name.lower()
    return (
        "sem" in lowered
        or "limit" in lowered
        or "throttl" in lowered
        or "bulkhead" in lowered
        or lowered.endswith(("lock", "mutex"))
    )


def is_limiter(resolver: Resolver, scope: Scope | None, expr: ast.expr) -> bool:
    """A semaphore, capacity limiter or lock: by its constructor when known, else by a
    name that says so (``sem``, ``self._limiter``, a parameter ``semaphore``)."""
    rtype = resolver.type_of(expr, scope)
    if rtype is not None:
        return rtype in LIMITER_TYPES
    text = au.dotted(expr)
    return text is not None and _limiter_like_name(text.rsplit(".", 1)[-1])


def _walk_no_defs(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    return au.walk_local(stmts, enter_lambdas=True)


def _acquires_limiter(resolver: Resolver, scope: Scope | None, body: list[ast.stmt]) -> bool:
    for node in _walk_no_defs(body):
        if isinstance(node, ast.With | ast.AsyncWith):
            if any(is_limiter(resolver, scope, item.context_expr) for item in node.items):
                return True
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "acquire"
            and is_limiter(resolver, scope, node.func.value)
        ):
            return True
    return False


def function_is_guarded(resolver: Resolver, node: FunctionNode, depth: int = 0) -> bool:
    """The function acquires a limiter, itself or in a function of this module it calls
    (two levels)."""
    scope = resolver.scope(node)
    if _acquires_limiter(resolver, scope, node.body):
        return True
    if depth >= 2:
        return False
    for inner in _walk_no_defs(node.body):
        if isinstance(inner, ast.Call):
            callee = local_def(resolver, scope, inner.func)
            if (
                callee is not None
                and callee is not node
                and function_is_guarded(resolver, callee, depth + 1)
            ):
                return True
    return False


# -- RES401 --------------------------------------------------------------------------------

_TASK_SPAWNERS = frozenset(
    {"asyncio.create_task", "asyncio.ensure_future", "asyncio.tasks.create_task"}
)
_TASK_RECEIVERS = frozenset(
    {
        "asyncio.TaskGroup",
        "asyncio.taskgroups.TaskGroup",
        "asyncio.get_event_loop",
        "asyncio.get_running_loop",
        "asyncio.new_event_loop",
    }
)
_COROUTINE_WRAPPERS = frozenset({"asyncio.wait_for", "asyncio.shield", *_TASK_SPAWNERS})
_DRAINS = frozenset({"asyncio.wait", "asyncio.gather", "asyncio.as_completed", "asyncio.wait_for"})
_FAN_OUT_NAMES = frozenset({"gather", "Thread", "create_task", "ensure_future"})
_BOUNDED_WRAPPERS = frozenset({"enumerate", "reversed", "sorted", "list", "tuple", "set", "iter"})


@rule(
    "RES401",
    summary="Work fans out over an input of unknown size with no concurrency limit.",
    nodes=(ast.Call,),
)
def unbounded_fan_out(ctx: FileContext, call: ast.Call) -> None:
    """## What it does
    Finds `asyncio.gather(*(f(x) for x in xs))` / `gather(*[f(x) for x in xs])`,
    `asyncio.create_task` / `TaskGroup.create_task` / `loop.create_task` in a loop, and
    `threading.Thread(...).start()` in a loop, where the loop or comprehension runs over an
    input of unknown size (not a literal, not `range(<constant>)`, not a name bound once to
    a literal), and nothing bounds the concurrency: no `asyncio.Semaphore` /
    `BoundedSemaphore` (or lock, `anyio.CapacityLimiter`) acquired in the function that is
    started or around the call, no executor, no draining of the tasks inside the loop.
    Callees this module cannot see are not reported.

    ## Why is this bad?
    The number of concurrent calls equals the size of the input. A batch of 10,000 items
    opens 10,000 connections at once: the dependency is overwhelmed, the client's pool and
    file descriptors run out, and every other caller of that dependency fails with it.

    ## Example
    ```python
    async def refresh(urls):
        return await asyncio.gather(*(fetch(u) for u in urls))
    ```

    ## Fix
    ```python
    LIMIT = asyncio.Semaphore(20)

    async def fetch_bounded(u):
        async with LIMIT:
            return await fetch(u)

    async def refresh(urls):
        return await asyncio.gather(*(fetch_bounded(u) for u in urls))
    ```
    """
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr not in _FAN_OUT_NAMES:
        return  # cheap filter: aliases bind names, attributes keep theirs
    qual = ctx.qualname(func)
    if qual == "asyncio.gather":
        _check_gather(ctx, call)
    elif qual == "threading.Thread":
        _check_thread(ctx, call)
    elif _is_task_spawn(ctx, call, qual):
        _check_spawn(ctx, call)


def _is_task_spawn(ctx: FileContext, call: ast.Call, qual: str | None) -> bool:
    if qual in _TASK_SPAWNERS:
        return True
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "create_task"
        and ctx.type_of(func.value) in _TASK_RECEIVERS
    )


def _function_ancestors(ctx: FileContext) -> list[ast.AST]:
    """The enclosing nodes inside the innermost def (outermost first)."""
    out: list[ast.AST] = []
    for node in reversed(ctx.ancestors):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            break
        out.append(node)
    out.reverse()
    return out


def _loop_targets(nodes: list[ast.AST]) -> set[str]:
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, _LOOPS):
            names.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
    return names


def bounded_iterable(
    ctx: FileContext, expr: ast.expr, batches: AbstractSet[str] = frozenset()
) -> bool:
    """An iterable of known, constant size: a literal, ``range(<const>)``, a name bound
    once to a literal, a constant slice, or a batch (the target of an enclosing loop)."""
    if isinstance(expr, ast.List | ast.Tuple | ast.Set | ast.Dict):
        return True
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str | bytes)
    if isinstance(expr, ast.Name):
        if expr.id in batches:
            return True
        value = ctx.value_of(expr.id)
        return isinstance(value, ast.List | ast.Tuple | ast.Set | ast.Dict)
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Slice):
        upper = expr.slice.upper
        return upper is not None and au.number(ctx, upper) is not None
    if isinstance(expr, ast.Call) and not au.has_star_args(expr):
        return _bounded_call(ctx, expr, batches)
    return False


def _builtin_name(ctx: FileContext, func: ast.expr) -> str | None:
    if isinstance(func, ast.Name) and ctx.resolver.lookup(func.id, ctx.scope) is None:
        return func.id
    return None


def _bounded_call(ctx: FileContext, call: ast.Call, batches: AbstractSet[str]) -> bool:
    name = _builtin_name(ctx, call.func) or ctx.qualname(call.func)
    args = call.args
    if name == "range":
        return bool(args) and all(au.number(ctx, a) is not None for a in args)
    if name in _BOUNDED_WRAPPERS:
        return bool(args) and bounded_iterable(ctx, args[0], batches)
    if name == "zip":
        return any(bounded_iterable(ctx, a, batches) for a in args)
    if name == "itertools.islice":
        return len(args) >= 2 and au.number(ctx, args[-1 if len(args) <= 3 else 2]) is not None
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("items", "keys", "values") and not args:
        return bounded_iterable(ctx, func.value, batches)
    return False


def _callee_status(ctx: FileContext, coro: ast.expr) -> str:
    """``guarded``, ``unguarded`` or ``unknown`` for the coroutine (or thread target)
    a fan-out starts."""
    if not isinstance(coro, ast.Call):
        return "unknown"
    qual = ctx.qualname(coro.func)
    if qual in _COROUTINE_WRAPPERS and coro.args:
        return _callee_status(ctx, coro.args[0])
    func = coro.func
    if qual == "asyncio.to_thread" or (
        isinstance(func, ast.Attribute) and func.attr == "run_in_executor"
    ):
        return "guarded"  # an executor has a fixed number of workers
    node = local_def(ctx.resolver, ctx.scope, func)
    if node is not None:
        return _local_status(ctx, node)
    if au.is_external_call(ctx, coro):
        return "unguarded"
    return "unknown"


def _local_status(ctx: FileContext, node: FunctionNode) -> str:
    """A long-running worker (its body loops with ``while``) started once per configured
    item is a fixed pool, the bulkhead itself; a per-item job must hold a limiter."""
    if any(isinstance(n, ast.While) for n in _walk_no_defs(node.body)):
        return "guarded"
    return "guarded" if function_is_guarded(ctx.resolver, node) else "unguarded"


def _callee_name(ctx: FileContext, coro: ast.expr) -> str:
    if isinstance(coro, ast.Call):
        qual = ctx.qualname(coro.func)
        if qual in _COROUTINE_WRAPPERS and coro.args:
            return _callee_name(ctx, coro.args[0])
        return f"{au.dotted(coro.func) or 'call'}()"
    return "a task"


def _guarded_around(ctx: FileContext, enclosing: list[ast.AST]) -> bool:
    """A limiter held around the call (``async with sem:``) or acquired earlier in the
    innermost loop's body."""
    for node in enclosing:
        if isinstance(node, ast.With | ast.AsyncWith) and any(
            is_limiter(ctx.resolver, ctx.scope, item.context_expr) for item in node.items
        ):
            return True
    loops = [n for n in enclosing if isinstance(n, _LOOPS)]
    return bool(loops) and _acquires_limiter(ctx.resolver, ctx.scope, loops[-1].body)


def _comprehension(ctx: FileContext, expr: ast.expr) -> ast.GeneratorExp | ast.ListComp | None:
    if isinstance(expr, ast.Name):
        value = ctx.value_of(expr.id)
        expr = value if value is not None else expr
    return expr if isinstance(expr, ast.GeneratorExp | ast.ListComp) else None


def _check_gather(ctx: FileContext, call: ast.Call) -> None:
    enclosing = _function_ancestors(ctx)
    batches = _loop_targets(enclosing)
    for arg in call.args:
        if not isinstance(arg, ast.Starred):
            continue
        comp = _comprehension(ctx, arg.value)
        if comp is None:
            continue
        own = {n.id for g in comp.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        unbounded = [
            g.iter for g in comp.generators if not bounded_iterable(ctx, g.iter, batches | own)
        ]
        status = "bounded" if not unbounded else _callee_status(ctx, comp.elt)
        if status == "unguarded" and _guarded_around(ctx, enclosing):
            status = "guarded"
        ctx.count_site(BULKHEADS, status != "unguarded")
        if status != "unguarded":
            continue
        source = au.dotted(unbounded[0]) or "its input"
        ctx.report(
            "RES401",
            call,
            f"asyncio.gather() starts one {_callee_name(ctx, comp.elt)} per item of {source} "
            f"at once, with no limit: a large input floods the dependency and exhausts "
            f"connections; acquire an asyncio.Semaphore in the callee or use a fixed pool of "
            f"workers",
        )
        return


def _unbounded_loop(
    ctx: FileContext, enclosing: list[ast.AST], drained: set[str], is_thread: bool
) -> ast.For | ast.AsyncFor | None:
    """The enclosing loop that repeats the call an unknown number of times without waiting
    for what it started; ``None`` when every enclosing loop is bounded or drains."""
    loops = [n for n in enclosing if isinstance(n, _LOOPS)]
    for index, loop in enumerate(loops):
        outer_targets = _loop_targets(list(loops[:index]))
        if bounded_iterable(ctx, loop.iter, outer_targets):
            continue
        if _drains(ctx, loop.body, drained, is_thread):
            continue
        return loop
    return None


def _drains(ctx: FileContext, body: list[ast.stmt], names: set[str], is_thread: bool) -> bool:
    """The loop body waits for what it started: ``await asyncio.wait(...)``/``gather``,
    ``await task``, or ``t.join()`` for threads."""
    for node in _walk_no_defs(body):
        if isinstance(node, ast.Await):
            value = node.value
            if isinstance(value, ast.Name) and value.id in names:
                return True
            if isinstance(value, ast.Call) and ctx.qualname(value.func) in _DRAINS:
                return True
        elif (
            is_thread
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "join"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in names
        ):
            return True
    return False


def _assigned_name(ctx: FileContext) -> str | None:
    parent = ctx.parent
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        target = parent.targets[0]
        if isinstance(target, ast.Name):
            return target.id
    if isinstance(parent, ast.AnnAssign | ast.NamedExpr) and isinstance(parent.target, ast.Name):
        return parent.target.id
    return None


def _check_spawn(ctx: FileContext, call: ast.Call) -> None:
    if not call.args or isinstance(call.args[0], ast.Starred):
        return
    enclosing = _function_ancestors(ctx)
    name = _assigned_name(ctx)
    loop = _unbounded_loop(ctx, enclosing, {name} if name else set(), is_thread=False)
    if loop is None:
        return
    status = _callee_status(ctx, call.args[0])
    if status == "unguarded" and _guarded_around(ctx, enclosing):
        status = "guarded"
    ctx.count_site(BULKHEADS, status != "unguarded")
    if status != "unguarded":
        return
    spawn = f"{ctx.qualname(call.func) or au.dotted(call.func) or 'create_task'}()"
    source = au.dotted(loop.iter) or "its input"
    ctx.report(
        "RES401",
        call,
        f"{spawn} starts one {_callee_name(ctx, call.args[0])} per item of {source} with no "
        f"limit: a large input floods the dependency and exhausts connections; acquire an "
        f"asyncio.Semaphore in the task or use a fixed pool of workers",
    )


def _check_thread(ctx: FileContext, call: ast.Call) -> None:
    parent = ctx.parent
    started_inline = (
        isinstance(parent, ast.Attribute)
        and parent.attr == "start"
        and len(ctx.ancestors) >= 2
        and isinstance(ctx.ancestors[-2], ast.Call)
    )
    name = _assigned_name(ctx)
    enclosing = _function_ancestors(ctx)
    loops = [n for n in enclosing if isinstance(n, _LOOPS)]
    if not loops:
        return
    if not started_inline and not (name and _starts(loops[-1].body, name)):
        return
    loop = _unbounded_loop(ctx, enclosing, {name} if name else set(), is_thread=True)
    if loop is None:
        return
    target = au.argument(call, "target", 1)
    if target is None or au.has_kwargs(call):
        return
    status = _thread_target_status(ctx, target)
    if status == "unguarded" and _guarded_around(ctx, enclosing):
        status = "guarded"
    ctx.count_site(BULKHEADS, status != "unguarded")
    if status != "unguarded":
        return
    source = au.dotted(loop.iter) or "its input"
    ctx.report(
        "RES401",
        call,
        f"threading.Thread(target={au.dotted(target)}) is started once per item of {source} "
        f"with no limit: a large input starts as many threads and floods the dependency; use "
        f"a ThreadPoolExecutor(max_workers=n) or a threading.BoundedSemaphore",
    )


def _starts(body: list[ast.stmt], name: str) -> bool:
    for node in _walk_no_defs(body):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "start"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
        ):
            return True
    return False


def _thread_target_status(ctx: FileContext, target: ast.expr) -> str:
    node = local_def(ctx.resolver, ctx.scope, target)
    if node is not None:
        return _local_status(ctx, node)
    fake = ast.Call(func=target, args=[], keywords=[])
    if _is_function_ref(target) and blocking_network_call(ctx, fake) is not None:
        return "unguarded"
    return "unknown"


__all__ = [
    "BULKHEADS",
    "LIMITER_TYPES",
    "blocking_network_call",
    "bounded_iterable",
    "function_is_guarded",
    "is_limiter",
    "local_def",
]
