"""The plugin manifests, slash commands and CI files, checked against their documented fields
and against the real command line."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import resilience_skill
import yaml
from resilience_skill.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parent.parent
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# semver.org's own regular expression.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
PLUGIN_KEYS = {
    "name", "version", "description", "author", "homepage", "repository", "license",
    "keywords", "commands", "agents", "skills", "hooks", "mcpServers",
}  # fmt: skip
COMMAND_KEYS = {
    "description",
    "allowed-tools",
    "argument-hint",
    "model",
    "disable-model-invocation",
}
MCP_TOOLS = {"audit", "fix", "generate", "explain"}
SEVERITIES = {"high", "medium", "low", "never"}


def load_json(relative: str) -> Any:
    return json.loads((ROOT / relative).read_text(encoding="utf-8"))


def load_yaml(relative: str) -> Any:
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def assert_cli_accepts(argv: list[str]) -> None:
    """``argv`` (without the leading ``resilience``) parses with the real CLI parser."""
    assert argv[0] in COMMANDS, f"{argv[0]!r} is not a resilience subcommand"
    try:
        build_parser([argv[0]]).parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors by exiting
        pytest.fail(f"`resilience {shlex.join(argv)}` is rejected by the CLI (exit {exc.code})")


# --- .claude-plugin/plugin.json -------------------------------------------------------------


def test_plugin_manifest_fields(pyproject: dict[str, Any]) -> None:
    manifest = load_json(".claude-plugin/plugin.json")
    assert set(manifest) <= PLUGIN_KEYS
    assert manifest["name"] == "resilience"
    assert KEBAB.match(manifest["name"])
    assert SEMVER.match(manifest["version"])
    assert manifest["version"] == resilience_skill.__version__
    assert manifest["description"].strip()
    assert manifest["author"]["name"].strip()
    assert set(manifest["author"]) <= {"name", "email", "url"}
    urls = pyproject["project"]["urls"]
    assert manifest["homepage"] == urls["Homepage"]
    assert manifest["repository"] == urls["Repository"]
    assert manifest["license"] == pyproject["project"]["license"] == "MIT"
    keywords = manifest["keywords"]
    assert keywords and all(isinstance(k, str) and k for k in keywords)
    for key in ("commands", "agents", "skills", "hooks", "mcpServers"):
        paths = manifest.get(key, [])
        for path in [paths] if isinstance(paths, str) else paths:
            assert path.startswith("./"), f"{key} path {path!r} must be relative and start ./"


def test_only_the_manifest_lives_in_claude_plugin_besides_the_marketplace() -> None:
    names = {p.name for p in (ROOT / ".claude-plugin").iterdir()}
    assert names == {"plugin.json", "marketplace.json"}


def test_plugin_default_folders_hold_the_skill_and_commands() -> None:
    skill = ROOT / "skills" / "resilience" / "SKILL.md"
    assert skill.is_file()
    text = skill.read_text(encoding="utf-8")
    match = re.match(r"^---\r?\n(.*?)\r?\n---\r?\n", text, re.DOTALL)
    assert match, "SKILL.md has no frontmatter"
    assert yaml.safe_load(match.group(1))["name"] == "resilience"
    assert sorted(p.name for p in (ROOT / "commands").glob("*.md")) == [
        "audit.md",
        "fix.md",
        "generate.md",
    ]


# --- .claude-plugin/marketplace.json --------------------------------------------------------


def test_marketplace_fields() -> None:
    market = load_json(".claude-plugin/marketplace.json")
    assert KEBAB.match(market["name"])
    assert market["owner"]["name"].strip()
    assert set(market["owner"]) <= {"name", "email", "url"}
    assert market["metadata"]["description"].strip()
    assert market["metadata"]["version"] == resilience_skill.__version__
    assert [p["name"] for p in market["plugins"]] == ["resilience"]


def test_marketplace_entry_points_at_this_plugin() -> None:
    entry = load_json(".claude-plugin/marketplace.json")["plugins"][0]
    manifest = load_json(".claude-plugin/plugin.json")
    assert entry["source"] == "./"
    plugin_root = (ROOT / entry["source"]).resolve()
    assert plugin_root == ROOT
    assert (plugin_root / ".claude-plugin" / "plugin.json").is_file()
    assert entry["name"] == manifest["name"]
    assert entry["version"] == manifest["version"] == resilience_skill.__version__
    assert entry["description"].strip()
    assert KEBAB.match(entry["category"])


# --- .mcp.json ------------------------------------------------------------------------------


def test_mcp_json_starts_the_published_server_with_uvx(pyproject: dict[str, Any]) -> None:
    config = load_json(".mcp.json")
    assert list(config) == ["mcpServers"]
    assert list(config["mcpServers"]) == ["resilience"]
    server = config["mcpServers"]["resilience"]
    assert server == {
        "command": "uvx",
        "args": ["--from", "resilience-skill", "resilience", "serve"],
    }
    # `uvx --from DIST SCRIPT`: DIST is our distribution and SCRIPT one of its console scripts.
    dist, script, *command = server["args"][1:]
    assert dist == pyproject["project"]["name"]
    assert script in pyproject["project"]["scripts"]
    assert_cli_accepts(command)


# --- commands/*.md --------------------------------------------------------------------------


def split_frontmatter(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.DOTALL)
    assert match, f"{path.name} has no frontmatter"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict), f"{path.name}: frontmatter is not a mapping"
    return meta, match.group(2)


@pytest.mark.parametrize("name", ["audit", "fix", "generate"])
def test_slash_command_frontmatter_and_body(name: str) -> None:
    meta, body = split_frontmatter(ROOT / "commands" / f"{name}.md")
    assert set(meta) <= COMMAND_KEYS
    assert isinstance(meta["description"], str) and meta["description"].strip()
    assert isinstance(meta["argument-hint"], str) and meta["argument-hint"].strip()
    assert "$ARGUMENTS" in body
    tools = [t.strip() for t in meta["allowed-tools"].split(",")]
    # The tool names under both registrations: as this plugin's server and via `install`.
    for prefix in ("mcp__plugin_resilience_resilience__", "mcp__resilience__"):
        assert f"{prefix}{name}" in tools
        assert f"`{prefix}{name}`" in body
    for tool in tools:
        server_tool = re.match(r"^mcp__(?:plugin_resilience_)?resilience__(.+)$", tool)
        if server_tool:
            assert server_tool.group(1) in MCP_TOOLS, f"{tool} is not a tool of our server"
        bash = re.match(r"^Bash\(resilience (\w+):\*\)$", tool)
        if tool.startswith("Bash("):
            assert bash and bash.group(1) in COMMANDS, f"{tool} allows no real subcommand"


# --- action.yml -----------------------------------------------------------------------------


def test_action_is_a_composite_that_uploads_sarif() -> None:
    action = load_yaml("action.yml")
    assert action["runs"]["using"] == "composite"
    assert action["name"].strip() and action["description"].strip()
    steps = action["runs"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"  # composite steps must name their shell
    audit = next(step for step in steps if step.get("id") == "audit")
    assert "resilience audit" in audit["run"]
    assert "--format sarif" in audit["run"]
    install = next(step for step in steps if "pip install" in step.get("run", ""))
    assert '"resilience-skill${VERSION}"' in install["run"]


def test_action_inputs_are_declared_and_safe() -> None:
    action = load_yaml("action.yml")
    declared = set(action["inputs"])
    assert {"paths", "fail-on"} <= declared
    assert action["inputs"]["fail-on"]["default"] in SEVERITIES
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", text))
    assert used <= declared, f"undeclared inputs: {sorted(used - declared)}"
    ids = {step.get("id") for step in action["runs"]["steps"]}
    assert set(re.findall(r"steps\.([A-Za-z0-9_-]+)\.", text)) <= ids
    # Inputs reach scripts through env, never interpolated into the script text.
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"step {step.get('name')!r} interpolates"


# --- examples/ci/github-actions.yml ---------------------------------------------------------


def resilience_lines(workflow: dict[str, Any]) -> list[list[str]]:
    lines = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                words = shlex.split(line)
                if words[:1] == ["resilience"]:
                    cut = words.index(">") if ">" in words else len(words)
                    lines.append(words[1:cut])
    return lines


def test_example_workflow_audits_to_sarif_and_validates_skills() -> None:
    workflow = load_yaml("examples/ci/github-actions.yml")
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in on
    audit_job = workflow["jobs"]["audit"]
    assert audit_job["permissions"]["security-events"] == "write"
    uploads = [s for s in audit_job["steps"] if "upload-sarif" in s.get("uses", "")]
    assert uploads[0]["with"]["sarif_file"] == "resilience.sarif"
    commands = resilience_lines(workflow)
    assert ["audit", ".", "--format", "sarif", "--fail-on", "never"] in commands
    assert any(c[0] == "validate" for c in commands)
    for argv in commands:
        assert_cli_accepts(argv)


# --- .pre-commit-hooks.yaml -----------------------------------------------------------------


def test_pre_commit_hooks() -> None:
    hooks = {hook["id"]: hook for hook in load_yaml(".pre-commit-hooks.yaml")}
    assert set(hooks) == {"resilience-audit", "resilience-fix", "resilience-validate"}
    for hook_id, hook in hooks.items():
        assert hook["language"] == "python"
        assert hook["name"].strip()
        program, *argv = shlex.split(hook["entry"])
        assert program == "resilience"
        assert hook_id == f"resilience-{argv[0]}"
        # pre-commit appends the staged file names.
        assert_cli_accepts([*argv, "example.py"])
    assert hooks["resilience-audit"]["types"] == ["python"]
    assert hooks["resilience-fix"]["types"] == ["python"]
    pattern = re.compile(hooks["resilience-validate"]["files"])
    assert pattern.search("skills/resilience/SKILL.md")
    assert pattern.search("SKILL.md")
    assert not pattern.search("README.md")
    assert not pattern.search("docs/NOT_SKILL.md")


def test_pre_commit_hooks_install_this_distribution(pyproject: dict[str, Any]) -> None:
    # `language: python` pip-installs the hook repository, which must provide the script.
    assert "resilience" in pyproject["project"]["scripts"]


# --- version and changelog ------------------------------------------------------------------


def test_version_lives_in_one_place_and_the_changelog_has_it(pyproject: dict[str, Any]) -> None:
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "server/resilience_skill/__init__.py"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{resilience_skill.__version__}]" in changelog


# --- Claude Code's own validator, where it is installed ----------------------------------


@pytest.mark.skipif(shutil.which("claude") is None, reason="Claude Code (`claude`) not installed")
@pytest.mark.parametrize("target", [".claude-plugin/plugin.json", "."])
def test_claude_plugin_validate_strict(target: str, tmp_path: Path) -> None:
    # `claude plugin validate PATH` checks the plugin manifest, or with a folder holding a
    # marketplace, the marketplace; --strict fails on unknown fields and missing metadata.
    claude = shutil.which("claude")
    assert claude
    env = {**os.environ, "HOME": str(tmp_path)}  # never read or touch the user's settings
    result = subprocess.run(
        [claude, "plugin", "validate", "--strict", str(ROOT / target)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation passed" in result.stdout
