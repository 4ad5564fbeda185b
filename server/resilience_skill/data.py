"""Where the bundled skills and standards live.

An installed wheel carries them inside the package (``_data/``, force-included at build
time); an editable install or a checkout reads them from the repository root, so git holds
exactly one copy.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    bundled = resources.files("resilience_skill") / "_data" / name
    if bundled.is_dir():
        return Path(str(bundled))
    return _PACKAGE_DIR.parent.parent / name


def skills_dir() -> Path:
    """The folder holding the bundled skills (``<name>/SKILL.md``)."""
    return _data_dir("skills")


def standards_dir() -> Path:
    """The folder holding the skill-format standard and its JSON Schema."""
    return _data_dir("standards")


def skill_path(name: str = "resilience") -> Path:
    """The bundled ``SKILL.md`` of skill ``name``."""
    return skills_dir() / name / "SKILL.md"
