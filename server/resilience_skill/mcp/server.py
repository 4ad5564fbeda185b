"""Build the ``resilience`` MCP server: tools, resources, prompts and instructions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mcp.server.mcpserver import MCPServer

from resilience_skill import __version__
from resilience_skill.mcp.prompts import register_prompts
from resilience_skill.mcp.resources import register_resources
from resilience_skill.mcp.skills import SkillEntry, find_skills
from resilience_skill.mcp.tools import ServerSettings, register_tools
from resilience_skill.mcp.workspace import Limits

NAME = "resilience"


def instructions(skills: Sequence[SkillEntry]) -> str:
    listed = "\n".join(f"- {s.name} ({s.uri}): {s.description}" for s in skills)
    return f"""\
Find and fix Python code that lets one slow or failing dependency take a service down.

Skills (read the resource for the full text):
{listed or "- none found"}

Workflow: `audit` paths (not pasted code) and read the checklist scorecard; `explain` a \
rule when needed; `fix` a file as a dry run, show the diff, then apply=true; `generate` the \
pattern named by findings the fixer leaves; audit again. Paths are relative to the \
workspace: the client's roots, else the server's --root folders, else its working directory.
Prompts: audit, fix, generate. Resources: skill://resilience/checklist, rule://{{id}}, \
standard://skill-format."""


def build_server(
    roots: Sequence[Path] = (),
    *,
    limits: Limits | None = None,
    skills_folder: Path | None = None,
) -> MCPServer:
    skills = find_skills(skills_folder)
    server = MCPServer(
        NAME,
        title="Resilience",
        description="Audit, fix and generate resilience code: timeouts, retries, circuit "
        "breakers, bulkheads, fallbacks, dead-letter queues.",
        instructions=instructions(skills),
        version=__version__,
        log_level="WARNING",
    )
    register_tools(server, ServerSettings(tuple(Path(r) for r in roots), limits or Limits()))
    register_resources(server, skills)
    register_prompts(server)
    return server
