"""The MCP server in-process, through the SDK's own Client, in both protocol eras: every
tool, resource and prompt; client roots and server roots; refused paths and oversized input
as tool errors after which the session keeps working; concurrency; progress."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import ListRootsResult, Root
from resilience_skill.mcp.server import build_server
from resilience_skill.mcp.workspace import Limits

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore::mcp.MCPDeprecationWarning")]

APP = (
    'import requests\n\n\ndef profile(user):\n    return requests.get("https://x/" + user).json()\n'
)
FIXED_APP = APP.replace("user).json()", "user, timeout=(3.05, 30)).json()")
WORKER = (
    "from concurrent.futures import ThreadPoolExecutor\n\npool = ThreadPoolExecutor()\n\n\n"
    "def run(job):\n    return pool.submit(job).result()\n"
)
LIMITS = Limits(max_file_bytes=5_000, max_files=8, max_code_chars=1_000)
MODES = ["legacy", "auto"]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "app.py").write_text(APP)
    (root / "pkg" / "worker.py").write_text(WORKER)
    (root / "broken.py").write_text("def broken(:\n    pass\n")
    (root / "blob.py").write_bytes(b"\x00\x01\xff\xfe\x89PNG")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(APP)
    (root / "link.py").symlink_to(outside / "secret.py")
    (root / "linkdir").symlink_to(outside)
    return root


@pytest.fixture
def server(ws: Path) -> Any:
    return build_server([ws], limits=LIMITS)


def roots_callback(folder: Path) -> Any:
    async def list_roots(context: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=folder.as_uri(), name="workspace")])

    return list_roots


async def call(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def error_of(client: Client, tool: str, args: dict[str, Any]) -> str:
    result = await client.call_tool(tool, args)
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert isinstance(text, str)
    return text


@pytest.fixture(params=MODES)
async def client(request: pytest.FixtureRequest, server: Any) -> AsyncIterator[Client]:
    async with Client(server, mode=request.param) as connected:
        yield connected


# -- listing ----------------------------------------------------------------------------------


async def test_tools_have_schemas_descriptions_and_true_annotations(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert list(tools) == ["audit", "fix", "generate", "explain"]
    for tool in tools.values():
        assert tool.description and len(tool.description) > 100
        assert tool.output_schema is not None
        props = tool.input_schema["properties"]
        assert "roots" not in props and "ctx" not in props
        for name, prop in props.items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"
    for name in ("audit", "generate", "explain"):
        hints = tools[name].annotations
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (
            True,
            False,
            True,
        )
    fix_hints = tools["fix"].annotations
    assert fix_hints is not None
    assert (fix_hints.read_only_hint, fix_hints.destructive_hint, fix_hints.idempotent_hint) == (
        False,
        True,
        True,
    )
    assert tools["generate"].input_schema["properties"]["pattern"]["enum"] == [
        "timeout",
        "retry",
        "circuit-breaker",
        "bulkhead",
        "fallback-chain",
        "dead-letter-queue",
        "resilient-client",
        "deadline",
    ]


def test_generate_enum_matches_the_catalog() -> None:
    from resilience_skill.generate import list_patterns
    from resilience_skill.mcp.tools import PATTERNS

    assert tuple(p.pattern for p in list_patterns()) == PATTERNS


async def test_instructions_list_the_skills(client: Client) -> None:
    from resilience_skill.mcp.skills import find_skills

    instructions = client.instructions or ""
    (skill,) = find_skills()
    assert skill.name == "resilience"
    assert f"- resilience (skill://resilience): {skill.description}" in instructions


# -- audit ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("with_roots", [True, False])
async def test_audit_folder(server: Any, ws: Path, mode: str, with_roots: bool) -> None:
    callback = roots_callback(ws) if with_roots else None
    async with Client(server, mode=mode, list_roots_callback=callback) as client:
        report = await call(client, "audit", {"paths": ["."]})
    source = "client roots" if with_roots else "--root"
    assert report["workspace"] == f"{ws} (from {source})"
    assert [(f["rule"], f["path"], f["line"]) for f in report["findings"]] == [
        ("RES101", "app.py", 5),
        ("RES107", "pkg/worker.py", 7),
    ]
    res101, res107 = report["findings"]
    assert res101["doc_url"].endswith("docs/rules.md#res101")
    assert res101["fix"]["applicability"] == "unsafe"
    assert res101["fix"]["edits"][0]["content"] == ", timeout=(3.05, 30)"
    assert res101["generate"] is None
    assert res107["fix"] is None and res107["generate"] == "deadline"
    assert report["errors"] == [
        {"path": "blob.py", "message": "binary file (contains NUL bytes)"},
        {"path": "broken.py", "message": "SyntaxError: invalid syntax (line 1)"},
    ]
    assert report["summary"] == {
        "files": 4,
        "findings": 2,
        "by_severity": {"high": 1, "medium": 1, "low": 0},
        "by_rule": {"RES101": 1, "RES107": 1},
    }
    timeouts = report["checklist"][0]
    assert (timeouts["item"], timeouts["findings"], timeouts["passed"]) == (
        "All external calls have timeouts",
        2,
        False,
    )
    assert report["page"] == {
        "offset": 0,
        "limit": 20,
        "returned": 2,
        "total": 2,
        "next_offset": None,
    }


async def test_client_roots_win_over_server_roots(ws: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    server = build_server([other], limits=LIMITS)
    async with Client(server, list_roots_callback=roots_callback(ws)) as client:
        report = await call(client, "audit", {"paths": ["app.py"]})
        assert report["summary"]["findings"] == 1
    async with Client(server) as client:
        message = await error_of(client, "audit", {"paths": ["app.py"]})
        assert message == (
            "Error executing tool audit: app.py: no such file or directory in the workspace"
        )


async def test_audit_pages(client: Client) -> None:
    first = await call(client, "audit", {"paths": ["app.py", "pkg"], "limit": 1})
    assert [f["rule"] for f in first["findings"]] == ["RES101"]
    assert first["page"]["next_offset"] == 1
    second = await call(client, "audit", {"paths": ["app.py", "pkg"], "limit": 1, "offset": 1})
    assert [f["rule"] for f in second["findings"]] == ["RES107"]
    assert second["page"] == {
        "offset": 1,
        "limit": 1,
        "returned": 1,
        "total": 2,
        "next_offset": None,
    }
    assert second["summary"]["findings"] == 2


async def test_audit_filters_and_inline_code(client: Client) -> None:
    high = await call(client, "audit", {"paths": ["."], "min_severity": "high"})
    assert [f["rule"] for f in high["findings"]] == ["RES101"]
    assert high["summary"]["by_severity"] == {"high": 1, "medium": 0, "low": 0}
    only = await call(client, "audit", {"paths": ["."], "select": ["RES107"]})
    assert [f["rule"] for f in only["findings"]] == ["RES107"]
    inline = await call(client, "audit", {"code": APP, "filename": "client.py"})
    assert [(f["rule"], f["path"]) for f in inline["findings"]] == [("RES101", "client.py")]
    message = await error_of(client, "audit", {"paths": ["."], "select": ["RES999"]})
    assert message == "Error executing tool audit: unknown rule selector 'RES999'"
    message = await error_of(client, "audit", {"paths": ["app.py"], "code": APP})
    assert message == "Error executing tool audit: pass either paths or code, not both"


async def test_audit_reports_progress(server: Any) -> None:
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total))

    async with Client(server, mode="legacy") as client:
        result = await client.call_tool("audit", {"paths": ["."]}, progress_callback=on_progress)
    assert not result.is_error
    assert seen and seen[-1] == (4, 4)


# -- workspace safety -------------------------------------------------------------------------


async def test_refused_paths_are_tool_errors_and_the_session_survives(
    client: Client, ws: Path
) -> None:
    outside = ws.parent / "outside"
    roots = f"allowed roots: {ws} (from --root)"
    cases = {
        "../outside/secret.py": "../outside/secret.py: '..' is not allowed in paths; give a "
        f"path inside the workspace {ws} (from --root)",
        str(outside / "secret.py"): f"{outside / 'secret.py'}: outside the workspace; {roots}",
        "/etc/passwd": f"/etc/passwd: outside the workspace; {roots}",
        "link.py": f"link.py: outside the workspace (through a symlink); {roots}",
        "linkdir/secret.py": f"linkdir/secret.py: outside the workspace (through a symlink); "
        f"{roots}",
        "missing.py": "missing.py: no such file or directory in the workspace",
    }
    for path, expected in cases.items():
        assert await error_of(client, "audit", {"paths": [path]}) == (
            f"Error executing tool audit: {expected}"
        )
        assert await error_of(client, "fix", {"path": path, "apply": True}) == (
            f"Error executing tool fix: {expected}"
        )
    assert (outside / "secret.py").read_text() == APP
    report = await call(client, "audit", {"paths": ["app.py"]})
    assert report["summary"]["findings"] == 1


async def test_folder_walk_skips_symlinks_that_escape(client: Client) -> None:
    report = await call(client, "audit", {"paths": ["."]})
    assert all(not f["path"].startswith(("link", "outside")) for f in report["findings"])


async def test_caps_are_clear_errors(client: Client, ws: Path) -> None:
    (ws / "big.py").write_text("x = 1\n" * 1_000)
    assert await error_of(client, "audit", {"paths": ["big.py"]}) == (
        "Error executing tool audit: big.py: 6,000 bytes, more than the 5,000-byte limit per "
        "file; audit a smaller file or exclude it"
    )
    assert await error_of(client, "audit", {"paths": ["."]}) == (
        "Error executing tool audit: big.py: 6,000 bytes, more than the 5,000-byte limit per "
        "file; audit a smaller file or exclude it"
    )
    (ws / "big.py").unlink()
    assert await error_of(client, "audit", {"code": "x = 1\n" * 200}) == (
        "Error executing tool audit: code is 1,200 characters, more than the 1,000 allowed "
        "inline; pass the file's path instead (paths are faster too)"
    )
    many = ws / "many"
    many.mkdir()
    for i in range(9):
        (many / f"m{i}.py").write_text("x = 1\n")
    assert await error_of(client, "audit", {"paths": ["many"]}) == (
        "Error executing tool audit: many: 9 Python files, more than the 8 one call may audit; "
        "audit sub-folders one at a time"
    )
    assert await error_of(client, "audit", {"paths": ["x"] * 101})
    assert (await call(client, "audit", {"paths": ["app.py"]}))["summary"]["files"] == 1


# -- fix --------------------------------------------------------------------------------------


async def test_fix_dry_run_then_apply(client: Client, ws: Path) -> None:
    dry = await call(client, "fix", {"path": "app.py"})
    assert (dry["changed"], dry["written"], dry["diff"], dry["applied"]) == (False, False, "", {})
    assert [(r["rule"], r["reason"]) for r in dry["remaining"]] == [
        ("RES101", "unsafe fix: apply with --unsafe-fixes")
    ]
    preview = await call(client, "fix", {"path": "app.py", "unsafe": True})
    assert preview["changed"] and not preview["written"]
    assert preview["diff"].startswith("--- app.py\n+++ app.py\n")
    assert preview["fixed_code"] is None
    assert (ws / "app.py").read_text() == APP
    applied = await call(client, "fix", {"path": "app.py", "unsafe": True, "apply": True})
    assert (applied["written"], applied["applied"]) == (True, {"RES101": 1})
    assert applied["fixed"] == [
        {"rule": "RES101", "line": 5, "description": "Add timeout=(3.05, 30)"}
    ]
    assert (ws / "app.py").read_text() == FIXED_APP
    again = await call(client, "fix", {"path": "app.py", "unsafe": True, "apply": True})
    assert (again["changed"], again["written"]) == (False, False)


async def test_fix_reports_what_remains_with_the_generate_pattern(client: Client) -> None:
    report = await call(client, "fix", {"path": "pkg/worker.py", "unsafe": True})
    assert report["changed"] is False
    (remaining,) = report["remaining"]
    assert (remaining["rule"], remaining["reason"], remaining["generate"]) == (
        "RES107",
        "no fix",
        "deadline",
    )


async def test_fix_inline_code(client: Client) -> None:
    report = await call(client, "fix", {"code": APP, "unsafe": True, "filename": "c.py"})
    assert report["fixed_code"] == FIXED_APP
    assert report["path"] == "c.py" and not report["written"]
    assert await error_of(client, "fix", {"code": APP, "apply": True}) == (
        "Error executing tool fix: apply=true needs a path: inline code is never written anywhere"
    )


async def test_fix_refuses_unparseable_files(client: Client, ws: Path) -> None:
    assert await error_of(client, "fix", {"path": "broken.py", "apply": True}) == (
        "Error executing tool fix: broken.py: SyntaxError: invalid syntax (line 1); "
        "the file was not changed"
    )
    assert await error_of(client, "fix", {"path": "blob.py", "apply": True}) == (
        "Error executing tool fix: blob.py: binary file (contains NUL bytes); "
        "the file was not changed"
    )
    assert await error_of(client, "fix", {"path": "pkg", "apply": True}) == (
        "Error executing tool fix: pkg: not a file; fix takes one file (audit takes folders)"
    )
    assert (ws / "broken.py").read_text() == "def broken(:\n    pass\n"
    assert (ws / "blob.py").read_bytes() == b"\x00\x01\xff\xfe\x89PNG"


# -- generate and explain ---------------------------------------------------------------------


async def test_generate(client: Client) -> None:
    out = await call(
        client, "generate", {"pattern": "retry", "flavor": "tenacity", "params": {"attempts": "4"}}
    )
    assert (out["pattern"], out["flavor"], out["dependencies"]) == (
        "retry",
        "tenacity",
        ["tenacity>=9"],
    )
    compile(out["code"], "retry_policy.py", "exec")
    assert f"import {out['module_name']}" in out["tests"] or out["module_name"] in out["tests"]
    assert await error_of(client, "generate", {"pattern": "retry", "flavor": "nope"}) == (
        "Error executing tool generate: unknown flavor 'nope' for retry; valid flavors: "
        "stdlib, tenacity, backoff, stamina"
    )
    bad = await error_of(client, "generate", {"pattern": "nope"})
    assert "pattern" in bad and "timeout" in bad


async def test_explain(client: Client) -> None:
    by_id = await call(client, "explain", {"rule": "res101"})
    by_name = await call(client, "explain", {"rule": "http-call-without-timeout"})
    assert by_id == by_name
    assert (by_id["id"], by_id["severity"], by_id["generate"]) == ("RES101", "high", "timeout")
    assert by_id["checklist_item"] == "All external calls have timeouts"
    assert "## What it does" in by_id["doc"]
    message = await error_of(client, "explain", {"rule": "RES1O1"})
    assert message.startswith(
        "Error executing tool explain: unknown rule 'RES1O1'; did you mean RES101"
    )


# -- resources and prompts --------------------------------------------------------------------


async def test_resources(client: Client) -> None:
    from resilience_skill.data import skill_path

    uris = [str(r.uri) for r in (await client.list_resources()).resources]
    assert uris[:2] == ["skill://resilience", "skill://resilience/references/bulkheads.md"]
    assert {"skill://resilience/checklist", "standard://skill-format"} <= set(uris)
    templates = (await client.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["rule://{id}"]

    skill = (await client.read_resource("skill://resilience")).contents[0]
    assert skill.text == skill_path().read_text(encoding="utf-8")  # type: ignore[union-attr]
    checklist = json.loads(
        (await client.read_resource("skill://resilience/checklist")).contents[0].text  # type: ignore[union-attr]
    )
    assert checklist["items"][0]["item"] == "All external calls have timeouts"
    assert checklist["items"][0]["rules"] == [f"RES10{i}" for i in range(1, 8)]
    assert len(checklist["items"]) == 7
    rule = (await client.read_resource("rule://RES201")).contents[0]
    assert rule.text.startswith("# RES201 retry-unbounded\n")  # type: ignore[union-attr]
    standard = (await client.read_resource("standard://skill-format")).contents[0]
    assert "name" in standard.text  # type: ignore[union-attr]
    reference = (await client.read_resource("skill://resilience/references/retries.md")).contents
    assert reference[0].text  # type: ignore[union-attr]


async def test_unknown_rule_resource_is_an_error_and_the_session_survives(client: Client) -> None:
    with pytest.raises(Exception, match="unknown rule 'RES999'"):
        await client.read_resource("rule://RES999")
    assert (await call(client, "explain", {"rule": "RES102"}))["id"] == "RES102"


async def test_prompts(client: Client) -> None:
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert list(prompts) == ["audit", "fix", "generate"]
    assert [a.name for a in prompts["generate"].arguments or []] == ["pattern", "flavor"]
    audit = await client.get_prompt("audit", {"path": "src"})
    text = audit.messages[0].content.text  # type: ignore[union-attr]
    assert text.startswith("Audit `src` for resilience problems, checklist first.")
    assert '`audit` tool with paths=["src"]' in text
    assert "- [ ] All external calls have timeouts (RES101-RES107)" in text
    fix = await client.get_prompt("fix", {"path": "app.py"})
    assert "call `fix` again with apply=true" in fix.messages[0].content.text  # type: ignore[union-attr]
    gen = await client.get_prompt("generate", {"pattern": "retry", "flavor": "tenacity"})
    assert 'pattern="retry", flavor="tenacity"' in gen.messages[0].content.text  # type: ignore[union-attr]


# -- concurrency and cancellation -------------------------------------------------------------


async def test_concurrent_calls(client: Client) -> None:
    results: dict[int, dict[str, Any]] = {}

    async def one(i: int) -> None:
        tool, args = [
            ("audit", {"paths": ["."]}),
            ("explain", {"rule": "RES201"}),
            ("generate", {"pattern": "timeout"}),
            ("fix", {"path": "app.py", "unsafe": True}),
        ][i % 4]
        results[i] = await call(client, tool, args)

    async with anyio.create_task_group() as group:
        for i in range(8):
            group.start_soon(one, i)
    assert sorted(results) == list(range(8))
    assert results[0] == results[4]
    assert results[3]["changed"] and results[7]["changed"]


async def test_cancelled_audit_stops_its_worker_thread(ws: Path) -> None:
    from resilience_skill.mcp.engine_calls import run_audit
    from resilience_skill.mcp.tools import _progress_bridge
    from resilience_skill.mcp.workspace import Workspace

    class Ctx:
        async def report_progress(self, *args: Any) -> None:
            pass

    bridge = _progress_bridge(Ctx())  # type: ignore[arg-type]
    seen: list[int] = []
    for i in range(6):
        (ws / "pkg" / f"extra{i}.py").write_text("x = 1\n")

    with anyio.CancelScope() as scope:

        def progress(done: int, total: int) -> None:
            seen.append(done)
            if done == 1:
                anyio.from_thread.run_sync(scope.cancel)
            bridge(done, total)

        await anyio.to_thread.run_sync(
            lambda: run_audit(
                Workspace.of([ws], "--root"),
                Limits(),
                paths=["."],
                code=None,
                filename="x.py",
                select=None,
                ignore=None,
                min_severity="low",
                limit=10,
                offset=0,
                progress=progress,
            )
        )
    assert scope.cancelled_caught
    assert seen == [1]


def test_no_sdk_import_outside_serve(ws: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom resilience_skill.cli import main\n"
        f"rc = main(['audit', {str(ws / 'app.py')!r}, '--format', 'json'])\n"
        "assert 'mcp' not in sys.modules, 'audit imported the MCP SDK'\n"
        "import resilience_skill.commands.serve\n"
        "assert 'mcp' not in sys.modules, 'importing the serve command imported the SDK'\n"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


async def test_a_default_page_stays_far_below_the_tool_output_budget(
    client: Client, ws: Path
) -> None:
    calls = "".join(f'requests.get("https://x/{i}")\n' for i in range(60))
    (ws / "many_calls.py").write_text(f"import requests\n{calls}")
    result = await client.call_tool("audit", {"paths": ["many_calls.py"]})
    structured: Any = result.structured_content
    assert structured["page"] == {
        "offset": 0,
        "limit": 20,
        "returned": 20,
        "total": 60,
        "next_offset": 20,
    }
    text = result.content[0].text  # type: ignore[union-attr]
    assert json.loads(text) == structured
    # JSON runs about 3 characters a token: both copies together stay near 10,000 tokens.
    assert len(text) + len(json.dumps(structured)) < 30_000


async def test_audit_without_paths_covers_every_client_root(ws: Path, tmp_path: Path) -> None:
    second = tmp_path / "second"
    second.mkdir()
    (second / "svc.py").write_text(APP)

    async def two_roots(context: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=ws.as_uri()), Root(uri=second.as_uri())])

    server = build_server([], limits=LIMITS)
    async with Client(server, list_roots_callback=two_roots) as client:
        report = await call(client, "audit", {})
    # In the engine's order: by absolute path (.../second sorts before .../ws).
    assert [(f["rule"], f["path"]) for f in report["findings"]] == [
        ("RES101", "svc.py"),
        ("RES101", "app.py"),
        ("RES107", "pkg/worker.py"),
    ]
