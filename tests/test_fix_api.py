"""``fix_source`` / ``fix_paths``: what is applied, what remains and why, convergence,
idempotence, the parse guard, and files that are never touched."""

from __future__ import annotations

import ast
import stat
from pathlib import Path

import pytest
from resilience_skill import atomic as fix_write
from resilience_skill.analysis import audit_source
from resilience_skill.analysis.edits import add_from_import, insert_keyword
from resilience_skill.analysis.engine import FileResult
from resilience_skill.analysis.model import Applicability, Edit, Finding, Fix, Severity
from resilience_skill.analysis.rules import timeouts
from resilience_skill.analysis.source import SourceFile
from resilience_skill.config import Config
from resilience_skill.fixes import api as fix_api
from resilience_skill.fixes import fix_paths, fix_source

R101 = ["RES101"]
CODE = "import requests\n\n\ndef f(url):\n    return requests.get(url).json()\n"
FIXED = (
    "import requests\n\n\ndef f(url):\n    return requests.get(url, timeout=(3.05, 30)).json()\n"
)


def test_unsafe_fix_needs_the_flag() -> None:
    result = fix_source(CODE, "m.py", select=R101)
    assert result.text == CODE
    assert not result.changed and result.diff == ""
    [left] = result.remaining
    assert (left.finding.rule, left.reason, left.generate) == (
        "RES101",
        "unsafe fix: apply with --unsafe-fixes",
        "timeout",
    )


def test_unsafe_fix_applies_and_the_finding_is_gone() -> None:
    result = fix_source(CODE, "m.py", select=R101, unsafe=True)
    assert result.text == FIXED
    assert result.applied_by_rule == {"RES101": 1}
    assert result.remaining == ()
    assert result.diff == (
        "--- m.py\n+++ m.py\n@@ -2,4 +2,4 @@\n \n \n def f(url):\n"
        "-    return requests.get(url).json()\n"
        "+    return requests.get(url, timeout=(3.05, 30)).json()\n"
    )
    assert [f for f in audit_source(result.text, "m.py").findings if f.rule == "RES101"] == []


def test_configured_timeout_is_inserted() -> None:
    config = Config(default_timeout="10")
    result = fix_source(CODE, "m.py", config=config, select=R101, unsafe=True)
    assert "requests.get(url, timeout=10)" in result.text


def test_second_run_changes_nothing() -> None:
    once = fix_source(CODE, "m.py", unsafe=True)
    twice = fix_source(once.text, "m.py", unsafe=True)
    assert twice.text == once.text and twice.applied == ()


def test_ignore_leaves_the_rule_alone() -> None:
    result = fix_source(CODE, "m.py", unsafe=True, ignore=["RES1"])
    assert result.text == CODE
    assert all(r.finding.rule != "RES101" for r in result.remaining)


def test_unknown_selector_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="RES999"):
        fix_source(CODE, select=["RES999"])


def test_code_that_does_not_parse_comes_back_unchanged() -> None:
    result = fix_source("def f(:\n", "bad.py", unsafe=True)
    assert result.text == "def f(:\n"
    assert result.error is not None and result.error.startswith("SyntaxError")


def test_no_fix_reason_and_generate_pattern() -> None:
    code = "import requests\nprint(f'{requests.get(u)}')\n"
    [left] = fix_source(code, "m.py", select=R101, unsafe=True).remaining
    assert (left.reason, left.generate) == ("no fix", "timeout")


def test_many_calls_in_one_file_converge() -> None:
    code = "import requests\nrequests.get(requests.get(u).url)\nrequests.post(u, data=d)\n"
    result = fix_source(code, "m.py", select=R101, unsafe=True)
    assert result.text == (
        "import requests\n"
        "requests.get(requests.get(u, timeout=(3.05, 30)).url, timeout=(3.05, 30))\n"
        "requests.post(u, data=d, timeout=(3.05, 30))\n"
    )
    assert result.applied_by_rule == {"RES101": 3}


def test_display_only_reason() -> None:
    code = "import requests\nrequests.get(u, timeout=None)\n"
    result = fix_source(code, "m.py", select=["RES102"], unsafe=True)
    [left] = result.remaining
    assert (left.finding.rule, left.reason, left.generate) == (
        "RES102",
        "display-only fix",
        "timeout",
    )
    assert result.text == code


