"""The last step of a fix: lines the fixes pushed past the file's line length are wrapped
the way Black and isort would (a call exploded to one argument per line, a ``from``
import to one name per line), so the diff reads like a careful human's. Lines the fixes
did not create are never reflowed."""

from __future__ import annotations

import ast

from resilience_skill.analysis.edits import line_limit, wrap_call, wrap_from_import
from resilience_skill.analysis.model import Edit, Location
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


def _name_uses(tree: ast.Module) -> dict[str, int]:
    uses: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # `__all__`, string annotations, getattr(module, "name"): count as uses.
            for word in node.value.replace(",", " ").replace(".", " ").split():
                uses[word] = uses.get(word, 0) + 1
    return uses


def orphaned_import_edits(original: ast.Module, fixed: SourceFile, tree: ast.Module) -> list[Edit]:
    """Drop names from module-level ``from`` imports that the fixes left unused (used in
    the original, used nowhere now: ``wait_exponential`` after it became
    ``wait_random_exponential``). Names unused before the fixes are the author's business."""
    before, after = _name_uses(original), _name_uses(tree)
    edits: list[Edit] = []
    for stmt in tree.body:
        if not isinstance(stmt, ast.ImportFrom) or stmt.module == "__future__":
            continue
        bound = [(a, a.asname or a.name) for a in stmt.names]
        dropped = [a for a, name in bound if before.get(name, 0) and not after.get(name, 0)]
        if dropped:
            edits.extend(_without(fixed, stmt, dropped))
    return edits


def _without(source: SourceFile, stmt: ast.ImportFrom, dropped: list[ast.alias]) -> list[Edit]:
    locs = [source.location(a) for a in stmt.names]
    pairs = list(zip(stmt.names, locs, strict=True))
    kept = [source.segment(loc) for a, loc in pairs if a not in dropped]
    first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
    if not kept:
        if source.lines[first - 1][: stmt.col_offset].strip() or ";" in "".join(
            source.lines[first - 1 : last]
        ):
            return []
        if last < len(source.lines):
            return [Edit(Location(first, 1, last + 1, 1), "")]
        return []
    if first == last:
        where = Location(locs[0].line, locs[0].column, locs[-1].end_line, locs[-1].end_column)
        return [Edit(where, ", ".join(kept))]
    lines = [loc.line for loc in locs]
    if len(set(lines)) != len(lines) or any(loc.line != loc.end_line for loc in locs):
        return []
    edits = []
    for alias, loc in pairs:
        if alias not in dropped:
            continue
        text = source.lines[loc.line - 1]
        if text[: loc.column - 1].strip() or text[loc.end_column - 1 :].strip() not in ("", ","):
            return []
        edits.append(Edit(Location(loc.line, 1, loc.line + 1, 1), ""))
    return edits
