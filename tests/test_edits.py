"""The edit builders: exact text after applying each edit, for every call and import
layout the fixer meets."""

from __future__ import annotations

import ast

import pytest
from resilience_skill.analysis.edits import (
    add_from_import,
    add_import,
    insert_keyword,
    inside_string,
    module_logger,
    wrap_call,
    wrap_from_import,
)
from resilience_skill.analysis.model import Edit
from resilience_skill.analysis.source import SourceFile
from resilience_skill.fixes.apply import apply_edits


def _apply(source: SourceFile, *edits: Edit) -> str:
    text = apply_edits(source, edits)
    ast.parse(text)
    return text


def _calls(tree: ast.Module) -> list[ast.Call]:
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return [c for c in calls if ast.unparse(c.func).endswith("get")]


def _insert(code: str, nth: int = 0) -> str | None:
    source = SourceFile.from_text("m.py", code)
    tree = source.parse()
    edit = insert_keyword(source, _calls(tree)[nth], "timeout", "5")
    return None if edit is None else _apply(source, edit)


def _wrap(code: str, nth: int = 0) -> str | None:
    source = SourceFile.from_text("m.py", code)
    edit = wrap_call(source, _calls(source.parse())[nth])
    return None if edit is None else _apply(source, edit)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("get()\n", "get(timeout=5)\n"),
        ("get(url)\n", "get(url, timeout=5)\n"),
        ("get(url,)\n", "get(url, timeout=5,)\n"),
        ("get(f(x))\n", "get(f(x), timeout=5)\n"),
        ("get(a, {'k': [1, 2]})\n", "get(a, {'k': [1, 2]}, timeout=5)\n"),
        ("get(*args)\n", "get(*args, timeout=5)\n"),
        ("get(url, **kw)\n", "get(url, timeout=5, **kw)\n"),
        ("get(**kw)\n", "get(timeout=5, **kw)\n"),
        ("get(  # nothing yet\n)\n", "get(timeout=5  # nothing yet\n)\n"),
        ("get(url  # why\n)\n", "get(url, timeout=5  # why\n)\n"),
        ("x = get(url, \\\n    headers=h)\n", "x = get(url, \\\n    headers=h,\n    timeout=5)\n"),
        ("get('é', 'ü')\n", "get('é', 'ü', timeout=5)\n"),
        ('get("""a\nb""")\n', 'get("""a\nb""", timeout=5)\n'),
    ],
)
def test_insert_keyword_on_one_line(before: str, after: str) -> None:
    assert _insert(before) == after


def test_one_argument_per_line_gets_a_line_of_its_own() -> None:
    before = "get(\n    url,\n    headers=h\n)\n"
    assert _insert(before) == "get(\n    url,\n    headers=h,\n    timeout=5\n)\n"


def test_trailing_comma_multi_line() -> None:
    before = "get(\n    url,\n    headers=h,\n)\n"
    assert _insert(before) == "get(\n    url,\n    headers=h,\n    timeout=5,\n)\n"


def test_comment_after_last_argument_stays_on_its_line() -> None:
    before = "get(\n    url,\n    headers=h  # why\n)\n"
    after = "get(\n    url,\n    headers=h,  # why\n    timeout=5\n)\n"
    assert _insert(before) == after


def test_comment_after_trailing_comma_stays_on_its_line() -> None:
    before = "get(\n    url,\n    headers=h,  # why\n)\n"
    after = "get(\n    url,\n    headers=h,  # why\n    timeout=5,\n)\n"
    assert _insert(before) == after


def test_comment_line_before_closing_paren_stays_last() -> None:
    before = "get(\n    url,\n    # more later\n)\n"
    assert _insert(before) == "get(\n    url,\n    timeout=5,\n    # more later\n)\n"


def test_single_argument_on_its_own_line() -> None:
    assert _insert("get(\n    url\n)\n") == "get(\n    url,\n    timeout=5\n)\n"


def test_hanging_indent_aligns_under_the_arguments() -> None:
    before = "x = get(url,\n        headers=h)\n"
    assert _insert(before) == "x = get(url,\n        headers=h,\n        timeout=5)\n"


def test_hanging_indent_with_trailing_comma() -> None:
    before = "x = get(url,\n        headers=h,)\n"
    assert _insert(before) == "x = get(url,\n        headers=h,\n        timeout=5,)\n"


def test_several_arguments_per_line_stay_inline() -> None:
    before = "get(\n    url, headers=h\n)\n"
    assert _insert(before) == "get(\n    url, headers=h, timeout=5\n)\n"


def test_multi_line_last_argument() -> None:
    before = "get(\n    url,\n    json={\n        'a': 1,\n    }\n)\n"
    after = "get(\n    url,\n    json={\n        'a': 1,\n    },\n    timeout=5\n)\n"
    assert _insert(before) == after


def test_double_star_one_per_line() -> None:
    before = "get(\n    url,\n    **kw,\n)\n"
    assert _insert(before) == "get(\n    url,\n    timeout=5,\n    **kw,\n)\n"


