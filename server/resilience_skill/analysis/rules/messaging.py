"""RES6xx: messaging ("Dead letter queue for failures").

A message handler must acknowledge only after the work succeeded, and a message that keeps
failing must end up somewhere a person can look at it (a dead-letter queue), never in an
endless redelivery loop and never silently dropped.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis.engine import FileContext, call_target
from resilience_skill.analysis.facts import first_through
from resilience_skill.analysis.model import Applicability, Fix
from resilience_skill.analysis.registry import checklist_item_for, rule
from resilience_skill.analysis.rules.bulkheads import local_def

DEAD_LETTER = checklist_item_for("RES601")

KAFKA_CONSUMERS = frozenset(
    {
        "kafka.KafkaConsumer",
        "kafka.consumer.KafkaConsumer",
        "aiokafka.AIOKafkaConsumer",
    }
)
CONFLUENT_CONSUMERS = frozenset(
    {"confluent_kafka.Consumer", "confluent_kafka.DeserializingConsumer"}
)
CONSUMER_TYPES = KAFKA_CONSUMERS | CONFLUENT_CONSUMERS

_KAFKA_PACKAGES = frozenset({"kafka", "confluent_kafka", "aiokafka"})
_POLL_METHODS = frozenset({"poll", "consume", "getmany", "getone"})
_RECEIVE_METHODS = frozenset({"receive_message", "receive_messages"})
_SQS_DELETE = frozenset({"delete_message", "delete_message_batch"})
_BASIC_REQUEUE = {"basic_nack": 2, "basic_reject": 1}
"""pika methods that requeue by default, and ``requeue``'s position."""

_SETTLING_METHODS = frozenset(
    {"basic_ack", "ack", "commit", *_SQS_DELETE, *_BASIC_REQUEUE, "nack", "reject"}
)
_FIRST_SETTLE_METHODS = frozenset({"basic_ack", "ack", "commit", "delete", *_SQS_DELETE})
_BOOKKEEPING_METHODS = frozenset(
    {"append", "add", "extend", "update", "remove", "discard", "pop", "incr", "inc", "labels"}
)
_DEAD_LETTER_WORDS = ("dlq", "dead", "parking", "quarantine")
_ATTEMPT_PATTERN = re.compile(
    r"retr|attempt|redeliver|x-death|tries|delivery_count|deliveries|delivery.limit|"
    r"deliverycount|death",
    re.IGNORECASE,
)
_HARMLESS_BUILTINS = frozenset(
    {"str", "repr", "len", "int", "float", "bool", "dict", "list", "tuple", "set", "type"}
)

_ACK_FIX = Fix(
    Applicability.DISPLAY,
    "Acknowledge after the work succeeds (auto-ack off; ack/commit/delete as the last step)",
    (),
)
_DLQ_FIX = Fix(
    Applicability.DISPLAY,
    "Count delivery attempts and publish failures to a dead-letter queue "
    "(resilience generate dead-letter-queue)",
    (),
)


