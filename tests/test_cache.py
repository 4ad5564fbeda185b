"""The content-keyed cache in front of the per-file stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from resilience_skill.analysis import api
from resilience_skill.analysis.api import audit_paths
from resilience_skill.cli import main
from resilience_skill.config import Config

CODE = "import requests\n\n\ndef f(u):\n    return requests.get(u)\n"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the engine really analysed (cache misses)."""
    seen: list[str] = []
    real = api.analyze_file

    def spy(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(api, "analyze_file", spy)
    return seen


def _findings(result: object) -> list[tuple[str, int]]:
    return [(f.rule, f.location.line) for f in result.findings]  # type: ignore[attr-defined]


def test_unchanged_files_come_from_the_cache(tmp_path: Path, counted: list[str]) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text(CODE)
    (src / "b.py").write_text("x = 1\n")
    cache = tmp_path / ".cache"
    first = audit_paths([str(src)], Config(), jobs=1, cache_folder=cache)
    assert len(counted) == 2
    second = audit_paths([str(src)], Config(), jobs=1, cache_folder=cache)
    assert len(counted) == 2
    assert second.findings == first.findings
    assert _findings(second) == [("RES101", 5)]
    assert (cache / ".gitignore").read_text().endswith("*\n")


def test_changes_to_content_or_config_miss(tmp_path: Path, counted: list[str]) -> None:
    (tmp_path / "a.py").write_text(CODE)
    cache = tmp_path / ".cache"
    audit_paths([str(tmp_path / "a.py")], Config(), jobs=1, cache_folder=cache)
    (tmp_path / "a.py").write_text("# moved\n" + CODE)
    moved = audit_paths([str(tmp_path / "a.py")], Config(), jobs=1, cache_folder=cache)
    assert _findings(moved) == [("RES101", 6)]
    ignored = audit_paths(
        [str(tmp_path / "a.py")], Config(ignore=("RES101",)), jobs=1, cache_folder=cache
    )
    assert _findings(ignored) == []
    assert len(counted) == 3


def test_redis_pin_is_part_of_the_key(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("import redis\n\nr = redis.Redis(host='cache')\n")
    cache = tmp_path / ".cache"
    assert _findings(audit_paths([str(tmp_path)], Config(), jobs=1, cache_folder=cache)) == []
    (tmp_path / "requirements.txt").write_text("redis<8\n")
    pinned = audit_paths([str(tmp_path)], Config(), jobs=1, cache_folder=cache)
    assert [rule for rule, _ in _findings(pinned)] == ["RES105"]


def test_corrupt_entries_are_misses(tmp_path: Path, counted: list[str]) -> None:
    (tmp_path / "a.py").write_text(CODE)
    cache = tmp_path / ".cache"
    audit_paths([str(tmp_path / "a.py")], Config(), jobs=1, cache_folder=cache)
    for entry in cache.rglob("*"):
        if entry.is_file() and entry.name != ".gitignore":
            entry.write_bytes(b"not a pickle")
    again = audit_paths([str(tmp_path / "a.py")], Config(), jobs=1, cache_folder=cache)
    assert _findings(again) == [("RES101", 5)]
    assert len(counted) == 2


def test_cli_uses_the_cache_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(CODE)
    assert main(["audit", "a.py", "--format", "json"]) == 1
    assert (tmp_path / ".resilience_cache").is_dir()
    cached = json.loads(capsys.readouterr().out)
    assert main(["audit", "a.py", "--format", "json", "--no-cache"]) == 1
    assert json.loads(capsys.readouterr().out) == cached
