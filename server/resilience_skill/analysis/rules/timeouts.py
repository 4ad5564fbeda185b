"""RES1xx: every external call has a timeout ("All external calls have timeouts").

Each rule counts the external calls it examines (``ctx.count_site``; ok = a finite timeout),
and the target sets are disjoint, so the scorecard counts every call once: RES101 counts
requests/urllib3 calls, RES103 stdlib clients, RES104 subprocesses, RES105 datastore
constructors, RES106 gRPC stub calls, RES107 waits, and RES102 every other external call
(httpx, aiohttp, boto3, methods of datastore clients: finite library defaults).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis import knowledge as kb
from resilience_skill.analysis.edits import in_fstring, insert_keyword
from resilience_skill.analysis.engine import FileContext
from resilience_skill.analysis.model import Applicability, Fix
from resilience_skill.analysis.registry import checklist_item_for, rule
from resilience_skill.analysis.requirements import redis_pinned_below_8

TIMEOUTS = checklist_item_for("RES101")


# -- shared helpers ------------------------------------------------------------------------


def default_timeout_parts(ctx: FileContext) -> tuple[float, float]:
    """(connect, read) seconds of the configured ``default-timeout``."""
    try:
        value = ast.literal_eval(ctx.config.default_timeout)
    except (ValueError, SyntaxError):
        return 3.05, 30.0
    if isinstance(value, tuple) and value and all(isinstance(v, int | float) for v in value):
        return float(value[0]), float(value[-1])
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), float(value)
    return 3.05, 30.0


def fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def read_timeout(ctx: FileContext) -> str:
    """One number for APIs that take a single timeout: the configured read timeout."""
    return fmt_seconds(default_timeout_parts(ctx)[1])


def timeout_fix(
    ctx: FileContext, call: ast.Call, keyword: str = "timeout", value: str | None = None
) -> Fix | None:
    """Insert ``keyword=<value>`` (default: the configured default timeout); unsafe: the
    call may now time out."""
    if in_fstring(ctx.ancestors):
        return None
    value = ctx.config.default_timeout if value is None else value
    edit = insert_keyword(ctx.source, call, keyword, value)
    if edit is None:
        return None
    return Fix(Applicability.UNSAFE, f"Add {keyword}={value}", (edit,))


def call_label(ctx: FileContext, call: ast.Call) -> str:
    """How a message names the call: ``requests.get()``, ``session.post()``."""
    text = au.dotted(call.func)
    qual = ctx.qualname(call.func)
    if text is None and isinstance(call.func, ast.Attribute):
        text = f"....{call.func.attr}"
    return f"{qual or text or 'call'}()"


def _disabled(expr: ast.expr | None) -> bool:
    """``None``, or a ``(connect, None)`` tuple: the (read) timeout is off."""
    if au.is_none(expr):
        return True
    return isinstance(expr, ast.Tuple) and any(au.is_none(e) for e in expr.elts)


def _is_str(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and isinstance(expr.value, str)


# -- RES101 ---------------------------------------------------------------------------------


def _is_urllib3_request(ctx: FileContext, call: ast.Call) -> bool:
    qual = ctx.qualname(call.func)
    if qual == "urllib3.request":
        return True
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in ("request", "urlopen", "request_encode_url", "request_encode_body")
        and au.receiver_type(ctx, call) in kb.URLLIB3_POOL_TYPES
    )


def is_http_target(ctx: FileContext, call: ast.Call) -> bool:
    """A call RES101 examines: requests verbs (module or Session) and urllib3 requests."""
    return au.is_requests_call(ctx, call) or _is_urllib3_request(ctx, call)


@rule(
    "RES101",
    summary="An HTTP call with requests or urllib3 has no timeout and can wait forever.",
    nodes=(ast.Call,),
    triggers=("requests", "urllib3"),
)
def http_call_without_timeout(ctx: FileContext, call: ast.Call) -> None:
    """## What it does
    Finds `requests` calls (`get`, `post`, `put`, `patch`, `delete`, `head`, `options`,
    `request`) on the module or on a `requests.Session` (however it is bound: a variable,
    `with Session() as s`, `self.session`, an annotation), and `urllib3.request` /
    `PoolManager().request`, that pass no `timeout`.

    ## Why is this bad?
    requests and urllib3 wait forever by default. One server that accepts the connection
    and never answers holds the calling thread, then the pool, then the service.
    A `Session` has no timeout setting of its own: `session.timeout = 5` does nothing.

    ## Example
    ```python
    import requests

    def fetch(url):
        return requests.get(url).json()
    ```

    ## Fix
    ```python
    import requests

    def fetch(url):
        return requests.get(url, timeout=(3.05, 30)).json()
    ```
    `resilience fix --unsafe-fixes` inserts `timeout=` with the configured
    `default-timeout`. Calls passing `**kwargs` are not reported: the timeout may be in them.
    httpx (5 s) and aiohttp (300 s) have finite defaults and are not reported here.
    """
    if not is_http_target(ctx, call):
        return
    has_timeout = au.may_pass(call, "timeout")
    ctx.count_site(TIMEOUTS, has_timeout and not _disabled(au.argument(call, "timeout")))
    if has_timeout:
        return
    ctx.report(
        "RES101",
        call,
        f"{call_label(ctx, call)} has no timeout: a slow server hangs this worker forever; "
        f"pass timeout=(connect, read), e.g. timeout={ctx.config.default_timeout}",
        fix=timeout_fix(ctx, call),
    )


# -- RES103 ---------------------------------------------------------------------------------

# Position of the timeout parameter; for the SSL variants, whose positional parameters
# changed across Python versions, more positional arguments than this are "unknown".
_STDLIB_TIMEOUT_POSITION = {
    "urllib.request.urlopen": 2,
    "http.client.HTTPConnection": 2,
    "http.client.HTTPSConnection": 2,
    "socket.create_connection": 1,
    "smtplib.SMTP": 3,
    "smtplib.SMTP_SSL": 3,
    "smtplib.LMTP": 3,
    "ftplib.FTP": 4,
    "ftplib.FTP_TLS": 4,
    "poplib.POP3": 2,
    "poplib.POP3_SSL": 2,
    "imaplib.IMAP4": 2,
    "imaplib.IMAP4_SSL": 2,
}


def stdlib_target(ctx: FileContext, call: ast.Call) -> str | None:
    qual = ctx.qualname(call.func)
    return qual if qual in _STDLIB_TIMEOUT_POSITION else None


@dataclass
class _Pending:
    call: ast.Call
    qual: str
    fix: Fix | None
    ok: bool


@rule(
    "RES103",
    summary="A standard-library network client is created without a timeout.",
)
class StdlibNetworkWithoutTimeout:
    """## What it does
    Finds `urllib.request.urlopen`, `http.client.HTTPConnection` / `HTTPSConnection`,
    `socket.create_connection`, `smtplib.SMTP` / `SMTP_SSL`, `ftplib.FTP`, `poplib.POP3` and
    `imaplib.IMAP4` / `IMAP4_SSL` called without a timeout (keyword or positional), unless the
    module calls `socket.setdefaulttimeout(<number>)`. `ftplib.FTP()` with no host is not
    reported: it connects later, and `connect()` takes the timeout.

    ## Why is this bad?
    These clients use the socket default timeout, which is `None` (block forever) unless
    `socket.setdefaulttimeout` was called: a server that stops answering blocks the thread.

    ## Example
    ```python
    from urllib.request import urlopen

    body = urlopen("https://example.com/feed").read()
    ```

    ## Fix
    ```python
    body = urlopen("https://example.com/feed", timeout=30).read()
    ```
    """

    def __init__(self) -> None:
        self.pending: list[_Pending] = []
        self.default_set = False

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        qual = ctx.qualname(call.func)
        if qual == "socket.setdefaulttimeout":
            arg = au.argument(call, "timeout", 0)
            # A number, or a value we cannot know, covers the module; None does not.
            if arg is not None and not au.is_none(arg):
                self.default_set = True
            return
        if qual not in _STDLIB_TIMEOUT_POSITION:
            return
        if qual in ("ftplib.FTP", "ftplib.FTP_TLS") and au.argument(call, "host", 0) is None:
            return
        position = _STDLIB_TIMEOUT_POSITION[qual]
        passed = au.may_pass(call, "timeout", position)
        ok = passed and not au.is_none(au.argument(call, "timeout", position))
        fix = None if passed else timeout_fix(ctx, call, value=read_timeout(ctx))
        self.pending.append(_Pending(call, qual, fix, ok if passed else False))

    def end(self, ctx: FileContext) -> None:
        for item in self.pending:
            ctx.count_site(TIMEOUTS, item.ok or self.default_set)
            if (
                item.ok
                or self.default_set
                or au.may_pass(item.call, "timeout", _STDLIB_TIMEOUT_POSITION[item.qual])
            ):
                continue
            ctx.report(
                "RES103",
                item.call,
                f"{item.qual}() has no timeout and the socket default is None: a server that "
                f"stops answering blocks this thread forever; pass timeout=<seconds> "
                f"(or call socket.setdefaulttimeout() at start-up)",
                fix=item.fix,
            )


# -- RES104 ---------------------------------------------------------------------------------

_POPEN_TYPES = frozenset({"subprocess.Popen"})
_POPEN_WAITS = {"communicate": 1, "wait": 0}


def subprocess_target(ctx: FileContext, call: ast.Call) -> int | None:
    """The timeout position of a subprocess call RES104 examines (-1: keyword only)."""
    qual = ctx.qualname(call.func)
    if qual in kb.SUBPROCESS_RUN:
        return -1
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr in _POPEN_WAITS
        and ctx.type_of(func.value) in _POPEN_TYPES
    ):
        return _POPEN_WAITS[func.attr]
    return None


@rule(
    "RES104",
    summary="A subprocess is run or waited on without a timeout.",
    nodes=(ast.Call,),
)
def subprocess_without_timeout(ctx: FileContext, call: ast.Call) -> None:
    """## What it does
    Finds `subprocess.run`, `call`, `check_call` and `check_output` without `timeout=`, and
    `.communicate()` / `.wait()` without a timeout on a name bound to `subprocess.Popen(...)`.

    ## Why is this bad?
    A child process that hangs (a network tool waiting on a dead host, a prompt waiting for
    input) blocks the caller forever; the worker never comes back.

    ## Example
    ```python
    subprocess.run(["git", "fetch"], check=True)
    ```

    ## Fix
    ```python
    subprocess.run(["git", "fetch"], check=True, timeout=30)
    ```
    `resilience fix --unsafe-fixes` inserts `timeout=` in the `run` family; `communicate()`
    and `wait()` need a decision about killing the child, so they get no automatic fix.
    """
    position = subprocess_target(ctx, call)
    if position is None:
        return
    passed = au.may_pass(call, "timeout", None if position < 0 else position)
    value = au.argument(call, "timeout", None if position < 0 else position)
    ctx.count_site(TIMEOUTS, passed and not au.is_none(value))
    if passed:
        return
    label = call_label(ctx, call)
    fix = timeout_fix(ctx, call, value=read_timeout(ctx)) if position < 0 else None
    ctx.report(
        "RES104",
        call,
        f"{label} has no timeout: a child process that hangs blocks this worker forever; "
        f"pass timeout=<seconds>",
        fix=fix,
    )


# -- RES105 ---------------------------------------------------------------------------------

_PG_CONNECT = {
    "psycopg2.connect": "connect_timeout",
    "psycopg.connect": "connect_timeout",
    "psycopg.Connection.connect": "connect_timeout",
    "psycopg.AsyncConnection.connect": "connect_timeout",
    "asyncpg.connect": "timeout",
}
_MONGO = frozenset({"pymongo.MongoClient", "pymongo.mongo_client.MongoClient"})
_REDIS = frozenset(
    {
        "redis.Redis",
        "redis.StrictRedis",
        "redis.client.Redis",
        "redis.asyncio.Redis",
        "redis.asyncio.StrictRedis",
    }
)
_REDIS_FROM_URL = frozenset(
    {
        "redis.from_url",
        "redis.Redis.from_url",
        "redis.StrictRedis.from_url",
        "redis.asyncio.from_url",
        "redis.asyncio.Redis.from_url",
    }
)
_PIKA_PARAMS = frozenset({"pika.ConnectionParameters", "pika.URLParameters"})

DATASTORE_TARGETS = frozenset(_PG_CONNECT) | _MONGO | _REDIS | _REDIS_FROM_URL | _PIKA_PARAMS


@dataclass(frozen=True)
class _Check:
    """What RES105 concluded: ``missing`` (report), else ok or unknown."""

    missing: bool
    ok: bool
    keyword: str = ""
    value: str = ""
    client: str = ""


def _option_in_literal(expr: ast.expr | None, *options: str) -> bool | None:
    """Whether a literal DSN/URI sets one of ``options``; None when it is not a literal."""
    if not _is_str(expr):
        return None
    assert isinstance(expr, ast.Constant)
    text = str(expr.value).lower()
    return any(f"{opt.lower()}=" in text for opt in options)


def _keyword_ci(call: ast.Call, *names: str) -> bool:
    wanted = {n.lower() for n in names}
    return any(kw.arg is not None and kw.arg.lower() in wanted for kw in call.keywords)


def _check_datastore(ctx: FileContext, call: ast.Call, qual: str) -> _Check | None:
    connect, read = default_timeout_parts(ctx)
    if au.has_kwargs(call):
        return _Check(False, True)
    if qual in _PG_CONNECT:
        keyword = _PG_CONNECT[qual]
        if au.keyword(call, "connect_timeout") or au.keyword(call, "timeout"):
            return _Check(False, True)
        dsn = au.argument(call, "conninfo" if qual.startswith("psycopg.") else "dsn", 0)
        if dsn is not None:
            found = _option_in_literal(dsn, "connect_timeout")
            if found is None or found:
                return _Check(False, True)
        # libpq's connect_timeout is whole seconds (and at least 2).
        value = str(max(2, math.ceil(connect))) if keyword == "connect_timeout" else None
        return _Check(True, False, keyword, value or fmt_seconds(connect), qual)
    if qual in _MONGO:
        if _keyword_ci(call, "socketTimeoutMS", "timeoutMS"):
            return _Check(False, True)
        host = au.argument(call, "host", 0)
        if host is not None:
            found = _option_in_literal(host, "socketTimeoutMS", "timeoutMS")
            if found is None or found:
                return _Check(False, True)
        return _Check(True, False, "socketTimeoutMS", str(int(read * 1000)), qual)
    if qual in _REDIS or qual in _REDIS_FROM_URL:
        if au.keyword(call, "connection_pool"):
            return _Check(False, True)
        if qual in _REDIS_FROM_URL:
            if au.keyword(call, "socket_timeout"):
                return _Check(False, True)
            found = _option_in_literal(au.argument(call, "url", 0), "socket_timeout")
            if found is None or found:
                return _Check(False, True)
        elif au.may_pass(call, "socket_timeout", 4):
            return _Check(False, True)
        if not redis_pinned_below_8(ctx.disk_path):
            return _Check(False, True)  # redis-py 8 defaults to 5 s
        return _Check(True, False, "socket_timeout", fmt_seconds(read), qual)
    if qual == "pika.URLParameters":
        if au.keyword(call, "blocked_connection_timeout"):
            return _Check(False, True)
        found = _option_in_literal(au.argument(call, "url", 0), "blocked_connection_timeout")
        if found is None or found:
            return _Check(False, True)
        return _Check(True, False, "", "", qual)
    if qual == "pika.ConnectionParameters":
        if au.may_pass(call, "blocked_connection_timeout", 13):
            return _Check(False, True)
        return _Check(True, False, "blocked_connection_timeout", fmt_seconds(read), qual)
    return None


_CONSEQUENCE = {
    "pika.ConnectionParameters": "a broker that blocks publishers (memory or disk alarm) "
    "hangs this connection forever",
    "socketTimeoutMS": "pymongo has no socket timeout by default: a server that stops "
    "answering blocks every query forever",
    "socket_timeout": "the project pins redis < 8, which has no socket timeout: a stalled "
    "server blocks every command forever",
    "psycopg2.connect": "libpq waits forever for an unreachable database",
    "psycopg": "an unreachable database holds the connect for 130 s",
    "asyncpg.connect": "an unreachable database holds the connect for 60 s",
}


def _consequence(qual: str, keyword: str) -> str:
    if keyword in _CONSEQUENCE:
        return _CONSEQUENCE[keyword]
    if qual.startswith("psycopg."):
        return _CONSEQUENCE["psycopg"]
    return _CONSEQUENCE.get(qual, "a stalled server blocks this client forever")


@rule(
    "RES105",
    summary="A database or broker client is created without a timeout.",
    nodes=(ast.Call,),
)
def datastore_client_without_timeout(ctx: FileContext, call: ast.Call) -> None:
    """## What it does
    Finds `psycopg2.connect` / `psycopg.connect` / `asyncpg.connect` without
    `connect_timeout` / `timeout` (a literal DSN setting `connect_timeout` counts),
    `pymongo.MongoClient` without `socketTimeoutMS` / `timeoutMS` (keyword or literal URI
    option), `redis.Redis` / `StrictRedis` / `from_url` without `socket_timeout` when the
    project pins redis < 8, and `pika.ConnectionParameters` / `URLParameters` without
    `blocked_connection_timeout`. A DSN or URI held in a variable is unknown: no finding.

    ## Why is this bad?
    libpq waits forever to connect, pymongo has no socket timeout, redis-py before 8.0 has
    none, and pika waits forever while the broker blocks publishers: one stalled server
    holds every worker that touches it.

    ## Example
    ```python
    conn = psycopg2.connect(host="db", dbname="app")
    ```

    ## Fix
    ```python
    conn = psycopg2.connect(host="db", dbname="app", connect_timeout=4)
    ```
    The redis pin is read from the nearest `pyproject.toml`, `requirements*.txt`,
    `setup.cfg` or `setup.py` above the file; with none, redis is taken to be >= 8 (5 s
    default).
    """
    qual = ctx.qualname(call.func)
    if qual not in DATASTORE_TARGETS:
        return
    check = _check_datastore(ctx, call, qual)
    if check is None:
        return
    ctx.count_site(TIMEOUTS, check.ok)
    if not check.missing:
        return
    if qual == "pika.URLParameters":
        ctx.report(
            "RES105",
            call,
            f"{qual}() sets no blocked_connection_timeout: a broker that blocks publishers "
            f"(memory or disk alarm) hangs this connection forever; add "
            f"blocked_connection_timeout=<seconds> to the URL's query",
        )
        return
    ctx.report(
        "RES105",
        call,
        f"{qual}() has no {check.keyword}: {_consequence(qual, check.keyword)}; "
        f"pass {check.keyword}={check.value}",
        fix=timeout_fix(ctx, call, check.keyword, check.value),
    )


# -- RES106 ---------------------------------------------------------------------------------


def grpc_target(ctx: FileContext, call: ast.Call) -> bool:
    """A method call on a gRPC stub, or its ``.future()`` / ``.with_call()``."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr.startswith("_"):
        return False
    receiver = func.value
    if au.is_grpc_stub(ctx, receiver):
        return True
    return (
        func.attr in ("future", "with_call")
        and isinstance(receiver, ast.Attribute)
        and au.is_grpc_stub(ctx, receiver.value)
    )


