"""The cross-file stage: facts from every file, even where a rule is switched off."""

from __future__ import annotations

from pathlib import Path

from resilience_skill.analysis import audit_paths
from resilience_skill.config import Config

BREAKER = "import pybreaker\n\nbreaker = pybreaker.CircuitBreaker(fail_max=5)\n"
LISTENER = (
    "import pybreaker\n\nfrom app.breakers import breaker\n\n\n"
    "class Log(pybreaker.CircuitBreakerListener):\n"
    "    def state_change(self, cb, old, new):\n        print(old, new)\n\n\n"
    "breaker.add_listener(Log())\n"
)


def _write(root: Path) -> None:
    app = root / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "breakers.py").write_text(BREAKER)
    (app / "wiring.py").write_text(LISTENER)


def test_listener_in_another_file_silences_res801(tmp_path: Path) -> None:
    _write(tmp_path)
    result = audit_paths([str(tmp_path)], Config(select=("RES801",)), jobs=1)
    assert result.findings == ()


def test_listener_in_a_file_with_res801_ignored_still_counts(tmp_path: Path) -> None:
    _write(tmp_path)
    config = Config(select=("RES801",), per_file_ignores=(("app/wiring.py", ("RES801",)),))
    result = audit_paths([str(tmp_path)], config, jobs=1)
    assert result.findings == ()


def test_without_the_listener_the_breaker_is_reported(tmp_path: Path) -> None:
    _write(tmp_path)
    (tmp_path / "app" / "wiring.py").unlink()
    result = audit_paths([str(tmp_path)], Config(select=("RES801",)), jobs=1)
    assert [(f.rule, f.path.endswith("breakers.py"), f.location.line) for f in result.findings] == [
        ("RES801", True, 3)
    ]
