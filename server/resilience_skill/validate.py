"""The skill validator: every problem of every skill file at once, with its line.

Checks are named by stable codes (``SK001`` ...); standards/skill-format.md documents each
one with its reason. ``validate_paths`` is the API the CLI, the MCP server and the tests use.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from resilience_skill.skill import (
    LEGACY_GLOB,
    SKILL_FILE,
    Body,
    Frontmatter,
    ParsedFrontmatter,
    SkillError,
    parse_body,
    parse_frontmatter,
    read_skill_text,
    skill_files,
    split_frontmatter,
)

PROFILES = ("resilience", "cco", "agentskills")
ERROR = "error"
WARNING = "warning"

CHECKS: dict[str, str] = {
    "SK001": "path missing, unreadable, or a folder without a skill",
    "SK002": "not a text file (binary or not UTF-8)",
    "SK003": "empty file",
    "SK004": "file too large",
    "SK101": "frontmatter missing",
    "SK102": "frontmatter not closed",
    "SK103": "YAML syntax error",
    "SK104": "YAML anchors or aliases (expansion bombs)",
    "SK105": "frontmatter is not a mapping of string keys",
    "SK106": "duplicate frontmatter key",
    "SK107": "flow-style YAML collection",
    "SK201": "unknown frontmatter key",
    "SK202": "frontmatter value violates the profile's schema",
    "SK203": "name does not match the file layout",
    "SK301": "required section missing",
    "SK302": "duplicate heading",
    "SK303": "empty checklist item",
    "SK304": "Python code block does not parse",
    "SK305": "relative link to a missing file",
    "SK306": "link to a missing anchor",
    "SK307": "file or body too long",
    "SK308": "no checklist",
    "SK309": "checklist item cites no or unknown rule IDs",
    "SK310": "rule not cited by exactly one checklist item",
    "SK311": "reference not one level deep inside the skill folder",
}
"""Every check code and its one-line summary."""

REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    "cco": ("Domain & Purpose", "Core Techniques", "Checklist"),
    "resilience": ("Checklist",),
    "agentskills": (),
}
AGENTSKILLS_ADVISED_LINES = 500
RESILIENCE_MAX_BODY_LINES = 499
CCO_MAX_LINES = 600
PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    column: int
    code: str
    message: str
    severity: str = ERROR

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)

    def to_text(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


class _Report:
    """Problems of one file, all at the same display path."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[Problem] = []

    def add(
        self, code: str, message: str, line: int = 1, column: int = 1, severity: str = ERROR
    ) -> None:
        self.problems.append(Problem(self.display, line, column, code, message, severity))

    def add_error(self, exc: SkillError) -> None:
        self.add(exc.code, exc.message, exc.line, exc.column)


# --- entry points --------------------------------------------------------------------------


def validate_paths(
    paths: Sequence[str | Path] | None = None, profile: str | None = None
) -> list[Problem]:
    """Validate skill files and folders (none given: the bundled skills), sorted problems.

    A folder is a skill (it holds ``SKILL.md``) or a skills folder (``<name>/SKILL.md`` and
    flat ``cco-skill-*.md`` under it). ``profile`` None detects each file's profile."""
    if profile is not None and profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})")
    if not paths:
        from resilience_skill.data import skills_dir

        paths = [skills_dir()]
    problems: list[Problem] = []
    for given in paths:
        for display, file, error in _expand(str(given)):
            if error is not None:
                problems.append(Problem(display, 1, 1, "SK001", error))
            else:
                problems.extend(validate_file(file, profile, display=display))
    return sorted(set(problems), key=lambda p: p.sort_key)


def _expand(given: str) -> Iterator[tuple[str, Path, str | None]]:
    path = Path(given)
    if not path.exists():
        yield given, path, "No such file or directory"
    elif path.is_dir():
        if (path / SKILL_FILE).is_file():
            yield _join(given, SKILL_FILE), path / SKILL_FILE, None
            return
        files = skill_files(path)
        if not files:
            yield (
                given,
                path,
                f"folder has no {SKILL_FILE} and no <name>/{SKILL_FILE} or {LEGACY_GLOB} in it",
            )
        for file in files:
            yield _join(given, file.relative_to(path).as_posix()), file, None
    elif not path.is_file():
        yield given, path, "not a regular file"
    else:
        yield given, path, None


