"""Name resolution shared by every rule: imports to qualified names, and what each name is
bound to.

One pass over the module builds a scope table (module, classes, functions, lambdas). A name
has a *binding* when it is bound exactly once in its scope (an annotation plus an assignment
count as one); a name bound twice to different things is unknown, and unknown is never a
finding. Receivers are typed only from what they are bound to, never from their spelling:
``self.requests`` is not the ``requests`` module.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Literal

ScopeNode = ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
SCOPE_TYPES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)

BindingKind = Literal["import", "assign", "annotation", "with", "param", "def", "class", "other"]

_MAX_DEPTH = 8


@dataclass(slots=True)
class Binding:
    kind: BindingKind
    value: ast.expr | None = None
    """The expression bound (assignment value, with-item context expression)."""
    annotation: ast.expr | None = None
    qualname: str | None = None
    """For imports: the qualified name; for defs and classes: ``module.Name``."""
    node: ast.AST | None = None
    ambiguous: bool = False


@dataclass(slots=True)
class Scope:
    node: ScopeNode
    parent: Scope | None
    names: dict[str, Binding] = field(default_factory=dict)
    attributes: dict[str, Binding] = field(default_factory=dict)
    """For classes: ``self.x = ...`` in any method, and class-level assignments."""
    qualname: str = ""

    def bind(self, name: str, binding: Binding) -> None:
        self.names[name] = _merge(self.names.get(name), binding)


def _merge(old: Binding | None, new: Binding) -> Binding:
    if old is None:
        return new
    if old.ambiguous:
        return old
    # `x: T = v` arrives as one AnnAssign; `x: T` then `x = v` is one binding too.
    if old.kind == "annotation" and old.value is None and new.kind == "assign":
        return Binding("assign", new.value, old.annotation, node=new.node)
    if new.kind == "annotation" and new.value is None and old.kind == "assign":
        return Binding("assign", old.value, new.annotation, node=old.node)
    if old.kind == "import" and new.kind == "import" and old.qualname == new.qualname:
        return old
    return Binding("other", ambiguous=True)


def _unwrap_optional(annotation: ast.expr) -> ast.expr:
    """``X | None`` and ``Optional[X]`` type as ``X``; string annotations are parsed."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return annotation
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        for side in (annotation.left, annotation.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return _unwrap_optional(side)
    if isinstance(annotation, ast.Subscript):
        base = annotation.value
        if (isinstance(base, ast.Name) and base.id == "Optional") or (
            isinstance(base, ast.Attribute) and base.attr == "Optional"
        ):
            return _unwrap_optional(annotation.slice)
    return annotation


def module_name_for(relpath: str) -> tuple[str, bool]:
    """Dotted module name for a path relative to the audit root, and whether it is a
    package (``__init__.py``)."""
    parts = relpath.replace("\\", "/").split("/")
    if parts and parts[-1].endswith(".py"):
        parts[-1] = parts[-1][:-3]
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(p for p in parts if p and p != "."), is_package


class Resolver:
    """Scope table and lookups for one module."""

    def __init__(
        self,
        tree: ast.Module,
        module: str = "",
        is_package: bool = False,
        text: str | None = None,
    ) -> None:
        self.module = module
        self.is_package = is_package
        self.scopes: dict[int, Scope] = {}
        self.module_scope = self._new_scope(tree, None)
        self.module_scope.qualname = module
        # Only lambdas and `:=` bind inside expressions; without them in the text the binder
        # need not descend into expressions at all (most of a module's nodes).
        expressions = text is None or "lambda" in text or ":=" in text
        _Binder(self, expressions).visit_body(tree.body, self.module_scope)

    def _new_scope(self, node: ScopeNode, parent: Scope | None) -> Scope:
        scope = Scope(node, parent)
        self.scopes[id(node)] = scope
        return scope

    def scope(self, node: ast.AST) -> Scope | None:
        return self.scopes.get(id(node))

    # -- lookups ------------------------------------------------------------------------

    def lookup(self, name: str, scope: Scope | None) -> Binding | None:
        """The binding ``name`` refers to from ``scope`` (LEGB, class scopes skipped when
        looking outward); ``None`` when unbound or bound ambiguously."""
        current: Scope | None = scope or self.module_scope
        first = True
        while current is not None:
            if first or not isinstance(current.node, ast.ClassDef):
                binding = current.names.get(name)
                if binding is not None:
                    return None if binding.ambiguous else binding
            first = False
            current = current.parent
        return None

    def qualname(self, expr: ast.expr, scope: Scope | None = None) -> str | None:
        """``rq.get`` -> ``requests.get`` when ``rq`` is ``import requests as rq``; module
        functions and classes of this module as ``module.name``; else ``None``."""
        if isinstance(expr, ast.Name):
            binding = self.lookup(expr.id, scope)
            if binding is None:
                return None
            if binding.kind in ("import", "def", "class"):
                return binding.qualname
            return None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value, scope)
            return f"{base}.{expr.attr}" if base else None
        return None

    def type_of(self, expr: ast.expr, scope: Scope | None = None, _depth: int = 0) -> str | None:
        """The qualified name of the constructor ``expr`` was built by, if known for sure:
        ``requests.Session()``, a name bound once to one, a ``with ... as`` target, an
        annotated name or parameter, ``self.x`` bound in any method, or a call of a local
        factory with a return annotation."""
        if _depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Call):
            return self._type_of_call(expr, scope, _depth)
        if isinstance(expr, ast.Await):
            return self.type_of(expr.value, scope, _depth + 1)
        if isinstance(expr, ast.Name):
            binding = self.lookup(expr.id, scope)
            return self._type_of_binding(binding, scope, _depth)
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and expr.value.id in ("self", "cls")
        ):
            cls_scope = self.enclosing_class(scope)
            if cls_scope is not None:
                binding = cls_scope.attributes.get(expr.attr)
                if binding is not None and not binding.ambiguous:
                    return self._type_of_binding(binding, cls_scope.parent, _depth)
        return None

    def _type_of_call(self, call: ast.Call, scope: Scope | None, depth: int) -> str | None:
        target = self.qualname(call.func, scope)
        if target is None:
            return None
        if isinstance(call.func, ast.Name):
            binding = self.lookup(call.func.id, scope)
            if binding is not None and binding.kind == "def":
                node = binding.node
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
                    return self.qualname(_unwrap_optional(node.returns), scope)
                return None
        return target

    def _type_of_binding(
        self, binding: Binding | None, scope: Scope | None, depth: int
    ) -> str | None:
        if binding is None or binding.ambiguous:
            return None
        if binding.annotation is not None:
            typed = self.qualname(_unwrap_optional(binding.annotation), scope)
            if typed:
                return typed
        if binding.kind in ("assign", "with") and binding.value is not None:
            return self.type_of(binding.value, scope, depth + 1)
        return None

    def value_of(self, name: str, scope: Scope | None) -> ast.expr | None:
        """The expression ``name`` is bound to, when bound once by an assignment."""
        binding = self.lookup(name, scope)
        if binding is not None and binding.kind == "assign":
            return binding.value
        return None

    def attribute_value(self, attr: str, scope: Scope | None) -> ast.expr | None:
        """The expression ``self.<attr>`` is bound to in the enclosing class, if bound once."""
        cls_scope = self.enclosing_class(scope)
        if cls_scope is None:
            return None
        binding = cls_scope.attributes.get(attr)
        if binding is None or binding.ambiguous or binding.kind != "assign":
            return None
        return binding.value

    def enclosing_class(self, scope: Scope | None) -> Scope | None:
        current = scope
        while current is not None:
            if isinstance(current.node, ast.ClassDef):
                return current
            current = current.parent
        return None

    def resolve_relative(self, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        parts = self.module.split(".") if self.module else []
        drop = level - 1 if self.is_package else level
        base = parts[: len(parts) - drop] if drop <= len(parts) else []
        if module:
            base = [*base, module]
        return ".".join(base)


class _Binder:
    """Fills the scope table: one recursive pass, each statement bound in its scope."""

    def __init__(self, resolver: Resolver, expressions: bool = True) -> None:
        self.resolver = resolver
        self.expressions = expressions

    def visit_body(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.visit(stmt, scope)

    def visit(self, node: ast.AST, scope: Scope) -> None:
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is not None:
            method(node, scope)
        else:
            self.generic(node, scope)

    def generic(self, node: ast.AST, scope: Scope) -> None:
        if not self.expressions and isinstance(node, ast.expr):
            return
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt | ast.Lambda | ast.NamedExpr | ast.excepthandler):
                self.visit(child, scope)
            elif self.expressions or isinstance(child, ast.match_case):
                self.generic(child, scope)

    # -- imports ----------------------------------------------------------------------

    def visit_Import(self, node: ast.Import, scope: Scope) -> None:
        for alias in node.names:
            if alias.asname:
                scope.bind(alias.asname, Binding("import", qualname=alias.name, node=node))
            else:
                top = alias.name.split(".")[0]
                scope.bind(top, Binding("import", qualname=top, node=node))

    def visit_ImportFrom(self, node: ast.ImportFrom, scope: Scope) -> None:
        base = self.resolver.resolve_relative(node.module, node.level)
        for alias in node.names:
            if alias.name == "*":
                continue
            qual = f"{base}.{alias.name}" if base else alias.name
            scope.bind(alias.asname or alias.name, Binding("import", qualname=qual, node=node))

    # -- definitions --------------------------------------------------------------------

    def _qual(self, scope: Scope, name: str) -> str:
        return f"{scope.qualname}.{name}" if scope.qualname else name

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> None:
        for deco in node.decorator_list:
            self.generic(deco, scope)
        self.generic(node.args, scope)
        scope.bind(node.name, Binding("def", qualname=self._qual(scope, node.name), node=node))
        inner = self.resolver._new_scope(node, scope)
        inner.qualname = self._qual(scope, node.name)
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            inner.bind(arg.arg, Binding("param", annotation=arg.annotation, node=arg))
        for star in (args.vararg, args.kwarg):
            if star is not None:
                inner.bind(star.arg, Binding("param", node=star))
        is_method = isinstance(scope.node, ast.ClassDef)
        all_args = [*args.posonlyargs, *args.args]
        self_name = all_args[0].arg if is_method and all_args else None
        _SelfAttributes(scope, self_name).visit_body(node.body) if self_name else None
        self.visit_body(node.body, inner)

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_Lambda(self, node: ast.Lambda, scope: Scope) -> None:
        inner = self.resolver._new_scope(node, scope)
        inner.qualname = scope.qualname
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            inner.bind(arg.arg, Binding("param", node=arg))
        self.generic(node.body, inner)

    def visit_ClassDef(self, node: ast.ClassDef, scope: Scope) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.generic(expr, scope)
        scope.bind(node.name, Binding("class", qualname=self._qual(scope, node.name), node=node))
        inner = self.resolver._new_scope(node, scope)
        inner.qualname = self._qual(scope, node.name)
        self.visit_body(node.body, inner)
        for name, binding in inner.names.items():
            if binding.kind in ("assign", "annotation"):
                inner.attributes[name] = _merge(inner.attributes.get(name), binding)

    # -- assignments --------------------------------------------------------------------

    def _bind_target(self, target: ast.expr, value: ast.expr | None, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, Binding("assign", value=value, node=target))
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self._bind_target(elt, None, scope)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None, scope)

    def visit_Assign(self, node: ast.Assign, scope: Scope) -> None:
        self.generic(node.value, scope)
        for target in node.targets:
            self._bind_target(target, node.value, scope)

    def visit_AnnAssign(self, node: ast.AnnAssign, scope: Scope) -> None:
        if node.value is not None:
            self.generic(node.value, scope)
        if isinstance(node.target, ast.Name):
            kind: BindingKind = "assign" if node.value is not None else "annotation"
            scope.bind(
                node.target.id,
                Binding(kind, value=node.value, annotation=node.annotation, node=node.target),
            )

    def visit_AugAssign(self, node: ast.AugAssign, scope: Scope) -> None:
        self.generic(node.value, scope)
        if isinstance(node.target, ast.Name):
            scope.bind(node.target.id, Binding("other", node=node.target))

    def visit_NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> None:
        self.generic(node.value, scope)
        scope.bind(node.target.id, Binding("assign", value=node.value, node=node.target))

    def _visit_for(self, node: ast.For | ast.AsyncFor, scope: Scope) -> None:
        self.generic(node.iter, scope)
        self._bind_other(node.target, scope)
        self.visit_body(node.body, scope)
        self.visit_body(node.orelse, scope)

    visit_For = _visit_for
    visit_AsyncFor = _visit_for

    def _bind_other(self, target: ast.expr, scope: Scope) -> None:
        for name in ast.walk(target):
            if isinstance(name, ast.Name):
                scope.bind(name.id, Binding("other", node=name))

    def _visit_with(self, node: ast.With | ast.AsyncWith, scope: Scope) -> None:
        for item in node.items:
            self.generic(item.context_expr, scope)
            if isinstance(item.optional_vars, ast.Name):
                scope.bind(
                    item.optional_vars.id,
                    Binding("with", value=item.context_expr, node=item.optional_vars),
                )
            elif item.optional_vars is not None:
                self._bind_other(item.optional_vars, scope)
        self.visit_body(node.body, scope)

    visit_With = _visit_with
    visit_AsyncWith = _visit_with

    def visit_ExceptHandler(self, node: ast.ExceptHandler, scope: Scope) -> None:
        if node.name:
            scope.bind(node.name, Binding("other", node=node))
        self.visit_body(node.body, scope)

    def visit_Global(self, node: ast.Global, scope: Scope) -> None:
        for name in node.names:
            scope.bind(name, Binding("other", ambiguous=True))

    visit_Nonlocal = visit_Global


