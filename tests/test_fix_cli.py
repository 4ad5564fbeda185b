"""``resilience fix``: writing, ``--diff``, the report, exit codes, stdin."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from resilience_skill.analysis import audit_source
from resilience_skill.cli import main

CODE = "import requests\n\n\ndef f(url):\n    return requests.get(url).json()\n"
FIXED = CODE.replace("get(url)", "get(url, timeout=(3.05, 30))")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text(CODE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_safe_only_by_default_reports_what_remains(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fix", "--select", "RES101", "."]) == 1
    out = capsys.readouterr().out
    assert (project / "app.py").read_text() == CODE
    [finding] = [f for f in audit_source(CODE, "app.py").findings if f.rule == "RES101"]
    assert out == (
        "Fixed nothing.\n"
        "1 finding remaining:\n"
        f"app.py:5:12: RES101 http-call-without-timeout: {finding.message}\n"
        "  unsafe fix: apply with --unsafe-fixes; see `resilience generate timeout`\n"
    )


def test_unsafe_fixes_write_the_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--unsafe-fixes", "--select", "RES101"]) == 0
    assert (project / "app.py").read_text() == FIXED
    assert capsys.readouterr().out == (
        "app.py: fixed RES101 x1\nFixed 1 finding (RES101 x1) in 1 file.\n"
    )
    assert main(["fix", "--unsafe-fixes", "--select", "RES101"]) == 0
    assert capsys.readouterr().out == "Fixed nothing.\n"


def test_diff_writes_nothing_and_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--diff", "--unsafe-fixes", "--select", "RES101", "app.py"]) == 1
    captured = capsys.readouterr()
    assert (project / "app.py").read_text() == CODE
    assert captured.out == (
        "--- app.py\n+++ app.py\n@@ -2,4 +2,4 @@\n \n \n def f(url):\n"
        "-    return requests.get(url).json()\n"
        "+    return requests.get(url, timeout=(3.05, 30)).json()\n"
    )
    assert captured.err == "Would fix 1 finding (RES101 x1) in 1 file.\n"
    (project / "app.py").write_text(FIXED)
    assert main(["fix", "--diff", "--unsafe-fixes", "--select", "RES101", "app.py"]) == 0
    assert capsys.readouterr().out == ""


def test_unparseable_file_is_reported_and_untouched(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "broken.py").write_text("def f(:\n")
    assert main(["fix", "--unsafe-fixes", "--select", "RES101", "."]) == 1
    captured = capsys.readouterr()
    assert (project / "broken.py").read_text() == "def f(:\n"
    assert (project / "app.py").read_text() == FIXED
    assert captured.err.startswith("error: broken.py: SyntaxError:")
    assert captured.err.endswith("; not fixed\n")


def test_usage_errors_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--select", "RES999"]) == 2
    assert "RES999" in capsys.readouterr().err
    (project / "bad.toml").write_text("[tool.resilience]\nbogus = 1\n")
    assert main(["fix", "--config", "bad.toml"]) == 2
    assert "bogus" in capsys.readouterr().err


def test_config_default_timeout_is_used(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.resilience]\ndefault-timeout = 7\nselect = ["RES101"]\n'
    )
    assert main(["fix", "--unsafe-fixes"]) == 0
    assert "requests.get(url, timeout=7)" in (project / "app.py").read_text()


def test_stdin_prints_the_fixed_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CODE.encode())))
    assert main(["fix", "--unsafe-fixes", "--select", "RES101", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out == FIXED
    assert captured.err == "<stdin>: fixed RES101 x1\nFixed 1 finding (RES101 x1) in 1 file.\n"


def test_stdin_keeps_the_input_encoding(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code = "# -*- coding: latin-1 -*-\nimport requests\nrequests.get('é')\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(code.encode("latin-1"))))
    assert main(["fix", "--unsafe-fixes", "--select", "RES101", "-"]) == 0
    expected = code.replace("get('é')", "get('é', timeout=(3.05, 30))")
    assert capsysbinary.readouterr().out == expected.encode("latin-1")


def test_stdin_that_does_not_parse_is_echoed(
    monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"def f(:\n")))
    assert main(["fix", "-"]) == 1
    captured = capsysbinary.readouterr()
    assert captured.out == b"def f(:\n"
    assert captured.err.startswith(b"error: <stdin>: SyntaxError")
