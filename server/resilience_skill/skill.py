"""The skill loader: one typed, immutable model of a skill file.

A skill is ``<name>/SKILL.md`` (Agent Skills layout) or a flat legacy ``cco-skill-<slug>.md``.
Its YAML frontmatter is read with ``yaml.safe_load`` after a pass that refuses anchors and
aliases (a "billion laughs" document stays small in memory but explodes in anything that
walks it); its body is parsed with markdown-it-py into a heading tree, checklist items, fenced
code blocks and links, every one with its 1-based line in the file.

``load_skill`` raises ``SkillError`` (naming the file, the problem and the line where known).
The validator uses the lower-level steps (``read_skill_text``, ``split_frontmatter``,
``parse_frontmatter``, ``parse_body``) so it can report every problem of a file at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

SKILL_FILE = "SKILL.md"
LEGACY_GLOB = "cco-skill-*.md"
MAX_BYTES = 1_000_000
"""Refuse bigger files: a skill is loaded into a model's context, megabytes are a mistake."""
MAX_FRONTMATTER_EVENTS = 5_000
"""YAML events allowed in a frontmatter; real ones have a few dozen."""
MAX_FRONTMATTER_DEPTH = 50
"""Nesting allowed in a frontmatter: PyYAML composes recursively, deep nesting overflows."""


class SkillError(Exception):
    """A skill file that cannot be loaded. ``str()`` is ``path:line:col: message``."""

    def __init__(
        self, path: Path | str, message: str, *, line: int = 1, column: int = 1, code: str
    ) -> None:
        self.path = str(path)
        self.message = message
        self.line = line
        self.column = column
        self.code = code
        super().__init__(f"{self.path}:{line}:{column}: {message}")


@dataclass(frozen=True)
class Section:
    """A heading and the headings nested under it."""

    title: str
    level: int
    line: int
    anchor: str
    """GitHub's anchor for the heading (``#domain--purpose``), without the ``#``."""
    children: tuple[Section, ...] = ()

    def walk(self) -> Iterator[Section]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class ChecklistItem:
    title: str
    """The item's text without its rule citation."""
    rule_ids: tuple[str, ...]
    """Cited rule IDs, ranges (``RES101-RES107``) expanded."""
    checked: bool
    line: int
    text: str = ""
    """The item's full text, citation included."""


@dataclass(frozen=True)
class CodeBlock:
    language: str
    """The fence's info word, lower-cased (``python``); empty for an indented block."""
    text: str
    line: int
    """Line of the first code line (the one after the opening fence)."""


@dataclass(frozen=True)
class Link:
    target: str
    text: str
    line: int
    column: int
    image: bool = False


@dataclass(frozen=True)
class Body:
    sections: tuple[Section, ...]
    checklist: tuple[ChecklistItem, ...]
    code_blocks: tuple[CodeBlock, ...]
    links: tuple[Link, ...]
    line_count: int


@dataclass(frozen=True)
class Frontmatter:
    """The raw frontmatter: YAML text and where it sits in the file."""

    text: str
    first_line: int
    """Line of the first YAML line (2 when the file opens with ``---``)."""
    body: str
    body_line: int
    """Line of the first body line."""


@dataclass(frozen=True)
class Skill:
    path: Path
    name: str
    description: str
    frontmatter: Mapping[str, Any]
    frontmatter_lines: Mapping[str, int]
    """Line of each frontmatter key; nested keys as dotted paths (``metadata.keywords``)."""
    body: str
    sections: tuple[Section, ...]
    checklist: tuple[ChecklistItem, ...]
    code_blocks: tuple[CodeBlock, ...]
    links: tuple[Link, ...]
    body_line: int = 1
    body_line_count: int = 0
    frontmatter_text: str = field(default="", repr=False)

    def all_sections(self) -> Iterator[Section]:
        for section in self.sections:
            yield from section.walk()

    def section(self, title: str) -> Section | None:
        """The first section with this title (case-insensitive)."""
        wanted = title.casefold()
        return next((s for s in self.all_sections() if s.title.casefold() == wanted), None)


# --- reading -------------------------------------------------------------------------------


def resolve_skill_file(path: Path) -> Path:
    """The skill file a path names: the file itself, or ``<folder>/SKILL.md``."""
    if not path.exists():
        raise SkillError(path, "No such file or directory", code="SK001")
    if path.is_dir():
        candidate = path / SKILL_FILE
        if not candidate.is_file():
            raise SkillError(path, f"folder has no {SKILL_FILE}", code="SK001")
        return candidate
    if not path.is_file():
        raise SkillError(path, "not a regular file", code="SK001")
    return path


