"""RES5xx: failures are handled visibly ("Fallback strategy per dependency").

Each rule counts the except handlers it examines (``ctx.count_site``; ok = no finding):
RES501 the broad handlers, RES502 the narrower handlers around external calls, RES503 the
``CancelledError`` handlers in ``async def`` (broad ones are RES501's count).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis.edits import add_import, module_logger
from resilience_skill.analysis.engine import FileContext
from resilience_skill.analysis.model import Applicability, Edit, Fix, Location, Severity
from resilience_skill.analysis.registry import checklist_item_for, rule
from resilience_skill.analysis.rules.timeouts import examined_elsewhere

FALLBACKS = checklist_item_for("RES501")

_BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})
_CANCELLED = frozenset(
    {"asyncio.CancelledError", "asyncio.exceptions.CancelledError", "asyncio.tasks.CancelledError"}
)
_BUILTIN_NETWORK_ERRORS = frozenset(
    {
        "TimeoutError",
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "ConnectionAbortedError",
        "BrokenPipeError",
        "OSError",
        "IOError",
        "EnvironmentError",
    }
)
_NETWORK_ERROR_MODULES = (
    "requests",
    "httpx",
    "aiohttp",
    "urllib3",
    "urllib.error",
    "http.client",
    "socket",
    "ssl",
    "smtplib",
    "ftplib",
    "poplib",
    "imaplib",
    "subprocess",
    "asyncio",
    "concurrent.futures",
    "redis",
    "pymongo",
    "psycopg2",
    "psycopg",
    "asyncpg",
    "sqlalchemy",
    "grpc",
    "botocore",
    "boto3",
    "pika",
    "kafka",
    "confluent_kafka",
    "elasticsearch",
    "celery",
    "pybreaker",
    "aiobreaker",
    "circuitbreaker",
    "tenacity",
)
_METRIC_METHODS = frozenset(
    {
        "inc",
        "incr",
        "increment",
        "dec",
        "decr",
        "decrement",
        "observe",
        "gauge",
        "timing",
        "histogram",
        "distribution",
        "record_exception",
        "set_status",
        "capture_exception",
        "capture_message",
    }
)
_METRIC_RECEIVERS = ("metric", "stats", "statsd", "prometheus", "counter", "meter", "telemetry")


# -- what a handler catches ------------------------------------------------------------------


def _caught(handler: ast.ExceptHandler) -> list[ast.expr]:
    if handler.type is None:
        return []
    if isinstance(handler.type, ast.Tuple):
        return list(handler.type.elts)
    return [handler.type]


def _type_name(ctx: FileContext, expr: ast.expr) -> str | None:
    """The qualified name of a caught type; builtins by their bare name."""
    qual = ctx.qualname(expr)
    if qual is not None:
        return qual
    if isinstance(expr, ast.Name) and ctx.resolver.lookup(expr.id, ctx.scope) is None:
        return expr.id
    return None


def is_broad(ctx: FileContext, handler: ast.ExceptHandler) -> bool:
    """A bare ``except:``, or one catching ``Exception`` / ``BaseException``."""
    return handler.type is None or any(_type_name(ctx, e) in _BROAD for e in _caught(handler))


def catches_cancellation(ctx: FileContext, handler: ast.ExceptHandler) -> bool:
    """Catches ``asyncio.CancelledError``: bare, ``BaseException`` or the error itself."""
    if handler.type is None:
        return True
    names = {_type_name(ctx, e) for e in _caught(handler)}
    return bool(names & (_CANCELLED | {"BaseException", "builtins.BaseException"}))


def _is_network_error(name: str | None) -> bool:
    if name is None:
        return False
    if name in _BUILTIN_NETWORK_ERRORS:
        return True
    return any(name.startswith(f"{m}.") for m in _NETWORK_ERROR_MODULES)


def _label(handler: ast.ExceptHandler) -> str:
    if handler.type is None:
        return "except:"
    return f"except {ast.unparse(handler.type)}:"


# -- bounded looks inside one handler or try body --------------------------------------------


def _local_nodes(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    return au.walk_local(stmts)


def _is_constant(ctx: FileContext, expr: ast.expr | None) -> bool:
    if expr is None:
        return True
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        return all(_is_constant(ctx, e) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return all(
            k is not None and _is_constant(ctx, k) and _is_constant(ctx, v)
            for k, v in zip(expr.keys, expr.values, strict=True)
        )
    return au.const_value(ctx, expr) is not au.UNKNOWN


def _is_trivial(ctx: FileContext, stmt: ast.stmt) -> bool:
    """``pass``, ``...``, ``continue``, ``return <constant>``, a constant assignment."""
    if isinstance(stmt, ast.Pass | ast.Continue):
        return True
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, ast.Constant)
    if isinstance(stmt, ast.Return):
        return _is_constant(ctx, stmt.value)
    if isinstance(stmt, ast.Assign):
        return _is_constant(ctx, stmt.value) and all(
            isinstance(t, ast.Name | ast.Attribute) for t in stmt.targets
        )
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is not None and _is_constant(ctx, stmt.value)
    return False


def is_visible_call(ctx: FileContext, call: ast.Call) -> bool:
    """A logging, metrics or reporting call (or ``print``): the failure is seen."""
    if au.is_logging_call(ctx, call):
        return True
    func = call.func
    if isinstance(func, ast.Name) and func.id == "print":
        return True
    if isinstance(func, ast.Attribute):
        if func.attr in _METRIC_METHODS:
            return True
        text = (au.dotted(func.value) or "").lower()
        if any(part in text for part in _METRIC_RECEIVERS):
            return True
        if text.endswith("stderr"):
            return True
    return False


def _try_of(ctx: FileContext) -> ast.Try | ast.TryStar | None:
    parent = ctx.parent
    return parent if isinstance(parent, ast.Try | ast.TryStar) else None


def _what_failed(ctx: FileContext, try_node: ast.Try | ast.TryStar | None) -> str:
    """What a log message names: the first named call of the try body, else the function."""
    if try_node is not None:
        for node in _local_nodes(try_node.body):
            if isinstance(node, ast.Call):
                name = au.dotted(node.func)
                if name is not None:
                    return name
    function = ctx.function_node
    return function.name if function is not None else "operation"


# -- edits: a statement before the handler's body, a handler before the handler --------------


def _indent_unit(ctx: FileContext, handler: ast.ExceptHandler) -> str:
    """One level of indentation as this handler (else the file) writes it."""
    outer = _leading(ctx, *_start(ctx, handler))
    first = ctx.location(handler.body[0])
    inner = _leading(ctx, first.line, first.column)
    if outer is not None and inner is not None and inner.startswith(outer) and inner != outer:
        return inner[len(outer) :]
    for line in ctx.source.lines:
        if line[:1] == "\t":
            return "\t"
        if line[:1] == " " and line.strip():
            return " " * (len(line) - len(line.lstrip(" ")))
    return "    "


def _start(ctx: FileContext, node: ast.AST) -> tuple[int, int]:
    loc = ctx.location(node)
    return loc.line, loc.column


def _leading(ctx: FileContext, line: int, column: int) -> str | None:
    """The whitespace before ``column`` on ``line``, or None when code precedes it."""
    prefix = ctx.source.lines[line - 1][: column - 1]
    return prefix if not prefix.strip() else None


def _insert_before_body(ctx: FileContext, handler: ast.ExceptHandler, statement: str) -> Edit:
    first = ctx.location(handler.body[0])
    indent = _leading(ctx, first.line, first.column)
    if indent is None:  # `except X: pass` on one line
        at = Location(first.line, first.column, first.line, first.column)
        return Edit(at, f"{statement}; ")
    at = Location(first.line, 1, first.line, 1)
    return Edit(at, f"{indent}{statement}{ctx.source.newline}")


def _defined_line(tree: ast.Module, name: str) -> int | None:
    for stmt in tree.body:
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return stmt.lineno
        if isinstance(stmt, ast.ImportFrom | ast.Import) and any(
            (a.asname or a.name) == name for a in stmt.names
        ):
            return stmt.lineno
    return None


def _logging_fix(
    ctx: FileContext, handler: ast.ExceptHandler, method: str, text: str, extra: str = ""
) -> Fix | None:
    """Insert ``<logger>.<method>("<text>"<extra>)`` before the handler's body, creating the
    module logger when there is none."""
    found = module_logger(ctx.source, ctx.tree)
    if found is None:
        return None
    name, edits = found
    if ctx.function_node is None:
        # Module-level code runs at import: the logger must exist before the handler.
        defined = edits[-1].location.line if edits else _defined_line(ctx.tree, name)
        if defined is None or defined >= handler.lineno:
            return None
    # ``text`` is built from identifiers and dotted names: no quotes to escape.
    statement = f'{name}.{method}("{text}"{extra})'
    edit = _insert_before_body(ctx, handler, statement)
    return Fix(Applicability.UNSAFE, f"Log it with {name}.{method}()", (*edits, edit))


# -- RES501 ----------------------------------------------------------------------------------


@rule(
    "RES501",
    summary="A broad except handler swallows every error without a trace.",
    nodes=(ast.ExceptHandler,),
)
def swallowed_exception(ctx: FileContext, handler: ast.ExceptHandler) -> None:
    """## What it does
    Finds a bare `except:`, `except Exception` or `except BaseException` whose body is only
    `pass`, `...`, `continue`, `return` / `return None` / `return <constant>` or a constant
    assignment: no `raise`, no use of the exception, no logging or metrics call. Loggers are
    recognised as `logging.*`, receivers named like loggers (`log`, `logger`, `_log`, `LOG`,
    `*_logger`), structlog, loguru, `sentry_sdk.capture_*`, `warnings.warn`, and the names in
    `logging-names`.

    ## Why is this bad?
    Every failure of the protected code, a timeout, a bug, an outage, disappears: nobody
    sees the dependency going down, and the caller gets a value that looks like success.

    ## Example
    ```python
    try:
        profile = fetch_profile(user_id)
    except Exception:
        profile = None
    ```

    ## Fix
    ```python
    try:
        profile = fetch_profile(user_id)
    except Exception:
        logger.exception("fetch_profile failed")
        profile = None
    ```
    `resilience fix --unsafe-fixes` inserts the `logger.exception(...)` line (and a module
    logger when there is none). Better still: catch the narrow errors you expect.
    """
    if not is_broad(ctx, handler):
        return
    swallowed = all(_is_trivial(ctx, stmt) for stmt in handler.body)
    ctx.count_site(FALLBACKS, not swallowed)
    if not swallowed:
        return
    what = _what_failed(ctx, _try_of(ctx))
    body = "; ".join(ast.unparse(s) for s in handler.body[:2])
    ctx.report(
        "RES501",
        handler,
        f"`{_label(handler)}` swallows every error of {what}() with `{body}`: failures "
        f"vanish without a trace; log it with logger.exception() and catch only the errors "
        f"you expect",
        fix=_logging_fix(ctx, handler, "exception", f"{what} failed"),
        severity=Severity.HIGH if handler.type is None else None,
    )


# -- RES502 ----------------------------------------------------------------------------------


def _guards_external_call(ctx: FileContext, try_node: ast.Try | ast.TryStar) -> str | None:
    for node in _local_nodes(try_node.body):
        if isinstance(node, ast.Call) and (
            au.is_external_call(ctx, node) or examined_elsewhere(ctx, node, None)
        ):
            return au.dotted(node.func) or "the call"
    return None


@rule(
    "RES502",
    summary="A handler around an external call falls back silently.",
    nodes=(ast.ExceptHandler,),
)
def silent_fallback(ctx: FileContext, handler: ast.ExceptHandler) -> None:
    """## What it does
    Finds a handler of a narrower network or dependency error (`requests.RequestException`,
    `TimeoutError`, `ConnectionError`, `httpx.HTTPError`, `redis.RedisError`, ...) around an
    external call that returns or assigns a fallback value with no logging or metrics call.
    A handler that raises, or uses the bound exception (a selective decision), is not
    reported; `CancelledError` handlers are RES503's.

    ## Why is this bad?
    The fallback is right, but invisible: the dependency can be down for days while the
    service serves stale or empty answers and every dashboard stays green.

    ## Example
    ```python
    try:
        rates = requests.get(RATES_URL, timeout=5).json()
    except requests.RequestException:
        rates = CACHED_RATES
    ```

    ## Fix
    ```python
    try:
        rates = requests.get(RATES_URL, timeout=5).json()
    except requests.RequestException:
        logger.warning("rates service failed, using cached rates", exc_info=True)
        rates = CACHED_RATES
    ```
    """
    try_node = _try_of(ctx)
    if try_node is None or is_broad(ctx, handler):
        return
    names = [_type_name(ctx, e) for e in _caught(handler)]
    if any(n in _CANCELLED for n in names) or not any(_is_network_error(n) for n in names):
        return
    call = _guards_external_call(ctx, try_node)
    if call is None:
        return
    falls_back = False
    for node in _local_nodes(handler.body):
        if isinstance(node, ast.Raise):
            falls_back = False
            break
        if handler.name and isinstance(node, ast.Name) and node.id == handler.name:
            falls_back = False
            break
        if isinstance(node, ast.Call) and is_visible_call(ctx, node):
            falls_back = False
            break
        if isinstance(node, ast.Return | ast.Assign | ast.AnnAssign):
            falls_back = True
    ctx.count_site(FALLBACKS, not falls_back)
    if not falls_back:
        return
    ctx.report(
        "RES502",
        handler,
        f"`{_label(handler)}` around {call}() falls back silently: the dependency can fail "
        f"for days and nobody sees it; log a warning (exc_info=True) or count a metric",
        fix=_logging_fix(
            ctx, handler, "warning", f"{call} failed, using fallback", ", exc_info=True"
        ),
    )


# -- RES503 ----------------------------------------------------------------------------------


def _hands_exception_on(ctx: FileContext, handler: ast.ExceptHandler) -> bool:
    """The handler passes the caught exception to a (non-logging) function, such as
    ``self._convert_error(exc)``: that function may re-raise it, so the handler is unknown."""
    if handler.name is None:
        return False
    for node in _local_nodes(handler.body):
        if (
            isinstance(node, ast.Call)
            and any(isinstance(a, ast.Name) and a.id == handler.name for a in node.args)
            and not au.is_logging_call(ctx, node)
        ):
            return True
    return False


def _has_checkpoint(try_node: ast.Try | ast.TryStar) -> bool:
    """Cancellation is delivered at an ``await`` (or ``async for`` / ``async with``)."""
    return any(
        isinstance(n, ast.Await | ast.AsyncFor | ast.AsyncWith) for n in _local_nodes(try_node.body)
    )


def _cancelled_name(ctx: FileContext) -> tuple[str, Edit | None]:
    """How this module spells ``asyncio.CancelledError``, and the import it needs."""
    for name, binding in ctx.resolver.module_scope.names.items():
        if binding.kind == "import" and binding.qualname in _CANCELLED:
            return name, None
    for name, binding in ctx.resolver.module_scope.names.items():
        if binding.kind == "import" and binding.qualname == "asyncio" and not binding.ambiguous:
            return f"{name}.CancelledError", None
    return "asyncio.CancelledError", add_import(ctx.source, ctx.tree, "asyncio")


def _reraise_fix(
    ctx: FileContext, handler: ast.ExceptHandler, try_node: ast.Try | ast.TryStar
) -> Fix | None:
    source = ctx.source
    nl = source.newline
    only_cancelled = handler.type is not None and all(
        _type_name(ctx, e) in _CANCELLED for e in _caught(handler)
    )
    if only_cancelled:
        last = handler.body[-1]
        loc = ctx.location(last)
        if isinstance(last, ast.Return | ast.Pass | ast.Continue | ast.Break) or (
            isinstance(last, ast.Expr) and isinstance(last.value, ast.Constant)
        ):
            return Fix(Applicability.UNSAFE, "Re-raise CancelledError", (Edit(loc, "raise"),))
        first = ctx.location(handler.body[0])
        indent = _leading(ctx, first.line, first.column)
        if indent is None:
            at = Location(loc.end_line, loc.end_column, loc.end_line, loc.end_column)
            return Fix(Applicability.UNSAFE, "Re-raise CancelledError", (Edit(at, "; raise"),))
        end_col = len(source.lines[loc.end_line - 1]) + 1
        at = Location(loc.end_line, end_col, loc.end_line, end_col)
        return Fix(
            Applicability.UNSAFE, "Re-raise CancelledError", (Edit(at, f"{nl}{indent}raise"),)
        )
    name, import_edit = _cancelled_name(ctx)
    start = ctx.location(handler)
    indent = _leading(ctx, start.line, start.column)
    if indent is None:
        return None
    star = "*" if isinstance(try_node, ast.TryStar) else ""
    text = f"{indent}except{star} {name}:{nl}{indent}{_indent_unit(ctx, handler)}raise{nl}"
    edits = [Edit(Location(start.line, 1, start.line, 1), text)]
    if import_edit is not None:
        edits.insert(0, import_edit)
    return Fix(Applicability.UNSAFE, f"Re-raise {name} in a handler of its own", tuple(edits))


@rule(
    "RES503",
    summary="An async handler swallows task cancellation.",
    nodes=(ast.ExceptHandler,),
)
def cancellation_swallowed(ctx: FileContext, handler: ast.ExceptHandler) -> None:
    """## What it does
    In `async def`, finds a bare `except:`, `except BaseException` or
    `except asyncio.CancelledError` around an `await` that does not re-raise. A
    `BaseException` handler after an `except CancelledError` handler is not reported.

    ## Why is this bad?
    `asyncio.timeout()`, `wait_for()`, `TaskGroup` and shutdown all work by cancelling the
    task; a handler that swallows `CancelledError` makes timeouts and cancellation stop
    working, and the task keeps running.

    ## Example
    ```python
    async def handler():
        try:
            await do()
        except BaseException:
            return None
    ```

    ## Fix
    ```python
    async def handler():
        try:
            await do()
        except asyncio.CancelledError:
            raise
        except BaseException:
            return None
    ```
    """
    try_node = _try_of(ctx)
    if try_node is None or not ctx.in_async or not catches_cancellation(ctx, handler):
        return
    if not _has_checkpoint(try_node):
        return
    for earlier in try_node.handlers:
        if earlier is handler:
            break
        if any(_type_name(ctx, e) in _CANCELLED for e in _caught(earlier)):
            return  # an earlier handler takes CancelledError
    reraises = any(isinstance(n, ast.Raise) for n in _local_nodes(handler.body))
    if not is_broad(ctx, handler):
        ctx.count_site(FALLBACKS, reraises)
    if reraises or _hands_exception_on(ctx, handler):
        return
    function = ctx.function_node
    where = f"async def {function.name}()" if function is not None else "this coroutine"
    ctx.report(
        "RES503",
        handler,
        f"`{_label(handler)}` in {where} swallows asyncio.CancelledError: timeouts and task "
        f"cancellation stop working and the task keeps running; re-raise CancelledError",
        fix=_reraise_fix(ctx, handler, try_node),
    )
