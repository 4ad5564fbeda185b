"""The skill loader: the typed model of a skill file, both layouts, and clear errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from resilience_skill.analysis.registry import CHECKLIST, known_rule_ids
from resilience_skill.data import skill_path
from resilience_skill.skill import (
    SkillError,
    discover_skills,
    expand_citation,
    github_slug,
    load_skill,
    split_citation,
)

FIXTURES = Path(__file__).parent / "fixtures" / "skills"
SEED = Path(__file__).parents[1].parent / "shared" / "seed" / "cco-skill-resilience.md"


def write(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


MINIMAL = """---
name: demo
description: A demo skill.
---
# Demo

## Checklist

- [ ] All external calls have timeouts (RES101-RES103)
- [x] Fallback strategy per dependency (RES501-RES503, RES701, RES702)
"""


# --- the bundled skill ---------------------------------------------------------------------


def test_bundled_skill_frontmatter() -> None:
    skill = load_skill(skill_path())
    assert skill.name == "resilience"
    assert skill.path == skill_path()
    assert list(skill.frontmatter) == [
        "name",
        "description",
        "license",
        "compatibility",
        "metadata",
        "allowed-tools",
    ]
    assert skill.frontmatter["license"] == "MIT"
    assert skill.frontmatter_lines["name"] == 2
    assert skill.frontmatter_lines["metadata.keywords"] == skill.frontmatter_lines["metadata"] + 1
    assert 0 < len(skill.description) <= 1024
    assert "<" not in skill.description and ">" not in skill.description
    metadata = skill.frontmatter["metadata"]
    assert all(isinstance(v, str) for v in metadata.values())
    assert "dead letter queue" in metadata["keywords"]
    assert metadata["pain_points"] == "5 6 10"


def test_bundled_checklist_is_the_contract() -> None:
    skill = load_skill(skill_path())
    assert [item.title for item in skill.checklist] == [item for item, _ in CHECKLIST]
    cited = [rule_id for item in skill.checklist for rule_id in item.rule_ids]
    assert sorted(cited) == sorted(known_rule_ids())
    assert skill.checklist[0].rule_ids == tuple(f"RES10{n}" for n in range(1, 8))
    assert skill.checklist[4].rule_ids == ("RES501", "RES502", "RES503", "RES701", "RES702")
    assert not any(item.checked for item in skill.checklist)


def test_bundled_sections_and_code_lines() -> None:
    skill = load_skill(skill_path())
    assert [s.title for s in skill.sections] == [
        "Resilience: timeouts, retries, circuit breakers, bulkheads"
    ]
    top = [s.title for s in skill.sections[0].children]
    assert top[:2] == ["Domain & Purpose", "Core Techniques"]
    assert {"Patterns", "Anti-patterns", "Checklist", "Using the tools"} <= set(top)
    techniques = skill.section("Core Techniques")
    assert techniques is not None
    assert [c.title for c in techniques.children] == [
        "Timeouts",
        "Retry with capped exponential backoff and full jitter",
        "Circuit breaker",
        "Bulkhead",
        "Graceful degradation",
        "Dead letter queue",
        "Fail fast and deadlines",
        "Monitoring",
    ]
    lines = skill_path().read_text(encoding="utf-8").split("\n")
    for block in skill.code_blocks:
        assert lines[block.line - 1] == block.text.split("\n")[0]
        assert lines[block.line - 2].startswith("```")


def test_bundled_links_point_at_references() -> None:
    skill = load_skill(skill_path())
    targets = {link.target for link in skill.links}
    assert {
        "references/timeouts.md",
        "references/retries.md",
        "references/circuit-breakers.md",
        "references/bulkheads.md",
        "references/fallbacks.md",
        "references/dead-letter-queues.md",
        "references/deadlines.md",
        "references/monitoring.md",
    } <= targets


def test_model_is_immutable() -> None:
    skill = load_skill(skill_path())
    with pytest.raises(dataclasses.FrozenInstanceError):
        skill.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        skill.frontmatter["name"] = "other"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        skill.checklist[0].title = "x"  # type: ignore[misc]
    assert isinstance(skill.checklist, tuple)
    assert isinstance(skill.code_blocks, tuple)


# --- parsing -------------------------------------------------------------------------------


def test_minimal_skill(tmp_path: Path) -> None:
    skill = load_skill(write(tmp_path / "demo" / "SKILL.md", MINIMAL))
    assert skill.body_line == 5
    first, second = skill.checklist
    assert (first.title, first.rule_ids, first.checked, first.line) == (
        "All external calls have timeouts",
        ("RES101", "RES102", "RES103"),
        False,
        9,
    )
    assert first.text == "All external calls have timeouts (RES101-RES103)"
    assert second.checked is True
    assert second.line == 10


def test_folder_and_file_give_the_same_skill(tmp_path: Path) -> None:
    file = write(tmp_path / "demo" / "SKILL.md", MINIMAL)
    assert load_skill(file.parent) == load_skill(file)


def test_crlf_file_has_the_same_lines(tmp_path: Path) -> None:
    lf = load_skill(write(tmp_path / "a" / "demo" / "SKILL.md", MINIMAL))
    crlf = load_skill(write(tmp_path / "b" / "demo" / "SKILL.md", MINIMAL, "\r\n"))
    assert crlf.frontmatter == lf.frontmatter
    assert crlf.checklist == lf.checklist
    assert crlf.body_line == lf.body_line


def test_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "SKILL.md"
    path.parent.mkdir()
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_skill(path).name == "demo"


def test_sections_are_a_tree_with_github_anchors(tmp_path: Path) -> None:
    text = """---
