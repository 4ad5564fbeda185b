"""Small questions rules ask about nodes: keywords, constants, loggers, external calls."""

from __future__ import annotations

import ast
import operator
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from resilience_skill.analysis import knowledge as kb

if TYPE_CHECKING:
    from resilience_skill.analysis.engine import FileContext
    from resilience_skill.analysis.resolve import Scope


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Final = _Unknown()
"""A value that cannot be known statically (never a finding)."""


_NESTED_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def walk_local(stmts: list[ast.stmt], *, enter_lambdas: bool = False) -> Iterator[ast.AST]:
    """Every node of a statement list in source order, not entering nested functions and
    classes (nor lambdas unless ``enter_lambdas``): a bounded look at one body, for rules
    that ask what a loop, handler or function does itself."""
    stack: list[ast.AST] = list(reversed(stmts))
    while stack:
        node = stack.pop()
        if isinstance(node, _NESTED_DEFS):
            continue
        yield node
        if isinstance(node, ast.Lambda) and not enter_lambdas:
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


def has_kwargs(call: ast.Call) -> bool:
    """``**kwargs`` may carry any keyword: unknown."""
    return any(kw.arg is None for kw in call.keywords)


def has_star_args(call: ast.Call) -> bool:
    return any(isinstance(arg, ast.Starred) for arg in call.args)


def argument(call: ast.Call, name: str, position: int | None = None) -> ast.expr | None:
    """The argument passed as keyword ``name`` or at ``position`` (0-based)."""
    kw = keyword(call, name)
    if kw is not None:
        return kw.value
    if position is not None and not has_star_args(call) and position < len(call.args):
        return call.args[position]
    return None


def may_pass(call: ast.Call, name: str, position: int | None = None) -> bool:
    """True when ``name`` is passed, or could be (``**kwargs``, ``*args`` reaching it)."""
    if keyword(call, name) is not None or has_kwargs(call):
        return True
    if position is not None:
        if has_star_args(call):
            return True
        return position < len(call.args)
    return False


def is_none(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


_BINOPS: dict[type[ast.operator], Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
}


def const_value(ctx: FileContext | None, expr: ast.expr | None, _depth: int = 0) -> Any:
    """The value of a constant expression: literals (tuples too), names bound once at
    module level to a constant, and simple arithmetic on them; else ``UNKNOWN``."""
    if expr is None or _depth > 8:
        return UNKNOWN
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.Tuple | ast.List):
        values = [const_value(ctx, e, _depth + 1) for e in expr.elts]
        return UNKNOWN if any(v is UNKNOWN for v in values) else tuple(values)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        value = const_value(ctx, expr.operand, _depth + 1)
        return -value if isinstance(value, int | float) else UNKNOWN
    if isinstance(expr, ast.BinOp) and type(expr.op) in _BINOPS:
        left = const_value(ctx, expr.left, _depth + 1)
        right = const_value(ctx, expr.right, _depth + 1)
        if isinstance(left, int | float) and isinstance(right, int | float):
            try:
                value = _BINOPS[type(expr.op)](left, right)
            except (ArithmeticError, ValueError):
                return UNKNOWN
            if isinstance(value, int | float) and abs(value) < 1e12:
                return value
        return UNKNOWN
    if isinstance(expr, ast.Name) and ctx is not None:
        binding = ctx.resolver.module_scope.names.get(expr.id)
        local = ctx.resolver.lookup(expr.id, ctx.scope)
        if (
            binding is not None
            and binding is local
            and binding.kind == "assign"
            and not binding.ambiguous
        ):
            return const_value(ctx, binding.value, _depth + 1)
    return UNKNOWN


def number(ctx: FileContext | None, expr: ast.expr | None) -> float | None:
    """A constant int/float (bools excluded), else ``None``."""
    value = const_value(ctx, expr)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def dotted(expr: ast.expr) -> str | None:
    """``a.b.c`` as written (no resolution)."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return None


def _is_logger_name(name: str, extra: tuple[str, ...]) -> bool:
    return (
        name in kb.LOGGER_NAMES
        or name.endswith(("_logger", "_log", "_LOGGER", "_LOG"))
        or name in extra
    )


def is_logging_call(ctx: FileContext, call: ast.Call) -> bool:
    """``logging.*``, a receiver named like a logger (``log``, ``logger``, ``self.logger``,
    ``*_logger``), structlog, loguru, sentry_sdk.capture_*, ``warnings.warn``, and the
    names configured in ``logging-names``."""
    func = call.func
    extra = ctx.config.logging_names
    qual = ctx.qualname(func)
    if qual is not None:
        if qual in kb.LOGGING_FUNCTIONS or qual in extra:
            return True
        if qual.split(".")[0] in kb.LOGGING_MODULES:
            return True
    text = dotted(func)
    if text is not None:
        if text in extra:
            return True
        parts = text.split(".")
        # logger.warning(...), self.log.error(...), app.logger.info(...)
        if len(parts) >= 2 and any(_is_logger_name(p, extra) for p in parts[:-1]):
            return True
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        # logging.getLogger(__name__).warning(...), structlog.get_logger().info(...)
        return is_logging_call(ctx, func.value)
    if isinstance(func, ast.Attribute):
        # audit = logging.getLogger("audit"); audit.warning(...)
        return ctx.type_of(func.value) in kb.LOGGER_FACTORIES
    return False


def receiver_type(ctx: FileContext, call: ast.Call) -> str | None:
    """The constructor type of a method call's receiver (``s.get`` -> ``requests.Session``)."""
    if isinstance(call.func, ast.Attribute):
        return ctx.type_of(call.func.value)
    return None