@rule(
    "RES106",
    summary="A gRPC stub call has no deadline.",
    nodes=(ast.Call,),
)
def grpc_call_without_deadline(ctx: FileContext, call: ast.Call) -> None:
    """## What it does
    Finds calls on a `<Name>Stub(channel)` (channel from `grpc.*_channel` or
    `grpc.aio.*_channel`), and their `.future()` / `.with_call()`, without `timeout=`.

    ## Why is this bad?
    gRPC calls have no deadline by default: a server that never answers holds the call, its
    thread and its HTTP/2 stream forever, and the deadline is not propagated downstream.

    ## Example
    ```python
    reply = stub.GetUser(GetUserRequest(id=user_id))
    ```

    ## Fix
    ```python
    reply = stub.GetUser(GetUserRequest(id=user_id), timeout=30)
    ```
    """
    if not grpc_target(ctx, call):
        return
    passed = au.may_pass(call, "timeout", 1)
    ctx.count_site(TIMEOUTS, passed and not au.is_none(au.argument(call, "timeout", 1)))
    if passed:
        return
    ctx.report(
        "RES106",
        call,
        f"{call_label(ctx, call)} has no deadline: a server that never answers holds this "
        f"call and its thread forever; pass timeout=<seconds>",
        fix=timeout_fix(ctx, call, value=read_timeout(ctx)),
    )


