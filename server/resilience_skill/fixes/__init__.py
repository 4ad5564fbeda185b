"""The fixer: apply the fixes findings carry, re-audit, repeat until nothing changes.

``fix_source`` serves in-memory code (the MCP ``fix`` tool), ``fix_paths`` files on disk
(``resilience fix``). Fixes import the analyser; the analyser never imports fixes.
"""

from resilience_skill.fixes.api import (
    FileFixResult,
    FixResult,
    Remaining,
    fix_paths,
    fix_source,
    unified_diff,
)

__all__ = [
    "FileFixResult",
    "FixResult",
    "Remaining",
    "fix_paths",
    "fix_source",
    "unified_diff",
]
