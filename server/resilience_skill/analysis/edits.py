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
