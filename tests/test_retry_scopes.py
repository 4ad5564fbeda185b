"""Retry scope recognition and policy evaluation (analysis/retry_scopes.py)."""

from __future__ import annotations

import ast
import textwrap
from typing import Any

import pytest
from resilience_skill.analysis import retry_scopes as rs
from resilience_skill.analysis.engine import FileContext, _Dispatch, _Walker
from resilience_skill.analysis.facts import FileFacts
from resilience_skill.analysis.resolve import Resolver
from resilience_skill.analysis.source import SourceFile
from resilience_skill.config import Config


class Probe:
    """Walks a module like the engine does and collects what retry_scopes says."""

    def __init__(self, src: str) -> None:
        source = SourceFile.from_text("m.py", textwrap.dedent(src))
        tree = source.parse()
        self.facts = FileFacts("m.py", "m")
        self.ctx = FileContext(source, tree, Resolver(tree, "m"), Config(), self.facts)
        self.policies: dict[str, rs.RetryPolicy] = {}
        self.built: list[rs.RetryPolicy] = []
        self.calls: dict[str, list[tuple[str, int | None]]] = {}
        self.loops: dict[int, rs.LoopRetry | None] = {}
        dispatch = _Dispatch([])
        dispatch.enter[ast.FunctionDef] = [self._def]
        dispatch.enter[ast.AsyncFunctionDef] = [self._def]
        dispatch.enter[ast.Call] = [self._call]
        dispatch.enter[ast.For] = [self._loop]
        dispatch.enter[ast.While] = [self._loop]
        dispatch.leave[ast.Call] = [rs.note_call]
        dispatch.leave[ast.FunctionDef] = [rs.note_function]
        dispatch.leave[ast.AsyncFunctionDef] = [rs.note_function]
        _Walker(self.ctx, dispatch).walk(tree)

    def _def(self, ctx: FileContext, node: Any) -> None:
        policy = rs.function_policy(ctx, node)
        if policy is not None:
            self.policies[node.name] = policy

    def _call(self, ctx: FileContext, node: ast.Call) -> None:
        frames = rs.enclosing_scopes(ctx, node)
        if frames:
            self.calls[ast.unparse(node)] = [(f.kind, f.attempts) for f in frames]
        policy = rs.call_policy(ctx, node)
        if policy is not None and policy.form != "decorator":
            self.policies.setdefault(ast.unparse(node.func), policy)
            self.built.append(policy)

    def _loop(self, ctx: FileContext, node: Any) -> None:
        self.loops[node.lineno] = rs.loop_retry(ctx, node)


HEAD = """
import functools, time, random
import requests, tenacity, backoff, stamina
from tenacity import (retry, stop_after_attempt, stop_after_delay, stop_never,
    wait_exponential, wait_random, wait_fixed, wait_random_exponential, Retrying,
    AsyncRetrying, retry_if_exception_type)
from tenacity import retry as r
"""


def policy(src: str, name: str = "f") -> rs.RetryPolicy:
    return Probe(HEAD + textwrap.dedent(src)).policies[name]