def _join(given: str, rel: str) -> str:
    return rel if given in (".", "./") else f"{given.rstrip('/')}/{rel}"


def detect_profile(file: Path, frontmatter: Mapping[str, Any]) -> str:
    """``cco`` for ``cco-skill-*`` files, ``resilience`` for the skill named resilience,
    else ``agentskills``."""
    name = frontmatter.get("name")
    if file.name.startswith("cco-skill-") or (
        isinstance(name, str) and name.startswith("cco-skill-")
    ):
        return "cco"
    if name == "resilience":
        return "resilience"
    return "agentskills"


def validate_file(file: Path, profile: str | None = None, *, display: str = "") -> list[Problem]:
    """Every problem of one skill file."""
    report = _Report(display or str(file))
    try:
        text = read_skill_text(file)
    except SkillError as exc:
        report.add_error(exc)
        return report.problems
    parsed: ParsedFrontmatter | None = None
    try:
        fm = split_frontmatter(file, text)
    except SkillError as exc:
        report.add_error(exc)
        fm = Frontmatter(text="", first_line=1, body=text, body_line=1)
    else:
        try:
            parsed = parse_frontmatter(file, fm)
        except SkillError as exc:
            report.add_error(exc)
    data: Mapping[str, Any] = parsed.data if parsed is not None else {}
    chosen = profile or detect_profile(file, data)
    if parsed is not None:
        _check_frontmatter(report, file, parsed, chosen)
    body = parse_body(fm.body, fm.body_line)
    total_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    _check_body(report, file, body, chosen, total_lines)
    return sorted(report.problems, key=lambda p: p.sort_key)


# --- frontmatter ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    from resilience_skill.data import standards_dir

    loaded: dict[str, Any] = json.loads(
        (standards_dir() / "skill.schema.json").read_text(encoding="utf-8")
    )
    return loaded