def _walk(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    return au.walk_local(stmts, enter_lambdas=True)


def _words(node: ast.AST) -> Iterator[str]:
    """Identifiers, attribute names and strings under ``node``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub.id
        elif isinstance(sub, ast.Attribute):
            yield sub.attr
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value
        elif isinstance(sub, ast.keyword) and sub.arg:
            yield sub.arg


def _names_dead_letter(ctx: FileContext, node: ast.AST) -> bool:
    words = (*_DEAD_LETTER_WORDS, *(w.lower() for w in ctx.config.dead_letter_names))
    return any(w in text.lower() for text in _words(node) for w in words)


def _receiver_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    return None


def _method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _call_of(stmt: ast.stmt) -> ast.Call | None:
    """The call a statement consists of: ``f()`` or ``await f()``."""
    if not isinstance(stmt, ast.Expr):
        return None
    value = stmt.value
    if isinstance(value, ast.Await):
        value = value.value
    return value if isinstance(value, ast.Call) else None


def _is_consumer(ctx: FileContext, expr: ast.expr) -> bool:
    return ctx.type_of(expr) in CONSUMER_TYPES


def acknowledges(ctx: FileContext, call: ast.Call, messages: set[str]) -> str | None:
    """The label of a call that settles a message for good: pika ``basic_ack``,
    ``<message>.ack()``, a Kafka consumer's ``commit()``, SQS ``delete_message``."""
    method = _method(call)
    if method is None:
        return None
    func = call.func
    assert isinstance(func, ast.Attribute)
    receiver = _receiver_name(call)
    label = f"{au.dotted(func) or method}()"
    if method == "basic_ack":
        return label
    if method == "ack":
        return label if receiver is not None and receiver in messages else None
    if method == "commit":
        return label if _is_consumer(ctx, func.value) else None
    if method in _SQS_DELETE:
        typed = ctx.type_of(func.value) in ("boto3.client", "boto3.session.Session.client")
        return label if typed or au.keyword(call, "ReceiptHandle") is not None else None
    return None


# -- RES601 ----------------------------------------------------------------------------


@dataclass(slots=True)
class _ConsumingLoop:
    consumer: int
    """``id()`` of the consumer's constructor call."""
    external: bool
    callees: set[str] = field(default_factory=set)


@rule(
    "RES601",
    summary="A message is acknowledged (or its offset committed) before it is processed.",
)
class AckBeforeProcessing:
    """## What it does
    Finds messages settled before the work on them is done:

    - pika `basic_consume(..., auto_ack=True)`;
    - `kafka.KafkaConsumer(...)` / `confluent_kafka.Consumer({...})` with auto-commit left
      on (the default) when the loop consuming from it makes external calls;
    - an explicit `basic_ack()`, `message.ack()`, consumer `commit()` or SQS
      `delete_message()` as the first statement of a handler (a callback, or the body of
      the loop over a batch's messages), before the work.

    ## Why is this bad?
    Once acknowledged, the broker forgets the message. If the work then fails or the
    worker is killed (deploys, OOM, a timeout), the message is gone: no retry, no
    dead-letter queue, nobody knows.

    ## Example
    ```python
    def on_message(ch, method, properties, body):
        ch.basic_ack(delivery_tag=method.delivery_tag)
        charge(json.loads(body))
    ```

    ## Fix
    ```python
    def on_message(ch, method, properties, body):
        charge(json.loads(body))
        ch.basic_ack(delivery_tag=method.delivery_tag)
    ```
    With Kafka set `enable_auto_commit=False` (`'enable.auto.commit': False`) and commit
    after processing. Failures then need a dead-letter queue (RES602).
    """

    def __init__(self) -> None:
        self.consumers: list[tuple[ast.Call, str]] = []
        self.loops: list[_ConsumingLoop] = []
        self.poll_loops: set[int] = set()
        self.uses_kafka: bool | None = None

    # -- auto-ack and auto-commit -------------------------------------------------------

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        method = _method(call)
        if method == "basic_consume":
            self._auto_ack(ctx, call)
        elif (
            method in _POLL_METHODS
            and isinstance(call.func, ast.Attribute)
            and _is_consumer(ctx, call.func.value)
        ):
            self._poll_loop(ctx, call)
        if self.uses_kafka is None:
            self.uses_kafka = _imports_kafka(ctx)
        if not self.uses_kafka:
            return
        function = ctx.function
        if (
            function is not None
            and "messaging.external" not in function.attrs
            and _is_work_call(ctx, call)
        ):
            function.attrs["messaging.external"] = True
        qual = ctx.qualname(call.func)
        if qual in CONSUMER_TYPES and _auto_commit_on(ctx, call, qual):
            self.consumers.append((call, qual))

    def _auto_ack(self, ctx: FileContext, call: ast.Call) -> None:
        for name in ("auto_ack", "no_ack"):
            kw = au.keyword(call, name)
            if kw is not None and au.const_value(ctx, kw.value) is True:
                ctx.count_site(DEAD_LETTER, False)
                ctx.report(
                    "RES601",
                    call,
                    f"{au.dotted(call.func) or 'basic_consume'}(..., {name}=True) acknowledges "
                    f"every message on delivery, before the callback runs: if it fails or "
                    f"the worker dies, the message is lost; consume with {name}=False and "
                    f"basic_ack after the work",
                    fix=_ACK_FIX,
                )
                return
        ctx.count_site(DEAD_LETTER, True)

    def _poll_loop(self, ctx: FileContext, call: ast.Call) -> None:
        assert isinstance(call.func, ast.Attribute)
        loop = _innermost_loop(ctx)
        ctor = _constructor(ctx, call.func.value)
        if loop is None or ctor is None or id(loop) in self.poll_loops:
            return
        self.poll_loops.add(id(loop))
        self.loops.append(_scan_loop(ctx, loop.body, ctor))

    def visit_For(self, ctx: FileContext, node: ast.For | ast.AsyncFor) -> None:
        if _is_consumer(ctx, node.iter):
            ctor = _constructor(ctx, node.iter)
            if ctor is not None:
                self.loops.append(_scan_loop(ctx, node.body, ctor))
        messages = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        receive = _receives(node.iter)
        self._first_statement(ctx, node.body, messages, receive)

    visit_AsyncFor = visit_For

    def visit_While(self, ctx: FileContext, node: ast.While) -> None:
        self._first_statement(ctx, node.body, set(), receive=False)

    def _visit_def(self, ctx: FileContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
        self._first_statement(ctx, node.body, params - {"self", "cls"}, receive=False)

    visit_FunctionDef = _visit_def
    visit_AsyncFunctionDef = _visit_def

    # -- ack as the first statement -------------------------------------------------------

    def _first_statement(
        self, ctx: FileContext, body: list[ast.stmt], messages: set[str], receive: bool
    ) -> None:
        found = _first_settle(ctx, body, set(messages), receive)
        if found is None:
            return
        call, label = found
        ctx.report(
            "RES601",
            call,
            f"{label} settles the message before the work that follows it: if that work "
            f"fails or the worker dies, the message is lost; acknowledge after processing",
            fix=_ACK_FIX,
        )

    def end(self, ctx: FileContext) -> None:
        by_ctor: dict[int, list[_ConsumingLoop]] = {}
        for loop in self.loops:
            by_ctor.setdefault(loop.consumer, []).append(loop)
        for call, qual in self.consumers:
            loops = by_ctor.get(id(call), [])
            external = any(
                loop.external or any(_makes_external_calls(ctx, c) for c in loop.callees)
                for loop in loops
            )
            if not loops:
                continue
            ctx.count_site(DEAD_LETTER, not external)
            if not external:
                continue
            setting = (
                "'enable.auto.commit'" if qual in CONFLUENT_CONSUMERS else "enable_auto_commit"
            )
            ctx.report(
                "RES601",
                call,
                f"{qual}() commits offsets automatically (the default) while its loop makes "
                f"external calls: offsets are committed on a timer whether or not the work "
                f"finished, so a crash mid-processing loses messages; set {setting} to False "
                f"and commit after processing",
                fix=_ACK_FIX,
            )


def _imports_kafka(ctx: FileContext) -> bool:
    """Only files importing a Kafka client can build a consumer (keeps the per-call
    external-call bookkeeping off every other file)."""
    return any(
        binding.kind == "import" and (binding.qualname or "").split(".")[0] in _KAFKA_PACKAGES
        for binding in ctx.resolver.module_scope.names.values()
    )


def _is_work_call(ctx: FileContext, call: ast.Call) -> bool:
    """An external call that is not the consumer talking to its own broker."""
    func = call.func
    if isinstance(func, ast.Attribute) and _is_consumer(ctx, func.value):
        return False
    return au.is_external_call(ctx, call)


def _auto_commit_on(ctx: FileContext, call: ast.Call, qual: str) -> bool:
    """Auto-commit left on, known for sure (``**config`` and variables are unknown)."""
    if au.has_kwargs(call):
        return False
    if qual in CONFLUENT_CONSUMERS:
        conf: ast.expr | None = au.argument(call, "config", 0)
        if isinstance(conf, ast.Name):
            conf = ctx.value_of(conf.id)
        if not isinstance(conf, ast.Dict) or any(k is None for k in conf.keys):
            return False
        values = {au.const_value(ctx, k): v for k, v in zip(conf.keys, conf.values, strict=True)}
        if _is_false(ctx, values.get("enable.auto.offset.store")):
            return False  # offsets stored by hand after the work
        commit = values.get("enable.auto.commit")
        return commit is None or _is_true(ctx, commit)
    kw = au.keyword(call, "enable_auto_commit")
    return kw is None or _is_true(ctx, kw.value)


def _is_true(ctx: FileContext, expr: ast.expr) -> bool:
    value = au.const_value(ctx, expr)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _is_false(ctx: FileContext, expr: ast.expr | None) -> bool:
    value = au.const_value(ctx, expr)
    return value is False or (isinstance(value, str) and value.lower() == "false")


def _constructor(ctx: FileContext, expr: ast.expr) -> ast.Call | None:
    """The consumer constructor call ``expr`` is bound to."""
    if isinstance(expr, ast.Call):
        return expr
    value: ast.expr | None = None
    if isinstance(expr, ast.Name):
        binding = ctx.resolver.lookup(expr.id, ctx.scope)
        if binding is not None and binding.kind in ("assign", "with"):
            value = binding.value
    elif (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id in ("self", "cls")
    ):
        value = ctx.resolver.attribute_value(expr.attr, ctx.scope)
    if isinstance(value, ast.Await):
        value = value.value
    return value if isinstance(value, ast.Call) else None


def _innermost_loop(ctx: FileContext) -> ast.For | ast.AsyncFor | ast.While | None:
    for node in reversed(ctx.ancestors):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return None
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            return node
    return None


def _scan_loop(ctx: FileContext, body: list[ast.stmt], ctor: ast.Call) -> _ConsumingLoop:
    loop = _ConsumingLoop(id(ctor), external=False)
    for node in _walk(body):
        if not isinstance(node, ast.Call):
            continue
        if _is_work_call(ctx, node):
            loop.external = True
            return loop
        target = call_target(ctx, node)
        if target is not None:
            loop.callees.add(target)
    return loop


def _makes_external_calls(ctx: FileContext, qualname: str) -> bool:
    return first_through(ctx.facts.functions, qualname, "messaging.external") is not None


def _receives(expr: ast.expr) -> bool:
    """The loop runs over messages received from SQS (``receive_message(...)``)."""
    return any(isinstance(n, ast.Call) and _method(n) in _RECEIVE_METHODS for n in ast.walk(expr))


def _is_guard(stmt: ast.stmt) -> bool:
    """``if msg is None: continue`` and the like: no work, leaves the iteration."""
    if not isinstance(stmt, ast.If) or stmt.orelse:
        return False
    return isinstance(stmt.body[-1], ast.Continue | ast.Break | ast.Return | ast.Raise)


def _is_preamble(stmt: ast.stmt, messages: set[str]) -> bool:
    """Statements before the work: docstrings, guards, receiving the message, and
    assignments that call nothing (``tag = method.delivery_tag``)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if isinstance(stmt, ast.Pass) or _is_guard(stmt):
        return True
    if isinstance(stmt, ast.Assign | ast.AnnAssign):
        value = stmt.value
        if isinstance(value, ast.Await):
            value = value.value
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        receiving = isinstance(value, ast.Call) and _method(value) in _POLL_METHODS
        if receiving or not any(isinstance(n, ast.Call) for n in ast.walk(stmt)):
            messages.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
            return True
    return False


def _first_settle(
    ctx: FileContext, body: list[ast.stmt], messages: set[str], receive: bool
) -> tuple[ast.Call, str] | None:
    """The settling call that is the first real statement of ``body`` (looking into a
    leading ``try``/``with``), when work follows it."""
    if not _may_settle(body):
        return None
    index = 0
    while index < len(body) and _is_preamble(body[index], messages):
        index += 1
    if index >= len(body):
        return None
    stmt = body[index]
    rest = body[index + 1 :]
    if isinstance(stmt, ast.Try | ast.With | ast.AsyncWith):
        inner = _first_settle(ctx, stmt.body, messages, receive)
        if inner is not None:
            return inner
        return None
    call = _call_of(stmt)
    if call is None:
        return None
    label = acknowledges(ctx, call, messages)
    if (
        label is None
        and receive
        and _method(call) == "delete"
        and _receiver_name(call) in messages
        and not call.args
    ):
        # boto3 resource: for m in queue.receive_messages(): m.delete(); work(m)
        label = f"{au.dotted(call.func)}()"
    if label is None or not _refers_to_message(call, messages, label):
        return None
    if not _work_follows(ctx, rest, messages):
        return None
    return call, label


def _may_settle(body: list[ast.stmt]) -> bool:
    """Cheap pre-check: some statement of ``body`` (or of a ``try``/``with`` in it) calls a
    settling method by name."""
    for stmt in body:
        if isinstance(stmt, ast.Try | ast.With | ast.AsyncWith):
            if _may_settle(stmt.body):
                return True
            continue
        call = _call_of(stmt)
        if call is not None and _method(call) in _FIRST_SETTLE_METHODS:
            return True
    return False


def _refers_to_message(call: ast.Call, messages: set[str], label: str) -> bool:
    """A commit/delete in a loop must be about the message at hand (or the whole consumer
    position, ``consumer.commit()``)."""
    method = _method(call)
    if method in _SQS_DELETE:
        return any(isinstance(n, ast.Name) and n.id in messages for n in ast.walk(call))
    return True


def _work_follows(ctx: FileContext, rest: list[ast.stmt], messages: set[str]) -> bool:
    """A later call works on the message (``handle(body)``, ``json.loads(msg.value)``);
    counters and logging are not work."""
    for node in _calls(rest):
        if au.is_logging_call(ctx, node) or acknowledges(ctx, node, messages) is not None:
            continue
        if _is_bookkeeping(ctx, node):
            continue
        if any(isinstance(n, ast.Name) and n.id in messages for n in ast.walk(node)):
            return True
    return False


def _is_bookkeeping(ctx: FileContext, call: ast.Call) -> bool:
    """``done.append(m.id)``, ``len(batch)``, ``print(m)``: recording, not processing."""
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr in _BOOKKEEPING_METHODS
    return (
        isinstance(func, ast.Name)
        and func.id in (*_HARMLESS_BUILTINS, "print")
        and ctx.resolver.lookup(func.id, ctx.scope) is None
    )


# -- RES602 ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    call: ast.Call
    message: str
    requeue: bool
    scan: list[ast.stmt]
    """Where an attempt count check would be (the handler function or loop)."""


@rule(
    "RES602",
    summary="A failing message is requeued forever or acknowledged with no dead-letter queue.",
)
class FailureWithoutDeadLetter:
    """## What it does
    In message handlers (pika callbacks, `for msg in consumer:` loops, SQS
    `receive_message` loops, confluent-kafka `poll()` loops, kombu/aio-pika messages):

    - (a) `basic_nack` / `basic_reject` with `requeue=True` (or `requeue` omitted: pika
      requeues by default), or `nack(requeue=True)` / `reject(requeue=True)`, in an
      `except` path with no check of an attempt count (`x-death`, `redelivered`, a retry
      header, `x-delivery-limit` on the queue);
    - (b) an ack, consumer `commit()` or SQS `delete_message()` in an `except` path or a
      `finally` block, with no publish to a dead-letter target (a name containing `dlq`,
      `dead`, `parking`, `quarantine` or one of `dead-letter-names`; an
      `x-dead-letter-exchange` queue argument) and no logging in that block.

    ## Why is this bad?
    (a) A message that always fails (bad payload, a bug) is redelivered at once, forever:
    it burns CPU, floods logs and blocks the messages behind it. (b) The failed message is
    removed from the queue and nobody can see or replay it: silent data loss.

    ## Example
    ```python
    def on_message(ch, method, properties, body):
        try:
            handle(body)
            ch.basic_ack(method.delivery_tag)
        except Exception:
            ch.basic_nack(method.delivery_tag)  # requeue=True by default
    ```

    ## Fix
    ```python
    def on_message(ch, method, properties, body):
        try:
            handle(body)
            ch.basic_ack(method.delivery_tag)
        except Exception:
            logger.exception("order failed")
            ch.basic_nack(method.delivery_tag, requeue=False)  # to the queue's DLX
    ```
    `resilience generate dead-letter-queue` emits a handler with an attempt budget.
    """

    def __init__(self) -> None:
        self.candidates: list[_Candidate] = []
        self.delivery_limit = False
        self.dead_letter_exchange = False

    def visit_Call(self, ctx: FileContext, call: ast.Call) -> None:
        method = _method(call)
        if method not in _SETTLING_METHODS:
            return
        place = _failure_block(ctx)
        if place is None:
            return
        block, try_node, in_except, scan = place
        messages = _message_names(ctx)
        if in_except and _requeues(ctx, call, method):
            nack = f"{au.dotted(call.func)}()"
            self.candidates.append(
                _Candidate(
                    call,
                    f"{nack} requeues the message from an except path with no attempt "
                    f"count check: a poison message is redelivered forever and blocks the "
                    f"queue; count deliveries (x-death, redelivered) and dead-letter it "
                    f"after n attempts",
                    True,
                    scan,
                )
            )
            return
        label = acknowledges(ctx, call, messages)
        if label is None:
            return
        failure_path = [*block]
        if not in_except:  # finally: the except handlers of the same try are on the path
            failure_path += [s for h in try_node.handlers for s in h.body]
        if _handled(ctx, block, failure_path, try_node, call):
            return
        where = "an except path" if in_except else "a finally block"
        self.candidates.append(
            _Candidate(
                call,
                f"{label} in {where} settles a failed message with no dead-letter publish "
                f"and no logging: the message is lost and nobody knows; publish it to a "
                f"dead-letter queue (or log it) before acknowledging",
                False,
                scan,
            )
        )

    def end(self, ctx: FileContext) -> None:
        if self.candidates:
            # Queue arguments are string literals; a look at the text finds them without a
            # handler on every constant of every file.
            text = ctx.source.text.lower()
            self.delivery_limit = "x-delivery-limit" in text
            self.dead_letter_exchange = "x-dead-letter-exchange" in text
        for cand in self.candidates:
            if cand.requeue:
                if self.delivery_limit or _checks_attempts(cand.scan):
                    ctx.count_site(DEAD_LETTER, True)
                    continue
            elif self.dead_letter_exchange:
                ctx.count_site(DEAD_LETTER, True)
                continue
            ctx.count_site(DEAD_LETTER, False)
            ctx.report("RES602", cand.call, cand.message, fix=_DLQ_FIX)


def _requeues(ctx: FileContext, call: ast.Call, method: str) -> bool:
    """Known for sure to requeue: pika's ``basic_nack``/``basic_reject`` unless
    ``requeue=False``; ``nack``/``reject`` only with an explicit ``requeue=True``."""
    if method in _BASIC_REQUEUE:
        if au.has_kwargs(call):
            return False
        arg = au.argument(call, "requeue", _BASIC_REQUEUE[method])
        if arg is None:
            return not au.has_star_args(call)
        return au.const_value(ctx, arg) is True
    if method in ("nack", "reject"):
        kw = au.keyword(call, "requeue")
        return kw is not None and au.const_value(ctx, kw.value) is True
    return False


def _failure_block(
    ctx: FileContext,
) -> tuple[list[ast.stmt], ast.Try | ast.TryStar, bool, list[ast.stmt]] | None:
    """(the except/finally block holding the node, its ``try``, whether it is an except
    path, the statements of the enclosing handler) for the innermost such block."""
    ancestors = ctx.ancestors
    block: tuple[list[ast.stmt], ast.Try | ast.TryStar, bool] | None = None
    scan: list[ast.stmt] | None = None
    for index in range(len(ancestors) - 1, -1, -1):
        node = ancestors[index]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scan = node.body
            break
        if isinstance(node, ast.Lambda | ast.ClassDef):
            return None
        if block is not None:
            continue
        if isinstance(node, ast.ExceptHandler):
            parent = ancestors[index - 1] if index > 0 else None
            if isinstance(parent, ast.Try | ast.TryStar):
                block = (node.body, parent, True)
        elif isinstance(node, ast.Try | ast.TryStar) and index + 1 < len(ancestors):
            child = ancestors[index + 1]
            if any(child is s for s in node.finalbody):
                block = (node.finalbody, node, False)
    if block is None:
        return None
    if scan is None:
        top = next((n for n in ancestors if isinstance(n, ast.stmt)), None)
        scan = [top] if top is not None else []
    return block[0], block[1], block[2], scan


def _message_names(ctx: FileContext) -> set[str]:
    """Names that hold the message: the handler's parameters and loop targets."""
    names: set[str] = set()
    for node in reversed(ctx.ancestors):
        if isinstance(node, ast.For | ast.AsyncFor):
            names.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            names.update(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])
            break
    names.discard("self")
    names.discard("cls")
    return names


def _handled(
    ctx: FileContext,
    block: list[ast.stmt],
    failure_path: list[ast.stmt],
    try_node: ast.Try | ast.TryStar,
    settle: ast.Call,
) -> bool:
    """The failure is dead-lettered, logged, or handed to code we cannot see."""
    # An except path goes on through the finally block; a finally block follows every handler.
    dead_letter_path = (
        [*failure_path, *try_node.finalbody] if block is not try_node.finalbody else failure_path
    )
    if any(_names_dead_letter(ctx, c) for c in _calls(dead_letter_path)):
        return True
    if any(au.is_logging_call(ctx, c) or _is_print(ctx, c) for c in _calls(failure_path)):
        return True
    messages = _message_names(ctx)
    return any(c is not settle and not _is_neutral(ctx, c, messages) for c in _calls(block))


def _calls(block: list[ast.stmt]) -> list[ast.Call]:
    return [n for n in _walk(block) if isinstance(n, ast.Call)]


def _is_print(ctx: FileContext, call: ast.Call) -> bool:
    return (
        isinstance(call.func, ast.Name)
        and call.func.id == "print"
        and (ctx.resolver.lookup("print", ctx.scope) is None)
    )


def _is_neutral(ctx: FileContext, call: ast.Call, messages: set[str]) -> bool:
    """A call that neither publishes nor records the failure: other settles, harmless
    builtins, and functions of this module that neither log nor name a dead-letter target."""
    if acknowledges(ctx, call, messages) is not None:
        return True
    method = _method(call)
    if method in _BASIC_REQUEUE or method in ("nack", "reject"):
        return True
    func = call.func
    if (
        isinstance(func, ast.Name)
        and func.id in _HARMLESS_BUILTINS
        and ctx.resolver.lookup(func.id, ctx.scope) is None
    ):
        return True
    node = local_def(ctx.resolver, ctx.scope, func)
    if node is None:
        return False  # unknown code may publish or record the failure
    if _names_dead_letter(ctx, node):
        return False
    inner_scope = ctx.resolver.scope(node)
    for inner in _walk(node.body):
        if isinstance(inner, ast.Call):
            qual = ctx.resolver.qualname(inner.func, inner_scope)
            text = au.dotted(inner.func) or ""
            if (qual or "").split(".")[0] in ("logging", "structlog", "loguru") or any(
                part in ("log", "logger", "_log", "_logger", "LOG", "LOGGER")
                for part in text.split(".")[:-1]
            ):
                return False
    return True


def _checks_attempts(scan: list[ast.stmt]) -> bool:
    """The handler looks at a delivery or attempt count somewhere: a name, attribute or
    key (``x-death``, ``"retries"``); prose such as a log message ("will retry") is not a
    check."""
    return any(
        _ATTEMPT_PATTERN.search(word) for stmt in scan for word in _words(stmt) if " " not in word
    )