# -- RES107 ---------------------------------------------------------------------------------

_EXECUTORS = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
    }
)
_FUTURE_WAITS = frozenset({"concurrent.futures.wait", "concurrent.futures.as_completed"})
_CELERY_RESULTS = frozenset({"celery.result.AsyncResult", "celery.AsyncResult"})
_OPEN_CONNECTION = frozenset({"asyncio.open_connection", "asyncio.open_unix_connection"})
_READS = frozenset({"read", "readline", "readexactly", "readuntil"})
TIMEOUT_SCOPES = frozenset(
    {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "async_timeout.timeout",
        "async_timeout.timeout_at",
        "anyio.fail_after",
        "anyio.move_on_after",
        "anyio.fail_at",
        "anyio.move_on_at",
        "trio.fail_after",
        "trio.move_on_after",
        "trio.fail_at",
        "trio.move_on_at",
    }
)


def _bound_value(ctx: FileContext, expr: ast.expr) -> ast.expr | None:
    if isinstance(expr, ast.Name):
        return ctx.value_of(expr.id)
    return expr


def _is_executor_future(ctx: FileContext, expr: ast.expr) -> bool:
    value = _bound_value(ctx, expr)
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "submit"
        and ctx.type_of(value.func.value) in _EXECUTORS
    )