class _SelfAttributes(ast.NodeVisitor):
    """Collects ``self.x = value`` in a method body into the class scope's attributes."""

    def __init__(self, class_scope: Scope, self_name: str) -> None:
        self.class_scope = class_scope
        self.self_name = self_name

    def visit_body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.visit(stmt)

    def generic_visit(self, node: ast.AST) -> None:
        # Assignments are statements: expressions never need a look.
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt | ast.excepthandler | ast.match_case):
                self.visit(child)

    def _record(
        self,
        target: ast.expr,
        value: ast.expr | None,
        annotation: ast.expr | None,
        kind: BindingKind,
    ) -> None:
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == self.self_name
        ):
            attrs = self.class_scope.attributes
            binding = Binding(kind, value=value, annotation=annotation, node=target)
            attrs[target.attr] = _merge(attrs.get(target.attr), binding)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._record(target, node.value, None, "assign")

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        kind: BindingKind = "assign" if node.value is not None else "annotation"
        self._record(node.target, node.value, node.annotation, kind)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._record(node.target, None, None, "other")

    def _visit_with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._record(item.optional_vars, item.context_expr, None, "with")
        self.visit_body(node.body)

    visit_With = _visit_with
    visit_AsyncWith = _visit_with

    # Nested functions and classes have their own `self`.
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        return None

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        return None

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        return None

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return None