def test_text_with_bom_and_crlf_round_trips() -> None:
    code = "\ufeffimport requests\r\nrequests.get(u)\r\n"
    result = fix_source(code, "m.py", select=R101, unsafe=True)
    assert result.original == code
    assert result.text == "\ufeffimport requests\r\nrequests.get(u, timeout=(3.05, 30))\r\n"


def test_long_lines_the_fixes_did_not_touch_stay_as_they_are() -> None:
    long_line = "x = combine(" + ", ".join(["value"] * 25) + ")\n"
    call = "requests.get(first_argument_that_is_long_enough, params=params)\n"
    code = f"import requests\n{long_line}{call}"
    result = fix_source(code, "m.py", select=R101, unsafe=True)
    assert long_line in result.text
    assert result.text.endswith(
        "requests.get(first_argument_that_is_long_enough, params=params, timeout=(3.05, 30))\n"
    )


def test_result_json_for_the_mcp_face() -> None:
    data = fix_source(CODE, "m.py", select=R101, unsafe=True).to_json()
    assert set(data) == {"path", "changed", "diff", "applied", "fixed", "remaining", "error"}
    assert data["applied"] == {"RES101": 1}
    assert data["fixed"][0]["rule"] == "RES101"
    left = fix_source(CODE, "m.py", select=R101).to_json()["remaining"][0]
    assert (left["rule"], left["reason"], left["generate"]) == (
        "RES101",
        "unsafe fix: apply with --unsafe-fixes",
        "timeout",
    )


# -- the parse guard ----------------------------------------------------------------------


def _broken_insert(source: SourceFile, call: ast.Call, name: str, value: str) -> Edit | None:
    edit = insert_keyword(source, call, name, value)
    return None if edit is None else Edit(edit.location, ", timeout=(")


def test_fix_that_breaks_the_code_is_not_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeouts, "insert_keyword", _broken_insert)
    result = fix_source(CODE, "m.py", select=R101, unsafe=True)
    assert result.text == CODE and result.applied == ()
    assert result.error is not None
    assert result.error.startswith("fixes for RES101 produced code that does not parse")
    assert [r.reason for r in result.remaining] == [
        "fix not applied: the fixed file would not parse"
    ]


def test_broken_fix_leaves_the_file_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeouts, "insert_keyword", _broken_insert)
    target = tmp_path / "m.py"
    target.write_bytes(CODE.encode())
    before = target.stat()
    [result] = fix_paths([str(tmp_path)], select=R101, unsafe=True)
    assert target.read_bytes() == CODE.encode()
    assert target.stat().st_mtime_ns == before.st_mtime_ns
    assert not result.written and result.error is not None
    assert list(tmp_path.iterdir()) == [target]


def test_crashing_rule_is_that_files_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    real = timeouts.timeout_fix

    def crash_on_second_audit(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("rule bug")
        return real(*args, **kwargs)

    monkeypatch.setattr(timeouts, "timeout_fix", crash_on_second_audit)
    target = tmp_path / "m.py"
    target.write_bytes((CODE + "requests.get(u)\n").encode())
    [result] = fix_paths([str(target)], select=R101, unsafe=True)
    assert result.error == ("internal error while auditing: RuntimeError: rule bug")
    assert not result.written and target.read_bytes() == (CODE + "requests.get(u)\n").encode()


# -- convergence: fixes that need each other ---------------------------------------------


def _fake_analysis(names: dict[str, str]):  # type: ignore[no-untyped-def]
    """An analyser whose findings insert ``t=1`` into each ``get(...)`` call and import a
    name from tenacity (``names``: call argument -> imported name)."""

    def analyze(source, tree, config, relpath=None, rule_ids=None):  # type: ignore[no-untyped-def]
        findings = []
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "get"):
                continue
            if any(k.arg == "t" for k in node.keywords):
                continue
            name = names[ast.unparse(node.args[0])]
            edits = [insert_keyword(source, node, "t", "1")]
            imp = add_from_import(source, tree, "tenacity", name)
            if imp is not None:
                edits.append(imp)
            fix = Fix(Applicability.SAFE, "d", tuple(e for e in edits if e is not None))
            findings.append(
                Finding(
                    "RES999",
                    "x",
                    Severity.LOW,
                    "m",
                    source.path,
                    source.location(node),
                    "item",
                    fix,
                )
            )
        return FileResult(source.path, findings=findings)

    return analyze