def _is_celery_task(ctx: FileContext, expr: ast.expr) -> bool:
    if not isinstance(expr, ast.Name):
        return False
    binding = ctx.resolver.lookup(expr.id, ctx.scope)
    node = binding.node if binding is not None and binding.kind == "def" else None
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if ctx.qualname(target) == "celery.shared_task":
            return True
        if isinstance(target, ast.Attribute) and target.attr == "task":
            return True
    return False


def _is_celery_result(ctx: FileContext, expr: ast.expr) -> bool:
    value = _bound_value(ctx, expr)
    if not isinstance(value, ast.Call):
        return False
    if ctx.qualname(value.func) in _CELERY_RESULTS:
        return True
    func = value.func
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr in ("delay", "apply_async"):
        return _is_celery_task(ctx, func.value)
    return func.attr in ("AsyncResult", "send_task") and ctx.type_of(func.value) == "celery.Celery"


def wait_target(ctx: FileContext, call: ast.Call) -> tuple[str, int] | None:
    """A blocking wait RES107 examines: (label, timeout position)."""
    qual = ctx.qualname(call.func)
    if qual in _FUTURE_WAITS:
        return f"{qual}()", 1
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    if func.attr == "result" and _is_executor_future(ctx, func.value):
        return "Future.result()", 0
    if func.attr == "get" and _is_celery_result(ctx, func.value):
        return "AsyncResult.get()", 0
    return None


