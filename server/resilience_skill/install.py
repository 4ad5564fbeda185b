"""Register the MCP server with AI assistants by editing their JSON configs.

Everything that depends on the machine (home folder, platform, environment variables, working
folder, interpreter) comes in through a :class:`Machine`, so tests can point the installer at
fake home folders laid out like macOS, Windows or Linux.

A user's config is precious: it is parsed before anything is written, and a file that does not
parse is refused, never overwritten. Writes go to a temporary file in the same folder that
then replaces the config (so a crash leaves the old file or the new one, never half of one),
with the old file copied to ``<file>.bak`` first and its permissions kept.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Literal, TextIO

from resilience_skill.atomic import write_atomic

SERVER_NAME = "resilience"
CLIENTS = ("claude-code", "claude-desktop", "cursor", "vscode")
SCOPES = ("user", "project")
LAUNCHERS = ("auto", "python", "uvx")

CLIENT_TITLES = {
    "claude-code": "Claude Code",
    "claude-desktop": "Claude Desktop",
    "cursor": "Cursor",
    "vscode": "VS Code",
}

# Exit codes, as the rest of the CLI: 1 a config we will not touch, 2 a usage error.
EXIT_BAD_CONFIG = 1
CLAUDE_TIMEOUT = 120
"""Seconds `claude mcp add/remove` may take before we give up on it."""
EXIT_USAGE = 2


class InstallError(Exception):
    """An install or uninstall that cannot go ahead; the message names the file and why."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_CONFIG) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Machine:
    """The parts of the machine the installer reads; injectable for tests."""

    home: Path
    platform: str  # a sys.platform value: "darwin", "win32", "linux", ...
    env: Mapping[str, str]
    cwd: Path
    executable: str
    prefix: str

    @classmethod
    def current(cls) -> Machine:
        return cls(
            home=Path.home(),
            platform=sys.platform,
            env=dict(os.environ),
            cwd=Path.cwd(),
            executable=sys.executable,
            prefix=sys.prefix,
        )

    @property
    def is_windows(self) -> bool:
        return self.platform.startswith("win")

    @property
    def is_macos(self) -> bool:
        return self.platform == "darwin"


@dataclass(frozen=True)
class Launch:
    """The command a client runs to start the server."""

    command: str
    args: tuple[str, ...]

    def argv(self) -> list[str]:
        return [self.command, *self.args]


def _absolute(path: str) -> str:
    # abspath, not resolve(): a venv's python is a symlink to the base interpreter, and
    # following it would start a python that cannot see the venv's packages.
    return os.path.abspath(path)


def _is_ephemeral_uv_env(prefix: str) -> bool:
    """True inside the throwaway environment `uvx` builds in uv's cache."""
    parts = PurePath(prefix).parts
    return any(part.startswith("archive-v") for part in parts) and any(
        part == "uv" for part in parts
    )


def launch_for(machine: Machine, launcher: str = "auto") -> Launch:
    """How clients should start the server.

    ``python``: this interpreter's absolute path with ``-m resilience_skill serve``; it works
    from any folder and needs nothing else on PATH. ``uvx``: ``uvx --from resilience-skill
    resilience serve``, which needs uv but no prior install. ``auto`` picks ``python``, except
    inside uvx's cached environment, which uv may delete at any time.
    """
    if launcher not in LAUNCHERS:
        raise InstallError(f"unknown launcher {launcher!r}", EXIT_USAGE)
    uvx = Launch("uvx", ("--from", "resilience-skill", "resilience", "serve"))
    if launcher == "uvx" or (launcher == "auto" and _is_ephemeral_uv_env(machine.prefix)):
        return uvx
    return Launch(_absolute(machine.executable), ("-m", "resilience_skill", "serve"))


def _config_home(machine: Machine) -> Path:
    """The per-user application-settings folder of the platform."""
    if machine.is_macos:
        return machine.home / "Library" / "Application Support"
    if machine.is_windows:
        appdata = machine.env.get("APPDATA")
        return Path(appdata) if appdata else machine.home / "AppData" / "Roaming"
    xdg = machine.env.get("XDG_CONFIG_HOME")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else machine.home / ".config"


