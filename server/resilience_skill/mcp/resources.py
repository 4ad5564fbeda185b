"""Resources: the skills (``skill://<name>``, their reference pages), the resilience
checklist as structured JSON, every rule's doc (``rule://{id}``) and the skill-format
standard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from resilience_skill.mcp.skills import SkillEntry

CHECKLIST_URI = "skill://resilience/checklist"
STANDARD_URI = "standard://skill-format"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResourceError(f"{path}: cannot read: {exc}") from None


def checklist_json(skill_file: Path) -> dict[str, Any]:
    """The skill's checklist items with the rules that check each one."""
    from resilience_skill.skill import SkillError, load_skill

    try:
        skill = load_skill(skill_file)
    except SkillError as exc:
        raise ResourceError(str(exc)) from None
    return {
        "skill": skill.name,
        "how_to_score": "Call the audit tool: its `checklist` field scores every item "
        "(findings, sites checked, passed).",
        "items": [
            {"item": item.title, "rules": list(item.rule_ids), "line": item.line}
            for item in skill.checklist
        ],
    }


def rule_markdown(rule_id: str) -> str:
    from resilience_skill.analysis.registry import find_rule

    info = find_rule(rule_id)
    if info is None:
        raise ResourceError(f"unknown rule {rule_id!r}; rule IDs run RES101..RES801")
    generate = f"`generate` pattern: {info.generate}\n" if info.generate else ""
    return (
        f"# {info.id} {info.name}\n\n"
        f"Severity: {info.severity.value} · fix: {info.fix} · "
        f"checklist: {info.checklist_item}\n{generate}\n"
        f"{info.doc}\n\n{info.url}\n"
    )


def standard_markdown() -> str:
    from resilience_skill.data import standards_dir

    folder = standards_dir()
    doc = folder / "skill-format.md"
    if doc.is_file():
        return _read(doc)
    schema = folder / "skill.schema.json"
    body = json.dumps(json.loads(_read(schema)), indent=2) if schema.is_file() else "{}"
    return (
        "# Skill format\n\nThe JSON Schema `resilience validate` checks skill frontmatter "
        f"against:\n\n```json\n{body}\n```\n"
    )


def _add_text(server: MCPServer, uri: str, name: str, description: str, path: Path) -> None:
    def read() -> str:
        return _read(path)

    server.resource(uri, name=name, description=description, mime_type="text/markdown")(read)


def register_resources(server: MCPServer, skills: list[SkillEntry]) -> None:
    for skill in skills:
        _add_text(server, skill.uri, f"skill-{skill.name}", skill.description, skill.path)
        for ref in skill.references:
            _add_text(
                server,
                f"{skill.uri}/references/{ref.name}",
                f"skill-{skill.name}-{ref.stem}",
                f"{skill.name} skill reference: {ref.stem.replace('-', ' ')}",
                ref,
            )
    resilience = next((s for s in skills if s.name == "resilience"), None)
    if resilience is not None:
        skill_file = resilience.path

        @server.resource(
            CHECKLIST_URI,
            name="resilience-checklist",
            description="The resilience checklist: each item with the rule IDs that check it.",
            mime_type="application/json",
        )
        def checklist() -> dict[str, Any]:
            return checklist_json(skill_file)

    @server.resource(
        "rule://{id}",
        name="rule",
        description="One rule's documentation (Markdown): why, example, fix. id: RES101...",
        mime_type="text/markdown",
    )
    def rule(id: str) -> str:  # the parameter must match the URI template variable
        return rule_markdown(id)

    @server.resource(
        STANDARD_URI,
        name="skill-format",
        description="The skill-format standard `resilience validate` checks skills against.",
        mime_type="text/markdown",
    )
    def standard() -> str:
        return standard_markdown()
