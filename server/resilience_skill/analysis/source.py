"""Source loading: bytes in, decoded text and position conversion out.

``ast`` reports columns as UTF-8 byte offsets into each line of the text it parsed; findings
use 1-based character columns. The original bytes, encoding, BOM and line ending are kept so
the fixer can write the file back byte for byte outside its edits.
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
from dataclasses import dataclass, field
from functools import cached_property

from resilience_skill.analysis.model import Location

# Python's tokenizer ends lines at \n, \r\n and \r only; str.splitlines() would also split at
# form feeds and other separators, which shifts every line number after them.
_LINE_END = re.compile(r"\r\n|\r|\n")

MAX_FILE_BYTES = 10 * 1024 * 1024


class SourceError(Exception):
    """A file that cannot be decoded or parsed; the message names the problem."""


@dataclass(eq=False)
class SourceFile:
    path: str
    raw: bytes
    text: str
    encoding: str
    bom: bool
    newline: str
    _line_starts: list[int] = field(default_factory=list, repr=False)

    @classmethod
    def from_bytes(cls, path: str, raw: bytes) -> SourceFile:
        if len(raw) > MAX_FILE_BYTES:
            raise SourceError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        if b"\x00" in raw:
            raise SourceError("binary file (contains NUL bytes)")
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        except SyntaxError as exc:
            raise SourceError(f"cannot decode: {exc}") from exc
        bom = raw.startswith(codecs.BOM_UTF8)
        if bom:
            encoding = "utf-8"  # the BOM is kept apart and written back by `encode`
        try:
            text = raw.decode("utf-8-sig" if bom else encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise SourceError(f"cannot decode as {encoding}: {exc}") from exc
        return cls.from_text(path, text, encoding=encoding, bom=bom, raw=raw)

    @classmethod
    def from_text(
        cls,
        path: str,
        text: str,
        *,
        encoding: str = "utf-8",
        bom: bool = False,
        raw: bytes | None = None,
    ) -> SourceFile:
        if text.startswith("\ufeff"):
            text, bom = text[1:], True
        match = _LINE_END.search(text)
        newline = match.group() if match else "\n"
        if raw is None:
            raw = (codecs.BOM_UTF8 if bom else b"") + text.encode(encoding, "surrogatepass")
        return cls(path=path, raw=raw, text=text, encoding=encoding, bom=bom, newline=newline)

    # -- lines and offsets -------------------------------------------------------------

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines without their line endings (line 1 is ``lines[0]``)."""
        return _LINE_END.split(self.text)

    @property
    def line_starts(self) -> list[int]:
        """Character offset in ``text`` where each line starts."""
        if not self._line_starts:
            starts = [0]
            starts.extend(m.end() for m in _LINE_END.finditer(self.text))
            self._line_starts = starts
        return self._line_starts

    def offset(self, line: int, column: int) -> int:
        """Character offset in ``text`` of a 1-based line and 1-based character column."""
        return self.line_starts[line - 1] + column - 1

    def char_column(self, line: int, byte_col: int) -> int:
        """Convert ``ast``'s 0-based UTF-8 byte column on ``line`` to a 1-based character
        column."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_col + 1
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1

    def location(self, node: ast.AST, end: ast.AST | None = None) -> Location:
        """The span of ``node`` (through ``end`` when given) in character columns."""
        last = end or node
        line = node.lineno  # type: ignore[attr-defined]
        end_line = last.end_lineno or line  # type: ignore[attr-defined]
        end_col = last.end_col_offset  # type: ignore[attr-defined]
        return Location(
            line,
            self.char_column(line, node.col_offset),  # type: ignore[attr-defined]
            end_line,
            self.char_column(end_line, end_col if end_col is not None else 0),
        )

    def segment(self, location: Location) -> str:
        return self.text[
            self.offset(location.line, location.column) : self.offset(
                location.end_line, location.end_column
            )
        ]

    # -- parsing ----------------------------------------------------------------------

    def parse(self) -> ast.Module:
        """Parse the text; every failure becomes a ``SourceError`` naming the problem."""
        text = self.text if "\r" not in self.text else _LINE_END.sub("\n", self.text)
        try:
            return ast.parse(text, filename=self.path, type_comments=False)
        except SyntaxError as exc:
            where = f" (line {exc.lineno})" if exc.lineno else ""
            raise SourceError(f"SyntaxError: {exc.msg}{where}") from exc
        except (RecursionError, MemoryError) as exc:
            raise SourceError(f"{type(exc).__name__}: code nested too deeply to parse") from exc
        except ValueError as exc:  # e.g. source code string cannot contain null bytes
            raise SourceError(f"ValueError: {exc}") from exc

    def encode(self, text: str) -> bytes:
        """Encode ``text`` (with this file's line endings already in it) as the file was."""
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data
