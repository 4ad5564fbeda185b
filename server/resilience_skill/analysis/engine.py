"""The per-file stage: one walk of the tree, every enabled rule's handlers dispatched by node
type (pyflakes' handler-per-node style), then the cross-file stage over all files' facts.

``analyze_file`` is a pure function of (path, bytes, config, rules) and returns picklable
results, so it runs in worker processes and can be cached by content.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from resilience_skill.analysis.facts import CallSite, FileFacts, FunctionFacts, ProjectIndex
from resilience_skill.analysis.model import FileError, Finding, Fix, Location, Severity
from resilience_skill.analysis.registry import RULES, RuleInfo, load_rules
from resilience_skill.analysis.resolve import SCOPE_TYPES, Resolver, Scope, module_name_for
from resilience_skill.analysis.source import SourceError, SourceFile
from resilience_skill.analysis.suppress import parse_suppressions
from resilience_skill.config import Config

Handler = Callable[["FileContext", Any], None]
_MISSING = object()


class FileContext:
    """What a rule handler sees: the file, its resolver, the walk's position, and
    ``report``."""

    def __init__(
        self,
        source: SourceFile,
        tree: ast.Module,
        resolver: Resolver,
        config: Config,
        facts: FileFacts,
    ) -> None:
        self.source = source
        self.tree = tree
        self.resolver = resolver
        self.config = config
        self.facts = facts
        self.findings: list[Finding] = []
        self.sites: dict[str, list[int]] = {}
        self.ancestors: list[ast.AST] = []
        """Nodes enclosing the one being visited, outermost first (the node excluded)."""
        self.scopes: list[Scope] = [resolver.module_scope]
        self.functions: list[FunctionFacts] = []
        self._qualnames: dict[int, object] = {}
        self._types: dict[int, object] = {}
        self.disk_path: str | None = None
        """The file on disk being audited (None for in-memory sources); rules that read
        project files next to it (the RES105 redis pin) use it."""

    # -- where the walk is ------------------------------------------------------------

    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    @property
    def parent(self) -> ast.AST | None:
        return self.ancestors[-1] if self.ancestors else None

    @property
    def function_node(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The innermost enclosing ``def`` (lambdas and classes do not count)."""
        for node in reversed(self.ancestors):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    @property
    def in_async(self) -> bool:
        """Directly inside an ``async def`` (a nested sync ``def`` or lambda breaks it)."""
        for node in reversed(self.ancestors):
            if isinstance(node, ast.AsyncFunctionDef):
                return True
            if isinstance(node, ast.FunctionDef | ast.Lambda):
                return False
        return False

    @property
    def function(self) -> FunctionFacts | None:
        return self.functions[-1] if self.functions else None

    # -- resolution shortcuts -----------------------------------------------------------

    def qualname(self, expr: ast.expr) -> str | None:
        # Every rule asks about the same call nodes; a node sits in one scope, so its answer
        # is cached by identity for the life of the walk.
        key = id(expr)
        cached = self._qualnames.get(key, _MISSING)
        if cached is _MISSING:
            cached = self._qualnames[key] = self.resolver.qualname(expr, self.scope)
        return cached  # type: ignore[return-value]

    def type_of(self, expr: ast.expr) -> str | None:
        key = id(expr)
        cached = self._types.get(key, _MISSING)
        if cached is _MISSING:
            cached = self._types[key] = self.resolver.type_of(expr, self.scope)
        return cached  # type: ignore[return-value]

    def value_of(self, name: str) -> ast.expr | None:
        return self.resolver.value_of(name, self.scope)

    # -- output -------------------------------------------------------------------------

    def location(self, node: ast.AST, end: ast.AST | None = None) -> Location:
        return self.source.location(node, end)

    def report(
        self,
        rule_id: str,
        anchor: ast.AST | Location,
        message: str,
        *,
        fix: Fix | None = None,
        severity: Severity | None = None,
        generate: str | None = None,
    ) -> None:
        """Record a finding; ``generate`` overrides the rule's pattern for this finding."""
        info = RULES[rule_id]
        location = anchor if isinstance(anchor, Location) else self.location(anchor)
        self.findings.append(
            make_finding(info, self.source.path, location, message, fix, severity, generate)
        )

    def count_site(self, item: str, ok: bool) -> None:
        """Count one site a checklist item's rules examined (``ok``: it passed)."""
        counter = self.sites.setdefault(item, [0, 0])
        counter[0] += 1
        counter[1] += int(ok)


def make_finding(
    info: RuleInfo,
    path: str,
    location: Location,
    message: str,
    fix: Fix | None = None,
    severity: Severity | None = None,
    generate: str | None = None,
) -> Finding:
    pattern = generate or info.generate
    return Finding(
        rule=info.id,
        name=info.name,
        severity=severity or info.severity,
        message=message,
        path=path,
        location=location,
        checklist_item=info.checklist_item,
        fix=fix,
        generate=pattern if fix is None or fix.applicability == "display" else None,
    )


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    error: FileError | None = None
    facts: FileFacts | None = None
    sites: dict[str, list[int]] = field(default_factory=dict)