def _is_timeout_scope(ctx: FileContext, node: ast.With | ast.AsyncWith) -> bool:
    for item in node.items:
        expr = item.context_expr
        if isinstance(expr, ast.Call) and ctx.qualname(expr.func) in TIMEOUT_SCOPES:
            arg = expr.args[0] if expr.args else (expr.keywords[0].value if expr.keywords else None)
            if not au.is_none(arg):
                return True
    return False


def in_timeout_scope(ctx: FileContext) -> bool:
    """Inside ``async with asyncio.timeout(...)`` (or an equivalent) in this function."""
    for node in reversed(ctx.ancestors):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return False
        if isinstance(node, ast.With | ast.AsyncWith) and _is_timeout_scope(ctx, node):
            return True
    return False


def _opened_connection(ctx: FileContext, expr: ast.expr) -> bool:
    """``await asyncio.open_connection(...)``, possibly inside ``wait_for``."""
    if not isinstance(expr, ast.Await) or not isinstance(expr.value, ast.Call):
        return False
    call = expr.value
    qual = ctx.qualname(call.func)
    if qual == "asyncio.wait_for" and call.args and isinstance(call.args[0], ast.Call):
        qual = ctx.qualname(call.args[0].func)
    return qual in _OPEN_CONNECTION


@rule(
    "RES107",
    summary="A wait on outside work (a future, a task result, a stream) has no bound.",
)
class UnboundedWait:
    """## What it does
    Finds waits on outside work with no timeout: `Future.result()` on a future from an
    executor's `submit`, `concurrent.futures.wait()` / `as_completed()`, celery
    `AsyncResult.get()`; and in `async def`, `await asyncio.open_connection(...)` or
    `await reader.read*()` on its stream reader outside any `asyncio.timeout(...)`,
    `async_timeout.timeout(...)` or anyio/trio `fail_after` / `move_on_after` scope (or
    `asyncio.wait_for(..., t)`). Internal synchronisation (`Event.wait`, `Queue.get`,
    `Thread.join`, locks) is never reported.

    ## Why is this bad?
    The wait inherits the worst case of the work it waits for: a hung task, worker or peer
    holds the waiting thread or coroutine forever.

    ## Example
    ```python
    future = executor.submit(fetch, url)
    data = future.result()
    ```

    ## Fix
    ```python
    data = future.result(timeout=30)
    ```
    """

    def __init__(self) -> None:
        self.readers: set[int] = set()

    def visit_Assign(self, ctx: FileContext, node: ast.Assign) -> None:
        target = node.targets[0] if len(node.targets) == 1 else None
        if (
            isinstance(target, ast.Tuple)
            and target.elts
            and isinstance(target.elts[0], ast.Name)
            and _opened_connection(ctx, node.value)
        ):
            self.readers.add(id(target.elts[0]))

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        found = wait_target(ctx, call)
        if found is None:
            return
        label, position = found
        passed = au.may_pass(call, "timeout", position)
        ctx.count_site(TIMEOUTS, passed and not au.is_none(au.argument(call, "timeout", position)))
        if passed:
            return
        ctx.report(
            "RES107",
            call,
            f"{label} waits with no timeout: if the work hangs, this caller waits forever; "
            f"pass timeout=<seconds> and handle the timeout",
        )

    def visit_Await(self, ctx: FileContext, node: ast.Await) -> None:
        call = node.value
        if not isinstance(call, ast.Call) or not ctx.in_async:
            return
        label = self._stream_label(ctx, call)
        if label is None:
            return
        bounded = in_timeout_scope(ctx)
        ctx.count_site(TIMEOUTS, bounded)
        if bounded:
            return
        ctx.report(
            "RES107",
            call,
            f"await {label} has no timeout: a peer that stops answering suspends this "
            f"coroutine forever; wrap it in `async with asyncio.timeout(<seconds>):`",
        )

    def _stream_label(self, ctx: FileContext, call: ast.Call) -> str | None:
        qual = ctx.qualname(call.func)
        if qual in _OPEN_CONNECTION:
            return f"{qual}()"
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _READS
            and isinstance(func.value, ast.Name)
        ):
            binding = ctx.resolver.lookup(func.value.id, ctx.scope)
            if binding is not None and id(binding.node) in self.readers:
                return f"{func.value.id}.{func.attr}()"
        return None