name: demo
description: d
---
# Top
## Domain & Purpose
### Step 1: connect
## Domain & Purpose
Setext heading
--------------
"""
    skill = load_skill(write(tmp_path / "demo" / "SKILL.md", text))
    (top,) = skill.sections
    assert [(s.title, s.level, s.line, s.anchor) for s in top.walk()] == [
        ("Top", 1, 5, "top"),
        ("Domain & Purpose", 2, 6, "domain--purpose"),
        ("Step 1: connect", 3, 7, "step-1-connect"),
        ("Domain & Purpose", 2, 8, "domain--purpose-1"),
        ("Setext heading", 2, 9, "setext-heading"),
    ]
    assert [c.title for c in top.children[0].children] == ["Step 1: connect"]


def test_code_blocks_and_links(tmp_path: Path) -> None:
    text = """---
name: demo
description: d
---
Text with [a link](other.md#part) and ![an image](img/a.png).

```Python title="x"
x = 1
```

    indented = True
"""
    skill = load_skill(write(tmp_path / "demo" / "SKILL.md", text))
    assert [(b.language, b.text, b.line) for b in skill.code_blocks] == [
        ("python", "x = 1\n", 8),
        ("", "indented = True\n", 11),
    ]
    assert [(k.target, k.text, k.line, k.column, k.image) for k in skill.links] == [
        ("other.md#part", "a link", 5, 20, False),
        ("img/a.png", "an image", 5, 51, True),
    ]


def test_checklist_outside_a_checklist_section_is_used_when_there_is_none(
    tmp_path: Path,
) -> None:
    text = "---\nname: demo\ndescription: d\n---\n## Steps\n- [ ] One\n- plain item\n"
    skill = load_skill(write(tmp_path / "demo" / "SKILL.md", text))
    assert [i.title for i in skill.checklist] == ["One"]


def test_task_items_outside_the_checklist_section_are_ignored(tmp_path: Path) -> None:
    text = (
        "---\nname: demo\ndescription: d\n---\n## Notes\n- [ ] Not this\n"
        "## Checklist\n- [ ] This (RES801)\n"
    )
    skill = load_skill(write(tmp_path / "demo" / "SKILL.md", text))
    assert [(i.title, i.rule_ids) for i in skill.checklist] == [("This", ("RES801",))]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("RES101", ("RES101",)),
        ("RES101-RES103", ("RES101", "RES102", "RES103")),
        ("RES101 – RES102, RES801", ("RES101", "RES102", "RES801")),
        ("RES103-RES101", ()),
        ("RES101-RES999", ()),
        ("RES101, RES101", ("RES101",)),
    ],
)
def test_expand_citation(text: str, ids: tuple[str, ...]) -> None:
    assert expand_citation(text) == ids


def test_split_citation_keeps_parentheses_that_are_not_citations() -> None:
    assert split_citation("Separate thread pools (critical vs non-critical) (RES401-RES403)") == (
        "Separate thread pools (critical vs non-critical)",
        ("RES401", "RES402", "RES403"),
    )
    assert split_citation("Separate thread pools (critical vs non-critical)") == (
        "Separate thread pools (critical vs non-critical)",
        (),
    )


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("18. Command Discovery Protocol", "18-command-discovery-protocol"),
        ("Domain & Purpose", "domain--purpose"),
        ("Retry + Backoff", "retry--backoff"),
        ("Monitor: circuit state, retry rates", "monitor-circuit-state-retry-rates"),
        ("snake_case and-hyphen", "snake_case-and-hyphen"),
        ("Überblick", "überblick"),
    ],
)
def test_github_slug(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


# --- layouts -------------------------------------------------------------------------------


def test_flat_legacy_file() -> None:
    skill = load_skill(FIXTURES / "legacy" / "cco-skill-sample.md")
    assert skill.name == "cco-skill-sample"
    assert skill.frontmatter["pain_points"] == [1, 12]
    assert skill.frontmatter_lines["related_commands.action_types"] == 7


def test_discover_skills_finds_both_layouts(tmp_path: Path) -> None:
    write(tmp_path / "b-skill" / "SKILL.md", MINIMAL.replace("demo", "b-skill"))
    write(tmp_path / "a-skill" / "SKILL.md", MINIMAL.replace("demo", "a-skill"))
    write(tmp_path / "cco-skill-old.md", MINIMAL.replace("demo", "cco-skill-old"))
    write(tmp_path / "notes.md", "# not a skill\n")
    assert [s.name for s in discover_skills(tmp_path)] == ["a-skill", "b-skill", "cco-skill-old"]


def test_discover_bundled_skills() -> None:
    assert [s.name for s in discover_skills(skill_path().parent.parent)] == ["resilience"]


@pytest.mark.skipif(not SEED.is_file(), reason="the seed (../shared/seed) is not beside the clone")
def test_seed_loads() -> None:
    skill = load_skill(SEED)
    assert skill.name == "cco-skill-resilience"
    assert len(skill.checklist) == 7
    assert all(item.rule_ids == () for item in skill.checklist)
    assert [link.line for link in skill.links] == [14, 15]


# --- errors --------------------------------------------------------------------------------


def load_error(path: Path) -> SkillError:
    with pytest.raises(SkillError) as info:
        load_skill(path)
    return info.value


def test_missing_path(tmp_path: Path) -> None:
    error = load_error(tmp_path / "nope")
    assert (error.code, error.message) == ("SK001", "No such file or directory")
    assert str(error) == f"{tmp_path / 'nope'}:1:1: No such file or directory"


def test_folder_without_skill_md(tmp_path: Path) -> None:
    error = load_error(tmp_path)
    assert (error.code, error.message) == ("SK001", "folder has no SKILL.md")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "SKILL.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert load_error(path).code == "SK002"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "SKILL.md"
    path.write_bytes(b"---\nname: caf\xe9\n---\n")
    error = load_error(path)
    assert (error.code, error.line) == ("SK002", 2)


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    error = load_error(write(tmp_path / "SKILL.md", content))
    assert (error.code, error.message) == ("SK003", "empty file")


def test_no_frontmatter(tmp_path: Path) -> None:
    assert load_error(write(tmp_path / "SKILL.md", "# Title\n")).code == "SK101"


def test_frontmatter_not_closed(tmp_path: Path) -> None:
    error = load_error(write(tmp_path / "SKILL.md", "---\nname: x\n# Title\n", "\r\n"))
    assert error.code == "SK102"


def test_yaml_error_has_line_and_column(tmp_path: Path) -> None:
    error = load_error(write(tmp_path / "SKILL.md", "---\nname: x\ndescription: [a\n---\n"))
    assert (error.code, error.line) == ("SK103", 4)
    assert error.message.startswith("YAML error: ")


def test_yaml_bomb_is_refused(tmp_path: Path) -> None:
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    text = "---\nname: bomb\ndescription: d\n" + "\n".join(rows) + "\n---\n# Bomb\n"
    error = load_error(write(tmp_path / "SKILL.md", text))
    assert (error.code, error.line, error.column) == ("SK104", 4, 4)
    assert error.message == "YAML anchors and aliases are not allowed in frontmatter"


def test_huge_flat_frontmatter_is_refused(tmp_path: Path) -> None:
    items = "\n".join(f"  - {i}" for i in range(6000))
    error = load_error(write(tmp_path / "SKILL.md", f"---\nname: x\nitems:\n{items}\n---\n"))
    assert error.code == "SK104"


@pytest.mark.parametrize("yaml_text", ["- a\n- b", "just text", "1: one"])
def test_frontmatter_must_be_a_mapping_of_strings(tmp_path: Path, yaml_text: str) -> None:
    error = load_error(write(tmp_path / "SKILL.md", f"---\n{yaml_text}\n---\n# x\n"))
    assert error.code == "SK105"


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "SKILL.md"
    path.write_bytes(b"---\nname: x\n---\n" + b"a" * 1_000_001)
    assert load_error(path).code == "SK004"


def test_repeated_link_targets_get_their_own_columns(tmp_path: Path) -> None:
    text = "---\nname: demo\ndescription: d\n---\n[a](x.md) and [b](x.md)\n[c](x.md)\n"
    skill = load_skill(write(tmp_path / "demo" / "SKILL.md", text))
    assert [(k.text, k.line, k.column) for k in skill.links] == [
        ("a", 5, 5),
        ("b", 5, 19),
        ("c", 6, 5),
    ]
