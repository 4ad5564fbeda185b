"""The tools: ``audit``, ``fix``, ``generate``, ``explain``.

Bodies that read files take the client's roots through a resolver that asks ``roots/list``
only when the client declared the roots capability (asking a client that did not fails the
whole call), and run the engine in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context, ListRoots, MCPServer, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, ListRootsResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from resilience_skill.mcp.engine_calls import (
    InputError,
    run_audit,
    run_explain,
    run_fix,
    run_generate,
)
from resilience_skill.mcp.models import AuditReport, FixReport, GenerateOut, RuleDoc
from resilience_skill.mcp.workspace import Limits, Workspace, WorkspaceError, roots_from_uris

PATTERNS = (
    "timeout",
    "retry",
    "circuit-breaker",
    "bulkhead",
    "fallback-chain",
    "dead-letter-queue",
    "resilient-client",
    "deadline",
)
Pattern = Literal[
    "timeout",
    "retry",
    "circuit-breaker",
    "bulkhead",
    "fallback-chain",
    "dead-letter-queue",
    "resilient-client",
    "deadline",
]
DEFAULT_LIMIT = 20
"""Findings per page: about 9,000 tokens for the structured result and its text copy
together, far below the 25,000 an assistant accepts from one tool."""
MAX_LIMIT = 100
PROGRESS_INTERVAL = 0.25


@dataclass(frozen=True)
class ServerSettings:
    roots: tuple[Path, ...] = ()
    """``--root`` folders; empty: the working directory."""
    limits: Limits = field(default_factory=Limits)


async def ask_roots(ctx: Context) -> ListRoots | ListRootsResult:
    """Ask the client for its roots only if it declared it can answer."""
    caps = ctx.client_capabilities
    if caps is not None and caps.roots is not None:
        return ListRoots()
    return ListRootsResult(roots=[])


ClientRoots = Annotated[ListRootsResult, Resolve(ask_roots)]


def workspace_for(roots: ListRootsResult, settings: ServerSettings) -> Workspace:
    # A client that declares roots but lists none (no folder open) gets the server's roots
    # rather than a workspace in which every path is refused.
    client = roots_from_uris(str(r.uri) for r in roots.roots)
    if client:
        return Workspace.of(client, "client roots")
    if settings.roots:
        return Workspace.of(settings.roots, "--root")
    return Workspace.of([Path.cwd()], "working directory")


async def _off_loop(fn: Callable[[], BaseModel]) -> CallToolResult:
    """Run ``fn`` in a worker thread; expected failures become tool errors."""
    try:
        model = await anyio.to_thread.run_sync(fn)
    except (WorkspaceError, InputError) as exc:
        raise ToolError(str(exc)) from None
    return compact_result(model)


def compact_result(model: BaseModel) -> CallToolResult:
    """Structured content plus its text copy as compact JSON: the SDK's default copy is
    indented, which costs the model about half again as many tokens for the same data."""
    data = model.model_dump(mode="json")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def _progress_bridge(ctx: Context) -> Callable[[int, int], None]:
    """A progress callback for the worker thread: checks for cancellation on every file
    and forwards progress to the client at most every ``PROGRESS_INTERVAL`` seconds."""
    last = [0.0]
    lock = threading.Lock()

    def report(done: int, total: int) -> None:
        anyio.from_thread.check_cancelled()
        now = time.monotonic()
        with lock:
            if done < total and now - last[0] < PROGRESS_INTERVAL:
                return
            last[0] = now
        anyio.from_thread.run(
            functools.partial(ctx.report_progress, done, total, f"{done}/{total} files audited")
        )

    return report


READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)

AUDIT_DESCRIPTION = """\
Find code that lets one slow or failing dependency take a service down: HTTP, database, \
gRPC and subprocess calls without timeouts, retries without bounds/backoff/jitter, missing \
circuit breakers, unbounded fan-out, blocking calls in async code, swallowed exceptions, \
messages lost without a dead-letter queue. Use it when reviewing or writing Python that calls \
other services, before and after changes, and to score the resilience checklist. Pass paths \
(files or folders, relative to the workspace) rather than code; use `code` only for a snippet \
not on disk. Results are paged: read `page.next_offset`. Each finding carries its rule's doc \
link, the automatic fix (apply it with the fix tool) or the generate pattern that writes the \
missing code. Read-only."""

FIX_DESCRIPTION = """\
Apply the automatic fixes the audit found in one Python file (or an inline snippet) and report \
the unified diff, what was fixed and what remains (with the reason and the generate pattern \
that covers it). By default it is a dry run: nothing is written. With apply=true the file is \
replaced atomically, and only if the fixed code parses and the file did not change meanwhile; \
show the diff to the user before applying. unsafe=true also applies fixes that may change \
behaviour (for example adding a timeout)."""

GENERATE_DESCRIPTION = """\
Emit correct, tested resilience code for a pattern: a configured client with timeouts, retry \
with capped exponential backoff and jitter, a circuit breaker, a bulkhead, a fallback chain, a \
dead-letter-queue consumer, a composed resilient client, or a propagated deadline. Use it for \
findings the fix tool cannot resolve (their `generate` field names the pattern) or when adding \
one of these patterns. Returns the module, a pytest module exercising it under injected \
faults, pip dependencies and notes on where to apply it. Writes nothing."""

EXPLAIN_DESCRIPTION = """\
Explain one rule (by ID such as RES101 or by name such as http-call-without-timeout): why it \
matters, a bad and a good example, how to fix it, and the checklist item it belongs to. Use it \
when a finding is unclear or before changing code the user disagrees about."""


