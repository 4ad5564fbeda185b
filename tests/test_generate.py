"""The generator: catalog, rendering, and every template variant checked as real code.

One rendering of all variants (default and custom params + name) is shared by the module;
ruff and pytest each run once over it in a subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from resilience_skill.analysis import audit_source
from resilience_skill.generate import (
    GenerateError,
    generate,
    list_patterns,
    template_params,
)
from resilience_skill.templates.catalog import TEMPLATES
from test_generate_render import Rendered, custom_name, render_all, write_all

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

SPEC_FLAVORS = {
    "timeout": ["requests", "httpx", "aiohttp"],
    "retry": ["stdlib", "tenacity", "backoff", "stamina"],
    "circuit-breaker": ["stdlib", "pybreaker", "circuitbreaker", "purgatory"],
    "bulkhead": ["stdlib"],
    "fallback-chain": ["stdlib"],
    "dead-letter-queue": ["stdlib", "pika", "kafka", "sqs"],
    "resilient-client": ["requests", "httpx"],
    "deadline": ["stdlib"],
}


@pytest.fixture(scope="module")
def rendered() -> list[Rendered]:
    return render_all()


@pytest.fixture(scope="module")
def rendered_dir(tmp_path_factory: pytest.TempPathFactory, rendered: list[Rendered]) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    write_all(folder, rendered)
    return folder


# -- catalog --------------------------------------------------------------------------------


def test_patterns_and_flavors_are_the_contract() -> None:
    patterns = list_patterns()
    assert {p.pattern: list(p.flavors) for p in patterns} == SPEC_FLAVORS
    assert [p.pattern for p in patterns] == list(SPEC_FLAVORS)
    has_async = {p.pattern: p.async_ for p in patterns}
    assert has_async == {
        "timeout": True,
        "retry": True,
        "circuit-breaker": True,
        "bulkhead": True,
        "fallback-chain": True,
        "dead-letter-queue": False,
        "resilient-client": True,
        "deadline": True,
    }


def test_every_flavor_has_a_template_and_every_template_a_test_module() -> None:
    for pattern, flavors in SPEC_FLAVORS.items():
        for flavor in flavors:
            assert any(t.pattern == pattern and t.flavor == flavor for t in TEMPLATES)
    package = ROOT / "server" / "resilience_skill" / "templates"
    for template in TEMPLATES:
        assert (package / f"{template.stem}.py").is_file()
        assert (package / "emitted_tests" / f"test_{template.stem}.py").is_file()
        # Only the fallback chain has nothing numeric to tune.
        assert bool(template_params(template)) == (template.pattern != "fallback-chain")


def test_default_flavor_is_the_first_listed() -> None:
    assert generate("retry").flavor == "stdlib"
    assert generate("timeout").flavor == "requests"
    assert "class AsyncCircuitBreaker:" in generate("circuit-breaker", async_=True).code


def test_an_async_only_flavor_needs_no_async_flag() -> None:
    assert generate("timeout", "aiohttp").code == generate("timeout", "aiohttp", async_=True).code


def test_to_json_has_exactly_the_contract_keys() -> None:
    result = generate("retry", "tenacity")
    data = result.to_json()
    assert list(data) == [
        "pattern",
        "flavor",
        "module_name",
        "code",
        "tests",
        "dependencies",
        "notes",
    ]
    assert data["dependencies"] == ["tenacity>=9"]
    assert data["module_name"] == "retry_policy"
    assert "import retry_policy as subject" in data["tests"]
    assert any("RES201" in note for note in data["notes"])


def test_stdlib_flavors_need_no_dependency_and_library_flavors_name_theirs() -> None:
    for template in TEMPLATES:
        if template.flavor == "stdlib":
            assert template.dependencies == ()
        else:
            assert len(template.dependencies) == 1


# -- rendering --------------------------------------------------------------------------------


def test_params_replace_the_constants_and_drop_the_marker() -> None:
    code = generate("retry", params={"attempts": "5", "max_delay": "7.5"}).code
    assert "MAX_ATTEMPTS = 5  # total tries, the first one included\n" in code
    assert "MAX_DELAY = 7.5  #" in code
    assert "BASE_DELAY = 0.5  #" in code
    assert "# param:" not in code


def test_name_renames_the_main_class_everywhere() -> None:
    result = generate("circuit-breaker", name="PaymentsBreaker")
    assert "class PaymentsBreaker:" in result.code
    assert "CircuitBreaker" not in result.code.replace("CircuitOpenError", "")
    assert "PaymentsBreaker = subject.PaymentsBreaker" in result.tests


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pattern": "retyr"}, "unknown pattern 'retyr'; valid patterns: timeout, retry,"),
        (
            {"pattern": "retry", "flavor": "urllib3"},
            "unknown flavor 'urllib3' for retry; valid flavors: stdlib, tenacity, backoff, stamina",
        ),
        (
            {"pattern": "retry", "params": {"tries": "3"}},
            "unknown param 'tries' for retry --flavor stdlib; valid params: attempts (int, "
            "default 3), base_delay (float, default 0.5), max_delay (float, default 20.0)",
        ),
        ({"pattern": "retry", "params": {"attempts": "3; import os"}}, "must be a whole number"),
        ({"pattern": "retry", "params": {"attempts": "0"}}, "must be >= 1"),
        ({"pattern": "retry", "params": {"base_delay": "1e999"}}, "must be a finite number"),
        ({"pattern": "retry", "params": {"max_delay": "-2"}}, "must be > 0"),
        (
            {"pattern": "dead-letter-queue", "flavor": "sqs", "params": {"wait_time": "21"}},
            "must be in [0, 20]",
        ),
        ({"pattern": "retry", "name": "class"}, "must be a Python identifier"),
        ({"pattern": "retry", "name": "not-valid"}, "must be a Python identifier"),
        ({"pattern": "retry", "name": "logger"}, "clashes with a name the template"),
        (
            {"pattern": "dead-letter-queue", "async_": True},
            "dead-letter-queue --flavor stdlib has no async variant; flavors with one: none",
        ),
        (
            {"pattern": "timeout", "flavor": "requests", "async_": True},
            "timeout --flavor requests has no async variant; flavors with one: httpx, aiohttp",
        ),
        ({"pattern": "retry", "module_name": "my-module"}, "module name must be"),
    ],
)
def test_bad_input_is_a_clear_generate_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(GenerateError) as error:
        generate(**kwargs)  # type: ignore[arg-type]
    assert message in str(error.value)


def test_generate_error_is_a_value_error() -> None:
    assert issubclass(GenerateError, ValueError)


# -- every variant as real code ---------------------------------------------------------------


def test_every_variant_compiles(rendered: list[Rendered]) -> None:
    assert len(rendered) == 2 * len(TEMPLATES)
    for item in rendered:
        compile(item.result.code, f"{item.result.module_name}.py", "exec")
        compile(item.result.tests, f"test_{item.result.module_name}.py", "exec")


def test_custom_variants_carry_the_name_and_the_values(rendered: list[Rendered]) -> None:
    for item in rendered:
        if item.variant == "custom":
            assert custom_name(item.template.main) in item.result.code
            assert f"import {item.result.module_name} as subject" in item.result.tests


def test_every_variant_audits_clean(rendered: list[Rendered]) -> None:
    dirty = {
        f"{item.result.module_name}: {f.rule} line {f.location.line} {f.message}"
        for item in rendered
        for f in audit_source(item.result.code, "gen.py").findings
    }
    assert not dirty


def ruff_check(paths: list[Path], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(VENV_BIN / "ruff"),
            "check",
            "--no-cache",
            "--config",
            str(ROOT / "pyproject.toml"),
            *extra,
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_variant_passes_ruff(rendered_dir: Path) -> None:
    defaults = sorted(p for p in rendered_dir.glob("*.py") if "_custom" not in p.name)
    customs = sorted(p for p in rendered_dir.glob("*.py") if "_custom" in p.name)
    run = ruff_check(defaults)
    assert run.returncode == 0, run.stdout + run.stderr
    # A longer --name can push a line past the length limit; `ruff format` fixes that.
    run = ruff_check(customs, "--extend-ignore", "E501")
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_variant_passes_its_emitted_tests(rendered_dir: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            # Rewriting 64 modules' asserts costs more than all their tests together.
            "--assert=plain",
            "-W",
            "ignore::DeprecationWarning",
            "--rootdir",
            str(rendered_dir),
            str(rendered_dir),
        ],
        cwd=rendered_dir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    assert " passed" in run.stdout


@pytest.mark.slow
def test_default_variants_pass_mypy_strict(tmp_path: Path, rendered: list[Rendered]) -> None:
    """About 25 s cold on two cores, 2-3 s with the cache (kept under .mypy_cache/)."""
    write_all(tmp_path, [item for item in rendered if item.variant == "default"])
    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nstrict = True\nignore_missing_imports = True\npython_version = 3.11\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(config),
            "--cache-dir",
            str(ROOT / ".mypy_cache" / "generate-tests"),
            ".",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