def config_path(client: str, scope: str, machine: Machine) -> Path:
    """The JSON file that holds ``client``'s MCP servers at ``scope``."""
    if scope not in SCOPES:
        raise InstallError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}", EXIT_USAGE)
    if client == "claude-desktop":
        if scope == "project":
            raise InstallError("claude-desktop has no project config: use --scope user", EXIT_USAGE)
        return _config_home(machine) / "Claude" / "claude_desktop_config.json"
    if client == "cursor":
        base = machine.home if scope == "user" else machine.cwd
        return base / ".cursor" / "mcp.json"
    if client == "vscode":
        if scope == "project":
            return machine.cwd / ".vscode" / "mcp.json"
        return _config_home(machine) / "Code" / "User" / "mcp.json"
    if client == "claude-code":
        # Only used when asked for the file `claude mcp add` writes.
        return machine.cwd / ".mcp.json" if scope == "project" else machine.home / ".claude.json"
    raise InstallError(f"unknown client {client!r}: use one of {', '.join(CLIENTS)}", EXIT_USAGE)


def servers_key(client: str) -> str:
    """VS Code keeps servers under ``servers``; the other clients under ``mcpServers``."""
    return "servers" if client == "vscode" else "mcpServers"


def server_entry(client: str, launch: Launch) -> dict[str, Any]:
    entry: dict[str, Any] = {"command": launch.command, "args": list(launch.args)}
    if client == "vscode":
        entry = {"type": "stdio", **entry}
    return entry


@dataclass
class Plan:
    """What an install or uninstall does to one config file, computed before any write."""

    client: str
    path: Path
    existed: bool
    config: dict[str, Any]
    changed: bool
    entry: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return json.dumps(self.config, indent=2, ensure_ascii=False) + "\n"


def read_config(path: Path, client: str, entry: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Parse ``path`` (absent or blank: an empty config); refuse anything else unparseable."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InstallError(f"cannot read {path}: {exc}") from exc
    if not raw.strip():
        return {}
    key = servers_key(client)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        hint = ""
        if entry is not None:
            snippet = json.dumps({key: {SERVER_NAME: entry}}, indent=2)
            hint = (
                "\nIf the file holds comments or trailing commas (JSONC), add the entry by "
                f"hand:\n{snippet}"
            )
        raise InstallError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            f"it was left untouched.{hint}"
        ) from exc
    if not isinstance(data, dict):
        raise InstallError(
            f"{path} holds a JSON {type(data).__name__}, not an object; it was left untouched."
        )
    servers = data.get(key)
    if servers is not None and not isinstance(servers, dict):
        raise InstallError(
            f'{path}: "{key}" is a JSON {type(servers).__name__}, not an object; '
            "it was left untouched."
        )
    return data


def plan_install(client: str, scope: str, machine: Machine, launch: Launch) -> Plan:
    path = config_path(client, scope, machine)
    entry = server_entry(client, launch)
    config = read_config(path, client, entry)
    key = servers_key(client)
    servers = dict(config.get(key) or {})
    changed = servers.get(SERVER_NAME) != entry
    servers[SERVER_NAME] = entry
    new_config = {**config, key: servers}
    plan = Plan(client, path, path.exists(), new_config, changed, entry)
    if scope == "project" and launch.command != "uvx":
        plan.notes.append(
            f"note: {path.name} now names this machine's interpreter ({launch.command}); "
            "for a file teammates share, use --launcher uvx"
        )
    return plan


def plan_uninstall(client: str, scope: str, machine: Machine) -> Plan:
    path = config_path(client, scope, machine)
    config = read_config(path, client)
    key = servers_key(client)
    servers = config.get(key)
    if not isinstance(servers, dict) or SERVER_NAME not in servers:
        return Plan(client, path, path.exists(), config, changed=False)
    # Only our entry goes; the (possibly now empty) map and every other key stay.
    remaining = {name: value for name, value in servers.items() if name != SERVER_NAME}
    return Plan(client, path, True, {**config, key: remaining}, changed=True)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step, keeping the old file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"))


