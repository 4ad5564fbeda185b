"""The project's own quality gates, run with the test suite so CI enforces them:
ruff, ruff format, mypy, and `resilience audit` of our own server/ code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from resilience_skill.analysis import audit_paths
from resilience_skill.config import load_config

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_check_is_clean() -> None:
    proc = _run(_tool("ruff"), "check", "--no-cache", "server", "tests", "bench")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_is_clean() -> None:
    proc = _run(_tool("ruff"), "format", "--check", "--no-cache", "server", "tests", "bench")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    proc = _run(_tool("mypy"), "--no-incremental")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_our_own_server_code_audits_clean() -> None:
    result = audit_paths([str(ROOT / "server")], load_config(start=ROOT), jobs=1)
    assert result.errors == ()
    assert [f"{f.path}:{f.location.line} {f.rule}" for f in result.findings] == []
