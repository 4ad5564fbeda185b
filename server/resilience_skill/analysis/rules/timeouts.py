"""RES1xx: every external call has a timeout ("All external calls have timeouts")."""

from __future__ import annotations

import ast

from resilience_skill.analysis import ast_utils as au
from resilience_skill.analysis.edits import in_fstring, insert_keyword
from resilience_skill.analysis.engine import FileContext
from resilience_skill.analysis.model import Applicability, Fix
from resilience_skill.analysis.registry import checklist_item_for, rule

TIMEOUTS = checklist_item_for("RES101")


def timeout_fix(ctx: FileContext, call: ast.Call, keyword: str = "timeout") -> Fix | None:
    """Insert ``keyword=<configured default>`` (unsafe: the call may now time out)."""
    if in_fstring(ctx.ancestors):
        return None
    value = ctx.config.default_timeout
    edit = insert_keyword(ctx.source, call, keyword, value)
    if edit is None:
        return None
    return Fix(Applicability.UNSAFE, f"Add {keyword}={value}", (edit,))


def call_label(ctx: FileContext, call: ast.Call) -> str:
    """How a message names the call: ``requests.get()``, ``session.post()``."""
    text = au.dotted(call.func)
    qual = ctx.qualname(call.func)
    return f"{qual or text or 'call'}()"


@rule(
    "RES101",
    summary="An HTTP call with requests or urllib3 has no timeout and can wait forever.",
    nodes=(ast.Call,),
)
def http_call_without_timeout(ctx: FileContext, call: ast.Call) -> None:
    """## What it does
    Finds `requests` calls (`get`, `post`, `put`, `patch`, `delete`, `head`, `options`,
    `request`) on the module or on a `requests.Session` (however it is bound: a variable,
    `with Session() as s`, `self.session`, an annotation), and `urllib3.request` /
    `PoolManager().request`, that pass no `timeout`.

    ## Why is this bad?
    requests and urllib3 wait forever by default. One server that accepts the connection
    and never answers holds the calling thread, then the pool, then the service.
    A `Session` has no timeout setting of its own: `session.timeout = 5` does nothing.

    ## Example
    ```python
    import requests

    def fetch(url):
        return requests.get(url).json()
    ```

    ## Fix
    ```python
    import requests

    def fetch(url):
        return requests.get(url, timeout=(3.05, 30)).json()
    ```
    `resilience fix --unsafe-fixes` inserts `timeout=` with the configured
    `default-timeout`. Calls passing `**kwargs` are not reported: the timeout may be in them.
    """
    urllib3 = _is_urllib3_request(ctx, call)
    if not urllib3 and not au.is_requests_call(ctx, call):
        return
    has_timeout = au.may_pass(call, "timeout")
    ctx.count_site(TIMEOUTS, has_timeout)
    if has_timeout:
        return
    label = call_label(ctx, call)
    ctx.report(
        "RES101",
        call,
        f"{label} has no timeout: a slow server hangs this call forever; "
        f"pass timeout=(connect, read)",
        fix=timeout_fix(ctx, call),
    )


def _is_urllib3_request(ctx: FileContext, call: ast.Call) -> bool:
    qual = ctx.qualname(call.func)
    if qual == "urllib3.request":
        return True
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in ("request", "urlopen", "request_encode_url", "request_encode_body")
        and au.receiver_type(ctx, call)
        in {"urllib3.PoolManager", "urllib3.poolmanager.PoolManager", "urllib3.ProxyManager"}
    )
