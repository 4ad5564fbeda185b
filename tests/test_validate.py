"""The skill validator: every check with a failing and a passing case, the profiles, the
seed's known problems, the bundled skill, and the command's output formats."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resilience_skill.cli import main
from resilience_skill.data import skill_path, standards_dir
from resilience_skill.validate import CHECKS, Problem, detect_profile, validate_paths

FIXTURES = Path(__file__).parent / "fixtures" / "skills"
SEED = Path(__file__).parents[1].parent / "shared" / "seed" / "cco-skill-resilience.md"
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="../shared/seed is not beside the clone")

CHECKLIST = """## Checklist

- [ ] All external calls have timeouts (RES101-RES107)
- [ ] Circuit breakers on critical deps (RES301-RES303)
- [ ] Retry with exponential backoff + jitter (RES201-RES209)
- [ ] Separate thread pools (critical vs non-critical) (RES401-RES403)
- [ ] Fallback strategy per dependency (RES501-RES503, RES701, RES702)
- [ ] Dead letter queue for failures (RES601, RES602)
- [ ] Monitor: circuit state, retry rates, timeouts, fallback usage (RES801)
"""

CCO_FRONTMATTER = """name: cco-skill-demo
description: A legacy demo.
keywords: [a, b, c, d, e, f, g, h, i, j]
category: testing
related_commands:
  action_types: [audit]
