"""Public API of ``resilience generate``: list the patterns, render one as code and tests.

>>> result = generate("retry", "tenacity", params={"attempts": "4"})
>>> result.module_name, result.dependencies
('retry_policy', ('tenacity>=9',))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resilience_skill.templates.catalog import PATTERNS, TEMPLATES, Template
from resilience_skill.templates.render import (
    TEMPLATE_PACKAGE,
    Param,
    RenderError,
    find_params,
    parse_value,
    read_template,
    render,
    validate_name,
)

__all__ = [
    "GenerateError",
    "Generated",
    "PatternInfo",
    "generate",
    "list_patterns",
    "template_params",
]


class GenerateError(ValueError):
    """Unknown pattern, flavor or parameter, or an invalid value; the message lists the valid
    choices."""


@dataclass(frozen=True, slots=True)
class PatternInfo:
    pattern: str
    description: str
    flavors: tuple[str, ...]
    async_: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "description": self.description,
            "flavors": list(self.flavors),
            "async": self.async_,
        }


@dataclass(frozen=True, slots=True)
class Generated:
    pattern: str
    flavor: str
    module_name: str
    code: str
    tests: str
    dependencies: tuple[str, ...]
    notes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "flavor": self.flavor,
            "module_name": self.module_name,
            "code": self.code,
            "tests": self.tests,
            "dependencies": list(self.dependencies),
            "notes": list(self.notes),
        }


def list_patterns() -> list[PatternInfo]:
    """Every pattern with its flavors (default first) and whether an async variant exists."""
    return [
        PatternInfo(
            p.name,
            p.description,
            p.flavors,
            any(t.pattern == p.name and t.is_async for t in TEMPLATES),
        )
        for p in PATTERNS
    ]


def _choices(items: Any) -> str:
    return ", ".join(items)


def find_template(pattern: str, flavor: str | None = None, *, async_: bool = False) -> Template:
    """The template for a pattern/flavor/variant, or :class:`GenerateError` naming the choices."""
    known = {p.name: p for p in PATTERNS}
    if pattern not in known:
        raise GenerateError(f"unknown pattern {pattern!r}; valid patterns: {_choices(known)}")
    flavors = known[pattern].flavors
    chosen = flavors[0] if flavor is None else flavor
    if chosen not in flavors:
        raise GenerateError(
            f"unknown flavor {chosen!r} for {pattern}; valid flavors: {_choices(flavors)}"
        )
    variants = [t for t in TEMPLATES if t.pattern == pattern and t.flavor == chosen]
    for template in variants:
        if template.is_async == async_:
            return template
    if not async_:
        # An async-only flavor (aiohttp) is async by nature: asking for it is asking for that.
        return variants[0]
    with_async = [
        f
        for f in flavors
        if any(t.pattern == pattern and t.flavor == f and t.is_async for t in TEMPLATES)
    ]
    raise GenerateError(
        f"{pattern} --flavor {chosen} has no async variant; flavors with one: "
        f"{_choices(with_async) or 'none'}"
    )


def template_params(template: Template) -> dict[str, Param]:
    """The parameters a template accepts, keyed by name."""
    return find_params(read_template(template.stem))


def generate(
    pattern: str,
    flavor: str | None = None,
    *,
    async_: bool = False,
    name: str | None = None,
    params: dict[str, str] | None = None,
    module_name: str | None = None,
) -> Generated:
    """Render a pattern's code and its pytest module.

    ``name`` renames the main class or function; ``params`` set the template's constants
    (values are strings, validated as the constant's type); ``module_name`` is the name the
    tests import the code as (default: the template's).
    """
    template = find_template(pattern, flavor, async_=async_)
    code_source = read_template(template.stem)
    test_source = read_template(template.stem, test=True)
    declared = find_params(code_source)
    values: dict[str, str] = {}
    for key, raw in (params or {}).items():
        if key not in declared:
            valid = ", ".join(
                f"{p.key} ({p.kind}, default {p.default!r})" for p in declared.values()
            )
            raise GenerateError(
                f"unknown param {key!r} for {pattern} --flavor {template.flavor}; "
                f"valid params: {valid or 'none'}"
            )
        try:
            values[key] = parse_value(declared[key], str(raw))
        except RenderError as exc:
            raise GenerateError(str(exc)) from None
    main = name or template.main
    try:
        validate_name(main, code_source + test_source, template.main)
    except RenderError as exc:
        raise GenerateError(str(exc)) from None
    # The module keeps the template's name unless asked: a name derived from ``name`` could
    # shadow an installed package (``--name Backoff`` would import as ``backoff``).
    module = module_name or template.module_name
    if not module.isidentifier():
        raise GenerateError(f"module name must be a Python identifier, got {module!r}")
    kwargs: dict[str, Any] = {
        "params": declared,
        "values": values,
        "main": template.main,
        "name": main,
        "module_path": f"{TEMPLATE_PACKAGE}.{template.stem}",
        "module_name": module,
    }
    return Generated(
        pattern=template.pattern,
        flavor=template.flavor,
        module_name=module,
        code=render(code_source, **kwargs),
        tests=render(test_source, **kwargs),
        dependencies=template.dependencies,
        notes=template.notes,
    )