def register_tools(server: MCPServer, settings: ServerSettings) -> None:
    limits = settings.limits

    @server.tool(
        name="audit",
        title="Audit resilience",
        description=AUDIT_DESCRIPTION,
        annotations=READ_ONLY,
    )
    async def audit(
        ctx: Context,
        roots: ClientRoots,
        paths: Annotated[
            list[str] | None,
            Field(
                description="Files or folders to audit, relative to the workspace root "
                "(default: every workspace root). Folders are walked for *.py, honouring "
                ".gitignore.",
                max_length=100,
            ),
        ] = None,
        code: Annotated[
            str | None,
            Field(description="Inline Python source to audit instead of paths (a snippet)."),
        ] = None,
        filename: Annotated[
            str,
            Field(description="Name to report inline code under (used for per-file config)."),
        ] = "snippet.py",
        select: Annotated[
            list[str] | None,
            Field(description="Only these rules: IDs, prefixes (RES1, RES20) or names."),
        ] = None,
        ignore: Annotated[
            list[str] | None,
            Field(description="Skip these rules: IDs, prefixes or names."),
        ] = None,
        min_severity: Annotated[
            Literal["high", "medium", "low"],
            Field(description="Report only findings at or above this severity."),
        ] = "low",
        limit: Annotated[
            int,
            Field(description="Findings per page.", ge=1, le=MAX_LIMIT),
        ] = DEFAULT_LIMIT,
        offset: Annotated[
            int,
            Field(description="Index of the first finding to return (page.next_offset).", ge=0),
        ] = 0,
    ) -> Annotated[CallToolResult, AuditReport]:
        ws = _workspace(roots, settings)
        progress = _progress_bridge(ctx)
        return await _off_loop(
            functools.partial(
                run_audit,
                ws,
                limits,
                paths=paths,
                code=code,
                filename=filename,
                select=select,
                ignore=ignore,
                min_severity=min_severity,
                limit=limit,
                offset=offset,
                progress=progress,
            )
        )

    @server.tool(
        name="fix",
        title="Fix resilience findings",
        description=FIX_DESCRIPTION,
        # Static hints must cover the worst case: apply=true overwrites a file. Re-running
        # with the same arguments changes nothing more (the fixer converges), so idempotent.
        annotations=ToolAnnotations(
            read_only_hint=False,
            destructive_hint=True,
            idempotent_hint=True,
            open_world_hint=False,
        ),
    )
    async def fix(
        roots: ClientRoots,
        path: Annotated[
            str | None,
            Field(description="The Python file to fix, relative to the workspace root."),
        ] = None,
        code: Annotated[
            str | None,
            Field(description="Inline Python source to fix instead of a file."),
        ] = None,
        filename: Annotated[
            str, Field(description="Name to report inline code under.")
        ] = "snippet.py",
        rules: Annotated[
            list[str] | None,
            Field(description="Only fix findings of these rules: IDs, prefixes or names."),
        ] = None,
        unsafe: Annotated[
            bool,
            Field(description="Also apply fixes that may change behaviour (e.g. add timeouts)."),
        ] = False,
        apply: Annotated[
            bool,
            Field(description="Write the fixed file (atomically). False: only report the diff."),
        ] = False,
    ) -> Annotated[CallToolResult, FixReport]:
        ws = _workspace(roots, settings)
        return await _off_loop(
            functools.partial(
                run_fix,
                ws,
                limits,
                path=path,
                code=code,
                filename=filename,
                rules=rules,
                unsafe=unsafe,
                apply=apply,
            )
        )

    @server.tool(
        name="generate",
        title="Generate resilience code",
        description=GENERATE_DESCRIPTION,
        annotations=READ_ONLY,
    )
    async def generate(
        pattern: Annotated[Pattern, Field(description="The pattern to emit.")],
        flavor: Annotated[
            str | None,
            Field(
                description="Library flavor, e.g. requests/httpx/aiohttp for timeout, "
                "stdlib/tenacity/backoff/stamina for retry, stdlib/pybreaker/circuitbreaker/"
                "purgatory for circuit-breaker, stdlib/pika/kafka/sqs for dead-letter-queue "
                "(default: the pattern's first)."
            ),
        ] = None,
        async_: Annotated[bool, Field(description="Emit the asyncio variant.")] = False,
        name: Annotated[str | None, Field(description="Rename the main class or function.")] = None,
        params: Annotated[
            dict[str, str] | None,
            Field(description='Template constants, e.g. {"attempts": "4"}.'),
        ] = None,
    ) -> Annotated[CallToolResult, GenerateOut]:
        return await _off_loop(
            functools.partial(run_generate, pattern, flavor, async_, name, params)
        )

    @server.tool(
        name="explain",
        title="Explain a rule",
        description=EXPLAIN_DESCRIPTION,
        annotations=READ_ONLY,
    )
    async def explain(
        rule: Annotated[
            str,
            Field(
                description="Rule ID (RES101) or name (http-call-without-timeout).",
                max_length=100,
            ),
        ],
    ) -> Annotated[CallToolResult, RuleDoc]:
        return await _off_loop(functools.partial(run_explain, rule))


def _workspace(roots: ListRootsResult, settings: ServerSettings) -> Workspace:
    try:
        return workspace_for(roots, settings)
    except WorkspaceError as exc:
        raise ToolError(str(exc)) from None


__all__ = ["PATTERNS", "ServerSettings", "ask_roots", "register_tools", "workspace_for"]