def read_skill_text(path: Path) -> str:
    """The file's text, CRLF/CR line ends made LF and a BOM dropped."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SkillError(
                path, f"file is {size} bytes, more than the {MAX_BYTES} allowed", code="SK004"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise SkillError(path, f"cannot read: {exc.strerror or exc}", code="SK001") from None
    if b"\0" in raw:
        raise SkillError(path, "not a text file (it contains NUL bytes)", code="SK002")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SkillError(
            path, f"not UTF-8 text (invalid byte at offset {exc.start})", line=line, code="SK002"
        ) from None
    if not text.strip():
        raise SkillError(path, "empty file", code="SK003")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- frontmatter ---------------------------------------------------------------------------

_FENCE = re.compile(r"^---[ \t]*$")


def split_frontmatter(path: Path, text: str) -> Frontmatter:
    lines = text.split("\n")
    if not _FENCE.match(lines[0]):
        raise SkillError(
            path, "no frontmatter: the file must start with a '---' line", code="SK101"
        )
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            return Frontmatter(
                text="\n".join(lines[1:i]) + "\n",
                first_line=2,
                body="\n".join(lines[i + 1 :]),
                body_line=i + 2,
            )
    raise SkillError(path, "frontmatter is not closed: no second '---' line", code="SK102")


def _refuse_anchors(path: Path, fm: Frontmatter) -> None:
    """Refuse anchors, aliases and documents too big or too deep before composing them."""
    count = depth = 0
    try:
        for event in yaml.parse(fm.text, Loader=yaml.SafeLoader):
            count += 1
            mark = event.start_mark
            line = fm.first_line + (mark.line if mark else 0)
            col = (mark.column + 1) if mark else 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise SkillError(
                    path,
                    "YAML anchors and aliases are not allowed in frontmatter",
                    line=line,
                    column=col,
                    code="SK104",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if depth > MAX_FRONTMATTER_DEPTH:
                raise SkillError(
                    path,
                    f"frontmatter is nested more than {MAX_FRONTMATTER_DEPTH} levels deep",
                    line=line,
                    column=col,
                    code="SK104",
                )
            if count > MAX_FRONTMATTER_EVENTS:
                raise SkillError(
                    path,
                    f"frontmatter has more than {MAX_FRONTMATTER_EVENTS} YAML nodes",
                    line=line,
                    column=col,
                    code="SK104",
                )
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(path, fm, exc) from None
    except yaml.YAMLError as exc:
        raise SkillError(path, f"YAML error: {exc}", line=fm.first_line, code="SK103") from None


def _yaml_error(path: Path, fm: Frontmatter, exc: yaml.MarkedYAMLError) -> SkillError:
    mark = exc.problem_mark or exc.context_mark
    line = fm.first_line + (mark.line if mark else 0)
    col = (mark.column + 1) if mark else 1
    problem = exc.problem or exc.context or "invalid YAML"
    return SkillError(path, f"YAML error: {problem}", line=line, column=col, code="SK103")


@dataclass(frozen=True)
class ParsedFrontmatter:
    data: Mapping[str, Any]
    lines: Mapping[str, int]
    columns: Mapping[str, int]
    flow_style: tuple[tuple[str, int, int], ...]
    """(key path, line, column) of every flow-style list or map (``[a, b]``, ``{}``)."""
    duplicates: tuple[tuple[str, int, int], ...]
    """(key path, line, column) of every repeated key."""


def _walk_nodes(
    node: yaml.Node,
    prefix: str,
    fm: Frontmatter,
    lines: dict[str, int],
    columns: dict[str, int],
    flow: list[tuple[str, int, int]],
    dups: list[tuple[str, int, int]],
) -> None:
    line = fm.first_line + node.start_mark.line
    col = node.start_mark.column + 1
    if isinstance(node, yaml.CollectionNode) and node.flow_style:
        flow.append((prefix, line, col))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            dotted = f"{prefix}.{key}" if prefix else key
            key_line = fm.first_line + key_node.start_mark.line
            key_col = key_node.start_mark.column + 1
            if key in seen:
                dups.append((dotted, key_line, key_col))
            seen.add(key)
            lines.setdefault(dotted, key_line)
            columns.setdefault(dotted, key_col)
            _walk_nodes(value_node, dotted, fm, lines, columns, flow, dups)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk_nodes(item, f"{prefix}.{i}" if prefix else str(i), fm, lines, columns, flow, dups)


def parse_frontmatter(path: Path, fm: Frontmatter) -> ParsedFrontmatter:
    """The frontmatter mapping, with the line and column of every key."""
    _refuse_anchors(path, fm)
    try:
        node = yaml.compose(fm.text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(fm.text)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(path, fm, exc) from None
    except yaml.YAMLError as exc:
        raise SkillError(path, f"YAML error: {exc}", line=fm.first_line, code="SK103") from None
    if data is None or node is None:
        data = {}
    if not isinstance(data, dict):
        raise SkillError(
            path,
            f"frontmatter must be a mapping of keys to values, not a {type(data).__name__}",
            line=fm.first_line,
            code="SK105",
        )
    for key in data:
        if not isinstance(key, str):
            raise SkillError(
                path, f"frontmatter key {key!r} is not a string", line=fm.first_line, code="SK105"
            )
    lines: dict[str, int] = {}
    columns: dict[str, int] = {}
    flow: list[tuple[str, int, int]] = []
    dups: list[tuple[str, int, int]] = []
    if node is not None:
        _walk_nodes(node, "", fm, lines, columns, flow, dups)
    return ParsedFrontmatter(
        data=MappingProxyType(data),
        lines=MappingProxyType(lines),
        columns=MappingProxyType(columns),
        flow_style=tuple(flow),
        duplicates=tuple(dups),
    )


# --- body ----------------------------------------------------------------------------------

_TASK = re.compile(r"^\[( |x|X)\](?:\s+|$)(.*)$", re.DOTALL)
_CITATION = re.compile(
    r"\s*\(\s*(RES\d+(?:\s*[-–]\s*RES\d+)?(?:\s*,\s*RES\d+(?:\s*[-–]\s*RES\d+)?)*)\s*\)\s*$"
)
_RANGE = re.compile(r"RES(\d+)(?:\s*[-–]\s*RES(\d+))?")
MAX_RANGE = 100
"""A cited range wider than this is a typo, not a citation."""


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def github_slug(text: str) -> str:
    """GitHub's heading anchor: lower-case, punctuation dropped, spaces to hyphens."""
    lowered = unicodedata.normalize("NFC", text).lower()
    kept = "".join(ch for ch in lowered if ch in " -_" or ch.isalnum() or _is_mark(ch))
    return kept.replace(" ", "-")


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def _plain_text(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def expand_citation(text: str) -> tuple[str, ...]:
    """``RES501-RES503, RES701`` -> every ID named, ranges expanded, in order."""
    ids: list[str] = []
    for match in _RANGE.finditer(text):
        start, end = match.group(1), match.group(2)
        if end is None:
            ids.append(f"RES{start}")
            continue
        lo, hi = int(start), int(end)
        if lo > hi or hi - lo > MAX_RANGE or len(start) != len(end):
            continue
        ids.extend(f"RES{n:0{len(start)}d}" for n in range(lo, hi + 1))
    return tuple(dict.fromkeys(ids))


def split_citation(text: str) -> tuple[str, tuple[str, ...]]:
    """An item's text -> (title without the trailing ``(RES...)``, cited IDs)."""
    match = _CITATION.search(text)
    if match is None:
        return text.strip(), ()
    return text[: match.start()].strip(), expand_citation(match.group(1))


def _link_text(children: list[Token], j: int) -> str:
    if children[j].type == "image":
        return children[j].content
    parts = []
    for child in children[j + 1 :]:
        if child.type == "link_close":
            break
        parts.append(child.content)
    return "".join(parts)


def _link_position(
    lines: list[str], after: tuple[int, int], end: int, target: str
) -> tuple[int, int]:
    """0-based line and column of ``target`` at or after ``after`` in the block ending
    before line ``end`` (the block's first line when the target is not found verbatim,
    for example once markdown-it has percent-encoded it)."""
    line, col = after
    for i in range(line, min(end, len(lines))):
        found = lines[i].find(target, col if i == line else 0)
        if found >= 0:
            return i, found
    return line, max(col - 1, 0)


@dataclass
class _Head:
    title: str
    level: int
    line: int
    anchor: str
    children: list[_Head] = field(default_factory=list)

    def freeze(self) -> Section:
        return Section(
            self.title, self.level, self.line, self.anchor, tuple(c.freeze() for c in self.children)
        )


def parse_body(body: str, first_line: int = 1) -> Body:
    """Headings, checklist, code blocks and links of a markdown body whose first line is
    line ``first_line`` of the file."""
    tokens = _markdown().parse(body)
    source_lines = body.split("\n")
    roots: list[_Head] = []
    stack: list[_Head] = []
    slug_counts: dict[str, int] = {}
    tasks: list[tuple[ChecklistItem, str | None]] = []
    blocks: list[CodeBlock] = []
    links: list[Link] = []
    current_top: list[str | None] = [None]  # title of the current "Checklist"-like section
    for i, tok in enumerate(tokens):
        start = tok.map[0] if tok.map else 0
        if tok.type == "heading_open":
            title = _plain_text(tokens[i + 1])
            level = int(tok.tag[1])
            base = github_slug(title)
            n = slug_counts.get(base, 0)
            slug_counts[base] = n + 1
            head = _Head(title, level, first_line + start, base if n == 0 else f"{base}-{n}")
            while stack and stack[-1].level >= level:
                stack.pop()
            (stack[-1].children if stack else roots).append(head)
            stack.append(head)
            current_top[0] = next(
                (h.title for h in stack if h.title.casefold() == "checklist"), None
            )
        elif tok.type == "fence":
            info = tok.info.strip().split()
            lang = info[0].lower() if info else ""
            blocks.append(CodeBlock(lang, tok.content, first_line + start + 1))
        elif tok.type == "code_block":
            blocks.append(CodeBlock("", tok.content, first_line + start))
        elif tok.type == "inline":
            end = tok.map[1] if tok.map else start + 1
            children = tok.children or []
            cursor = (start, 0)
            for j, child in enumerate(children):
                target = None
                if child.type == "link_open":
                    target = str(child.attrs.get("href", ""))
                elif child.type == "image":
                    target = str(child.attrs.get("src", ""))
                if target:
                    ln, col = _link_position(source_lines, cursor, end, target)
                    cursor = (ln, col + 1)
                    label = _link_text(children, j)
                    links.append(
                        Link(target, label, first_line + ln, col + 1, child.type == "image")
                    )
            item = _task_item(tokens, i, first_line + start)
            if item is not None:
                tasks.append((item, current_top[0]))
    in_checklist = [item for item, section in tasks if section is not None]
    checklist = in_checklist if in_checklist else [item for item, _ in tasks]
    return Body(
        sections=tuple(h.freeze() for h in roots),
        checklist=tuple(checklist),
        code_blocks=tuple(blocks),
        links=tuple(links),
        line_count=len(source_lines) - (1 if body.endswith("\n") else 0),
    )


def _task_item(tokens: list[Token], i: int, line: int) -> ChecklistItem | None:
    """A ``- [ ] text`` item: an inline that is the first paragraph of a list item."""
    if i < 2 or tokens[i - 1].type != "paragraph_open" or tokens[i - 2].type != "list_item_open":
        return None
    match = _TASK.match(tokens[i].content)
    if match is None:
        return None
    text = " ".join(match.group(2).split())
    title, ids = split_citation(text)
    return ChecklistItem(
        title=title, rule_ids=ids, checked=match.group(1) != " ", line=line, text=text
    )


# --- loading -------------------------------------------------------------------------------


def load_skill(path: Path) -> Skill:
    """Load a ``SKILL.md``, a skill folder or a flat ``cco-skill-<slug>.md``."""
    path = Path(path)
    file = resolve_skill_file(path)
    text = read_skill_text(file)
    fm = split_frontmatter(file, text)
    parsed = parse_frontmatter(file, fm)
    body = parse_body(fm.body, fm.body_line)
    data = parsed.data
    name = data.get("name")
    description = data.get("description")
    return Skill(
        path=file,
        name=name if isinstance(name, str) else "",
        description=description if isinstance(description, str) else "",
        frontmatter=data,
        frontmatter_lines=parsed.lines,
        body=fm.body,
        sections=body.sections,
        checklist=body.checklist,
        code_blocks=body.code_blocks,
        links=body.links,
        body_line=fm.body_line,
        body_line_count=body.line_count,
        frontmatter_text=fm.text,
    )


def skill_files(folder: Path) -> list[Path]:
    """Skill files in a skills folder: ``<name>/SKILL.md`` and flat ``cco-skill-*.md``,
    sorted by path."""
    found = [p for p in folder.glob(f"*/{SKILL_FILE}") if p.is_file()]
    found += [p for p in folder.glob(LEGACY_GLOB) if p.is_file()]
    return sorted(found)


def discover_skills(folder: Path) -> list[Skill]:
    """Every skill in a skills folder, loaded (the first broken one raises ``SkillError``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SkillError(folder, "not a folder", code="SK001")
    return [load_skill(p) for p in skill_files(folder)]