class _Dispatch:
    """Handlers per node type for one file's enabled rules."""

    def __init__(self, rules: Iterable[RuleInfo]) -> None:
        self.enter: dict[type[ast.AST], list[Handler]] = {}
        self.leave: dict[type[ast.AST], list[Handler]] = {}
        self.end: list[Callable[[FileContext], None]] = []
        self.skip: frozenset[type[ast.AST]] = frozenset()
        for info in rules:
            if info.is_class:
                self._add_instance(info.handler())
            else:
                for node_type in info.nodes:
                    self.enter.setdefault(node_type, []).append(info.handler)
        # Leaves no handler asks about need no visit: names and constants are about half of
        # every tree.
        self.skip = _LEAF_TYPES - set(self.enter) - set(self.leave)

    def _add_instance(self, instance: Any) -> None:
        for attr in dir(instance):
            for prefix, table in (("visit_", self.enter), ("leave_", self.leave)):
                if attr.startswith(prefix):
                    node_type = getattr(ast, attr[len(prefix) :], None)
                    if isinstance(node_type, type):
                        table.setdefault(node_type, []).append(getattr(instance, attr))
        end = getattr(instance, "end", None)
        if end is not None:
            self.end.append(end)


_SCOPE_TYPES = frozenset(SCOPE_TYPES)
_LEAF_TYPES: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Name,
        ast.Constant,
        ast.Pass,
        ast.Break,
        ast.Continue,
        ast.alias,
        ast.Global,
        ast.Nonlocal,
    }
)
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind"})
_FIELDS_CACHE: dict[type[ast.AST], tuple[str, ...]] = {}


def _child_fields(node_type: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node type that can hold child nodes worth visiting (expression
    contexts and operators are skipped: no rule looks at them)."""
    fields = _FIELDS_CACHE.get(node_type)
    if fields is None:
        fields = tuple(f for f in node_type._fields if f not in _LEAF_FIELDS)
        _FIELDS_CACHE[node_type] = fields
    return fields


class _Walker:
    def __init__(self, ctx: FileContext, dispatch: _Dispatch) -> None:
        self.ctx = ctx
        self.dispatch = dispatch

    def walk(self, node: ast.AST) -> None:
        ctx = self.ctx
        node_type = type(node)
        for handler in self.dispatch.enter.get(node_type, ()):
            handler(ctx, node)
        if node_type is ast.Call and ctx.functions:
            self._note_call(node)  # type: ignore[arg-type]
        new_scope = ctx.resolver.scope(node) if node_type in _SCOPE_TYPES else None
        is_def = node_type is ast.FunctionDef or node_type is ast.AsyncFunctionDef
        if new_scope is not None:
            ctx.scopes.append(new_scope)
        if is_def:
            ctx.functions.append(self._function_facts(node, new_scope))  # type: ignore[arg-type]
        ctx.ancestors.append(node)
        if is_def or node_type is ast.ClassDef:
            # Decorators and defaults are evaluated in the enclosing scope.
            self._walk_definition(node)
        else:
            skip = self.dispatch.skip
            for name in _child_fields(node_type):
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in value:
                        if isinstance(item, ast.AST) and type(item) not in skip:
                            self.walk(item)
                elif isinstance(value, ast.AST) and type(value) not in skip:
                    self.walk(value)
        ctx.ancestors.pop()
        if is_def:
            ctx.functions.pop()
        if new_scope is not None:
            ctx.scopes.pop()
        for handler in self.dispatch.leave.get(node_type, ()):
            handler(ctx, node)

    def _walk_definition(self, node: ast.AST) -> None:
        ctx = self.ctx
        outer = ctx.scopes.pop()
        function = ctx.functions.pop() if node.__class__ is not ast.ClassDef else None
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for deco in node.decorator_list:
            self.walk(deco)
        if isinstance(node, ast.ClassDef):
            for expr in [*node.bases, *node.keywords]:
                self.walk(expr)
        else:
            self.walk(node.args)
            if node.returns is not None:
                self.walk(node.returns)
        ctx.scopes.append(outer)
        if function is not None:
            ctx.functions.append(function)
        for stmt in node.body:
            self.walk(stmt)

    def _function_facts(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope | None
    ) -> FunctionFacts:
        ctx = self.ctx
        qualname = scope.qualname if scope is not None else node.name
        name_loc = _name_location(ctx.source, node)
        facts = FunctionFacts(qualname, name_loc, isinstance(node, ast.AsyncFunctionDef))
        ctx.facts.functions.setdefault(qualname, facts)
        return facts

    def _note_call(self, call: ast.Call) -> None:
        ctx = self.ctx
        function = ctx.function
        if function is None:
            return
        target = call_target(ctx, call)
        if target is not None:
            function.calls.append(CallSite(target, ctx.location(call)))


def call_target(ctx: FileContext, call: ast.Call) -> str | None:
    """The qualified name a call resolves to, ``self.method()`` included."""
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
    ):
        cls_scope = ctx.resolver.enclosing_class(ctx.scope)
        return f"{cls_scope.qualname}.{func.attr}" if cls_scope is not None else None
    return ctx.qualname(func)


def _name_location(source: SourceFile, node: ast.FunctionDef | ast.AsyncFunctionDef) -> Location:
    """The span of a ``def``'s name (``ast`` gives only the statement's position)."""
    line = node.lineno
    text = source.lines[line - 1] if line <= len(source.lines) else ""
    keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    start = source.char_column(line, node.col_offset) - 1
    idx = text.find(node.name, start + len(keyword))
    if idx < 0:
        return source.location(node)
    return Location(line, idx + 1, line, idx + 1 + len(node.name))


def enabled_rules(config: Config, path: str) -> list[RuleInfo]:
    """The rules that run on ``path`` under ``config``'s select/ignore/per-file-ignores."""
    from resilience_skill.analysis.selection import rules_for_path

    return rules_for_path(config, path)


