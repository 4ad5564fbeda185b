"""Walking folders: .gitignore (nested too), exclude, skipped folders, symlinks."""

from __future__ import annotations

import os
from pathlib import Path

from resilience_skill.analysis.files import iter_python_files


def _rel(root: Path, exclude: tuple[str, ...] = ()) -> list[str]:
    return [p.relative_to(root).as_posix() for p in iter_python_files(root, exclude)]


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def test_gitignore_nested_and_negation(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "a.py",
        "gen/b.py",
        "src/c.py",
        "src/d_gen.py",
        "src/keep_gen.py",
        "src/sub/e.py",
        "notes.txt",
    )
    (tmp_path / ".gitignore").write_text("gen/\n*_gen.py\n!keep_gen.py\n")
    (tmp_path / "src" / ".gitignore").write_text("/sub\n")
    assert _rel(tmp_path) == ["a.py", "src/c.py", "src/keep_gen.py"]


def test_skipped_folders_and_virtualenvs(tmp_path: Path) -> None:
    _touch(
        tmp_path,
        "ok.py",
        ".git/x.py",
        "node_modules/y.py",
        "build/z.py",
        "dist/w.py",
        "__pycache__/v.py",
        "myenv/lib/u.py",
        ".venv/t.py",
    )
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    assert _rel(tmp_path) == ["ok.py"]


def test_exclude_patterns(tmp_path: Path) -> None:
    _touch(tmp_path, "a.py", "tests/t.py", "pkg/migrations/m.py")
    assert _rel(tmp_path, ("tests", "*/migrations/*")) == ["a.py"]


def test_symlinks_out_of_root_and_loops_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    root = tmp_path / "root"
    _touch(outside, "secret.py")
    _touch(root, "pkg/a.py")
    os.symlink(outside, root / "escape")
    os.symlink(root / "pkg", root / "pkg" / "loop")
    os.symlink(root / "pkg" / "a.py", root / "alias.py")
    assert _rel(root) == ["alias.py", "pkg/a.py"]