def _is_cursor_of_client(ctx: FileContext, expr: ast.expr) -> bool:
    """``conn.cursor()`` (or a name bound once to it) where ``conn`` is a datastore
    connection."""
    if isinstance(expr, ast.Name):
        value = ctx.value_of(expr.id)
        if value is None:
            binding = ctx.resolver.lookup(expr.id, ctx.scope)
            value = binding.value if binding is not None and binding.kind == "with" else None
        if value is None:
            return False
        expr = value
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr in ("cursor", "pipeline", "channel")
    ):
        return ctx.type_of(expr.func.value) in kb.CLIENT_TYPES
    return False


def is_grpc_stub(ctx: FileContext, expr: ast.expr) -> bool:
    """A receiver bound to ``<Name>Stub(channel)`` with the channel from ``grpc.*_channel``."""
    value: ast.expr | None = expr
    if isinstance(expr, ast.Name):
        value = ctx.value_of(expr.id)
    elif (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id == "self"
    ):
        value = ctx.resolver.attribute_value(expr.attr, ctx.scope)
    if not isinstance(value, ast.Call) or not value.args:
        return False
    stub_name = dotted(value.func) or ""
    if not stub_name.endswith("Stub"):
        return False
    channel = value.args[0]
    if isinstance(channel, ast.Call):
        return ctx.qualname(channel.func) in kb.GRPC_CHANNELS
    scope = ctx.scope
    if value is not expr and isinstance(expr, ast.Attribute):
        # `self.stub = FooStub(channel)`: `channel` is a local of the method that assigns it.
        scope = _method_scope_of(ctx, value) or scope
    channel_type = ctx.resolver.type_of(channel, scope)
    return channel_type in kb.GRPC_CHANNELS


def _method_scope_of(ctx: FileContext, node: ast.expr) -> Scope | None:
    """The scope of the method (of the current class) whose body holds ``node``."""
    cls_scope = ctx.resolver.enclosing_class(ctx.scope)
    if cls_scope is None:
        return None
    line = node.lineno
    for scope in ctx.resolver.scopes.values():
        method = scope.node
        if (
            scope.parent is cls_scope
            and isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef)
            and method.lineno <= line <= (method.end_lineno or line)
        ):
            return scope
    return None


def is_external_call(ctx: FileContext, call: ast.Call) -> bool:
    """A call that leaves the process: network functions and constructors, methods of known
    clients (HTTP sessions, boto3, datastores and brokers, their cursors), gRPC stubs, and
    subprocesses."""
    qual = ctx.qualname(call.func)
    if qual is not None and (
        qual in kb.NETWORK_FUNCTIONS or qual in kb.SUBPROCESS_RUN or qual in kb.DATASTORE_CONNECT
    ):
        return True
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    receiver = func.value
    rtype = ctx.type_of(receiver)
    if rtype in kb.CLIENT_TYPES:
        return not func.attr.startswith("_") and func.attr not in ("close", "mount")
    if _is_cursor_of_client(ctx, receiver):
        return func.attr in (
            "execute",
            "executemany",
            "fetchone",
            "fetchall",
            "callproc",
            "basic_publish",
            "execute_command",
        )
    return is_grpc_stub(ctx, receiver) or (
        isinstance(receiver, ast.Attribute)
        and func.attr in ("future", "with_call")
        and is_grpc_stub(ctx, receiver.value)
    )


def is_requests_call(ctx: FileContext, call: ast.Call) -> bool:
    """A requests verb on the module or on a ``requests.Session`` receiver."""
    func = call.func
    qual = ctx.qualname(func)
    if qual is not None:
        module, _, verb = qual.rpartition(".")
        if module in kb.REQUESTS_MODULES and verb in kb.REQUESTS_VERBS:
            return True
    if isinstance(func, ast.Attribute) and func.attr in kb.REQUESTS_VERBS:
        return ctx.type_of(func.value) in kb.REQUESTS_SESSION_TYPES
    return False