# -- RES102 ---------------------------------------------------------------------------------

_HTTPX_FUNCTIONS = frozenset(f"httpx.{v}" for v in kb.HTTPX_VERBS)
_HTTPX_METHODS = kb.HTTPX_VERBS | {"send"}
_SOCKET_TYPES = frozenset({"socket.socket", "socket.create_connection", "socket.SocketType"})
_AIOHTTP_TIMEOUT = frozenset({"aiohttp.ClientTimeout", "aiohttp.client.ClientTimeout"})
_HTTPX_TIMEOUT = frozenset({"httpx.Timeout"})


def _is_httpx_target(ctx: FileContext, call: ast.Call, qual: str | None) -> bool:
    if qual in _HTTPX_FUNCTIONS or qual in kb.HTTPX_CLIENT_TYPES:
        return True
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in _HTTPX_METHODS
        and ctx.type_of(func.value) in kb.HTTPX_CLIENT_TYPES
    )


def examined_elsewhere(ctx: FileContext, call: ast.Call, qual: str | None) -> bool:
    """A call another RES1xx rule examines (and counts)."""
    return (
        qual in _STDLIB_TIMEOUT_POSITION
        or qual in DATASTORE_TARGETS
        or is_http_target(ctx, call)
        or subprocess_target(ctx, call) is not None
        or grpc_target(ctx, call)
        or wait_target(ctx, call) is not None
        # RES107 counts a directly awaited open_connection (wrapped in wait_for: RES102).
        or (qual in _OPEN_CONNECTION and isinstance(ctx.parent, ast.Await) and ctx.in_async)
    )