@pytest.mark.parametrize(
    ("deco", "attempts", "unbounded"),
    [
        ("@retry", None, True),
        ("@r", None, True),
        ("@tenacity.retry", None, True),
        ("@retry()", None, True),
        ("@retry(stop=stop_never)", None, True),
        ("@retry(stop=stop_after_attempt(3))", 3, False),
        ("@r(stop=tenacity.stop_after_attempt(N))", 7, False),
        ("@retry(stop=stop_after_attempt(N - 2) | stop_after_delay(10))", 5, False),
        ("@retry(stop=stop_after_delay(10) | stop_after_attempt(4))", 4, False),
        ("@retry(stop=stop_after_attempt(3) & stop_after_attempt(5))", 5, False),
        ("@retry(stop=stop_after_attempt(3) | stop_never)", 3, False),
        ("@retry(stop=stop_never | stop_never)", None, True),
        ("@retry(stop=tenacity.stop_any(stop_after_attempt(2), stop_after_delay(5)))", 2, False),
        ("@retry(stop=STOP)", 6, False),
        ("@retry(stop=some_stop)", None, False),
        ("@retry(**opts)", None, False),
        ("@backoff.on_exception(backoff.expo, ValueError)", None, True),
        ("@backoff.on_exception(backoff.expo, ValueError, max_tries=None)", None, True),
        ("@backoff.on_exception(backoff.expo, ValueError, max_tries=4)", 4, False),
        ("@backoff.on_exception(backoff.expo, ValueError, max_time=30)", None, False),
        ("@backoff.on_predicate(backoff.fibo, max_tries=N)", 7, False),
        ("@stamina.retry(on=ValueError)", 10, False),
        ("@stamina.retry(on=ValueError, attempts=3)", 3, False),
        ("@stamina.retry(on=ValueError, attempts=None, timeout=None)", None, True),
        ("@stamina.retry(on=ValueError, attempts=None)", None, False),
    ],
)
def test_attempts(deco: str, attempts: int | None, unbounded: bool) -> None:
    src = f"N = 7\nSTOP = stop_after_attempt(6)\n{deco}\ndef f(): pass\n"
    p = policy(src)
    assert (p.attempts, p.unbounded) == (attempts, unbounded)


def test_bound_policy_object_and_partial() -> None:
    probe = Probe(
        HEAD
        + textwrap.dedent(
            """
            policy = retry(stop=stop_after_attempt(4), wait=wait_fixed(1))
            quick = functools.partial(retry, stop=stop_after_attempt(2))

            @policy
            def a(): pass

            @quick(wait=wait_random(0, 2))
            def b(): pass

            @quick
            def c(): pass
            """
        )
    )
    a = probe.policies["a"]
    assert (a.attempts, a.shared, [w.kind for w in a.waits]) == (4, True, ["fixed"])
    b = probe.policies["b"]
    assert (b.attempts, b.shared, [w.kind for w in b.waits]) == (2, False, ["random"])
    # A bare partial of `retry` used as a decorator drops its keywords in tenacity:
    # too clever to judge, so it is unknown.
    assert "c" not in probe.policies
    # The object itself is judged where it is built.
    assert probe.policies["retry"].attempts == 4


def test_waits_added_and_evaluated() -> None:
    p = policy(
        """
        CAP = 30
        @retry(stop=stop_after_attempt(5),
               wait=wait_exponential(multiplier=2, max=CAP) + wait_random(0, 1))
        def f(): pass
        """
    )
    kinds = [(w.kind, w.multiplier, w.cap, w.capped, w.jitter) for w in p.waits]
    assert kinds == [("exponential", 2.0, 30.0, True, False), ("random", None, None, False, True)]
    assert p.jittered
    assert rs.wait_schedule(p.waits, 5) == [3.0, 5.0, 9.0, 17.0]


def test_wait_unknown_is_not_default() -> None:
    p = policy("@retry(stop=stop_after_attempt(3), wait=make_wait())\ndef f(): pass\n")
    assert not p.wait_known and p.waits == ()
    p = policy("@retry(stop=stop_after_attempt(3))\ndef f(): pass\n")
    assert p.wait_known and [w.kind for w in p.waits] == ["none"]


def test_retry_on() -> None:
    assert policy("@retry\ndef f(): pass\n").retries_any
    p = policy("@retry(retry=retry_if_exception_type(Exception))\ndef f(): pass\n")
    assert p.retries_any and p.retry_on == ("Exception",)
    p = policy("@retry(retry=retry_if_exception_type(requests.Timeout))\ndef f(): pass\n")
    assert not p.retries_any and p.retry_on == ("requests.Timeout",)
    p = policy("@retry(retry=tenacity.retry_if_result(bool))\ndef f(): pass\n")
    assert p.filtered and not p.retries_any
    p = policy("@backoff.on_exception(backoff.expo, (ValueError, Exception))\ndef f(): pass\n")
    assert p.retries_any and not p.filtered
    p = policy("@backoff.on_exception(backoff.expo, Exception, giveup=fatal)\ndef f(): pass\n")
    assert p.retries_any and p.filtered


