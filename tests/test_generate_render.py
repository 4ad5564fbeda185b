"""Render every template variant into one folder, once per test session.

Each pattern x flavor x sync/async is rendered twice: with defaults, and with every numeric
parameter changed and the main name renamed. The folder then holds ``<module>.py`` and
``test_<module>.py`` pairs with unique module names, ready for one ruff, pytest or mypy run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from resilience_skill.generate import Generated, generate, template_params
from resilience_skill.templates.catalog import TEMPLATES, Template
from resilience_skill.templates.render import Param


@dataclass(frozen=True)
class Rendered:
    template: Template
    variant: str  # "default" or "custom"
    result: Generated


def custom_value(param: Param) -> str:
    """A valid value different from the default."""
    if isinstance(param.default, int):
        value = param.default + 1
        if param.high is not None and value > param.high:
            value = param.default - 1
        return str(value)
    if isinstance(param.default, float):
        # Smaller, not larger: a timeout above the audit's maximum would be a finding.
        return repr(param.default * 0.5 or 0.25)
    return f"{param.default}_custom"


def custom_name(main: str) -> str:
    return f"Custom{main}" if main[0].isupper() else f"custom_{main}"


def render_all() -> list[Rendered]:
    rendered: list[Rendered] = []
    for template in TEMPLATES:
        default = generate(
            template.pattern,
            template.flavor,
            async_=template.is_async,
            module_name=f"gen_{template.stem}",
        )
        params = {key: custom_value(p) for key, p in template_params(template).items()}
        custom = generate(
            template.pattern,
            template.flavor,
            async_=template.is_async,
            name=custom_name(template.main),
            params=params,
            module_name=f"gen_{template.stem}_custom",
        )
        rendered += [Rendered(template, "default", default), Rendered(template, "custom", custom)]
    return rendered


def write_all(folder: Path, rendered: list[Rendered], *, tests: bool = True) -> None:
    for item in rendered:
        module = item.result.module_name
        (folder / f"{module}.py").write_text(item.result.code, encoding="utf-8")
        if tests:
            (folder / f"test_{module}.py").write_text(item.result.tests, encoding="utf-8")


def test_wrapped_parameter_lines_are_parameters() -> None:
    from resilience_skill.generate import generate

    code = generate("timeout", "aiohttp", async_=True, params={"total_timeout": "10"}).code
    assert "TOTAL_TIMEOUT = (\n    10.0  # seconds for the whole request and response\n)" in code
    assert "# param:" not in code
    pika = generate("dead-letter-queue", "pika", params={"blocked_timeout": "5"}).code
    assert "    5.0  # seconds blocked by the broker\n)" in pika
    assert "# param:" not in pika