def _disabled_anchor(ctx: FileContext, call: ast.Call, qual: str | None) -> ast.AST | None:
    """The keyword (or call) that turns a timeout off, if any."""
    timeout_kw = au.keyword(call, "timeout")
    if qual in _HTTPX_TIMEOUT:
        first = au.argument(call, "timeout", 0)
        others = [kw for kw in call.keywords if kw.arg in ("connect", "read", "write", "pool")]
        if first is not None and au.is_none(first) and all(au.is_none(k.value) for k in others):
            return call
        return None
    if qual in _AIOHTTP_TIMEOUT:
        if au.has_kwargs(call) or any(not au.is_none(a) for a in call.args):
            return None
        bounds = [kw for kw in call.keywords if kw.arg in ("total", "connect", "sock_read")]
        bounds += [kw for kw in call.keywords if kw.arg == "sock_connect"]
        if any(not au.is_none(kw.value) for kw in bounds):
            return None
        return au.keyword(call, "total") or call
    if qual == "asyncio.wait_for":
        value = au.argument(call, "timeout", 1)
        if au.is_none(value):
            return timeout_kw or call
        return None
    if qual in ("asyncio.timeout", "asyncio.timeout_at"):
        value = au.argument(call, "delay" if qual == "asyncio.timeout" else "when", 0)
        return call if au.is_none(value) and (call.args or call.keywords) else None
    if qual == "socket.setdefaulttimeout":
        return call if au.is_none(au.argument(call, "timeout", 0)) and call.args else None
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "settimeout":
        if call.args and au.is_none(call.args[0]) and ctx.type_of(func.value) in _SOCKET_TYPES:
            return call
        return None
    if qual in _REDIS or qual in _REDIS_FROM_URL:
        kw = au.keyword(call, "socket_timeout")
        return kw if kw is not None and au.is_none(kw.value) else None
    if timeout_kw is None:
        return None
    if is_http_target(ctx, call):
        return timeout_kw if _disabled(timeout_kw.value) else None
    if not au.is_none(timeout_kw.value):
        return None
    if _is_httpx_target(ctx, call, qual) or examined_elsewhere(ctx, call, qual):
        return timeout_kw
    return None