def test_celery_tasks() -> None:
    probe = Probe(
        """
        from celery import Celery, shared_task
        app = Celery("x")

        @app.task(autoretry_for=(Exception,), retry_kwargs={"max_retries": 5})
        def a(): pass

        @shared_task(autoretry_for=(IOError,), retry_backoff=True, retry_jitter=False)
        def b(): pass

        @app.task(autoretry_for=(IOError,), retry_kwargs={"max_retries": None})
        def c(): pass

        @app.task(bind=True)
        def d(self, url):
            try:
                pass
            except IOError as exc:
                raise self.retry(exc=exc)
        """
    )
    a, b, c = (probe.policies[n] for n in "abc")
    assert (a.library, a.attempts, a.retries_any, [w.kind for w in a.waits]) == (
        "celery",
        6,
        True,
        ["fixed"],
    )
    assert (b.attempts, [(w.kind, w.jitter) for w in b.waits]) == (4, [("celery", False)])
    assert c.unbounded
    assert probe.facts.functions["m.d"].attrs["retry"]["attempts"] == 4


def test_urllib3_and_adapter() -> None:
    probe = Probe(
        """
        from urllib3.util.retry import Retry
        from requests.adapters import HTTPAdapter
        a = Retry(total=None)
        b = Retry(total=None, connect=2, read=3)
        c = Retry(5, backoff_factor=0.5)
        d = HTTPAdapter(max_retries=4)
        """
    )
    assert [(p.library, p.attempts, p.unbounded) for p in probe.built] == [
        ("urllib3", None, True),
        ("urllib3", 6, False),
        ("urllib3", 6, False),
        ("requests", 5, False),
    ]


def test_scopes_of_calls() -> None:
    probe = Probe(
        HEAD
        + textwrap.dedent(
            """
            @retry(stop=stop_after_attempt(3))
            def a(url):
                requests.get(url, timeout=1)
                def inner():
                    requests.get("nested", timeout=1)

            def b(url):
                for attempt in Retrying(stop=stop_after_attempt(4)):
                    with attempt:
                        requests.get("loop", timeout=1)
                requests.get("after", timeout=1)
                for i in range(2):
                    try:
                        return requests.get("hand", timeout=1)
                    except requests.RequestException:
                        requests.get("in handler", timeout=1)

            async def c():
                async for attempt in AsyncRetrying(stop=stop_after_attempt(2)):
                    with attempt:
                        await session.get("async")

            @retry(stop=stop_after_attempt(5))
            def d():
                for attempt in stamina.retry_context(on=IOError, attempts=2):
                    with attempt:
                        requests.get("nested scopes", timeout=1)
            """
        )
    )
    assert probe.calls == {
        "requests.get(url, timeout=1)": [("decorator", 3)],
        "requests.get('loop', timeout=1)": [("loop", 4)],
        "requests.get('hand', timeout=1)": [("hand", 2)],
        "session.get('async')": [("loop", 2)],
        # The policy object is built inside the decorated function's body.
        "stamina.retry_context(on=IOError, attempts=2)": [("decorator", 5)],
        "requests.get('nested scopes', timeout=1)": [("decorator", 5), ("loop", 2)],
    }
    assert probe.facts.functions["m.a"].attrs["retry"] == {
        "library": "tenacity",
        "attempts": 3,
        "unbounded": False,
        "label": "3",
    }
    assert probe.facts.functions["m.b"].attrs["retries_inside"] == {
        "attempts": 4,
        "unbounded": False,
    }
    inner = [c for c in probe.facts.records["retry.inner_call"] if c.function == "m.d"]
    assert [(c.target, c.attempts) for c in inner] == [
        ("stamina.retry_context", 5),
        ("requests.get", 10),
    ]
    sites = [s for s in probe.facts.functions["m.a"].calls if s.attrs]
    assert [s.attrs for s in sites] == [{"retry_scope": {"attempts": 3, "unbounded": False}}]


