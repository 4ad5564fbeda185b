"""Suppression comments: ``# noqa: RES101``, ``# resilience: ignore[RES101]``, a bare
``# noqa``, and ``# resilience: ignore-file[...]`` in a file's first 10 lines.

Only lines whose text mentions ``noqa`` or ``resilience:`` after a ``#`` are tokenised, one
line at a time, so a file full of ``# noqa: E501`` comments costs a regex scan, not a full
tokenisation; a ``#`` inside a string is not a comment.
"""

from __future__ import annotations

import io
import re
import tokenize

_CANDIDATE = re.compile(r"^[^\n]*#[^\n]*(?:noqa|resilience:)[^\n]*$", re.M | re.I)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_IGNORE = re.compile(r"#\s*resilience:\s*ignore(?:\[(?P<codes>[^\]]*)\])?(?!-)", re.I)
_IGNORE_FILE = re.compile(r"#\s*resilience:\s*ignore-file(?:\[(?P<codes>[^\]]*)\])?", re.I)


def _codes(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    return frozenset(c.strip().upper() for c in re.split(r"[\s,]+", text) if c.strip())


def _comment(line: str) -> str | None:
    """The comment token of one line, if the line's own tokens hold one."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type == tokenize.COMMENT:
                return tok.string
    except (tokenize.TokenError, SyntaxError):
        # An unclosed bracket or string on this line: the comment, if any, came before.
        return None
    return None


def parse_suppressions(
    text: str, line_starts: list[int] | None = None
) -> tuple[dict[int, frozenset[str] | None], frozenset[str] | None]:
    """Line -> suppressed rule IDs (``None`` = all), and the file-level ignores.
    ``line_starts``: the offsets where lines start, when the caller has them."""
    lines: dict[int, frozenset[str] | None] = {}
    file_ignores: frozenset[str] | None = frozenset()
    if "noqa" not in text and "resilience:" not in text:
        return lines, file_ignores
    starts = line_starts
    for match in _CANDIDATE.finditer(text):
        if starts is None:
            starts = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]
        line = _line_of(starts, match.start())
        comment = _comment(match.group())
        if comment is None:
            continue
        found = _IGNORE_FILE.search(comment)
        if found and line <= 10:
            codes = _codes(found.group("codes"))
            file_ignores = None if codes is None or file_ignores is None else file_ignores | codes
            continue
        for pattern in (_NOQA, _IGNORE):
            found = pattern.search(comment)
            if found:
                codes = _codes(found.group("codes"))
                old = lines.get(line, frozenset())
                lines[line] = None if codes is None or old is None else old | codes
    return lines, file_ignores


def _line_of(starts: list[int], offset: int) -> int:
    from bisect import bisect_right

    return bisect_right(starts, offset)