@rule(
    "RES102",
    summary="A timeout is explicitly turned off (timeout=None and its equivalents).",
    nodes=(ast.Call,),
)
def timeout_disabled(ctx: FileContext, call: ast.Call) -> None:
    """## What it does
    Finds timeouts explicitly turned off: `timeout=None` on requests and httpx calls and
    clients (and on the other calls the RES1xx rules examine), `httpx.Timeout(None)`, a bare
    `aiohttp.ClientTimeout()` or `ClientTimeout(total=None)` with no other bound,
    `asyncio.wait_for(x, None)`, `asyncio.timeout(None)`, `socket.setdefaulttimeout(None)`,
    `sock.settimeout(None)`, redis `socket_timeout=None`, and a `(connect, None)` tuple.

    ## Why is this bad?
    It looks deliberate, and it removes the only bound on the wait: httpx and aiohttp have
    finite defaults that `None` switches off, and requests waits forever.

    ## Example
    ```python
    httpx.get(url, timeout=None)
    ```

    ## Fix
    ```python
    httpx.get(url, timeout=10.0)
    ```
    The fix is shown, not applied: pick a bound that fits the call.
    """
    qual = ctx.qualname(call.func)
    anchor = _disabled_anchor(ctx, call, qual)
    # Every finding is a failed site; other external calls pass unless their timeout is off.
    counted = anchor is not None or au.is_external_call(ctx, call)
    if counted and not examined_elsewhere(ctx, call, qual):
        ctx.count_site(TIMEOUTS, anchor is None)
    if anchor is None:
        return
    label = call_label(ctx, call)
    if isinstance(anchor, ast.keyword):
        what = f"{label} passes {ctx.source.segment(ctx.location(anchor))}"
    else:
        what = f"{label} turns the timeout off"
    suggestion = _suggestion(ctx, call, qual, anchor)
    ctx.report(
        "RES102",
        anchor,
        f"{what}: nothing bounds the wait, so a slow peer hangs this worker forever; {suggestion}",
        fix=Fix(Applicability.DISPLAY, suggestion[0].upper() + suggestion[1:], ()),
    )


def _suggestion(ctx: FileContext, call: ast.Call, qual: str | None, anchor: ast.AST) -> str:
    read = read_timeout(ctx)
    if qual in _AIOHTTP_TIMEOUT:
        return f"use aiohttp.ClientTimeout(total={read})"
    if qual in _HTTPX_TIMEOUT:
        return f"use httpx.Timeout({read})"
    if qual in ("asyncio.timeout", "asyncio.timeout_at"):
        return f"pass a deadline, e.g. asyncio.timeout({read})"
    if qual == "socket.setdefaulttimeout":
        return f"pass a number of seconds, e.g. socket.setdefaulttimeout({read})"
    if isinstance(call.func, ast.Attribute) and call.func.attr == "settimeout":
        return f"pass a number of seconds, e.g. .settimeout({read})"
    if not isinstance(anchor, ast.keyword) or anchor.arg is None:
        return f"pass a number of seconds, e.g. timeout={read}"
    if is_http_target(ctx, call):
        return f"replace it with {anchor.arg}={ctx.config.default_timeout}"
    return f"replace it with {anchor.arg}={read}"
