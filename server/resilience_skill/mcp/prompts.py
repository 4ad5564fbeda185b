"""Prompts (slash commands in clients): the checklist-driven workflow, one per face."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

CHECKLIST = (
    "All external calls have timeouts (RES101-RES107)",
    "Circuit breakers on critical deps (RES301-RES303)",
    "Retry with exponential backoff + jitter (RES201-RES209)",
    "Separate thread pools (critical vs non-critical) (RES401-RES403)",
    "Fallback strategy per dependency (RES501-RES503, RES701, RES702)",
    "Dead letter queue for failures (RES601, RES602)",
    "Monitor: circuit state, retry rates, timeouts, fallback usage (RES801)",
)


def _checklist() -> str:
    return "\n".join(f"- [ ] {item}" for item in CHECKLIST)


def audit_prompt(path: str = ".") -> str:
    return f"""\
Audit `{path}` for resilience problems, checklist first.

1. Read the resource skill://resilience (the skill) if you have not yet.
2. Call the `audit` tool with paths=["{path}"]. Page through the findings with `offset` \
(page.next_offset) until null; start with severity high.
3. Report the checklist scorecard from the result, item by item:
{_checklist()}
   For each failed item, list its findings (path:line, rule, message) and what the \
dependency's failure would do to the service.
4. For each finding say how it gets resolved: its `fix` (the `fix` tool can apply it), or \
the `generate` pattern that writes the missing code. Use `explain` for any rule you need to \
justify.
5. Do not change files in this step; finish with a short, ordered plan (highest severity \
first)."""


def fix_prompt(path: str) -> str:
    return f"""\
Fix the resilience findings in `{path}`.

1. Call `audit` with paths=["{path}"] and note the failed checklist items:
{_checklist()}
2. Call `fix` with path="{path}" (a dry run). Show me the diff and what remains, with the \
reason for each. Ask before unsafe fixes (unsafe=true: they may change behaviour, e.g. a new \
timeout).
3. When I agree, call `fix` again with apply=true (and the same unsafe value). It writes \
atomically and only if the result parses.
4. For each remaining finding, call `generate` with its `generate` pattern and the flavor \
that matches the libraries the file already uses; adapt the code into the file, keeping \
the emitted tests.
5. Call `audit` again and report the checklist scorecard before and after."""


def generate_prompt(pattern: str, flavor: str = "") -> str:
    flavor_arg = f', flavor="{flavor}"' if flavor else ""
    return f"""\
Add the `{pattern}` resilience pattern to this code base.

1. Find the calls to protect (the `audit` tool's findings whose `generate` field is \
"{pattern}" are the best candidates) and the libraries already in use.
2. Call `generate` with pattern="{pattern}"{flavor_arg}; pick the async variant (async_=true) \
for asyncio code.
3. Put the module where the notes say, wire it around the calls found in step 1, add its \
pytest module to the tests and its dependencies to the project.
4. Call `audit` on the changed files: the new code must pass, and the checklist item it \
serves should now pass:
{_checklist()}"""


def register_prompts(server: MCPServer) -> None:
    @server.prompt(
        name="audit",
        title="Resilience audit",
        description="Audit a path and report the resilience checklist scorecard with a plan.",
    )
    def audit(
        path: Annotated[str, Field(description="File or folder to audit (default: .)")] = ".",
    ) -> str:
        return audit_prompt(path)

    @server.prompt(
        name="fix",
        title="Fix resilience findings",
        description="Fix a file's findings: dry run, confirm, apply, generate the rest.",
    )
    def fix(path: Annotated[str, Field(description="The Python file to fix")]) -> str:
        return fix_prompt(path)

    @server.prompt(
        name="generate",
        title="Add a resilience pattern",
        description="Generate a pattern (retry, circuit-breaker, ...) and wire it in.",
    )
    def generate(
        pattern: Annotated[
            str,
            Field(
                description="timeout, retry, circuit-breaker, bulkhead, fallback-chain, "
                "dead-letter-queue, resilient-client or deadline"
            ),
        ],
        flavor: Annotated[str, Field(description="Library flavor (optional)")] = "",
    ) -> str:
        return generate_prompt(pattern, flavor)
