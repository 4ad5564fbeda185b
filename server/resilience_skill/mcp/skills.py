"""The skills the server offers: found in the bundled skills folder, summarised from their
frontmatter alone (name and description) so start-up stays cheap; the full loader runs only
when a client reads the checklist."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from resilience_skill.data import skills_dir

_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)
MAX_SKILL_BYTES = 1_000_000


@dataclass(frozen=True)
class SkillEntry:
    name: str
    description: str
    path: Path
    """The SKILL.md (or flat ``cco-skill-*.md``) file."""

    @property
    def uri(self) -> str:
        return f"skill://{self.name}"

    @property
    def references(self) -> tuple[Path, ...]:
        folder = self.path.parent / "references"
        if self.path.name != "SKILL.md" or not folder.is_dir():
            return ()
        return tuple(sorted(p for p in folder.glob("*.md") if p.is_file()))


def _frontmatter(text: str) -> dict[str, object]:
    import yaml

    if not text.startswith("---"):
        return {}
    fences = list(_FENCE.finditer(text))
    if len(fences) < 2:
        return {}
    try:
        data = yaml.safe_load(text[fences[0].end() : fences[1].start()])
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _entry(file: Path) -> SkillEntry | None:
    try:
        if file.stat().st_size > MAX_SKILL_BYTES:
            return None
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    data = _frontmatter(text)
    name, description = data.get("name"), data.get("description")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        return None
    return SkillEntry(name, " ".join(str(description or "").split()), file)


def find_skills(folder: Path | None = None) -> list[SkillEntry]:
    """Every loadable skill in the folder (``<name>/SKILL.md`` and ``cco-skill-*.md``), by
    name; broken ones are skipped (``resilience validate`` reports them)."""
    folder = folder or skills_dir()
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*/SKILL.md")) + sorted(folder.glob("cco-skill-*.md"))
    entries: dict[str, SkillEntry] = {}
    for file in files:
        entry = _entry(file)
        if entry is not None and entry.name not in entries:
            entries[entry.name] = entry
    return sorted(entries.values(), key=lambda e: (e.name != "resilience", e.name))
