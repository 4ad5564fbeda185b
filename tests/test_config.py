"""[tool.resilience] loading and validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from resilience_skill.analysis.selection import rule_ids_for_path, validate_selection
from resilience_skill.config import Config, ConfigError, load_config


def _write(folder: Path, body: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text(f"[project]\nname = 'x'\n\n[tool.resilience]\n{body}\n")
    return path


def test_defaults_without_config(tmp_path: Path) -> None:
    assert load_config(start=tmp_path) == Config()


def test_values_are_read_and_searched_upward(tmp_path: Path) -> None:
    _write(
        tmp_path,
        'select = ["RES1"]\ndefault-timeout = [2, 10]\nretry-attempts = 4\n'
        'logging-names = ["audit_log"]\nfail-on = "medium"',
    )
    nested = tmp_path / "src" / "pkg"
    nested.mkdir(parents=True)
    config = load_config(start=nested)
    assert config.select == ("RES1",)
    assert config.default_timeout == "(2, 10)"
    assert config.retry_attempts == 4
    assert config.logging_names == ("audit_log",)
    assert config.fail_on == "medium"
    assert config.root == str(tmp_path)


def test_pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "retry-attempts = 5")
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text("[project]\nname = 'inner'\n")
    assert load_config(start=inner).retry_attempts == 5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("selct = ['RES1']", "selct: unknown key"),
        ("retry-attempts = 'three'", "retry-attempts: expected a positive integer"),
        ("retry-attempts = 0", "retry-attempts: expected a positive integer"),
        ("fail-on = 'sometimes'", "fail-on: expected one of"),
        ("default-timeout = 'forever'", "default-timeout: expected a number"),
        ("select = 5", "select: expected a list of strings"),
        ("select = [", "invalid TOML"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_selectors_ids_prefixes_and_names() -> None:
    config = Config(select=("RES1", "http-call-without-timeout"), ignore=("RES102",))
    assert "RES101" in rule_ids_for_path(config, "a.py")
    with pytest.raises(ValueError, match="unknown rule selector 'RES9'"):
        validate_selection(Config(select=("RES9",)))


def test_per_file_ignores(tmp_path: Path) -> None:
    config = Config(per_file_ignores=(("tests/*", ("RES101",)),))
    assert "RES101" not in rule_ids_for_path(config, "tests/test_a.py")
    assert "RES101" in rule_ids_for_path(config, "src/a.py")
