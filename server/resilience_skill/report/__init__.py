"""Output formats for audit results, one module each: text, json, sarif, github."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "github")
