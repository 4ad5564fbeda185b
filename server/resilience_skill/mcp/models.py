"""The tools' results: pydantic models, so clients get an output schema and structured
content. Field names follow ``resilience audit --format json`` where the two overlap."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EditOut(BaseModel):
    line: int
    column: int
    end_line: int
    end_column: int
    content: str


class FixOut(BaseModel):
    applicability: str = Field(
        description="safe: keeps behaviour; unsafe: may change it (fix with unsafe=true); "
        "display: a suggestion never applied automatically"
    )
    description: str
    edits: list[EditOut]


class FindingOut(BaseModel):
    rule: str
    name: str
    severity: str
    message: str
    path: str = Field(description="Relative to the workspace root holding the file")
    line: int
    column: int
    end_line: int
    end_column: int
    checklist_item: str
    doc_url: str = Field(description="The rule's documentation (or call the explain tool)")
    fix: FixOut | None = Field(description="The fix the fix tool would apply, if any")
    generate: str | None = Field(
        description="When no automatic fix resolves the finding: the generate tool's pattern "
        "that emits correct, tested code for it"
    )


class FileErrorOut(BaseModel):
    path: str
    message: str


class SummaryOut(BaseModel):
    files: int
    findings: int
    by_severity: dict[str, int]
    by_rule: dict[str, int]


class ChecklistOut(BaseModel):
    item: str
    rules: list[str]
    findings: int
    sites_checked: int
    passed: bool


class Page(BaseModel):
    offset: int
    limit: int
    returned: int
    total: int
    next_offset: int | None = Field(description="Pass as offset to get the next page; null: done")


class AuditReport(BaseModel):
    """One page of findings plus the whole audit's summary and checklist scorecard."""

    findings: list[FindingOut]
    page: Page
    errors: list[FileErrorOut] = Field(description="Files that could not be read or parsed")
    errors_total: int
    summary: SummaryOut
    checklist: list[ChecklistOut]
    workspace: str = Field(description="The roots paths were resolved against")


class FixedOut(BaseModel):
    rule: str
    line: int
    description: str


class RemainingOut(BaseModel):
    rule: str
    name: str
    severity: str
    message: str
    line: int
    column: int
    reason: str = Field(description="Why the fixer left it")
    generate: str | None = Field(description="The generate tool's pattern that covers it")
    doc_url: str


class FixReport(BaseModel):
    path: str
    changed: bool
    written: bool = Field(description="True only when apply=true and the file was replaced")
    diff: str = Field(description="Unified diff of the fixes (empty when nothing changed)")
    diff_truncated: bool
    fixed_code: str | None = Field(description="The whole fixed module, for inline code only")
    applied: dict[str, int] = Field(description="Fixes applied, per rule")
    fixed: list[FixedOut]
    remaining: list[RemainingOut]
    remaining_total: int
    error: str | None = Field(description="Why the file was left untouched, if it was")


class GenerateOut(BaseModel):
    pattern: str
    flavor: str
    module_name: str = Field(description="The module name the tests import the code as")
    code: str
    tests: str = Field(description="A pytest module exercising the code under injected faults")
    dependencies: list[str] = Field(description="pip requirements")
    notes: list[str] = Field(description="Where and how to apply the code")


class RuleDoc(BaseModel):
    id: str
    name: str
    severity: str
    fix: str = Field(description="The most applicable fix: safe, unsafe, display or none")
    summary: str
    checklist_item: str
    generate: str | None
    doc: str = Field(description="Why it matters, an example and the fix (Markdown)")
    url: str
