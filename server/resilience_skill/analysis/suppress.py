"""Suppression comments: ``# noqa: RES101``, ``# resilience: ignore[RES101]``, a bare
``# noqa``, and ``# resilience: ignore-file[...]`` in a file's first 10 lines."""

from __future__ import annotations

import io
import re
import tokenize

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_IGNORE = re.compile(r"#\s*resilience:\s*ignore(?:\[(?P<codes>[^\]]*)\])?(?!-)", re.I)
_IGNORE_FILE = re.compile(r"#\s*resilience:\s*ignore-file(?:\[(?P<codes>[^\]]*)\])?", re.I)


def _codes(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    return frozenset(c.strip().upper() for c in re.split(r"[\s,]+", text) if c.strip())


def _comments(text: str) -> list[tuple[int, str]]:
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        return [(tok.start[0], tok.string) for tok in tokens if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return []


def parse_suppressions(
    text: str,
) -> tuple[dict[int, frozenset[str] | None], frozenset[str] | None]:
    """Line -> suppressed rule IDs (``None`` = all), and the file-level ignores."""
    lines: dict[int, frozenset[str] | None] = {}
    file_ignores: frozenset[str] | None = frozenset()
    if "noqa" not in text and "resilience:" not in text:
        return lines, file_ignores
    for line, comment in _comments(text):
        match = _IGNORE_FILE.search(comment)
        if match and line <= 10:
            codes = _codes(match.group("codes"))
            if codes is None or file_ignores is None:
                file_ignores = None
            else:
                file_ignores = file_ignores | codes
            continue
        for pattern in (_NOQA, _IGNORE):
            match = pattern.search(comment)
            if match:
                codes = _codes(match.group("codes"))
                old = lines.get(line, frozenset())
                lines[line] = None if codes is None or old is None else old | codes
    return lines, file_ignores