@lru_cache(maxsize=len(PROFILES))
def _validator(profile: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = {k: v for k, v in _schema().items() if k != "anyOf"}
    schema["$ref"] = f"#/$defs/{profile}"
    return Draft202012Validator(schema)


def _check_frontmatter(
    report: _Report, file: Path, parsed: ParsedFrontmatter, profile: str
) -> None:
    for key, line, col in parsed.duplicates:
        report.add("SK106", f"duplicate key {key!r}: YAML keeps only the last value", line, col)
    if profile != "cco":
        for key, line, col in parsed.flow_style:
            where = f"{key!r} is" if key else "the frontmatter is"
            report.add(
                "SK107",
                f"{where} a flow-style collection ([a, b] or {{...}}): the reference validator "
                "(skills-ref, strictyaml) rejects it; use block style or a string",
                line,
                col,
            )
    _check_schema(report, parsed, profile)
    _check_layout(report, file, parsed, profile)


def _line_of(parsed: ParsedFrontmatter, path: Sequence[str | int]) -> tuple[int, int]:
    keys = [str(p) for p in path]
    while keys:
        dotted = ".".join(keys)
        if dotted in parsed.lines:
            return parsed.lines[dotted], parsed.columns[dotted]
        keys.pop()
    return 1, 1


def _check_schema(report: _Report, parsed: ParsedFrontmatter, profile: str) -> None:
    errors = sorted(
        _validator(profile).iter_errors(dict(parsed.data)),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = sorted(error.schema.get("properties", {}))
            for key in error.instance:
                if key in allowed:
                    continue
                line, col = _line_of(parsed, [*path, key])
                dotted = ".".join(str(p) for p in [*path, key])
                report.add(
                    "SK201",
                    f"unknown key {dotted!r}: the {profile} profile allows only "
                    f"{', '.join(allowed)}",
                    line,
                    col,
                )
            continue
        line, col = _line_of(parsed, path)
        report.add("SK202", _schema_message(error, path), line, col)


def _schema_message(error: Any, path: list[str | int]) -> str:
    where = ".".join(str(p) for p in path) or "frontmatter"
    value = error.instance
    kind = error.validator
    described = error.schema.get("description") if isinstance(error.schema, dict) else None
    if kind == "required":
        return f"{where}: {error.message}"
    if kind in ("maxLength", "minLength"):
        return f"{where}: {len(value)} characters, must be {_bound(kind, error.validator_value)}"
    if kind in ("maxItems", "minItems"):
        return f"{where}: {len(value)} items, must be {_bound(kind, error.validator_value)}"
    if kind == "pattern":
        return f"{where}: {_short(value)} is not valid: {described or error.validator_value}"
    if kind == "type":
        return f"{where}: expected {error.validator_value}, got {_type_name(value)}"
    if kind in ("enum", "const"):
        return f"{where}: {_short(value)} is not one of {error.validator_value}"
    if kind in ("minimum", "maximum"):
        return f"{where}: {_short(value)} must be {_bound(kind, error.validator_value)}"
    return f"{where}: {_short(value)} fails {kind} ({described or error.validator_value})"


def _bound(kind: str, limit: int) -> str:
    return f"at most {limit}" if kind.startswith("max") else f"at least {limit}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _check_layout(report: _Report, file: Path, parsed: ParsedFrontmatter, profile: str) -> None:
    name = parsed.data.get("name")
    if not isinstance(name, str):
        return
    line, col = parsed.lines.get("name", 1), parsed.columns.get("name", 1)
    if profile == "cco":
        if file.name != SKILL_FILE and file.stem != name:
            report.add(
                "SK203",
                f"name {name!r} must equal the file name without .md ({file.stem!r})",
                line,
                col,
            )
        return
    if file.name != SKILL_FILE:
        report.add(
            "SK203",
            f"the {profile} profile expects the layout <name>/{SKILL_FILE}, not {file.name}",
            line,
            col,
        )
    folder = file.resolve().parent.name
    if folder != name:
        report.add("SK203", f"name {name!r} must equal its folder's name ({folder!r})", line, col)


# --- body ----------------------------------------------------------------------------------


def _check_body(report: _Report, file: Path, body: Body, profile: str, total: int) -> None:
    _check_sections(report, body, profile)
    _check_checklist(report, body, profile)
    _check_python(report, body)
    _check_links(report, file, body, profile)
    _check_size(report, body, profile, total)


def _check_sections(report: _Report, body: Body, profile: str) -> None:
    sections = [s for root in body.sections for s in root.walk()]
    titles = {s.title.casefold() for s in sections}
    for wanted in REQUIRED_SECTIONS[profile]:
        if wanted.casefold() not in titles:
            report.add("SK301", f"required section {wanted!r} is missing ({profile} profile)")
    first: dict[str, int] = {}
    for section in sections:
        key = section.title.casefold()
        if key in first:
            report.add(
                "SK302",
                f"duplicate heading {section.title!r} (first on line {first[key]}): "
                f"its anchor becomes #{section.anchor}",
                section.line,
                severity=WARNING,
            )
        else:
            first[key] = section.line


def _check_checklist(report: _Report, body: Body, profile: str) -> None:
    for item in body.checklist:
        if not item.title:
            report.add("SK303", "checklist item has no text", item.line)
    if profile != "resilience":
        return
    if not body.checklist:
        report.add(
            "SK308", "no checklist: the resilience profile needs '- [ ] item (RES...)' items"
        )
        return
    from resilience_skill.analysis.registry import known_rule_ids

    known = known_rule_ids()
    cited_by: dict[str, int] = {}
    for item in body.checklist:
        if not item.rule_ids:
            report.add(
                "SK309",
                f"checklist item {item.title!r} cites no rule IDs: "
                "end it with them, e.g. (RES101-RES107)",
                item.line,
            )
        unknown = [r for r in item.rule_ids if r not in known]
        if unknown:
            report.add(
                "SK309", f"checklist item cites unknown rule IDs: {', '.join(unknown)}", item.line
            )
        for rule_id in item.rule_ids:
            if rule_id in known and rule_id in cited_by:
                report.add(
                    "SK310",
                    f"{rule_id} is cited here and by the item on line {cited_by[rule_id]}: "
                    "each rule serves exactly one item",
                    item.line,
                )
            cited_by.setdefault(rule_id, item.line)
    missing = [r for r in known if r not in cited_by]
    if missing:
        report.add(
            "SK310",
            f"rules cited by no checklist item: {', '.join(missing)}",
            body.checklist[0].line,
        )


def _check_python(report: _Report, body: Body) -> None:
    for block in body.code_blocks:
        if block.language not in PYTHON_LANGUAGES:
            continue
        try:
            ast.parse(block.text)
        except SyntaxError as exc:
            line = block.line + (exc.lineno or 1) - 1
            report.add(
                "SK304", f"Python code block does not parse: {exc.msg}", line, exc.offset or 1
            )
        except (ValueError, RecursionError, MemoryError) as exc:
            report.add("SK304", f"Python code block cannot be parsed: {exc}", block.line)


def _check_links(report: _Report, file: Path, body: Body, profile: str) -> None:
    own = _anchors_of(body)
    folder = file.parent
    for link in body.links:
        parts = urlsplit(link.target)
        if parts.scheme or link.target.startswith("//"):
            continue
        fragment = unquote(parts.fragment)
        rel = unquote(parts.path)
        if rel.startswith("/"):
            continue  # repository-absolute: depends on where the file is hosted
        if not rel:
            if fragment and fragment.lower() not in own:
                report.add(
                    "SK306",
                    f"no heading for anchor #{fragment} in this file",
                    link.line,
                    link.column,
                )
            continue
        target = (folder / rel).resolve()
        if not target.exists():
            anchor = f": anchor #{fragment} cannot resolve either" if fragment else ""
            report.add(
                "SK305",
                f"link target {link.target} is dangling: file {rel} not found{anchor}",
                link.line,
                link.column,
            )
            continue
        if profile != "cco" and file.name == SKILL_FILE:
            _check_depth(report, link.line, link.column, rel, folder, target)
        if fragment and target.is_file() and target.suffix.lower() in (".md", ".markdown"):
            anchors = _file_anchors(target)
            if anchors is not None and fragment.lower() not in anchors:
                report.add(
                    "SK306", f"no heading for anchor #{fragment} in {rel}", link.line, link.column
                )


def _check_depth(
    report: _Report, line: int, column: int, rel: str, folder: Path, target: Path
) -> None:
    try:
        inside = target.relative_to(folder.resolve())
    except ValueError:
        report.add(
            "SK311",
            f"{rel} is outside the skill folder: a loaded skill cannot reach it",
            line,
            column,
            WARNING,
        )
        return
    if len(PurePosixPath(inside.as_posix()).parts) > 2:
        report.add(
            "SK311",
            f"{rel} is more than one level deep: link references directly "
            "from SKILL.md (references/<topic>.md)",
            line,
            column,
            WARNING,
        )


def _anchors_of(body: Body) -> set[str]:
    return {s.anchor.lower() for root in body.sections for s in root.walk()}


def _file_anchors(target: Path) -> set[str] | None:
    try:
        text = read_skill_text(target)
    except SkillError:
        return None
    try:
        body = split_frontmatter(target, text).body
    except SkillError:
        body = text
    return _anchors_of(parse_body(body))


def _check_size(report: _Report, body: Body, profile: str, total: int) -> None:
    if profile == "cco":
        if total > CCO_MAX_LINES:
            report.add(
                "SK307",
                f"{total} lines, the cco format allows at most {CCO_MAX_LINES}",
                CCO_MAX_LINES + 1,
            )
        return
    if profile == "resilience" and body.line_count > RESILIENCE_MAX_BODY_LINES:
        report.add(
            "SK307",
            f"body has {body.line_count} lines: the resilience profile needs "
            f"fewer than {RESILIENCE_MAX_BODY_LINES + 1}",
            RESILIENCE_MAX_BODY_LINES + 1,
        )
    if total >= AGENTSKILLS_ADVISED_LINES:
        report.add(
            "SK307",
            f"{total} lines: the Agent Skills spec advises a SKILL.md under "
            f"{AGENTSKILLS_ADVISED_LINES} lines (move detail to references/)",
            AGENTSKILLS_ADVISED_LINES,
            severity=WARNING,
        )


def count(problems: Iterable[Problem]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for problem in problems:
        if problem.severity == ERROR:
            errors += 1
        else:
            warnings += 1
    return errors, warnings
