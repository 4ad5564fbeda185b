"""Name resolution: imports to qualified names, bindings to constructor types."""

from __future__ import annotations

import ast

import pytest
from resilience_skill.analysis.resolve import Resolver, module_name_for


def _resolver(code: str, module: str = "pkg.mod", is_package: bool = False):
    tree = ast.parse(code)
    return tree, Resolver(tree, module, is_package)


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _scope_of(resolver: Resolver, tree: ast.AST, name: str):
    node = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
    )
    return resolver.scope(node)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import requests as rq\nrq.get(u)", "requests.get"),
        ("from requests import get\nget(u)", "requests.get"),
        ("from requests import Session as S\nS()", "requests.Session"),
        ("import urllib.request\nurllib.request.urlopen(u)", "urllib.request.urlopen"),
        ("import urllib.request as ur\nur.urlopen(u)", "urllib.request.urlopen"),
        ("from tenacity import retry as r\nr()", "tenacity.retry"),
        ("from . import util\nutil.fetch()", "pkg.util.fetch"),
        ("from .util import fetch\nfetch()", "pkg.util.fetch"),
        ("from ..base import fetch\nfetch()", "base.fetch"),
        ("def helper(): pass\nhelper()", "pkg.mod.helper"),
    ],
)
def test_qualified_names(code: str, expected: str) -> None:
    tree, resolver = _resolver(code)
    call = _calls(tree)[-1]
    assert resolver.qualname(call.func, resolver.module_scope) == expected


def test_relative_import_in_package_init() -> None:
    tree, resolver = _resolver("from .util import fetch\nfetch()", "pkg", is_package=True)
    assert resolver.qualname(_calls(tree)[0].func) == "pkg.util.fetch"


def test_unknown_and_ambiguous_names_are_none() -> None:
    code = "try:\n    import ujson as json\nexcept ImportError:\n    import json\njson.loads(x)\n"
    tree, resolver = _resolver(code)
    assert resolver.qualname(_calls(tree)[0].func) is None
    tree, resolver = _resolver("x.get(u)")
    assert resolver.qualname(_calls(tree)[0].func) is None


CLASS_CODE = """
import requests
from requests import Session

def make() -> requests.Session:
    return requests.Session()

class Client:
    timeout_session: Session

    def __init__(self):
        self.session = requests.Session()
        self.requests = object()

    def go(self, s: Session, t: "requests.Session | None"):
        a = requests.Session()
        with Session() as b:
            pass
        c = make()
        d = self.session
        e: requests.Session = build()
        self.session.get(u)
        self.requests.get(u)
        self.timeout_session.get(u)
        requests.Session().get(u)
        for f in things:
            f.get(u)
"""


def test_types_from_bindings() -> None:
    tree, resolver = _resolver(CLASS_CODE)
    scope = _scope_of(resolver, tree, "go")
    expected = {"s", "t", "a", "b", "c", "d", "e"}
    for name in expected:
        assert resolver.type_of(ast.Name(name), scope) == "requests.Session", name
    receivers = {
        ast.unparse(call.func.value): resolver.type_of(call.func.value, scope)
        for call in _calls(tree)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "get"
    }
    assert receivers == {
        "self.session": "requests.Session",
        "self.requests": None,
        "self.timeout_session": "requests.Session",
        "requests.Session()": "requests.Session",
        "f": None,
    }


def test_rebound_name_is_unknown() -> None:
    code = "import requests\ndef f():\n    s = requests.Session()\n    s = other()\n    s.get(u)\n"
    tree, resolver = _resolver(code)
    scope = _scope_of(resolver, tree, "f")
    assert resolver.type_of(ast.Name("s"), scope) is None


def test_class_scope_is_skipped_from_methods() -> None:
    code = (
        "import requests\nclass A:\n    s = requests.Session()\n"
        "    def m(self):\n        s.get(u)\n"
    )
    tree, resolver = _resolver(code)
    assert resolver.type_of(ast.Name("s"), _scope_of(resolver, tree, "m")) is None
    assert (
        resolver.type_of(ast.parse("self.s", mode="eval").body, _scope_of(resolver, tree, "m"))
        == "requests.Session"
    )


@pytest.mark.parametrize(
    ("relpath", "expected"),
    [
        ("pkg/mod.py", ("pkg.mod", False)),
        ("pkg/__init__.py", ("pkg", True)),
        ("mod.py", ("mod", False)),
        ("./a/b/c.py", ("a.b.c", False)),
    ],
)
def test_module_names(relpath: str, expected: tuple[str, bool]) -> None:
    assert module_name_for(relpath) == expected
