"""Workspace resolution for the MCP tools, without a session: root URIs, the fallback order,
and the paths refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp.types import ListRootsResult, Root
from resilience_skill.mcp.tools import ServerSettings, workspace_for
from resilience_skill.mcp.workspace import Workspace, WorkspaceError, roots_from_uris


def test_roots_from_uris_decode_file_uris_and_skip_other_schemes(tmp_path: Path) -> None:
    spaced = tmp_path / "my project"
    assert roots_from_uris([spaced.as_uri(), "https://example.com/repo", "file:///srv/a%23b"]) == [
        spaced,
        Path("/srv/a#b"),
    ]


def test_fallback_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client, server_root = tmp_path / "client", tmp_path / "server"
    client.mkdir()
    server_root.mkdir()
    monkeypatch.chdir(tmp_path)
    declared = ListRootsResult(roots=[Root(uri=client.as_uri())])
    none = ListRootsResult(roots=[])
    with_root = ServerSettings(roots=(server_root,))
    assert workspace_for(declared, with_root) == Workspace((client,), "client roots")
    assert workspace_for(none, with_root) == Workspace((server_root,), "--root")
    assert workspace_for(none, ServerSettings()) == Workspace((tmp_path,), "working directory")


def test_resolve_and_display_with_two_roots(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "src").mkdir(parents=True)
    b.mkdir()
    (b / "tool.py").write_text("x = 1\n")
    ws = Workspace.of([a, b], "client roots")
    assert ws.resolve("src") == a / "src"
    assert ws.resolve(".") == a
    assert ws.resolve(str(b / "tool.py")) == b / "tool.py"
    assert ws.display(str(b / "tool.py")) == "tool.py"
    assert ws.display(str(a)) == "."
    assert ws.display("relative/already.py") == "relative/already.py"
    assert ws.display("/elsewhere/x.py") == "/elsewhere/x.py"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "invalid path ''"),
        ("a\0b", "invalid path 'a\\x00b'"),
        ("src/../../x", "src/../../x: '..' is not allowed in paths"),
        ("..", "..: '..' is not allowed in paths"),
    ],
)
def test_refused(tmp_path: Path, given: str, message: str) -> None:
    ws = Workspace.of([tmp_path], "--root")
    with pytest.raises(WorkspaceError) as caught:
        ws.resolve(given)
    assert str(caught.value).startswith(message)


def test_a_symlinked_root_is_resolved_once(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real)
    (real / "m.py").write_text("x = 1\n")
    ws = Workspace.of([tmp_path / "alias", real], "--root")
    assert ws.roots == (real,)
    assert ws.resolve(str(tmp_path / "alias" / "m.py")) == real / "m.py"