def test_nested_calls_edit_the_right_parentheses() -> None:
    code = "get(get(u).url)\n"
    assert _insert(code, 0) == "get(get(u).url, timeout=5)\n"
    assert _insert(code, 1) == "get(get(u, timeout=5).url)\n"


def test_crlf_keeps_crlf() -> None:
    before = "get(\r\n    url,\r\n    headers=h\r\n)\r\n"
    assert _insert(before) == "get(\r\n    url,\r\n    headers=h,\r\n    timeout=5\r\n)\r\n"


def test_call_inside_fstring_is_not_edited() -> None:
    assert _insert('print(f"{get(url)}")\n') is None
    assert _insert('print(f"""\n{get(url)}\n""")\n') is None


def test_lone_generator_argument_is_not_edited() -> None:
    assert _insert("get(x for x in y)\n") is None


def test_inside_string_positions() -> None:
    source = SourceFile.from_text("m.py", 'a = "get(x)"\nb = get(x)\n')
    assert inside_string(source, 1, 6)
    assert not inside_string(source, 2, 5)


# -- imports ----------------------------------------------------------------------------


def _edit(code: str, build: str, *args: str) -> str:
    source = SourceFile.from_text("m.py", code)
    tree = source.parse()
    edit = {"from": add_from_import, "import": add_import}[build](source, tree, *args)
    assert edit is not None
    return _apply(source, edit)


def test_from_import_goes_after_docstring_and_future_imports() -> None:
    before = '"""Doc."""\nfrom __future__ import annotations\n\nx = 1\n'
    after = (
        '"""Doc."""\nfrom __future__ import annotations\n\n'
        "from tenacity import stop_after_attempt\n\nx = 1\n"
    )
    assert _edit(before, "from", "tenacity", "stop_after_attempt") == after


def test_from_import_sorted_among_existing_from_imports() -> None:
    before = "import os\nfrom requests import get\nfrom yaml import load\n\nx = 1\n"
    after = (
        "import os\nfrom requests import get\nfrom tenacity import retry\n"
        "from yaml import load\n\nx = 1\n"
    )
    assert _edit(before, "from", "tenacity", "retry") == after


def test_from_import_after_the_last_import() -> None:
    before = "import os\nimport requests\n\n\ndef f(): ...\n"
    after = "import os\nimport requests\nfrom tenacity import retry\n\n\ndef f(): ...\n"
    assert _edit(before, "from", "tenacity", "retry") == after


def test_from_import_after_a_leading_comment_block() -> None:
    before = "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nx = 1\n"
    after = (
        "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\nfrom tenacity import retry\n\nx = 1\n"
    )
    assert _edit(before, "from", "tenacity", "retry") == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "from tenacity import retry, wait_fixed\n",
            "from tenacity import retry, stop_after_attempt, wait_fixed\n",
        ),
        ("from tenacity import retry\n", "from tenacity import retry, stop_after_attempt\n"),
        (
            "from tenacity import wait_fixed\n",
            "from tenacity import stop_after_attempt, wait_fixed\n",
        ),
        (
            "from tenacity import Retrying, retry\n",
            "from tenacity import Retrying, retry, stop_after_attempt\n",
        ),
        (
            "from tenacity import wait_fixed, retry\n",
            "from tenacity import wait_fixed, retry, stop_after_attempt\n",
        ),
        (
            "from tenacity import (\n    retry,\n    wait_fixed,\n)\n",
            "from tenacity import (\n    retry,\n    stop_after_attempt,\n    wait_fixed,\n)\n",
        ),
        (
            "from tenacity import (\n    retry,\n    RetryError,\n)\n",
            "from tenacity import (\n    retry,\n    RetryError,\n    stop_after_attempt,\n)\n",
        ),
        (
            "from tenacity import (\n    Retrying,\n    retry  # main\n)\n",
            "from tenacity import (\n    Retrying,\n    retry,  # main\n"
            "    stop_after_attempt,\n)\n",
        ),
    ],
)
def test_extend_existing_from_import(before: str, after: str) -> None:
    assert _edit(before, "from", "tenacity", "stop_after_attempt") == after


def test_from_import_too_long_is_wrapped_one_name_per_line() -> None:
    names = "before_sleep_log, retry, stop_after_attempt, wait_exponential, wait_fixed"
    before = f"from tenacity import {names}\n"
    after = (
        "from tenacity import (\n    before_sleep_log,\n    retry,\n    stop_after_attempt,\n"
        "    wait_exponential,\n    wait_fixed,\n    wait_random_exponential,\n)\n"
    )
    source = SourceFile.from_text("m.py", before)
    tree = source.parse()
    extended = _apply(source, add_from_import(source, tree, "tenacity", "wait_random_exponential"))
    source = SourceFile.from_text("m.py", extended)
    stmt = source.parse().body[0]
    assert isinstance(stmt, ast.ImportFrom)
    edit = wrap_from_import(source, stmt)
    assert edit is not None and _apply(source, edit) == after


