"""Edit builders: minimal text edits computed from the token stream, never from
regenerated source, so comments, quotes, trailing commas and line endings stay as written."""

from __future__ import annotations

import ast
import bisect
import io
import itertools
import re
import sys
import tokenize
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from resilience_skill.analysis.model import Edit, Location
from resilience_skill.analysis.source import SourceFile

_SKIP = frozenset(
    {
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.COMMENT,
        tokenize.INDENT,
        tokenize.DEDENT,
        tokenize.ENDMARKER,
    }
)
_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")
# tokenize splits lines at "\n" only; a lone "\r" (old Mac endings) becomes "\n", which keeps
# every offset and makes token rows match SourceFile.lines.
_LONE_CR = re.compile(r"\r(?!\n)")


@dataclass(frozen=True)
class _Tok:
    type: int
    string: str
    line: int
    """Absolute 1-based line."""
    col: int
    """Absolute 1-based character column of the token's start."""
    end_line: int
    end_col: int


def _tokens(text: str) -> list[tokenize.TokenInfo] | None:
    try:
        return list(tokenize.generate_tokens(io.StringIO(_LONE_CR.sub("\n", text)).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None


# -- strings: calls inside f-strings are never edited ------------------------------------

_STRING_SPANS: weakref.WeakKeyDictionary[SourceFile, tuple[list[int], list[int]] | None] = (
    weakref.WeakKeyDictionary()
)


def _string_spans(source: SourceFile) -> tuple[list[int], list[int]] | None:
    """Start and end offsets of every string token of the file (sorted), or None when the
    file cannot be tokenised."""
    if source in _STRING_SPANS:
        return _STRING_SPANS[source]
    toks = _tokens(source.text)
    spans: tuple[list[int], list[int]] | None = None
    if toks is not None:
        starts: list[int] = []
        ends: list[int] = []
        fstring_start = getattr(tokenize, "FSTRING_START", None)
        fstring_end = getattr(tokenize, "FSTRING_END", None)
        depth_start: list[int] = []
        for tok in toks:
            # Only string tokens: the implicit NEWLINE/ENDMARKER of a file without a final
            # line ending sit past its last line.
            if tok.type == tokenize.STRING:
                starts.append(source.offset(tok.start[0], tok.start[1] + 1))
                ends.append(source.offset(tok.end[0], tok.end[1] + 1))
            elif fstring_start is not None and tok.type == fstring_start:
                depth_start.append(source.offset(tok.start[0], tok.start[1] + 1))
            elif fstring_end is not None and tok.type == fstring_end and depth_start:
                begin = depth_start.pop()
                if not depth_start:
                    starts.append(begin)
                    ends.append(source.offset(tok.end[0], tok.end[1] + 1))
        order = sorted(range(len(starts)), key=starts.__getitem__)
        spans = ([starts[i] for i in order], [ends[i] for i in order])
    _STRING_SPANS[source] = spans
    return spans


def inside_string(source: SourceFile, line: int, column: int) -> bool:
    """Whether the position lies inside a string literal (an f-string's replacement field
    included). Unknown (the file does not tokenise) counts as inside."""
    spans = _string_spans(source)
    if spans is None:
        return True
    starts, ends = spans
    offset = source.offset(line, column)
    index = bisect.bisect_right(starts, offset) - 1
    return index >= 0 and starts[index] < offset < ends[index]


# -- inserting a keyword argument into a call --------------------------------------------


def _call_tokens(source: SourceFile, call: ast.Call) -> list[_Tok] | None:
    loc = source.location(call)
    start = source.offset(loc.line, loc.column)
    end = source.offset(loc.end_line, loc.end_column)
    segment = source.text[start:end]
    if not segment.endswith(")"):
        return None
    raw = _tokens(segment)
    if raw is None:
        return None
    base_col = loc.column - 1
    toks = []
    for t in raw:
        (r, c), (er, ec) = t.start, t.end
        toks.append(
            _Tok(
                t.type,
                t.string,
                loc.line + r - 1,
                (c + base_col if r == 1 else c) + 1,
                loc.line + er - 1,
                (ec + base_col if er == 1 else ec) + 1,
            )
        )
    return toks


@dataclass(frozen=True)
class _Arg:
    first: _Tok
    last: _Tok


@dataclass(frozen=True)
class _ArgList:
    open: _Tok
    close: _Tok
    args: list[_Arg]
    trailing_comma: _Tok | None


def _argument_list(toks: list[_Tok]) -> _ArgList | None:
    """The call's own parentheses and its top-level arguments (first and last token)."""
    sig = [t for t in toks if t.type not in _SKIP]
    if not sig or sig[-1].string != ")":
        return None
    stack: list[int] = []
    open_idx = None
    for i, tok in enumerate(sig):
        if tok.type == tokenize.OP and tok.string in _OPENERS:
            stack.append(i)
        elif tok.type == tokenize.OP and tok.string in _CLOSERS:
            if not stack:
                return None
            opened = stack.pop()
            if i == len(sig) - 1:
                open_idx = opened
    if open_idx is None or stack:
        return None
    args: list[_Arg] = []
    depth = 0
    first: _Tok | None = None
    last: _Tok | None = None
    trailing: _Tok | None = None
    for tok in sig[open_idx + 1 : -1]:
        is_op = tok.type == tokenize.OP
        if depth == 0 and is_op and tok.string == ",":
            if first is None or last is None:
                return None
            args.append(_Arg(first, last))
            first = last = None
            trailing = tok
            continue
        if first is None:
            first = tok
        last = tok
        trailing = None
        if is_op and tok.string in _OPENERS:
            depth += 1
        elif is_op and tok.string in _CLOSERS:
            depth -= 1
    if first is not None and last is not None:
        args.append(_Arg(first, last))
    return _ArgList(sig[open_idx], sig[-1], args, trailing)


def _line_text(source: SourceFile, line: int) -> str:
    return source.lines[line - 1]


def _starts_line(source: SourceFile, tok: _Tok) -> bool:
    return _line_text(source, tok.line)[: tok.col - 1].strip() == ""


def _one_argument_per_line(source: SourceFile, parts: _ArgList) -> bool:
    """Every argument starts a line of its own (hanging indents included)."""
    args = parts.args
    if len(args) < 2 and args[0].first.line == parts.open.line:
        return False
    lines = [a.first.line for a in args]
    if len(set(lines)) != len(lines):
        return False
    return all(_starts_line(source, a.first) for a in args[1:]) and (
        args[0].first.line == parts.open.line or _starts_line(source, args[0].first)
    )


def _at(line: int, col: int) -> Location:
    return Location(line, col, line, col)


def _line_end(source: SourceFile, line: int) -> int:
    return len(_line_text(source, line)) + 1


def _comment_follows(source: SourceFile, tok: _Tok) -> bool:
    """Only a comment (or nothing) follows ``tok`` on its line."""
    rest = _line_text(source, tok.end_line)[tok.end_col - 1 :].strip()
    return rest == "" or rest.startswith("#")


def insert_keyword(source: SourceFile, call: ast.Call, name: str, value: str) -> Edit | None:
    """An edit adding ``name=value`` to ``call``: before ``**kwargs``, after a trailing
    comma, on its own line with the same indentation when the call has one argument per
    line, after a comment that ends the last argument's line. ``None`` when the call cannot
    be edited safely (inside an f-string, a lone generator argument, untokenisable text)."""
    loc = source.location(call)
    if inside_string(source, loc.line, loc.column):
        return None
    if (
        len(call.args) == 1
        and not call.keywords
        and isinstance(call.args[0], ast.GeneratorExp)
        and source.location(call.args[0]).end_column == loc.end_column
        and source.location(call.args[0]).end_line == loc.end_line
    ):
        # `f(x for x in y)`: the generator borrows the call's parentheses; a second
        # argument would need new ones around it.
        return None
    toks = _call_tokens(source, call)
    if toks is None:
        return None
    parts = _argument_list(toks)
    if parts is None:
        return None
    text = f"{name}={value}"
    return _insert_argument(source, parts, text)


def _insert_argument(source: SourceFile, parts: _ArgList, text: str) -> Edit:
    nl = source.newline
    if not parts.args:
        # `f()` -> `f(name=value)`, right after the opening parenthesis so a comment inside
        # the empty call stays after the new argument.
        return Edit(_at(parts.open.end_line, parts.open.end_col), text)
    per_line = _one_argument_per_line(source, parts)
    double_star = next(
        (a for a in parts.args if a.first.type == tokenize.OP and a.first.string == "**"), None
    )
    if double_star is not None:
        # Keyword arguments may not follow `**kwargs` in older code styles' eyes, and must
        # not repeat a key it carries: place the new one just before it.
        start = double_star.first
        if per_line and _starts_line(source, start):
            indent = _line_text(source, start.line)[: start.col - 1]
            return Edit(_at(start.line, start.col), f"{text},{nl}{indent}")
        return Edit(_at(start.line, start.col), f"{text}, ")
    last = parts.args[-1].last
    multiline = parts.close.line > last.end_line
    indent = _arg_indent(source, parts)
    comma = parts.trailing_comma
    if comma is not None:
        if multiline and _comment_follows(source, comma):
            # After the comma's line (and its comment): a line of its own.
            eol = _line_end(source, comma.end_line)
            return Edit(_at(comma.end_line, eol), f"{nl}{indent}{text},")
        if per_line and comma.end_line > parts.open.line:
            # Hanging style closed on the last argument's line: `b,)` -> `b,\n  new,)`.
            return Edit(_at(comma.end_line, comma.end_col), f"{nl}{indent}{text},")
        return Edit(_at(comma.end_line, comma.end_col), f" {text},")
    if multiline and per_line:
        rest = _line_text(source, last.end_line)[last.end_col - 1 :]
        if rest.strip().startswith("#"):
            # `a  # note` -> `a,  # note` + a new line: the comment stays with its argument.
            eol = _line_end(source, last.end_line)
            where = Location(last.end_line, last.end_col, last.end_line, eol)
            return Edit(where, f",{rest}{nl}{indent}{text}")
        return Edit(_at(last.end_line, last.end_col), f",{nl}{indent}{text}")
    if per_line and parts.close.line == last.end_line and last.end_line > parts.open.line:
        # Hanging style `f(a,\n  b)`: the new argument aligned under the others.
        return Edit(_at(last.end_line, last.end_col), f",{nl}{indent}{text}")
    return Edit(_at(last.end_line, last.end_col), f", {text}")


LINE_LENGTH = 88
"""Black's and Ruff's default; a file whose lines run longer sets its own (up to 120)."""

# What may follow a call's closing parenthesis on its line for the call to be exploded into
# one argument per line: method chains, subscripts, closing brackets, `as x:`, a comment.
_WRAPPABLE_REST = re.compile(
    r"(\.\w+(\([^()]*\))?|\[[^\[\]]*\])*[)\]}]*,?\s*(as\s+\w+)?\s*:?\s*(#.*)?"
)


def line_limit(source: SourceFile) -> int:
    """The line length a file keeps to: 88, or its own longest line up to 120."""
    longest = max((len(line) for line in source.lines), default=0)
    return max(LINE_LENGTH, min(longest, 120))


def wrap_call(source: SourceFile, call: ast.Call) -> Edit | None:
    """Split a one-line call the way Black does: its arguments together on an indented
    line of their own when they fit, else one per line with a trailing comma; each
    argument's text exactly as written. ``None`` when the call spans lines,
    has no arguments, sits inside a string, or is followed on its line by more than a
    method chain, a subscript, closing brackets, ``as x:`` or a comment."""
    loc = source.location(call)
    if loc.line != loc.end_line or inside_string(source, loc.line, loc.column):
        return None
    toks = _call_tokens(source, call)
    parts = _argument_list(toks) if toks is not None else None
    if parts is None or not parts.args or parts.close.line != parts.open.line:
        return None
    line_text = _line_text(source, parts.open.line)
    rest = line_text[parts.close.end_col - 1 :].strip()
    if _WRAPPABLE_REST.fullmatch(rest) is None:
        return None
    nl = source.newline
    base = line_text[: len(line_text) - len(line_text.lstrip(" \t"))]
    inner = base + ("\t" if base.startswith("\t") else "    ")
    args = [line_text[a.first.col - 1 : a.last.end_col - 1] for a in parts.args]
    where = Location(parts.open.line, parts.open.end_col, parts.close.line, parts.close.col)
    together = f"{inner}{', '.join(args)}"
    if len(together) <= line_limit(source):
        # Black's first choice: the arguments together on one indented line.
        return Edit(where, f"{nl}{together}{nl}{base}")
    body = "".join(f"{nl}{inner}{a}," for a in args)
    return Edit(where, f"{body}{nl}{base}")


def _arg_indent(source: SourceFile, parts: _ArgList) -> str:
    """The whitespace before the last argument that starts a line."""
    for arg in reversed(parts.args):
        if _starts_line(source, arg.first):
            return _line_text(source, arg.first.line)[: arg.first.col - 1]
    base = _line_text(source, parts.open.line)
    return base[: len(base) - len(base.lstrip(" \t"))] + "    "


def in_fstring(ancestors: list[ast.AST]) -> bool:
    return any(isinstance(node, ast.JoinedStr) for node in ancestors)


# -- module-level edits: imports and the module logger ----------------------------------


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _first_line(stmt: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(stmt, "decorator_list", None) or []
    return min([stmt.lineno, *(d.lineno for d in decorators)])


def _is_blank(source: SourceFile, line: int) -> bool:
    return 1 <= line <= len(source.lines) and source.lines[line - 1].strip() == ""


def _is_code(source: SourceFile, line: int) -> bool:
    """A line holding something other than blanks (a comment counts)."""
    return 1 <= line <= len(source.lines) and source.lines[line - 1].strip() != ""


def _insert_lines(
    source: SourceFile,
    line: int,
    lines: list[str],
    *,
    blank_before: bool = False,
    blanks_after: int = 0,
) -> Edit:
    """Insert whole ``lines`` at the start of ``line`` (past the end: appended), with a
    blank line before them when the line above holds code and ``blank_before``, and up to
    ``blanks_after`` blank lines after them when the line below holds code."""
    nl = source.newline
    block = list(lines)
    if blank_before and _is_code(source, line - 1):
        block.insert(0, "")
    if blanks_after and _is_code(source, line):
        block.extend([""] * blanks_after)
    text = nl.join(block)
    at_end = line > len(source.lines) or (line == len(source.lines) and source.lines[-1] == "")
    if not at_end:
        return Edit(_at(line, 1), f"{text}{nl}")
    last = len(source.lines)
    prefix = nl if source.lines[-1] != "" else ""
    return Edit(_at(last, len(source.lines[-1]) + 1), f"{prefix}{text}{nl}")


def _line_start_edit(source: SourceFile, line: int, text: str) -> Edit:
    """Insert the line ``text`` (without line ending) at the start of ``line``."""
    return _insert_lines(source, line, [text])


def _header_end(source: SourceFile, tree: ast.Module) -> int:
    """The line after the module docstring and ``from __future__`` imports; with neither,
    the line after the comment block that opens the file (shebang, encoding declaration,
    licence), which must stay first."""
    line = 0
    for index, stmt in enumerate(tree.body):
        if (index == 0 and _is_docstring(stmt)) or (
            isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        ):
            line = (stmt.end_lineno or stmt.lineno) + 1
            continue
        break
    if line:
        return line
    limit = _first_line(tree.body[0]) if tree.body else len(source.lines) + 1
    line = 1
    while line < limit and source.lines[line - 1].lstrip().startswith("#"):
        line += 1
    return line


def _leading_imports(tree: ast.Module) -> list[ast.stmt]:
    """The module's opening block of imports (after the docstring; ``try``/``if`` blocks
    made only of imports included)."""
    block: list[ast.stmt] = []
    for index, stmt in enumerate(tree.body):
        if index == 0 and _is_docstring(stmt):
            continue
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            block.append(stmt)
            continue
        if isinstance(stmt, ast.Try | ast.If) and all(
            isinstance(s, ast.Import | ast.ImportFrom) for s in stmt.body
        ):
            block.append(stmt)
            continue
        break
    return block


def _imports_end(source: SourceFile, tree: ast.Module) -> int:
    """The line after the leading block of imports (the header's end when there is none)."""
    block = _leading_imports(tree)
    if not block:
        return _header_end(source, tree)
    return (block[-1].end_lineno or block[-1].lineno) + 1


def has_import(tree: ast.Module, module: str, name: str | None = None) -> bool:
    """``import module`` (name None) or ``from module import name`` at module level."""
    for stmt in tree.body:
        if name is None and isinstance(stmt, ast.Import):
            if any(a.name == module and a.asname is None for a in stmt.names):
                return True
        elif (
            name is not None
            and isinstance(stmt, ast.ImportFrom)
            and stmt.level == 0
            and stmt.module == module
            and any(a.name == name and a.asname is None for a in stmt.names)
        ):
            return True
    return False


def _alone_on_lines(stmt: ast.stmt, tree: ast.Module) -> bool:
    """No other statement shares the statement's first or last line."""
    for other in tree.body:
        if other is stmt:
            continue
        if (other.end_lineno or other.lineno) >= stmt.lineno and other.lineno <= (
            stmt.end_lineno or stmt.lineno
        ):
            return False
    return True


def _import_key(stmt: ast.stmt) -> str:
    if isinstance(stmt, ast.Import):
        return stmt.names[0].name.lower()
    assert isinstance(stmt, ast.ImportFrom)
    return ("." * stmt.level + (stmt.module or "")).lower()


def _section(stmt: ast.stmt) -> int | None:
    """isort's sections, as far as a file shows them: 0 standard library, 1 anything else
    absolute, 2 relative imports; None for a ``try``/``if`` block."""
    if isinstance(stmt, ast.Import):
        return _module_section(stmt.names[0].name)
    if isinstance(stmt, ast.ImportFrom):
        return 2 if stmt.level else _module_section(stmt.module or "")
    return None


def _module_section(module: str) -> int:
    return 0 if module.split(".")[0] in sys.stdlib_module_names else 1


def _new_import_line(
    source: SourceFile, tree: ast.Module, kind: type[ast.stmt], module: str, text: str
) -> Edit:
    """A new import line where isort would put it, as far as the file shows: in the
    module's section (standard library or not), sorted among the imports of the same kind
    (``import x`` before ``from x import y``); a section of its own, set off by a blank
    line, when the file has none; after the header when there are no imports at all."""
    block = [
        s
        for s in _leading_imports(tree)
        if not (isinstance(s, ast.ImportFrom) and s.module == "__future__")
    ]
    if not block:
        line = _header_end(source, tree)
        return _insert_lines(source, line, [text], blank_before=True, blanks_after=1)
    # Sections only where the file shows them (blank lines between groups of imports);
    # otherwise the imports are one sorted group and stay so.
    grouped = any(b.lineno - (a.end_lineno or a.lineno) > 1 for a, b in itertools.pairwise(block))

    def section_of(stmt: ast.stmt) -> int | None:
        found = _section(stmt)
        return found if grouped or found is None else 0

    section = _module_section(module) if grouped else 0
    key = module.lower()
    members = [s for s in block if section_of(s) == section and s.col_offset == 0]
    if members:
        same = [s for s in members if type(s) is kind]
        for stmt in same:
            if _import_key(stmt) > key and _alone_on_lines(stmt, tree):
                return _insert_lines(source, stmt.lineno, [text])
        if same:
            anchor = same[-1]
        elif kind is ast.Import:
            # Plain imports come before `from` imports in a section.
            if _alone_on_lines(members[0], tree):
                return _insert_lines(source, members[0].lineno, [text])
            anchor = members[-1]
        else:
            anchor = members[-1]
        if _alone_on_lines(anchor, tree):
            return _insert_lines(source, (anchor.end_lineno or anchor.lineno) + 1, [text])
    later = next((s for s in block if (section_of(s) or 0) > section), None)
    if later is not None and _alone_on_lines(later, tree) and not members:
        # A new section before the later ones.
        return _insert_lines(source, later.lineno, [text, ""])
    last = block[-1]
    line = (last.end_lineno or last.lineno) + 1
    lines = [text] if members else ["", text]
    return _insert_lines(source, line, lines)


def add_import(source: SourceFile, tree: ast.Module, module: str) -> Edit | None:
    """``import module`` among the leading imports (sorted), unless already imported."""
    if has_import(tree, module):
        return None
    return _new_import_line(source, tree, ast.Import, module, f"import {module}")


def add_from_import(source: SourceFile, tree: ast.Module, module: str, name: str) -> Edit | None:
    """``from module import name``: extends an existing ``from module import ...`` (at its
    sorted place when it was sorted, on a line of its own when it lists one name per line),
    else a new line among the leading imports, after the docstring and ``from __future__``
    imports. ``None`` when ``name`` is already imported."""
    if has_import(tree, module, name):
        return None
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.ImportFrom)
            and stmt.level == 0
            and stmt.module == module
            and not any(a.name == "*" for a in stmt.names)
        ):
            return _extend_from_import(source, stmt, name)
    return _new_import_line(source, tree, ast.ImportFrom, module, f"from {module} import {name}")


def _isort_key(name: str) -> tuple[int, str]:
    """isort's and Ruff's default order: CONSTANTS, then Classes, then functions."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name.lower())
    return (2, name.lower())


def _plain_key(name: str) -> tuple[int, str]:
    return (0, name)


def _extend_from_import(source: SourceFile, stmt: ast.ImportFrom, name: str) -> Edit:
    aliases = stmt.names
    names = [a.name for a in aliases]
    key: Callable[[str], tuple[int, str]] | None = None
    if names == sorted(names, key=_isort_key):
        key = _isort_key
    elif names == sorted(names):
        key = _plain_key
    locs = [source.location(a) for a in aliases]
    one_per_line = len(locs) > 1 and len({loc.line for loc in locs}) == len(locs)
    one_per_line = one_per_line or (len(locs) == 1 and locs[0].line > stmt.lineno)
    before = None
    if key is not None:
        before = next((i for i, n in enumerate(names) if key(n) > key(name)), None)
    nl = source.newline
    if one_per_line and all(
        source.lines[loc.line - 1][: loc.column - 1].strip() == "" for loc in locs
    ):
        indent = source.lines[locs[-1].line - 1][: locs[-1].column - 1]
        if before is not None:
            return Edit(_at(locs[before].line, 1), f"{indent}{name},{nl}")
        last = locs[-1]
        rest = source.lines[last.end_line - 1][last.end_column - 1 :]
        if rest.lstrip().startswith(","):
            # `    last,  # note` -> a new line after it.
            return _insert_lines(source, last.end_line + 1, [f"{indent}{name},"])
        if rest.strip() == "" or rest.strip().startswith("#"):
            eol = len(source.lines[last.end_line - 1]) + 1
            where = Location(last.end_line, last.end_column, last.end_line, eol)
            return Edit(where, f",{rest}{nl}{indent}{name},")
    if before is not None:
        return Edit(_at(locs[before].line, locs[before].column), f"{name}, ")
    return Edit(_at(locs[-1].end_line, locs[-1].end_column), f", {name}")


def wrap_from_import(source: SourceFile, stmt: ast.ImportFrom) -> Edit | None:
    """``from m import a, b`` on one line -> one name per line in parentheses, as isort
    wraps a long line. ``None`` when already parenthesised or spanning lines."""
    if stmt.end_lineno != stmt.lineno or not stmt.names:
        return None
    locs = [source.location(a) for a in stmt.names]
    line = source.lines[stmt.lineno - 1]
    if not line[: locs[0].column - 1].rstrip().endswith("import"):
        return None
    rest = line[locs[-1].end_column - 1 :].strip()
    if rest and not rest.startswith("#"):
        return None
    nl = source.newline
    body = "".join(f"{nl}    {source.segment(loc)}," for loc in locs)
    where = Location(locs[0].line, locs[0].column, locs[-1].end_line, locs[-1].end_column)
    return Edit(where, f"({body}{nl})")


_LOGGER_FACTORIES = frozenset(
    {
        "logging.getLogger",
        "structlog.get_logger",
        "structlog.getLogger",
        "structlog.stdlib.get_logger",
    }
)


def _module_logger_name(tree: ast.Module) -> str | None:
    imports: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                imports[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(stmt, ast.ImportFrom) and stmt.module:
            for alias in stmt.names:
                imports[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
                if f"{stmt.module}.{alias.name}" == "loguru.logger":
                    return alias.asname or alias.name
        elif (
            isinstance(stmt, ast.Assign | ast.AnnAssign)
            and isinstance(stmt.value, ast.Call)
            and (targets := stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
            and len(targets) == 1
            and isinstance(targets[0], ast.Name)
        ):
            func = stmt.value.func
            qual = None
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                base = imports.get(func.value.id)
                qual = f"{base}.{func.attr}" if base else None
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute):
                inner = func.value
                if isinstance(inner.value, ast.Name) and inner.value.id in imports:
                    qual = f"{imports[inner.value.id]}.{inner.attr}.{func.attr}"
            elif isinstance(func, ast.Name):
                qual = imports.get(func.id)
            if qual in _LOGGER_FACTORIES:
                return targets[0].id
    return None


def _binds_logger(tree: ast.Module) -> bool:
    """The module-level name ``logger`` is bound (to something that is not a logger)."""
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets: list[ast.expr] = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if any((a.asname or a.name.split(".")[0]) == "logger" for a in node.names):
                return True
            continue
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == "logger":
                return True
            continue
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "logger" for t in targets):
            return True
    return False


_LOGGER_LINE = "logger = logging.getLogger(__name__)"


def module_logger(source: SourceFile, tree: ast.Module) -> tuple[str, tuple[Edit, ...]] | None:
    """The module logger's name and the edits creating it when there is none
    (``import logging`` if needed, then ``logger = logging.getLogger(__name__)`` after the
    imports, set off by blank lines). ``None`` when the name ``logger`` is taken by
    something else."""
    existing = _module_logger_name(tree)
    if existing is not None:
        return existing, ()
    if _binds_logger(tree):
        return None
    line = _imports_end(source, tree)
    following = next((s for s in tree.body if _first_line(s) >= line), None)
    blanks_after = (
        2 if isinstance(following, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) else 1
    )
    import_edit = add_import(source, tree, "logging")
    if import_edit is not None and import_edit.location == _at(line, 1):
        # Both land at the same place: one insertion, in order.
        merged = _insert_lines(
            source,
            line,
            ["import logging", "", _LOGGER_LINE],
            blank_before=True,
            blanks_after=blanks_after,
        )
        return "logger", (merged,)
    logger_edit = _insert_lines(
        source, line, [_LOGGER_LINE], blank_before=True, blanks_after=blanks_after
    )
    if import_edit is None:
        return "logger", (logger_edit,)
    return "logger", (import_edit, logger_edit)
