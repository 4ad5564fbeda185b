"""`resilience install` / `uninstall` against fake home folders laid out per platform."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from resilience_skill.install import (
    Launch,
    Machine,
    config_path,
    launch_for,
    run_install,
    run_uninstall,
)

PYTHON = "/opt/venvs/resilience/bin/python"
ENTRY = {"command": PYTHON, "args": ["-m", "resilience_skill", "serve"]}
VSCODE_ENTRY = {"type": "stdio", **ENTRY}


def machine(tmp_path: Path, platform: str, **env: str) -> Machine:
    home = tmp_path / "home"
    cwd = tmp_path / "project"
    home.mkdir(exist_ok=True)
    cwd.mkdir(exist_ok=True)
    return Machine(
        home=home,
        platform=platform,
        env={"PATH": str(tmp_path / "no-bin"), **env},
        cwd=cwd,
        executable=PYTHON,
        prefix="/opt/venvs/resilience",
    )


def install(m: Machine, client: str, *flags: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    scope = "project" if "project" in flags else "user"
    code = run_install(client, scope, m, dry_run="dry-run" in flags, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def uninstall(m: Machine, client: str, *flags: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    scope = "project" if "project" in flags else "user"
    code = run_uninstall(client, scope, m, dry_run="dry-run" in flags, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# Where each client's config lives, relative to the fake home (user) or project (project).
LAYOUTS = [
    ("claude-desktop", "darwin", "user", "Library/Application Support/Claude/claude_desktop_config.json"),  # noqa: E501
    ("claude-desktop", "linux", "user", ".config/Claude/claude_desktop_config.json"),
    ("claude-desktop", "win32", "user", "AppData/Roaming/Claude/claude_desktop_config.json"),
    ("cursor", "darwin", "user", ".cursor/mcp.json"),
    ("cursor", "linux", "user", ".cursor/mcp.json"),
    ("cursor", "win32", "user", ".cursor/mcp.json"),
    ("cursor", "linux", "project", ".cursor/mcp.json"),
    ("vscode", "darwin", "user", "Library/Application Support/Code/User/mcp.json"),
    ("vscode", "linux", "user", ".config/Code/User/mcp.json"),
    ("vscode", "win32", "user", "AppData/Roaming/Code/User/mcp.json"),
    ("vscode", "win32", "project", ".vscode/mcp.json"),
]  # fmt: skip


@pytest.mark.parametrize(("client", "platform", "scope", "relative"), LAYOUTS)
def test_config_path_per_platform(
    tmp_path: Path, client: str, platform: str, scope: str, relative: str
) -> None:
    m = machine(tmp_path, platform)
    base = m.home if scope == "user" else m.cwd
    assert config_path(client, scope, m) == base / relative


def test_windows_uses_appdata_and_linux_uses_xdg_config_home(tmp_path: Path) -> None:
    roaming = tmp_path / "Roaming"
    win = machine(tmp_path, "win32", APPDATA=str(roaming))
    assert config_path("claude-desktop", "user", win) == (
        roaming / "Claude" / "claude_desktop_config.json"
    )
    xdg = tmp_path / "xdg"
    linux = machine(tmp_path, "linux", XDG_CONFIG_HOME=str(xdg))
    assert config_path("vscode", "user", linux) == xdg / "Code" / "User" / "mcp.json"
    # A relative XDG_CONFIG_HOME is invalid per the XDG spec and ignored.
    relative = machine(tmp_path, "linux", XDG_CONFIG_HOME="rel")
    assert config_path("cursor", "user", relative) == relative.home / ".cursor" / "mcp.json"


@pytest.mark.parametrize(("client", "platform", "scope", "relative"), LAYOUTS)
def test_install_keeps_other_servers_and_keys_and_backs_up(
    tmp_path: Path, client: str, platform: str, scope: str, relative: str
) -> None:
    m = machine(tmp_path, platform)
    path = config_path(client, scope, m)
    key = "servers" if client == "vscode" else "mcpServers"
    other = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]}
    original = {"theme": "dark", key: {"github": other}, "inputs": [{"id": "token"}]}
    path.parent.mkdir(parents=True)
    original_text = json.dumps(original, indent=4)
    path.write_text(original_text, encoding="utf-8")

    code, out, _ = install(m, client, scope)

    assert code == 0
    expected_entry = VSCODE_ENTRY if client == "vscode" else ENTRY
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "theme": "dark",
        key: {"github": other, "resilience": expected_entry},
        "inputs": [{"id": "token"}],
    }
    backup = path.with_name(path.name + ".bak")
    assert backup.read_text(encoding="utf-8") == original_text
    assert (
        out.splitlines()[0]
        == f"Registered 'resilience' in {path} (previous file saved as {backup})."
    )


@pytest.mark.parametrize("platform", ["darwin", "linux", "win32"])
def test_install_creates_a_missing_config_without_backup(tmp_path: Path, platform: str) -> None:
    m = machine(tmp_path, platform)
    code, out, _ = install(m, "claude-desktop")
    path = config_path("claude-desktop", "user", m)
    assert code == 0
    assert (
        path.read_text(encoding="utf-8")
        == json.dumps({"mcpServers": {"resilience": ENTRY}}, indent=2) + "\n"
    )
    assert not path.with_name(path.name + ".bak").exists()
    assert (
        out == f"Registered 'resilience' in {path}.\nRestart Claude Desktop to load the change.\n"
    )


def test_install_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    m = machine(tmp_path, "linux")
    assert install(m, "cursor")[0] == 0
    path = config_path("cursor", "user", m)
    first = path.read_text(encoding="utf-8")
    code, out, _ = install(m, "cursor")
    assert code == 0
    assert out == f"'resilience' is already registered in {path}; nothing changed.\n"
    assert path.read_text(encoding="utf-8") == first
    assert not path.with_name("mcp.json.bak").exists()


def test_install_replaces_a_stale_entry_of_ours(tmp_path: Path) -> None:
    m = machine(tmp_path, "darwin")
    path = config_path("cursor", "user", m)
    path.parent.mkdir(parents=True)
    path.write_text('{"mcpServers": {"resilience": {"command": "/old/python"}}}', encoding="utf-8")
    assert install(m, "cursor")[0] == 0
    assert json.loads(path.read_text(encoding="utf-8")) == {"mcpServers": {"resilience": ENTRY}}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"mcpServers": {"a": 1},}', " is not valid JSON (Expecting property name enclosed in "
         "double quotes at line 1, column 25); it was left untouched."),
        ("// comment\n{}", " is not valid JSON (Expecting value at line 1, column 1); "
         "it was left untouched."),
        ("[1, 2]", " holds a JSON list, not an object; it was left untouched."),
        ('{"mcpServers": []}', ': "mcpServers" is a JSON list, not an object; '
         "it was left untouched."),
    ],
)  # fmt: skip
def test_install_refuses_a_config_it_cannot_parse(
    tmp_path: Path, content: str, problem: str
) -> None:
    m = machine(tmp_path, "linux")
    path = config_path("claude-desktop", "user", m)
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    before = sorted(path.parent.iterdir())

    code, out, err = install(m, "claude-desktop")

    assert code == 1
    assert out == ""
    assert err.splitlines()[0] == f"error: {path}{problem}"
    assert path.read_text(encoding="utf-8") == content
    assert sorted(path.parent.iterdir()) == before  # no backup, no temp file left


def test_jsonc_refusal_shows_the_entry_to_add_by_hand(tmp_path: Path) -> None:
    m = machine(tmp_path, "linux")
    path = m.cwd / ".vscode" / "mcp.json"
    path.parent.mkdir()
    path.write_text('{\n  // my servers\n  "servers": {}\n}\n', encoding="utf-8")
    code, _, err = install(m, "vscode", "project")
    assert code == 1
    hand_entry = json.dumps({"servers": {"resilience": VSCODE_ENTRY}}, indent=2)
    assert err.endswith(f"add the entry by hand:\n{hand_entry}\n")


@pytest.mark.parametrize("client", ["claude-desktop", "cursor", "vscode"])
def test_dry_run_prints_the_result_and_writes_nothing(tmp_path: Path, client: str) -> None:
    m = machine(tmp_path, "darwin")
    path = config_path(client, "user", m)
    key = "servers" if client == "vscode" else "mcpServers"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({key: {"other": {"command": "x"}}}), encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}

    code, out, err = install(m, client, "dry-run")

    assert code == 0
    assert err == f"dry run: would write {path}\n"
    entry = VSCODE_ENTRY if client == "vscode" else ENTRY
    assert json.loads(out) == {key: {"other": {"command": "x"}, "resilience": entry}}
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_dry_run_creates_no_folder(tmp_path: Path) -> None:
    m = machine(tmp_path, "linux")
    assert install(m, "claude-desktop", "dry-run")[0] == 0
    assert list(m.home.iterdir()) == []


@pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX permission bits")
def test_write_keeps_the_file_mode(tmp_path: Path) -> None:
    m = machine(tmp_path, "linux")
    path = config_path("cursor", "user", m)
    path.parent.mkdir(parents=True)
    path.write_text("{}", encoding="utf-8")
    os.chmod(path, 0o600)
    assert install(m, "cursor")[0] == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.skipif(sys.platform.startswith("win"), reason="symlinks need privileges on Windows")
def test_a_symlinked_config_stays_a_symlink(tmp_path: Path) -> None:
    m = machine(tmp_path, "linux")
    real = tmp_path / "dotfiles" / "mcp.json"
    real.parent.mkdir()
    real.write_text('{"mcpServers": {}}', encoding="utf-8")
    link = config_path("cursor", "user", m)
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    assert install(m, "cursor")[0] == 0
    assert link.is_symlink()
    assert json.loads(real.read_text(encoding="utf-8")) == {"mcpServers": {"resilience": ENTRY}}


def test_uninstall_removes_only_our_entry(tmp_path: Path) -> None:
    m = machine(tmp_path, "win32")
    path = config_path("vscode", "user", m)
    path.parent.mkdir(parents=True)
    config = {"servers": {"a": {"type": "stdio", "command": "a"}}, "inputs": []}
    path.write_text(json.dumps(config), encoding="utf-8")
    assert install(m, "vscode")[0] == 0

    code, out, _ = uninstall(m, "vscode")

    assert code == 0
    assert json.loads(path.read_text(encoding="utf-8")) == config
    assert out.splitlines()[0] == (
        f"Removed 'resilience' from {path} (previous file saved as {path}.bak)."
    )


def test_uninstall_when_absent_touches_nothing(tmp_path: Path) -> None:
    m = machine(tmp_path, "linux")
    path = config_path("cursor", "user", m)
    code, out, _ = uninstall(m, "cursor")
    assert (code, out) == (0, f"'resilience' is not registered in {path}; nothing changed.\n")
    assert not path.exists()


def test_uninstall_refuses_invalid_json_too(tmp_path: Path) -> None:
    m = machine(tmp_path, "linux")
    path = config_path("cursor", "user", m)
    path.parent.mkdir(parents=True)
    path.write_text("{oops", encoding="utf-8")
    code, _, err = uninstall(m, "cursor")
    assert code == 1
    assert err.startswith(f"error: {path} is not valid JSON")
    assert path.read_text(encoding="utf-8") == "{oops"


def test_claude_desktop_has_no_project_scope(tmp_path: Path) -> None:
    code, _, err = install(machine(tmp_path, "darwin"), "claude-desktop", "project")
    assert (code, err) == (2, "error: claude-desktop has no project config: use --scope user\n")


def test_claude_code_without_claude_prints_the_command(tmp_path: Path) -> None:
    code, out, err = install(machine(tmp_path, "linux"), "claude-code")
    assert code == 0
    assert out == f"claude mcp add --scope user resilience -- {PYTHON} -m resilience_skill serve\n"
    assert err == "`claude` is not on PATH; run this command to finish:\n"


@pytest.mark.skipif(sys.platform.startswith("win"), reason="fake claude is a shell script")
def test_claude_code_runs_claude_when_it_is_on_path(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "argv.txt"
    fake = bin_dir / "claude"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n', encoding="utf-8")
    fake.chmod(0o755)
    m = machine(tmp_path, "linux", PATH=str(bin_dir))

    code, out, _ = install(m, "claude-code", "project")

    assert code == 0
    assert (
        out
        == f"$ claude mcp add --scope project resilience -- {PYTHON} -m resilience_skill serve\n"
    )
    assert record.read_text(encoding="utf-8").splitlines() == [
        "mcp", "add", "--scope", "project", "resilience", "--", PYTHON, "-m", "resilience_skill",
        "serve",
    ]  # fmt: skip
    assert uninstall(m, "claude-code", "project")[0] == 0
    assert record.read_text(encoding="utf-8").splitlines() == [
        "mcp", "remove", "--scope", "project", "resilience",
    ]  # fmt: skip


def test_claude_code_dry_run_never_runs_claude(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "claude"
    fake.write_text(f"#!/bin/sh\ntouch {tmp_path / 'ran'}\n", encoding="utf-8")
    fake.chmod(0o755)
    m = machine(tmp_path, "linux", PATH=str(bin_dir))
    code, out, err = install(m, "claude-code", "dry-run")
    assert (code, err) == (0, "")
    assert out.startswith("claude mcp add --scope user resilience -- ")
    assert not (tmp_path / "ran").exists()


def test_launcher_uses_the_absolute_interpreter_not_its_symlink_target(tmp_path: Path) -> None:
    venv_python = tmp_path / "venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(sys.executable)
    m = Machine(tmp_path, "linux", {}, tmp_path, str(venv_python), str(tmp_path / "venv"))
    assert launch_for(m) == Launch(str(venv_python), ("-m", "resilience_skill", "serve"))


def test_launcher_prefers_uvx_inside_uvx_cache_or_when_asked(tmp_path: Path) -> None:
    uvx = Launch("uvx", ("--from", "resilience-skill", "resilience", "serve"))
    cached = "/home/u/.cache/uv/archive-v0/AbC123"
    m = Machine(tmp_path, "linux", {}, tmp_path, f"{cached}/bin/python", cached)
    assert launch_for(m) == uvx
    plain = machine(tmp_path, "linux")
    assert launch_for(plain, "uvx") == uvx
    assert launch_for(plain, "python").command == PYTHON


def test_project_scope_with_an_interpreter_path_warns(tmp_path: Path) -> None:
    code, _, err = install(machine(tmp_path, "linux"), "cursor", "project")
    assert code == 0
    assert err == (
        f"note: mcp.json now names this machine's interpreter ({PYTHON}); "
        "for a file teammates share, use --launcher uvx\n"
    )


def test_cli_install_dry_run_from_any_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from resilience_skill.cli import main

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["install", "cursor", "--dry-run"]) == 0
    printed = json.loads(capsys.readouterr().out)
    entry = printed["mcpServers"]["resilience"]
    assert entry == {
        "command": os.path.abspath(sys.executable),
        "args": ["-m", "resilience_skill", "serve"],
    }
    assert list(tmp_path.iterdir()) == []
