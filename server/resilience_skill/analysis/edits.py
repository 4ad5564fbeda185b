"""Edit builders: minimal text edits computed from the token stream, never from
regenerated source, so comments, quotes, trailing commas and line endings stay as written."""

from __future__ import annotations

import ast
import io
import tokenize
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


def _call_tokens(source: SourceFile, call: ast.Call) -> list[_Tok] | None:
    loc = source.location(call)
    start = source.offset(loc.line, loc.column)
    end = source.offset(loc.end_line, loc.end_column)
    segment = source.text[start:end]
    if not segment.endswith(")"):
        return None
    try:
        raw = list(tokenize.generate_tokens(io.StringIO(segment).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
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


def _argument_tokens(toks: list[_Tok]) -> tuple[_Tok, _Tok, list[_Tok]] | None:
    """The call's own parentheses and the significant tokens between them at depth 1."""
    sig = [t for t in toks if t.type not in _SKIP]
    if not sig or sig[-1].string != ")":
        return None
    stack: list[int] = []
    open_idx = None
    for i, tok in enumerate(sig):
        if tok.type == tokenize.OP and tok.string in "([{":
            stack.append(i)
        elif tok.type == tokenize.OP and tok.string in ")]}":
            if not stack:
                return None
            opened = stack.pop()
            if i == len(sig) - 1:
                open_idx = opened
    if open_idx is None:
        return None
    inner = sig[open_idx + 1 : -1]
    depth = 0
    top: list[_Tok] = []
    for tok in inner:
        if tok.type == tokenize.OP and tok.string in "([{":
            if depth == 0:
                top.append(tok)
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif depth == 0:
            top.append(tok)
    return sig[open_idx], sig[-1], top if inner else []


def _indent_of(source: SourceFile, line: int) -> str:
    text = source.lines[line - 1]
    return text[: len(text) - len(text.lstrip(" \t"))]


def insert_keyword(source: SourceFile, call: ast.Call, name: str, value: str) -> Edit | None:
    """An edit adding ``name=value`` to ``call``: before ``**kwargs``, after a trailing
    comma, on its own line when the call has one argument per line. ``None`` when the call's
    text cannot be tokenised on its own (for example inside an f-string)."""
    toks = _call_tokens(source, call)
    if toks is None:
        return None
    parts = _argument_tokens(toks)
    if parts is None:
        return None
    _open, close, top = parts
    text = f"{name}={value}"
    if not [t for t in top if t.type not in _SKIP]:
        # An empty call: `f()` -> `f(name=value)`.
        return Edit(Location(close.line, close.col, close.line, close.col), text)
    double_star = next((t for t in top if t.type == tokenize.OP and t.string == "**"), None)
    if double_star is not None:
        at = Location(double_star.line, double_star.col, double_star.line, double_star.col)
        return Edit(at, f"{text}, ")
    last = top[-1]
    multiline = close.line > last.line
    if last.string == ",":
        if multiline:
            indent = _indent_of(source, last.line)
            content = f"{source.newline}{indent}{text},"
        else:
            content = f" {text},"
        return Edit(Location(last.end_line, last.end_col, last.end_line, last.end_col), content)
    if multiline and _one_argument_per_line(top, _open):
        indent = _indent_of(source, last.line)
        content = f",{source.newline}{indent}{text}"
    else:
        content = f", {text}"
    return Edit(Location(last.end_line, last.end_col, last.end_line, last.end_col), content)


def _one_argument_per_line(top: list[_Tok], open_tok: _Tok) -> bool:
    """Arguments start on lines of their own, after the opening parenthesis' line."""
    return bool(top) and top[0].line > open_tok.line


def in_fstring(ancestors: list[ast.AST]) -> bool:
    return any(isinstance(node, ast.JoinedStr) for node in ancestors)


# -- module-level edits: imports and the module logger ----------------------------------


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _line_start_edit(source: SourceFile, line: int, text: str) -> Edit:
    """Insert whole lines ``text`` (without line ending) at the start of ``line``; past the
    end of the file, append them."""
    nl = source.newline
    if line <= len(source.lines) and not (line == len(source.lines) and source.lines[-1] == ""):
        return Edit(Location(line, 1, line, 1), f"{text}{nl}")
    last = len(source.lines)
    end_col = len(source.lines[-1]) + 1
    prefix = nl if source.lines[-1] != "" else ""
    return Edit(Location(last, end_col, last, end_col), f"{prefix}{text}{nl}")


def _header_end(tree: ast.Module) -> int:
    """The line after the module docstring and ``from __future__`` imports."""
    line = 1
    for index, stmt in enumerate(tree.body):
        if (index == 0 and _is_docstring(stmt)) or (
            isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        ):
            line = (stmt.end_lineno or stmt.lineno) + 1
            continue
        break
    return line


def _imports_end(tree: ast.Module) -> int:
    """The line after the leading block of imports (after the header when there is none)."""
    line = _header_end(tree)
    for index, stmt in enumerate(tree.body):
        if index == 0 and _is_docstring(stmt):
            continue
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            line = (stmt.end_lineno or stmt.lineno) + 1
            continue
        if isinstance(stmt, ast.Try | ast.If) and all(
            isinstance(s, ast.Import | ast.ImportFrom) for s in stmt.body
        ):
            line = (stmt.end_lineno or stmt.lineno) + 1
            continue
        break
    return line


def has_import(tree: ast.Module, module: str, name: str | None = None) -> bool:
    """``import module`` (name None) or ``from module import name`` at module level."""
    for stmt in tree.body:
        if name is None and isinstance(stmt, ast.Import):
            if any(a.name == module and a.asname is None for a in stmt.names):
                return True
        elif name is not None and isinstance(stmt, ast.ImportFrom) and stmt.level == 0:
            if stmt.module == module and any(
                a.name == name and a.asname is None for a in stmt.names
            ):
                return True
    return False


def add_import(source: SourceFile, tree: ast.Module, module: str) -> Edit | None:
    """``import module`` after the header, unless already imported."""
    if has_import(tree, module):
        return None
    return _line_start_edit(source, _header_end(tree), f"import {module}")


def add_from_import(source: SourceFile, tree: ast.Module, module: str, name: str) -> Edit | None:
    """``from module import name``: extends an existing ``from module import ...`` (at its
    sorted place when it was sorted), else a new line after the docstring and ``from
    __future__`` imports. ``None`` when ``name`` is already imported."""
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
    return _line_start_edit(source, _header_end(tree), f"from {module} import {name}")


def _extend_from_import(source: SourceFile, stmt: ast.ImportFrom, name: str) -> Edit:
    aliases = stmt.names
    names = [a.name for a in aliases]
    is_sorted = names == sorted(names)
    if is_sorted and name < names[0]:
        first = aliases[0]
        loc = source.location(first)
        return Edit(Location(loc.line, loc.column, loc.line, loc.column), f"{name}, ")
    after = aliases[-1]
    if is_sorted:
        after = [a for a in aliases if a.name < name][-1]
    loc = source.location(after)
    return Edit(Location(loc.end_line, loc.end_column, loc.end_line, loc.end_column), f", {name}")


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
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Call)
        ):
            func = stmt.value.func
            qual = None
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                base = imports.get(func.value.id)
                qual = f"{base}.{func.attr}" if base else None
            elif isinstance(func, ast.Name):
                qual = imports.get(func.id)
            if qual in _LOGGER_FACTORIES:
                return stmt.targets[0].id
    return None


def module_logger(source: SourceFile, tree: ast.Module) -> tuple[str, tuple[Edit, ...]] | None:
    """The module logger's name and the edits creating it when there is none
    (``import logging`` if needed, then ``logger = logging.getLogger(__name__)`` after the
    imports). ``None`` when the name ``logger`` is taken by something else."""
    existing = _module_logger_name(tree)
    if existing is not None:
        return existing, ()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if any(isinstance(t, ast.Name) and t.id == "logger" for t in targets):
            return None
    edits: list[Edit] = []
    import_edit = add_import(source, tree, "logging")
    line = _imports_end(tree)
    if import_edit is not None:
        line = max(line, import_edit.location.line)
        if import_edit.location.line == line:
            # Both land on the same line start: emit them as one insertion, in order.
            nl = source.newline
            text = f"import logging{nl}{nl}logger = logging.getLogger(__name__)"
            return "logger", (_line_start_edit(source, line, text),)
        edits.append(import_edit)
    edits.append(_line_start_edit(source, line, "logger = logging.getLogger(__name__)"))
    return "logger", tuple(edits)
