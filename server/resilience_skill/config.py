"""``[tool.resilience]`` in pyproject.toml: found by searching upward, validated strictly.

Unknown keys and values of the wrong type are errors that name the file and the key, so a
typo never silently turns a rule off.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

SEVERITIES = ("high", "medium", "low", "never")


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: str = "low"
    default_timeout: str = "(3.05, 30)"
    """Python source of the value fixes insert as ``timeout=``."""
    retry_attempts: int = 3
    backoff_cap: float = 20
    latency_budget: float = 30
    max_timeout: float = 60
    logging_names: tuple[str, ...] = ()
    dead_letter_names: tuple[str, ...] = ()
    path: str | None = None
    """The pyproject.toml the values came from."""
    root: str | None = None
    """The folder holding that pyproject.toml (per-file-ignores patterns are relative to it)."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


_KEYS: dict[str, str] = {
    "select": "select",
    "ignore": "ignore",
    "exclude": "exclude",
    "per-file-ignores": "per_file_ignores",
    "fail-on": "fail_on",
    "default-timeout": "default_timeout",
    "retry-attempts": "retry_attempts",
    "backoff-cap": "backoff_cap",
    "latency-budget": "latency_budget",
    "max-timeout": "max_timeout",
    "logging-names": "logging_names",
    "dead-letter-names": "dead_letter_names",
}


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _number(value: Any, where: str, *, integer: bool = False) -> Any:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise ConfigError(f"{where}: expected {kind}, got {value!r}")
    return value


def _timeout_source(value: Any, where: str) -> str:
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number or [connect, read], got {value!r}")
    if isinstance(value, int | float) and value > 0:
        return repr(value)
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        return f"({value[0]!r}, {value[1]!r})"
    if isinstance(value, str):
        import ast

        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = None
        if parsed is not None and not isinstance(parsed, str):
            return _timeout_source(list(parsed) if isinstance(parsed, tuple) else parsed, where)
    raise ConfigError(f"{where}: expected a number or [connect, read], got {value!r}")


def parse_table(table: dict[str, Any], source: str = "pyproject.toml") -> dict[str, Any]:
    """Validate a ``[tool.resilience]`` table; returns ``Config`` field values."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{source}: [tool.resilience] {key}"
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{where}: unknown key (known keys: {known})")
        attr = _KEYS[key]
        if attr in ("select", "ignore", "exclude", "logging_names", "dead_letter_names"):
            values[attr] = _str_list(value, where)
        elif attr == "per_file_ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: expected a table of pattern = [rules]")
            values[attr] = tuple(
                (pattern, _str_list(rules, f"{where}.{pattern}"))
                for pattern, rules in value.items()
            )
        elif attr == "fail_on":
            if value not in SEVERITIES:
                raise ConfigError(f"{where}: expected one of {', '.join(SEVERITIES)}")
            values[attr] = value
        elif attr == "default_timeout":
            values[attr] = _timeout_source(value, where)
        elif attr == "retry_attempts":
            values[attr] = _number(value, where, integer=True)
        else:
            values[attr] = _number(value, where)
    return values


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.resilience]`` table, searching upward."""
    current = start.resolve()
    if current.is_file() or not current.exists():
        current = current.parent
    for folder in (current, *current.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                # A broken pyproject is reported only when it holds our table.
                if "[tool.resilience" in candidate.read_text(errors="replace"):
                    return candidate
                continue
            if "resilience" in data.get("tool", {}):
                return candidate
    return None


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Load ``path`` or the nearest pyproject.toml above ``start``; defaults when none."""
    if path is None:
        path = find_pyproject(start or Path.cwd())
        if path is None:
            return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    table = data.get("tool", {}).get("resilience", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.resilience] must be a table")
    values = parse_table(table, str(path))
    return Config(path=str(path), root=str(path.parent), **values)


def with_overrides(config: Config, **overrides: Any) -> Config:
    """A copy of ``config`` with the non-None overrides applied (command-line flags)."""
    names = {f.name for f in fields(Config)}
    clean = {k: v for k, v in overrides.items() if v is not None and k in names}
    return replace(config, **clean)