LOOPS = """
import time, random, requests
def f(url, items, delay):
    for attempt in range(5):                     # 4: constant sleep
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            time.sleep(1)
    for attempt in range(3):                     # 9: growing sleep, no jitter
        try:
            resp = requests.get(url, timeout=5)
            break
        except requests.Timeout:
            time.sleep(2 ** attempt)
    for attempt in range(3):                     # 15: jittered
        try:
            return requests.get(url, timeout=5)
        except requests.Timeout:
            time.sleep(2 ** attempt + random.random())
    while True:                                  # 20: no sleep, unbounded
        try:
            return requests.get(url, timeout=5)
        except requests.Timeout:
            pass
    for page in range(10):                       # 25: pagination, not a retry
        try:
            data = requests.get(url, params={"page": page}, timeout=5)
        except requests.Timeout:
            continue
        else:
            break
    cursor = None
    while True:                                  # 33: cursor loop, not a retry
        try:
            resp = requests.get(url, params={"c": cursor}, timeout=5)
            cursor = resp.json()["next"]
            if not cursor:
                break
        except requests.Timeout:
            time.sleep(1)
    for item in items:                           # 41: batch, not a retry
        try:
            requests.post(url, json=item, timeout=5)
            break
        except requests.Timeout:
            pass
    while True:                                  # 47: consumer loop: never breaks
        try:
            requests.get(url, timeout=5)
        except requests.Timeout:
            time.sleep(1)
    for attempt in range(3):                     # 52: failure exits, nothing retried
        try:
            return requests.get(url, timeout=5)
        except requests.Timeout:
            raise
    for attempt in range(3):                     # 57: continue + trailing break
        try:
            resp = requests.get(url, timeout=5)
        except requests.Timeout:
            time.sleep(delay)
            continue
        break
"""


def test_hand_rolled_loops() -> None:
    loops = Probe(LOOPS).loops
    shapes = {
        line: (loop.sleep_kind, loop.attempts, loop.while_true) if loop else None
        for line, loop in loops.items()
    }
    assert shapes == {
        4: ("constant", 5, False),
        9: ("growing", 3, False),
        15: ("jittered", 3, False),
        20: ("none", None, True),
        25: None,
        33: None,
        41: None,
        47: None,
        52: None,
        57: ("constant", 3, False),
    }
    unbounded = loops[20]
    assert unbounded is not None
    assert (unbounded.has_counter, unbounded.has_deadline, unbounded.raises) == (
        False,
        False,
        False,
    )


def test_product_label() -> None:
    assert rs.product_label("3", 5, False) == ("3 x 5 = 15 attempts", 15)
    assert rs.product_label("unbounded", 5, False) == ("unbounded x 5 attempts", None)


def test_odd_ranges_have_unknown_attempts() -> None:
    loops = Probe(
        """
        import requests, time
        def f(u):
            for a in range(0, 9, 0):
                try:
                    return requests.get(u, timeout=1)
                except requests.Timeout:
                    time.sleep(1)
            for a in range(10 ** 11 * 10 ** 11):
                try:
                    return requests.get(u, timeout=1)
                except requests.Timeout:
                    time.sleep(1)
            for a in range(2, 7, 2):
                try:
                    return requests.get(u, timeout=1)
                except requests.Timeout:
                    time.sleep(1)
        """
    ).loops
    assert [loop.attempts if loop else "no" for loop in loops.values()] == [None, None, 3]
