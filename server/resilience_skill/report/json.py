"""``--format json``: the stable shape of shared/spec/interfaces.md."""

from __future__ import annotations

import json

from resilience_skill import __version__
from resilience_skill.analysis.model import AuditResult


def render(result: AuditResult) -> str:
    return json.dumps(result.to_json(__version__), indent=2, ensure_ascii=False) + "\n"
