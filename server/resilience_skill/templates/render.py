"""Render a template module: substitute its main name, module path and parameters.

A parameter is a module-level constant marked with a trailing comment::

    MAX_ATTEMPTS = 3  # param: attempts

Its type is the type of the template's own literal (int, float or str); a user's value is
parsed as that type and validated, never evaluated. Numbers must be positive, or within an
inclusive range given after the key::

    WAIT_TIME_SECONDS = 20  # param: wait_time [0..20] - long-poll seconds

The main name (the class or function the user applies) is replaced as a whole word, so
docstrings follow the rename.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from dataclasses import dataclass
from importlib import resources

TEMPLATE_PACKAGE = "resilience_skill.templates"

# A formatter wraps a long marked line in parentheses; both shapes are parameters:
#   NAME = 3  # param: key [low..high] - description
#   NAME = (
#       3  # param: key [low..high] - description
#   )
_PARAM_LINE = re.compile(
    r"^(?P<lhs>[A-Z][A-Z0-9_]*(?:: *[A-Za-z_][\w\[\], .|]*)?) = "
    r"(?:(?P<open>\(\n)(?P<indent>[ \t]+))?(?P<value>[^#\n]+?)"
    r"  # param: (?P<key>[a-z][a-z0-9_]*)(?: \[(?P<low>[0-9.]+)\.\.(?P<high>[0-9.]+)\])?"
    r"(?P<doc> [^\n]*)?$(?(open)\n\))",
    re.MULTILINE,
)
_SAFE_STRING = re.compile(r"^[A-Za-z0-9_.:/@+-]{1,120}$")


class RenderError(ValueError):
    """A name or parameter value that cannot be rendered."""


@dataclass(frozen=True, slots=True)
class Param:
    """A template parameter: its key, the constant it sets, its default and type."""

    key: str
    constant: str
    default: int | float | str
    description: str
    low: float | None = None
    high: float | None = None

    @property
    def kind(self) -> str:
        return type(self.default).__name__


def read_template(stem: str, *, test: bool = False) -> str:
    """The text of a template module (or its emitted test module)."""
    folder = resources.files(TEMPLATE_PACKAGE)
    if test:
        folder = folder / "emitted_tests"
        stem = f"test_{stem}"
    return (folder / f"{stem}.py").read_text(encoding="utf-8")


def find_params(source: str) -> dict[str, Param]:
    """The ``# param:`` constants of a template, keyed by parameter name."""
    params: dict[str, Param] = {}
    for match in _PARAM_LINE.finditer(source):
        # The template's own literal, not user input: literal_eval only ever sees our files.
        default = ast.literal_eval(match["value"].strip())
        if not isinstance(default, int | float | str) or isinstance(default, bool):
            raise RenderError(f"template parameter {match['key']!r} is not a number or string")
        constant = match["lhs"].split(":")[0].strip()
        doc = (match["doc"] or "").strip().lstrip("-: ").strip()
        low = float(match["low"]) if match["low"] else None
        high = float(match["high"]) if match["high"] else None
        params[match["key"]] = Param(match["key"], constant, default, doc, low, high)
    return params


def parse_value(param: Param, raw: str) -> str:
    """The Python literal for ``raw`` as ``param``'s type; raises :class:`RenderError`."""
    text = raw.strip()
    if isinstance(param.default, int):
        if not re.fullmatch(r"[0-9]{1,9}", text):
            raise RenderError(f"param {param.key!r} must be a whole number, got {raw!r}")
        number = int(text)
        _check_range(param, number, 1)
        return str(number)
    if isinstance(param.default, float):
        try:
            value = float(text)
        except ValueError:
            raise RenderError(f"param {param.key!r} must be a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise RenderError(f"param {param.key!r} must be a finite number, got {raw!r}")
        _check_range(param, value, None)
        return repr(value)
    if not _SAFE_STRING.fullmatch(text):
        raise RenderError(
            f"param {param.key!r} must be 1-120 characters of letters, digits and ._:/@+-, "
            f"got {raw!r}"
        )
    return repr(text)


def _check_range(param: Param, value: float, default_low: float | None) -> None:
    low = param.low if param.low is not None else default_low
    if param.high is not None and low is not None and not low <= value <= param.high:
        raise RenderError(
            f"param {param.key!r} must be in [{low:g}, {param.high:g}], got {value:g}"
        )
    if low is not None and value < low:
        raise RenderError(f"param {param.key!r} must be >= {low:g}, got {value:g}")
    if low is None and value <= 0:
        raise RenderError(f"param {param.key!r} must be > 0, got {value:g}")


def validate_name(name: str, source: str, main: str) -> None:
    """``name`` must be an identifier not already used in the template."""
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("__"):
        raise RenderError(f"name must be a Python identifier, got {name!r}")
    if name != main and re.search(rf"\b{re.escape(name)}\b", source):
        raise RenderError(f"name {name!r} clashes with a name the template already uses")


def render(
    source: str,
    *,
    params: dict[str, Param],
    values: dict[str, str],
    main: str,
    name: str,
    module_path: str,
    module_name: str,
) -> str:
    """Substitute values, the main name and the template's import path in ``source``."""

    def substitute(match: re.Match[str]) -> str:
        key = match["key"]
        literal = values[key] if key in values else repr(params[key].default)
        doc = match["doc"] or ""
        # The marker is for us; the reader keeps the description as a plain comment.
        comment = f"  # {doc.strip().lstrip('-: ').strip()}" if doc.strip() else ""
        if match["open"]:
            return f"{match['lhs']} = (\n{match['indent']}{literal}{comment}\n)"
        return f"{match['lhs']} = {literal}{comment}"

    text = _PARAM_LINE.sub(substitute, source)
    text = text.replace(module_path, module_name)
    if name != main:
        text = re.sub(rf"\b{re.escape(main)}\b", name, text)
    return text
