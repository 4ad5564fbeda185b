"""`resilience audit` end to end: formats, exit codes, errors, jobs, baselines, stdin."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import jsonschema
import pytest
from resilience_skill.cli import main

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

BAD_CALL = "import requests\n\n\ndef f(u):\n    return requests.get(u)\n"


def _audit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "client.py").write_text(BAD_CALL)
    (tmp_path / "app" / "ok.py").write_text("import requests\nrequests.get('u', timeout=3)\n")
    (tmp_path / "app" / "broken.py").write_text("def f(:\n")
    (tmp_path / "app" / "blob.py").write_bytes(b"\x00\x01\x02")
    return tmp_path


def test_json_shape_and_paths(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    code, out, _ = _audit(capsys, "app", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["tool"] == "resilience"
    [finding] = data["findings"]
    assert finding["path"] == "app/client.py"
    assert (
        finding["rule"],
        finding["line"],
        finding["column"],
        finding["end_line"],
        finding["end_column"],
    ) == ("RES101", 5, 12, 5, 27)
    assert finding["fix"]["applicability"] == "unsafe"
    assert finding["fix"]["edits"] == [
        {
            "line": 5,
            "column": 26,
            "end_line": 5,
            "end_column": 26,
            "content": ", timeout=(3.05, 30)",
        }
    ]
    assert finding["checklist_item"] == "All external calls have timeouts"
    assert sorted(e["path"] for e in data["errors"]) == ["app/blob.py", "app/broken.py"]
    assert "SyntaxError" in {e["path"]: e["message"] for e in data["errors"]}["app/broken.py"]
    assert data["summary"]["files"] == 4
    assert data["summary"]["by_rule"] == {"RES101": 1}
    timeouts = data["checklist"][0]
    assert timeouts["item"] == "All external calls have timeouts"
    assert (timeouts["findings"], timeouts["sites_checked"], timeouts["passed"]) == (1, 2, False)


def test_text_output_has_excerpt_and_scorecard(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _audit(capsys, str(project / "app" / "client.py"))
    assert f"{project}/app/client.py:5:12: RES101 [high] requests.get() has no timeout" in out
    assert "5 |     return requests.get(u)\n  |            ^^^^^^^^^^^^^^^\n" in out
    assert "= fix (unsafe): Add timeout=(3.05, 30)" in out
    assert "[FAIL] All external calls have timeouts (1 finding, 1 sites checked, 0 ok)" in out
    assert "\x1b[" not in out


def test_sarif_validates_against_the_schema(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    _, out, _ = _audit(capsys, "app", "--format", "sarif")
    sarif = json.loads(out)
    jsonschema.validate(sarif, SCHEMA)
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["RES101"]
    assert run["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] == "error"
    [result] = run["results"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/client.py"
    assert location["region"] == {"startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 27}
    assert result["partialFingerprints"]["primaryLocationLineHash"].endswith(":1")


def test_github_annotations(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    _, out, _ = _audit(capsys, "app/client.py", "--format", "github")
    assert out.startswith(
        "::error file=app/client.py,line=5,col=12,endLine=5,endColumn=27,"
        "title=RES101 http-call-without-timeout::RES101 [high] requests.get() has no timeout"
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--fail-on", "never"], 0),
        (["--fail-on", "high"], 1),
        (["--select", "RES5"], 0),
        (["--ignore", "RES101"], 0),
        (["--select", "RES9"], 2),
        (["--jobs", "0"], 2),
    ],
)
def test_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: int
) -> None:
    (tmp_path / "m.py").write_text(BAD_CALL)
    code, _, _ = _audit(capsys, str(tmp_path), *argv)
    assert code == expected


def test_unparseable_file_alone_fails_unless_never(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.py").write_text("def f(:\n")
    assert _audit(capsys, str(tmp_path))[0] == 1
    assert _audit(capsys, str(tmp_path), "--fail-on", "never")[0] == 0


def test_missing_path_is_an_error_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _audit(capsys, str(tmp_path / "nope"), "--format", "json")
    assert code == 1
    assert json.loads(out)["errors"][0]["message"] == "No such file or directory"


def test_broken_config_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.resilience]\nbogus = 1\n")
    (tmp_path / "m.py").write_text(BAD_CALL)
    code, _, err = _audit(capsys, str(tmp_path))
    assert code == 2
    assert "bogus: unknown key" in err


def test_jobs_give_identical_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(60):
        sub = tmp_path / f"pkg{i % 4}"
        sub.mkdir(exist_ok=True)
        (sub / f"m{i}.py").write_text(BAD_CALL * (1 + i % 3))
    monkeypatch.chdir(tmp_path)
    one = _audit(capsys, ".", "--format", "json", "--jobs", "1", "--no-cache")[1]
    two = _audit(capsys, ".", "--format", "json", "--jobs", "2", "--no-cache")[1]
    assert one == two
    assert json.loads(one)["summary"]["files"] == 60


def test_baseline_reports_only_new_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(BAD_CALL)
    assert _audit(capsys, "m.py", "--write-baseline", "base.json")[0] == 0
    # The known finding moves down two lines; a new one appears.
    (tmp_path / "m.py").write_text(
        "# moved\n\n" + BAD_CALL + "\n\ndef g(u):\n    return requests.post(u)\n"
    )
    code, out, _ = _audit(capsys, "m.py", "--baseline", "base.json", "--format", "json")
    assert code == 1
    assert [(f["rule"], f["line"]) for f in json.loads(out)["findings"]] == [("RES101", 11)]
    (tmp_path / "bad.json").write_text("{")
    assert _audit(capsys, "m.py", "--baseline", "bad.json")[0] == 2


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BAD_CALL.encode())))
    code, out, _ = _audit(capsys, "-", "--stdin-filename", "x.py", "--format", "json")
    assert code == 1
    assert json.loads(out)["findings"][0]["path"] == "x.py"


def test_rules_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    assert "RES101  http-call-without-timeout" in capsys.readouterr().out
    assert main(["rules", "http-call-without-timeout"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# RES101 http-call-without-timeout")
    assert "## Why is this bad?" in out
    assert main(["rules", "RES000"]) == 2