def analyze_file(
    path: str,
    raw: bytes,
    config: Config,
    relpath: str | None = None,
    rule_ids: frozenset[str] | None = None,
    disk_path: str | None = None,
) -> FileResult:
    """Analyse one file: decode, parse, resolve, walk once with every enabled rule."""
    load_rules()
    result = FileResult(path)
    try:
        source = SourceFile.from_bytes(path, raw)
        tree = source.parse()
    except SourceError as exc:
        result.error = FileError(path, str(exc))
        return result
    return analyze_tree(source, tree, config, relpath, rule_ids, disk_path)


def analyze_tree(
    source: SourceFile,
    tree: ast.Module,
    config: Config,
    relpath: str | None = None,
    rule_ids: frozenset[str] | None = None,
    disk_path: str | None = None,
) -> FileResult:
    path = source.path
    result = FileResult(path)
    module, is_package = module_name_for(relpath or path.rsplit("/", 1)[-1])
    rules = (
        [RULES[r] for r in sorted(rule_ids)]
        if rule_ids is not None
        else list(enabled_rules(config, relpath or path))
    )
    suppressed, file_ignores = parse_suppressions(source.text, source.line_starts)
    facts = FileFacts(
        path=path,
        module=module,
        suppressed=suppressed,
        file_ignores=file_ignores,
        disabled=frozenset(set(RULES) - {r.id for r in rules}),
    )
    try:
        resolver = Resolver(tree, module, is_package, source.text)
        ctx = FileContext(source, tree, resolver, config, facts)
        ctx.disk_path = disk_path
        gatherers = _cross_file_rules_disabled_here(config, rules)
        dispatch = _Dispatch(_rules_that_can_fire(rules + gatherers, source.text))
        _Walker(ctx, dispatch).walk(tree)
        for end in dispatch.end:
            end(ctx)
    except RecursionError:
        result.error = FileError(path, "RecursionError: code nested too deeply to analyse")
        return result
    result.findings = [f for f in ctx.findings if not facts.is_suppressed(f.rule, f.location.line)]
    result.facts = facts
    result.sites = ctx.sites
    return result


def _cross_file_rules_disabled_here(config: Config, rules: list[RuleInfo]) -> list[RuleInfo]:
    """Cross-file rules selected for the audit but switched off for this file (per-file
    ignores): they still gather this file's facts (a listener here silences a finding
    elsewhere); their findings here are dropped as disabled."""
    from resilience_skill.analysis.selection import selected_ids

    enabled = {r.id for r in rules}
    return [
        RULES[r]
        for r in sorted(selected_ids(config) - enabled)
        if RULES[r].is_class and getattr(RULES[r].handler, "project", None) is not None
    ]


def _rules_that_can_fire(rules: list[RuleInfo], text: str) -> list[RuleInfo]:
    """The rules whose triggers occur in ``text``; each distinct trigger is looked up once."""
    present: dict[str, bool] = {}
    chosen = []
    for info in rules:
        if not info.triggers:
            chosen.append(info)
            continue
        for trigger in info.triggers:
            found = present.get(trigger)
            if found is None:
                found = present[trigger] = trigger in text
            if found:
                chosen.append(info)
                break
    return chosen


def run_project_rules(facts: list[FileFacts], config: Config) -> list[Finding]:
    """Cross-file rules over every file's facts; suppressions of the file apply."""
    index = ProjectIndex(facts)
    by_path = {f.path: f for f in facts}
    findings: list[Finding] = []
    for info in load_rules().values():
        project = getattr(info.handler, "project", None) if info.is_class else None
        if project is None:
            continue
        for finding in project(index, config):
            file_facts = by_path.get(finding.path)
            if file_facts is None or not file_facts.is_suppressed(
                finding.rule, finding.location.line
            ):
                findings.append(finding)
    return findings