pain_points: [1]"""

CCO_BODY = "# Demo\n## Domain & Purpose\nx\n## Core Techniques\ny\n## Checklist\n- [ ] One\n"


def write_skill(
    root: Path,
    body: str = "# Demo\n",
    *,
    frontmatter: str = "name: demo\ndescription: A demo skill.",
    folder: str = "demo",
    filename: str = "SKILL.md",
) -> Path:
    path = root / folder / filename if folder else root / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{frontmatter}\n---\n{body}", encoding="utf-8")
    return path


def found(path: Path, profile: str | None = None) -> list[tuple[str, int]]:
    """(code, line) of every problem."""
    return [(p.code, p.line) for p in validate_paths([path], profile)]


def codes(path: Path, profile: str | None = None) -> set[str]:
    return {p.code for p in validate_paths([path], profile)}


# --- the fixtures, the bundled skill, the seed --------------------------------------------


def test_good_fixture_is_clean_under_agentskills() -> None:
    assert validate_paths([FIXTURES / "good-skill"]) == []
    assert validate_paths([FIXTURES / "good-skill"], "agentskills") == []


def test_legacy_fixture_is_clean_under_cco() -> None:
    assert validate_paths([FIXTURES / "legacy" / "cco-skill-sample.md"]) == []


def test_broken_fixture_reports_every_body_problem() -> None:
    path = FIXTURES / "broken-skill"
    shown = f"{path}/SKILL.md"
    assert [p.to_text() for p in validate_paths([path])] == [
        f"{shown}:11:12: SK304 Python code block does not parse: invalid syntax",
        f"{shown}:15:15: SK305 link target references/missing.md is dangling: "
        "file references/missing.md not found",
        f"{shown}:15:52: SK306 no heading for anchor #nowhere in this file",
        f"{shown}:17:1: SK302 duplicate heading 'Examples' (first on line 8): "
        "its anchor becomes #examples-1",
        f"{shown}:19:1: SK303 checklist item has no text",
    ]


@pytest.mark.parametrize("profile", ["resilience", "agentskills", None])
def test_bundled_skill_is_clean(profile: str | None) -> None:
    assert validate_paths([skill_path()], profile) == []


def test_no_path_validates_the_bundled_skills() -> None:
    assert validate_paths([]) == []
    assert validate_paths(None) == []


@needs_seed
def test_seed_under_cco_reports_the_dangling_link() -> None:
    assert [p.to_text() for p in validate_paths([SEED], "cco")] == [
        f"{SEED}:14:55: SK305 link target ../cco-standards.md is dangling: "
        "file ../cco-standards.md not found",
        f"{SEED}:15:41: SK305 link target ../cco-standards.md#18-command-discovery-protocol "
        "is dangling: file ../cco-standards.md not found: "
        "anchor #18-command-discovery-protocol cannot resolve either",
    ]
    assert validate_paths([SEED]) == validate_paths([SEED], "cco")


@needs_seed
def test_seed_under_agentskills_reports_extra_keys_and_flow_lists() -> None:
    problems = validate_paths([SEED], "agentskills")
    extra = [(p.line, p.message.split(":")[0]) for p in problems if p.code == "SK201"]
    assert extra == [
        (4, "unknown key 'keywords'"),
        (5, "unknown key 'category'"),
        (6, "unknown key 'related_commands'"),
        (9, "unknown key 'pain_points'"),
    ]
    flow = [(p.line, p.column) for p in problems if p.code == "SK107"]
    assert flow == [(4, 11), (7, 17), (8, 15), (9, 14)]
    assert {p.code for p in problems} == {"SK201", "SK107", "SK203", "SK305"}


def test_detect_profile() -> None:
    assert detect_profile(Path("x/cco-skill-a.md"), {}) == "cco"
    assert detect_profile(Path("x/SKILL.md"), {"name": "cco-skill-a"}) == "cco"
    assert detect_profile(Path("resilience/SKILL.md"), {"name": "resilience"}) == "resilience"
    assert detect_profile(Path("other/SKILL.md"), {"name": "other"}) == "agentskills"


# --- file checks ---------------------------------------------------------------------------


def test_sk001_missing_path_and_folder_without_skill(tmp_path: Path) -> None:
    assert found(tmp_path / "missing") == [("SK001", 1)]
    (tmp_path / "empty").mkdir()
    assert found(tmp_path / "empty") == [("SK001", 1)]
    assert found(FIXTURES / "empty-folder") == [("SK001", 1)]
    assert found(write_skill(tmp_path)) == []


def test_sk002_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "SKILL.md"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    assert found(path) == [("SK002", 1)]
    assert "SK002" not in codes(write_skill(tmp_path))


def test_sk003_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "SKILL.md"
    path.write_bytes(b"")
    assert found(path) == [("SK003", 1)]


def test_sk004_file_too_large(tmp_path: Path) -> None:
    path = write_skill(tmp_path, "x" * 1_000_001)
    assert found(path) == [("SK004", 1)]
    assert found(write_skill(tmp_path, "x" * 1000)) == []


# --- frontmatter checks --------------------------------------------------------------------


def test_sk101_no_frontmatter(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "SKILL.md"
    path.parent.mkdir()
    path.write_text("# Demo\n\n[dangling](nope.md)\n", encoding="utf-8")
    # The body is still checked: every problem at once.
    assert found(path) == [("SK101", 1), ("SK305", 3)]


def test_sk102_frontmatter_not_closed_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "SKILL.md"
    path.parent.mkdir()
    path.write_bytes(b"---\r\nname: demo\r\ndescription: d\r\n# Demo\r\n")
    assert found(path) == [("SK102", 1)]
    path.write_bytes(b"---\r\nname: demo\r\ndescription: d\r\n---\r\n# Demo\r\n")
    assert found(path) == []


def test_sk103_yaml_error_line_and_column(tmp_path: Path) -> None:
    path = write_skill(tmp_path, frontmatter="name: demo\ndescription: d\n  bad: indent")
    (problem,) = validate_paths([path])
    assert (problem.code, problem.line, problem.column) == ("SK103", 4, 6)
    assert problem.message == "YAML error: mapping values are not allowed here"


def test_sk104_yaml_bomb(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    path = write_skill(tmp_path, frontmatter="name: demo\ndescription: d\n" + "\n".join(lines))
    assert found(path) == [("SK104", 4)]


def test_sk105_frontmatter_not_a_mapping(tmp_path: Path) -> None:
    assert found(write_skill(tmp_path, frontmatter="- name\n- description")) == [("SK105", 2)]


def test_sk106_duplicate_key(tmp_path: Path) -> None:
    path = write_skill(tmp_path, frontmatter="name: demo\ndescription: a\ndescription: b")
    assert found(path) == [("SK106", 4)]


def test_sk107_flow_style_only_outside_cco(tmp_path: Path) -> None:
    path = write_skill(tmp_path, frontmatter="name: demo\ndescription: d\nmetadata: {k: v}")
    assert found(path) == [("SK107", 4)]
    block = write_skill(tmp_path, frontmatter="name: demo\ndescription: d\nmetadata:\n  k: v")
    assert found(block) == []
    flat = write_skill(
        tmp_path, CCO_BODY, frontmatter=CCO_FRONTMATTER, folder="", filename="cco-skill-demo.md"
    )
    assert found(flat) == []


def test_sk201_unknown_keys_one_per_key(tmp_path: Path) -> None:
    path = write_skill(tmp_path, frontmatter="name: demo\nversion: 1\ndescription: d\ntags: x")
    problems = validate_paths([path])
    assert [(p.code, p.line, p.column) for p in problems] == [("SK201", 3, 1), ("SK201", 5, 1)]
    assert problems[0].message == (
        "unknown key 'version': the agentskills profile allows only "
        "allowed-tools, compatibility, description, license, metadata, name"
    )
    allowed = (
        "name: demo\ndescription: d\nlicense: MIT\ncompatibility: any\n"
        "metadata:\n  a: b\nallowed-tools: Read"
    )
    assert found(write_skill(tmp_path, frontmatter=allowed)) == []


@pytest.mark.parametrize(
    ("frontmatter", "line", "message"),
    [
        ("description: d", 1, "frontmatter: 'name' is a required property"),
        (
            "name: demo\ndescription: " + "x" * 1025,
            3,
            "description: 1025 characters, must be at most 1024",
        ),
        (
            "name: demo\ndescription: use <b>bold</b>",
            3,
            "description: 'use <b>bold</b>' is not valid: what the skill does and when "
            "to use it; no angle brackets (no XML tags)",
        ),
        (
            "name: demo\ndescription: d\ncompatibility: " + "y" * 501,
            4,
            "compatibility: 501 characters, must be at most 500",
        ),
        (
            "name: demo\ndescription: d\nmetadata:\n  pain_points:\n    - 5",
            5,
            "metadata.pain_points: expected string, got a list",
        ),
        ("name: demo\ndescription: 12", 3, "description: expected string, got an integer"),
    ],
)
def test_sk202_schema(tmp_path: Path, frontmatter: str, line: int, message: str) -> None:
    problems = [p for p in validate_paths([write_skill(tmp_path, frontmatter=frontmatter)])]
    assert [(p.code, p.line, p.message) for p in problems] == [("SK202", line, message)]


def test_sk202_name_pattern(tmp_path: Path) -> None:
    path = write_skill(tmp_path, frontmatter="name: Demo--x\ndescription: d", folder="Demo--x")
    (problem,) = validate_paths([path])
    assert (problem.code, problem.line) == ("SK202", 2)
    assert problem.message.startswith("name: 'Demo--x' is not valid: 1-64 lowercase letters")


def test_sk202_cco_schema(tmp_path: Path) -> None:
    fm = CCO_FRONTMATTER.replace("[a, b, c, d, e, f, g, h, i, j]", "[a, b]")
    fm = fm.replace("[audit]", "[deploy]").replace("[1]", "[13]")
    path = write_skill(tmp_path, CCO_BODY, frontmatter=fm, folder="", filename="cco-skill-demo.md")
    assert [(p.code, p.line, p.message) for p in validate_paths([path])] == [
        ("SK202", 4, "keywords: 2 items, must be at least 10"),
        (
            "SK202",
            7,
            "related_commands.action_types.0: 'deploy' is not one of "
            "['audit', 'generate', 'fix', 'optimize']",
        ),
        ("SK202", 8, "pain_points.0: 13 must be at most 12"),
    ]


def test_sk203_name_and_layout(tmp_path: Path) -> None:
    assert found(write_skill(tmp_path, folder="other")) == [("SK203", 2)]
    flat = write_skill(tmp_path, folder="demo", filename="demo.md")
    assert found(flat) == [("SK203", 2)]
    cco = write_skill(
        tmp_path, CCO_BODY, frontmatter=CCO_FRONTMATTER, folder="", filename="cco-skill-other.md"
    )
    assert [p.message for p in validate_paths([cco])] == [
        "name 'cco-skill-demo' must equal the file name without .md ('cco-skill-other')"
    ]


# --- body checks ---------------------------------------------------------------------------


def test_sk301_required_sections(tmp_path: Path) -> None:
    path = write_skill(
        tmp_path,
        "# Demo\n## Core Techniques\n",
        frontmatter=CCO_FRONTMATTER,
        folder="",
        filename="cco-skill-demo.md",
    )
    assert [p.message for p in validate_paths([path])] == [
        "required section 'Checklist' is missing (cco profile)",
        "required section 'Domain & Purpose' is missing (cco profile)",
    ]
    assert found(write_skill(tmp_path, "# Demo\n"), "resilience") == [
        ("SK301", 1),
        ("SK308", 1),
    ]


def test_sk302_duplicate_heading_is_a_warning(tmp_path: Path) -> None:
    path = write_skill(tmp_path, "# Demo\n## Example\n## Example\n")
    (problem,) = validate_paths([path])
    assert (problem.code, problem.line, problem.severity) == ("SK302", 7, "warning")
    assert found(write_skill(tmp_path, "# Demo\n## Example\n## Example 2\n")) == []


def test_sk303_empty_checklist_item(tmp_path: Path) -> None:
    path = write_skill(tmp_path, "## Checklist\n- [ ] One\n- [ ]\n- [x] (RES101)\n")
    assert found(path) == [("SK303", 7), ("SK303", 8)]


def test_sk304_python_block_error_at_its_markdown_line(tmp_path: Path) -> None:
    body = "# Demo\n\n```python\nx = 1\nif x\n```\n\n```text\nif x\n```\n"
    (problem,) = validate_paths([write_skill(tmp_path, body)])
    assert (problem.code, problem.line, problem.column) == ("SK304", 9, 5)
    assert problem.message == "Python code block does not parse: expected ':'"
    assert found(write_skill(tmp_path, "```py\nif x:\n    pass\n```\n")) == []


def test_sk305_dangling_relative_link(tmp_path: Path) -> None:
    body = "[a](references/a.md) [web](https://example.com/x.md) [mail](mailto:a@b.c)\n"
    path = write_skill(tmp_path, body)
    assert found(path) == [("SK305", 5)]
    (path.parent / "references").mkdir()
    (path.parent / "references" / "a.md").write_text("# A\n", encoding="utf-8")
    assert found(path) == []


def test_sk306_anchors_here_and_in_linked_files(tmp_path: Path) -> None:
    body = (
        "# Demo\n## Domain & Purpose\n[ok](#domain--purpose) [bad](#domain-purpose)\n"
        "[ok](references/a.md#details) [bad](references/a.md#missing)\n"
    )
    path = write_skill(tmp_path, body)
    (path.parent / "references").mkdir()
    (path.parent / "references" / "a.md").write_text("# A\n## Details\n", encoding="utf-8")
    problems = validate_paths([path])
    assert [(p.code, p.line, p.message) for p in problems] == [
        ("SK306", 7, "no heading for anchor #domain-purpose in this file"),
        ("SK306", 8, "no heading for anchor #missing in references/a.md"),
    ]


def test_sk307_sizes(tmp_path: Path) -> None:
    long_body = "# Demo\n" + "text\n" * 520
    (warning,) = validate_paths([write_skill(tmp_path, long_body)])
    assert (warning.code, warning.severity) == ("SK307", "warning")
    under_resilience = validate_paths([write_skill(tmp_path, long_body + CHECKLIST)], "resilience")
    assert sorted((p.code, p.severity) for p in under_resilience) == [
        ("SK307", "error"),
        ("SK307", "warning"),
    ]
    cco = write_skill(
        tmp_path,
        CCO_BODY + "x\n" * 600,
        frontmatter=CCO_FRONTMATTER,
        folder="",
        filename="cco-skill-demo.md",
    )
    assert found(cco) == [("SK307", 601)]
    assert found(write_skill(tmp_path, "# Demo\n" + "text\n" * 400)) == []


def test_sk308_resilience_needs_a_checklist(tmp_path: Path) -> None:
    path = write_skill(tmp_path, "# Demo\n## Checklist\nNothing here.\n")
    assert found(path, "resilience") == [("SK308", 1)]
    assert found(write_skill(tmp_path, CHECKLIST), "resilience") == []


def test_sk309_items_cite_known_rules(tmp_path: Path) -> None:
    body = CHECKLIST.replace(" (RES801)", "") + "- [ ] Extra (RES999)\n"
    problems = validate_paths([write_skill(tmp_path, body)], "resilience")
    assert [(p.code, p.line, p.message) for p in problems] == [
        ("SK310", 7, "rules cited by no checklist item: RES801"),
        (
            "SK309",
            13,
            "checklist item 'Monitor: circuit state, retry rates, timeouts, fallback "
            "usage' cites no rule IDs: end it with them, e.g. (RES101-RES107)",
        ),
        ("SK309", 14, "checklist item cites unknown rule IDs: RES999"),
    ]


def test_sk310_every_rule_cited_exactly_once(tmp_path: Path) -> None:
    body = CHECKLIST.replace("(RES601, RES602)", "(RES601, RES101)")
    problems = validate_paths([write_skill(tmp_path, body)], "resilience")
    assert [(p.code, p.line, p.message) for p in problems] == [
        ("SK310", 7, "rules cited by no checklist item: RES602"),
        (
            "SK310",
            12,
            "RES101 is cited here and by the item on line 7: each rule serves exactly one item",
        ),
    ]


def test_sk311_references_one_level_deep_inside_the_skill(tmp_path: Path) -> None:
    body = "[up](../shared.md) [deep](references/a/b.md) [ok](references/c.md)\n"
    path = write_skill(tmp_path, body)
    for rel in ("../shared.md", "references/a/b.md", "references/c.md"):
        target = path.parent / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("# x\n", encoding="utf-8")
    problems = validate_paths([path])
    assert [(p.code, p.column, p.severity) for p in problems] == [
        ("SK311", 6, "warning"),
        ("SK311", 27, "warning"),
    ]
    assert validate_paths([path], "cco") != problems  # cco keeps its own layout rules


# --- the API and the standard ---------------------------------------------------------------


def test_problems_are_sorted_across_files(tmp_path: Path) -> None:
    write_skill(tmp_path, "[x](nope.md)\n", folder="b")
    write_skill(tmp_path, "[x](nope.md)\n", folder="a")
    problems = validate_paths([tmp_path])
    assert [p.path for p in problems] == [
        f"{tmp_path}/a/SKILL.md",
        f"{tmp_path}/a/SKILL.md",
        f"{tmp_path}/b/SKILL.md",
        f"{tmp_path}/b/SKILL.md",
    ]
    assert problems == sorted(problems, key=lambda p: p.sort_key)


def test_unknown_profile_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown profile 'x'"):
        validate_paths([skill_path()], "x")


def test_every_check_is_documented_with_a_reason() -> None:
    text = (standards_dir() / "skill-format.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (SK\d{3}) \| [^|]+ \| [^|]+ \| [^|]+ \| ([^|]+) \|$", text, re.M)
    assert [code for code, _ in rows] == sorted(CHECKS)
    assert all(reason.strip() for _, reason in rows)


def test_schema_is_valid_2020_12() -> None:
    schema = json.loads((standards_dir() / "skill.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]) == {"agentskills", "cco", "resilience"}


# --- the command ---------------------------------------------------------------------------


def test_cli_clean_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert main(["validate", str(skill_path().parent), "--profile", "agentskills"]) == 0
    assert capsys.readouterr().out == ""


def test_cli_text_errors_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "broken-skill"
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [p.to_text() for p in validate_paths([path])]
    assert err == "4 error(s), 1 warning(s)\n"


def test_cli_warnings_only_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_skill(tmp_path, "# Demo\n## A\n## A\n")
    assert main(["validate", str(path)]) == 0
    assert "SK302" in capsys.readouterr().out


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_skill(tmp_path, "[x](nope.md)\n")
    assert main(["validate", str(path), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["tool"] == "resilience"
    assert report["summary"] == {"errors": 1, "warnings": 0}
    assert report["problems"] == [
        {
            "path": str(path),
            "line": 5,
            "column": 5,
            "code": "SK305",
            "severity": "error",
            "message": "link target nope.md is dangling: file nope.md not found",
        }
    ]


def test_cli_github(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_skill(tmp_path, "[x](nope.md)\n## A\n## A\n", folder="a,b")
    assert main(["validate", str(path), "--format", "github"]) == 1
    shown = str(path).replace(",", "%2C")
    assert capsys.readouterr().out.splitlines() == [
        f"::error file={shown},line=2,col=1,title=SK203::SK203 name 'demo' must equal its "
        "folder's name ('a,b')",
        f"::error file={shown},line=5,col=5,title=SK305::SK305 link target nope.md is "
        "dangling: file nope.md not found",
        f"::warning file={shown},line=7,col=1,title=SK302::SK302 duplicate heading 'A' "
        "(first on line 6): its anchor becomes #a-1",
    ]


def test_cli_missing_path_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().out == f"{tmp_path / 'nope'}:1:1: SK001 No such file or directory\n"


def test_cli_usage_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", "--profile", "nope"])
    assert info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_problem_json_round_trip() -> None:
    problem = Problem("a.md", 3, 4, "SK305", "m")
    assert problem.to_json() == {
        "path": "a.md",
        "line": 3,
        "column": 4,
        "code": "SK305",
        "severity": "error",
        "message": "m",
    }
    assert problem.to_text() == "a.md:3:4: SK305 m"


# --- never a traceback ----------------------------------------------------------------------


def test_deeply_nested_yaml_is_refused(tmp_path: Path) -> None:
    deep = "[" * 2400 + "]" * 2400
    path = write_skill(tmp_path, frontmatter=f"name: demo\ndescription: {deep}")
    (problem,) = validate_paths([path])
    assert (problem.code, problem.line) == ("SK104", 3)
    assert problem.message == "frontmatter is nested more than 50 levels deep"


# tmp_path is shared by the examples: each rewrites the same file.
FIXTURE_OK = [HealthCheck.function_scoped_fixture]

FRONTMATTER_PIECES = st.sampled_from(
    [
        "name: demo",
        "description: d",
        "description: [a, {b: c}]",
        "metadata:\n  k: v",
        "metadata:\n  - x",
        "? [a]\n: b",
        "x: !!python/object:os.system ls",
        "when: 2024-01-01",
        "k: &a v",
        "j: *a",
        "'unterminated",
        "name: demo\nname: other",
        "",
    ]
)
BODY_PIECES = st.sampled_from(
    [
        "# T\n",
        "## Checklist\n- [ ] x (RES101-RES107)\n",
        "- [ ]\n",
        "```python\nif x\n```\n",
        "```python\n" + "(" * 300 + ")" * 300 + "\n```\n",
        "[a](#nope) [b](../x.md#y) [c](%zz) [d](<>)\n",
        "> " * 40 + "deep\n",
        "\r\n",
        "\x0c\u2028",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    front=st.lists(FRONTMATTER_PIECES, max_size=5),
    body=st.lists(BODY_PIECES | st.text(max_size=40), max_size=6),
    closed=st.booleans(),
)
def test_validator_never_raises(
    tmp_path: Path, front: list[str], body: list[str], closed: bool
) -> None:
    path = tmp_path / "demo" / "SKILL.md"
    path.parent.mkdir(exist_ok=True)
    text = "---\n" + "\n".join(front) + ("\n---\n" if closed else "\n") + "".join(body)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    for profile in ("agentskills", "cco", "resilience"):
        for problem in validate_paths([path], profile):
            assert problem.code in CHECKS
            assert problem.line >= 1 and problem.column >= 1


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=300))
def test_validator_never_raises_on_bytes(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "SKILL.md"
    path.write_bytes(raw)
    assert all(p.code in CHECKS for p in validate_paths([path]))
