"""`resilience generate` on the command line: output shapes, errors, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from resilience_skill.cli import main
from resilience_skill.generate import generate


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["generate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--list", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [item["pattern"] for item in data] == [
        "timeout",
        "retry",
        "circuit-breaker",
        "bulkhead",
        "fallback-chain",
        "dead-letter-queue",
        "resilient-client",
        "deadline",
    ]
    for item in data:
        assert list(item) == ["pattern", "description", "flavors", "async"]
        assert isinstance(item["async"], bool)
    assert data[5]["flavors"] == ["stdlib", "pika", "kafka", "sqs"]
    assert data[5]["async"] is False


def test_list_text_names_every_pattern_and_flavor(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "timeout",
        "requests,",
        "httpx",
        "(+async),",
        "aiohttp",
        "(async",
        "only)",
    ]
    assert lines[10].startswith("dead-letter-queue  stdlib, pika, kafka, sqs")
    assert len(lines) == 16


def test_json_output_is_the_api_result(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "retry",
        "--flavor",
        "backoff",
        "--async",
        "--name",
        "retry_io",
        "--param",
        "attempts=4",
        "--format",
        "json",
    )
    assert code == 0
    assert err == ""
    data = json.loads(out)
    expected = generate("retry", "backoff", async_=True, name="retry_io", params={"attempts": "4"})
    assert data == expected.to_json()
    assert "MAX_ATTEMPTS = 4  #" in data["code"]


def test_text_output_prints_code_and_optionally_tests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "deadline")
    assert code == 0
    assert out == generate("deadline").code
    assert "# requires: none (stdlib)" in err
    assert "RES702" in err
    code, out, _ = run(capsys, "deadline", "--with-tests")
    assert out.startswith(generate("deadline").code)
    assert "# ---- test_deadlines.py ----" in out
    assert out.endswith(generate("deadline").tests)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["retyr"], "unknown pattern 'retyr'; valid patterns: timeout, retry, circuit-breaker"),
        (
            ["bulkhead", "--flavor", "trio"],
            "unknown flavor 'trio' for bulkhead; valid flavors: stdlib",
        ),
        (
            ["bulkhead", "--param", "size=3"],
            "unknown param 'size' for bulkhead --flavor stdlib; "
            "valid params: max_concurrent (int, default 10), max_wait (float, default 0.0)",
        ),
        (["bulkhead", "--param", "max_concurrent=ten"], "must be a whole number"),
        (["bulkhead", "--param", "max_concurrent"], "--param expects KEY=VALUE"),
        ([], "give a PATTERN, or --list"),
    ],
)
def test_bad_input_exits_2_with_the_valid_choices(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("resilience generate: ")
    assert message in err
    assert "Traceback" not in err


def test_out_writes_the_module_named_after_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "pkg" / "payments_breaker.py"
    code, out, err = run(capsys, "circuit-breaker", "--out", str(target), "--with-tests")
    assert code == 0
    assert out == ""
    assert "wrote" in err
    expected = generate("circuit-breaker", module_name="payments_breaker")
    assert target.read_text(encoding="utf-8") == expected.code
    tests = (tmp_path / "pkg" / "test_payments_breaker.py").read_text(encoding="utf-8")
    assert tests == expected.tests
    assert "import payments_breaker as subject" in tests
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "payments_breaker.py",
        "test_payments_breaker.py",
    ]


def test_out_with_json_still_prints_the_result(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "retry.py"
    code, out, _ = run(capsys, "retry", "--out", str(target), "--format", "json")
    assert code == 0
    assert json.loads(out)["module_name"] == "retry"
    assert target.read_text(encoding="utf-8") == json.loads(out)["code"]


def test_out_to_an_unwritable_place_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "retry", "--out", str(blocker / "retry.py"))
    assert code == 2
    assert err.startswith("resilience generate: cannot write ")
    assert blocker.read_text(encoding="utf-8") == "x"