def apply(plan: Plan) -> Path | None:
    """Write the plan's config; returns the backup's path when there was a file to back up."""
    if not plan.changed:
        return None
    # Write through a symlinked config (dotfile managers) instead of replacing the link.
    target = plan.path.resolve() if plan.path.is_symlink() else plan.path
    backup = None
    try:
        if target.exists():
            backup = backup_path(target)
            shutil.copy2(target, backup)
        write_atomically(target, plan.text())
    except OSError as exc:
        raise InstallError(f"cannot write {target}: {exc}") from exc
    return backup


def claude_code_argv(action: Literal["add", "remove"], scope: str, launch: Launch) -> list[str]:
    """The ``claude mcp`` command that registers (or removes) the server in Claude Code."""
    if scope not in SCOPES:
        raise InstallError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}", EXIT_USAGE)
    if action == "remove":
        return ["claude", "mcp", "remove", "--scope", scope, SERVER_NAME]
    return ["claude", "mcp", "add", "--scope", scope, SERVER_NAME, "--", *launch.argv()]


def format_argv(argv: list[str], machine: Machine) -> str:
    if machine.is_windows:
        return subprocess.list2cmdline(argv)
    return shlex.join(argv)


def find_claude(machine: Machine) -> str | None:
    return shutil.which("claude", path=machine.env.get("PATH", os.defpath))


def _run_claude(argv: list[str], machine: Machine, dry_run: bool, out: TextIO, err: TextIO) -> int:
    shown = format_argv(argv, machine)
    claude = find_claude(machine) if not dry_run else None
    if claude is None:
        if not dry_run:
            print("`claude` is not on PATH; run this command to finish:", file=err)
        print(shown, file=out)
        return 0
    print(f"$ {shown}", file=out)
    out.flush()
    try:
        completed = subprocess.run(
            [claude, *argv[1:]], check=False, env=dict(machine.env), timeout=CLAUDE_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        print(f"error: `{shown}` did not finish within {CLAUDE_TIMEOUT} s", file=err)
        return EXIT_BAD_CONFIG
    except OSError as exc:
        print(f"error: cannot run {claude}: {exc}", file=err)
        return EXIT_BAD_CONFIG
    return completed.returncode


def _report(plan: Plan, action: str, dry_run: bool, out: TextIO, err: TextIO) -> int:
    title = CLIENT_TITLES[plan.client]
    if dry_run:
        verb = "would write" if plan.changed else "would leave unchanged"
        print(f"dry run: {verb} {plan.path}", file=err)
        print(plan.text(), end="", file=out)
        return 0
    if not plan.changed:
        state = "already registered in" if action == "install" else "not registered in"
        print(f"{SERVER_NAME!r} is {state} {plan.path}; nothing changed.", file=out)
        return 0
    backup = apply(plan)
    done = "Registered" if action == "install" else "Removed"
    where = "in" if action == "install" else "from"
    saved = f" (previous file saved as {backup})" if backup else ""
    print(f"{done} {SERVER_NAME!r} {where} {plan.path}{saved}.", file=out)
    print(f"Restart {title} to load the change.", file=out)
    return 0


def run_install(
    client: str,
    scope: str,
    machine: Machine,
    *,
    launcher: str = "auto",
    dry_run: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``resilience install``: returns the exit code; errors are printed, never raised."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        launch = launch_for(machine, launcher)
        if client == "claude-code":
            return _run_claude(claude_code_argv("add", scope, launch), machine, dry_run, out, err)
        plan = plan_install(client, scope, machine, launch)
        for note in plan.notes:
            print(note, file=err)
        return _report(plan, "install", dry_run, out, err)
    except InstallError as exc:
        print(f"error: {exc}", file=err)
        return exc.exit_code


def run_uninstall(
    client: str,
    scope: str,
    machine: Machine,
    *,
    dry_run: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``resilience uninstall``: removes only our entry; returns the exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        if client == "claude-code":
            argv = claude_code_argv("remove", scope, launch_for(machine))
            return _run_claude(argv, machine, dry_run, out, err)
        return _report(plan_uninstall(client, scope, machine), "uninstall", dry_run, out, err)
    except InstallError as exc:
        print(f"error: {exc}", file=err)
        return exc.exit_code
