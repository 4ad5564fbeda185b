"""Source loading and position conversion: bytes -> text -> character columns."""

from __future__ import annotations

import ast
import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st
from resilience_skill.analysis.source import SourceError, SourceFile


def _call_location(source: SourceFile):
    tree = source.parse()
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    return source.location(call)


def test_non_ascii_before_call_gives_character_columns() -> None:
    source = SourceFile.from_text("m.py", 'x = "héllo→"; f(1)\n')
    loc = _call_location(source)
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (1, 15, 1, 19)
    assert source.segment(loc) == "f(1)"


def test_tabs_count_as_one_character() -> None:
    source = SourceFile.from_text("m.py", "if True:\n\tf()\n")
    loc = _call_location(source)
    assert (loc.line, loc.column) == (2, 2)


def test_form_feed_does_not_split_lines() -> None:
    source = SourceFile.from_text("m.py", "x = 1\n\x0c\ny = 2\nf()\n")
    loc = _call_location(source)
    assert loc.line == 4
    assert source.lines[3] == "f()"


def test_crlf_is_kept_and_positions_match() -> None:
    raw = b"import os\r\nf(1)\r\n"
    source = SourceFile.from_bytes("m.py", raw)
    assert source.newline == "\r\n"
    loc = _call_location(source)
    assert (loc.line, loc.column, loc.end_column) == (2, 1, 5)
    assert source.encode(source.text) == raw


def test_lone_cr_line_endings_parse() -> None:
    source = SourceFile.from_bytes("m.py", b"x = 1\rf(2)\r")
    assert _call_location(source).line == 2


def test_bom_is_kept() -> None:
    raw = codecs.BOM_UTF8 + "s = 'ü'; f()\n".encode()
    source = SourceFile.from_bytes("m.py", raw)
    assert source.bom
    assert _call_location(source).column == 10
    assert source.encode(source.text) == raw


def test_pep263_latin1_declaration() -> None:
    raw = "# -*- coding: latin-1 -*-\ns = 'é'; f()\n".encode("latin-1")
    source = SourceFile.from_bytes("m.py", raw)
    assert source.encoding == "iso-8859-1"
    assert _call_location(source).column == 10
    assert source.encode(source.text) == raw


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x00\x01binary", "binary file"),
        (b"def f(:\n", "SyntaxError"),
        (b"# coding: nonsense-enc\nx = 1\n", "encoding"),
        (b"x = '\xff\xfe'\n", "cannot decode"),
        (b"x = " + b"-" * 100_000 + b"1\n", "nested too deeply"),
    ],
)
def test_bad_input_is_a_source_error(raw: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        SourceFile.from_bytes("bad.py", raw).parse()


@given(st.text(alphabet=st.sampled_from("aé→\t x=1🙂"), max_size=30))
def test_columns_round_trip_through_offsets(prefix: str) -> None:
    text = f"s = {prefix!r}; f()\n"
    source = SourceFile.from_text("m.py", text)
    loc = _call_location(source)
    assert source.segment(loc) == "f()"
