"""The last step of a fix: lines the fixes pushed past the file's line length are wrapped
the way Black and isort would (a call exploded to one argument per line, a ``from``
import to one name per line), so the diff reads like a careful human's. Lines the fixes
did not create are never reflowed."""

from __future__ import annotations

import ast

from resilience_skill.analysis.edits import line_limit, wrap_call, wrap_from_import
from resilience_skill.analysis.model import Edit
from resilience_skill.analysis.source import SourceFile


def reflow_edits(original: SourceFile, fixed: SourceFile, tree: ast.Module) -> list[Edit]:
    """At most one wrapping edit per line that is new in ``fixed`` and too long."""
    limit = line_limit(original)
    kept = set(original.lines)
    long_lines = {
        number
        for number, line in enumerate(fixed.lines, 1)
        if len(line) > limit and line not in kept
    }
    if not long_lines:
        return []
    candidates: dict[int, list[ast.Call | ast.ImportFrom]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call | ast.ImportFrom) and node.lineno in long_lines:
            candidates.setdefault(node.lineno, []).append(node)
    edits: list[Edit] = []
    for nodes in candidates.values():
        # The outermost construct first: the one Black would split.
        nodes.sort(key=lambda n: (n.col_offset, -(n.end_col_offset or 0)))
        for node in nodes:
            edit = (
                wrap_from_import(fixed, node)
                if isinstance(node, ast.ImportFrom)
                else wrap_call(fixed, node)
            )
            if edit is not None:
                edits.append(edit)
                break
    return edits