def test_identical_import_edits_are_applied_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fix_api, "analyze_tree", _fake_analysis({"a": "retry", "b": "retry"}))
    code = "from tenacity import wait_fixed\nget(a)\nget(b)\n"
    result = fix_source(code, "m.py")
    assert result.text == "from tenacity import retry, wait_fixed\nget(a, t=1)\nget(b, t=1)\n"
    assert len(result.applied) == 2


def test_conflicting_import_edits_converge(monkeypatch: pytest.MonkeyPatch) -> None:
    names = {"a": "stop_after_attempt", "b": "retry", "c": "wait_random"}
    monkeypatch.setattr(fix_api, "analyze_tree", _fake_analysis(names))
    code = "from tenacity import Retrying\nget(a)\nget(b)\nget(c)\n"
    result = fix_source(code, "m.py")
    assert result.text == (
        "from tenacity import Retrying, retry, stop_after_attempt, wait_random\n"
        "get(a, t=1)\nget(b, t=1)\nget(c, t=1)\n"
    )
    assert len(result.applied) == 3 and result.converged


def test_non_converging_fix_stops_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    def analyze(source, tree, config, relpath=None, rule_ids=None):  # type: ignore[no-untyped-def]
        edit = Edit(source.location(tree.body[0]), source.segment(source.location(tree.body[0])))
        grow = Edit(edit.location, edit.content + " + 1")
        finding = Finding(
            "RES999", "x", Severity.LOW, "m", source.path, edit.location, "item",
            Fix(Applicability.SAFE, "d", (grow,)),
        )  # fmt: skip
        return FileResult(source.path, findings=[finding])

    monkeypatch.setattr(fix_api, "analyze_tree", analyze)
    result = fix_source("x = 1\n", "m.py")
    assert result.text == "x = 1" + " + 1" * fix_api.MAX_PASSES + "\n"
    assert not result.converged
    assert result.remaining[0].reason.startswith("fix not applied: fixes did not converge")


# -- files on disk ----------------------------------------------------------------------


def test_fix_paths_writes_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(CODE.encode())
    target.chmod(0o640)
    [result] = fix_paths([str(tmp_path)], select=R101, unsafe=True)
    assert result.written and result.path == f"{tmp_path}/m.py"
    assert target.read_bytes() == FIXED.encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_fix_paths_without_write_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(CODE.encode())
    [result] = fix_paths([str(target)], select=R101, unsafe=True, write=False)
    assert result.changed and not result.written
    assert result.text == FIXED
    assert target.read_bytes() == CODE.encode()


def test_symlink_target_is_fixed_and_the_link_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_bytes(CODE.encode())
    link = tmp_path / "sub"
    link.mkdir()
    (link / "m.py").symlink_to(real)
    fix_paths([str(link / "m.py")], select=R101, unsafe=True)
    assert (link / "m.py").is_symlink()
    assert real.read_bytes() == FIXED.encode()


def test_unparseable_and_missing_files_are_reported_and_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"import requests\nrequests.get(u\n")
    undecodable = tmp_path / "latin.py"
    undecodable.write_bytes(b"x = '\xe9'\n")
    results = fix_paths([str(tmp_path), str(tmp_path / "nope.py")], unsafe=True)
    errors = {Path(r.path).name: r.error for r in results}
    assert set(errors) == {"bad.py", "latin.py", "nope.py"}
    assert all(errors.values())
    assert errors["nope.py"] == "No such file or directory"
    assert bad.read_bytes() == b"import requests\nrequests.get(u\n"
    assert undecodable.read_bytes() == b"x = '\xe9'\n"


def test_file_changed_on_disk_meanwhile_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(CODE.encode())
    real_start = fix_api._start

    def start_then_edit(*args, **kwargs):  # type: ignore[no-untyped-def]
        work = real_start(*args, **kwargs)
        target.write_bytes(CODE.encode() + b"# edited meanwhile\n")
        return work

    monkeypatch.setattr(fix_api, "_start", start_then_edit)
    [result] = fix_paths([str(target)], select=R101, unsafe=True)
    assert not result.written
    assert result.error is not None and "changed on disk" in result.error
    assert target.read_bytes().endswith(b"# edited meanwhile\n")


def test_write_failure_is_reported_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(CODE.encode())

    def refuse(src: str, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fix_write.os, "replace", refuse)
    [result] = fix_paths([str(target)], select=R101, unsafe=True)
    assert not result.written
    assert result.error == "cannot write: Permission denied"
    assert target.read_bytes() == CODE.encode()
    assert list(tmp_path.iterdir()) == [target]