def test_wrap_call_arguments_together_when_they_fit() -> None:
    before = "def f():\n    return get(f'https://x/{i}', headers=h).json()['a']  # note\n"
    after = (
        "def f():\n    return get(\n        f'https://x/{i}', headers=h\n"
        "    ).json()['a']  # note\n"
    )
    assert _wrap(before) == after


def test_wrap_call_one_argument_per_line_when_they_do_not_fit() -> None:
    args = ["first_argument_" + "x" * 50, "second=" + "y" * 50, "**options_" + "z" * 20]
    before = f"with get({', '.join(args)}) as s:\r\n    pass\r\n"
    body = "".join(f"\r\n    {a}," for a in args)
    assert _wrap(before) == f"with get({body}\r\n) as s:\r\n    pass\r\n"


def test_wrap_call_refuses_other_layouts() -> None:
    assert _wrap("x = [get(u) for u in us]\n") is None
    assert _wrap("get()\n") is None
    assert _wrap("get(\n    u)\n") is None


def test_existing_name_needs_no_edit() -> None:
    source = SourceFile.from_text("m.py", "from tenacity import retry\nimport logging\n")
    tree = source.parse()
    assert add_from_import(source, tree, "tenacity", "retry") is None
    assert add_import(source, tree, "logging") is None


def test_plain_import_sorted() -> None:
    before = "import json\nimport requests\n"
    assert _edit(before, "import", "logging") == "import json\nimport logging\nimport requests\n"


def test_plain_import_before_from_imports() -> None:
    before = '"""Doc."""\n\nfrom requests import get\n'
    after = '"""Doc."""\n\nimport logging\nfrom requests import get\n'
    assert _edit(before, "import", "logging") == after


def test_ungrouped_imports_stay_one_group() -> None:
    before = "import os\n\n\ndef f(): ...\n"
    after = "import os\nfrom tenacity import retry\n\n\ndef f(): ...\n"
    assert _edit(before, "from", "tenacity", "retry") == after


def test_grouped_imports_get_a_new_standard_library_section() -> None:
    before = "import requests\n\nfrom .x import y\n"
    after = "import logging\n\nimport requests\n\nfrom .x import y\n"
    assert _edit(before, "import", "logging") == after


def test_grouped_imports_new_third_party_section_after_standard_library() -> None:
    before = "import os\n\nfrom . import models\n\nx = 1\n"
    after = "import os\n\nfrom tenacity import retry\n\nfrom . import models\n\nx = 1\n"
    assert _edit(before, "from", "tenacity", "retry") == after


def test_new_import_goes_before_relative_imports() -> None:
    before = "import os\n\nfrom .models import Order\n"
    after = "import os\n\nfrom tenacity import retry\n\nfrom .models import Order\n"
    assert _edit(before, "from", "tenacity", "retry") == after


def test_standard_library_import_sorted_in_its_section() -> None:
    before = "import asyncio\nimport time\n\nimport requests\n"
    after = "import asyncio\nimport logging\nimport time\n\nimport requests\n"
    assert _edit(before, "import", "logging") == after


# -- the module logger ------------------------------------------------------------------


def _logger(code: str) -> tuple[str, str]:
    source = SourceFile.from_text("m.py", code)
    result = module_logger(source, source.parse())
    assert result is not None
    name, edits = result
    return name, _apply(source, *edits)


def test_logger_after_imports_with_blank_lines() -> None:
    before = "import logging\nimport requests\n\n\ndef f(): ...\n"
    after = (
        "import logging\nimport requests\n\nlogger = logging.getLogger(__name__)\n\n\n"
        "def f(): ...\n"
    )
    assert _logger(before) == ("logger", after)


def test_logger_and_import_logging_together() -> None:
    before = "import requests\n\n\ndef f(): ...\n"
    # One ungrouped block: `import logging` sorts before requests.
    after = (
        "import logging\nimport requests\n\nlogger = logging.getLogger(__name__)\n\n\n"
        "def f(): ...\n"
    )
    assert _logger(before) == ("logger", after)


def test_logger_in_a_module_without_imports() -> None:
    before = '"""Doc."""\ndef f(): ...\n'
    after = (
        '"""Doc."""\n\nimport logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef f(): ...\n'
    )
    assert _logger(before) == ("logger", after)


def test_logger_after_from_imports_merges_with_import_logging() -> None:
    before = "from requests import get\n\nx = 1\n"
    assert _logger(before)[1] == (
        "import logging\nfrom requests import get\n\n"
        "logger = logging.getLogger(__name__)\n\nx = 1\n"
    )


def test_existing_loggers_are_reused() -> None:
    for code, name in [
        ("import logging\nlog = logging.getLogger(__name__)\n", "log"),
        ("import structlog\nlogger = structlog.get_logger()\n", "logger"),
        ("from loguru import logger as lg\n", "lg"),
        ("from logging import getLogger\n_log = getLogger('x')\n", "_log"),
    ]:
        source = SourceFile.from_text("m.py", code)
        assert module_logger(source, source.parse()) == (name, ())


def test_logger_name_taken_by_something_else() -> None:
    source = SourceFile.from_text("m.py", "logger = object()\n")
    assert module_logger(source, source.parse()) is None
