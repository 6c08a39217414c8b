"""What an import reports: findings (errors and hints), files, and the rows it writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db.changelog import Counts
from seed.importer.values import display


@dataclass
class Finding:
    level: str  # 错误 / 提示
    file: str
    sheet: str | None
    cell: str | None
    column: str | None
    value: Any
    message: str

    def line(self) -> str:
        where = self.file
        if self.sheet is not None:
            where += f" › {self.sheet}"
            if self.cell:
                where += f"!{self.cell}"
                if self.column:
                    where += f"（{self.column}）"
        text = f"{where}：{self.message}"
        if self.value is not None and display(self.value) != "":
            text += f"（原值：{display(self.value)}）"
        return text



@dataclass
class FileResult:
    name: str
    sha256: str
    kinds: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    batch_id: int | None = None
    previous_batch: int | None = None
    rejected: str | None = None
    duplicate_of: str | None = None  # the file of the same content given earlier in this import: not read again


@dataclass
class Change:
    """One row an import writes (or, in a dry run, would write): the change log's before and after."""

    file: str
    table: str
    row_id: int
    before: dict[str, Any] | None  # None: a new row
    after: dict[str, Any] | None  # None: a deleted row


# Rows kept on a report for the preview; the station check below looks at every row regardless.
MAX_CHANGES = 20_000


@dataclass
class ImportResult:
    files: list[FileResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)  # filled in a dry run, or with collect_changes=True
    changes_truncated: bool = False  # more than MAX_CHANGES rows changed; `changes` holds the first ones

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "错误"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "提示"]

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.rejected]

    @property
    def exit_code(self) -> int:
        if self.rejected:
            return 2
        if self.errors:
            return 1
        return 0

    @property
    def changed(self) -> bool:
        return any(f.counts.new or f.counts.updated for f in self.files)

    def summary_lines(self) -> list[str]:
        lines = []
        for f in self.files:
            if f.rejected:
                lines.append(f.rejected)
                continue
            what = "、".join(dict.fromkeys(f.kinds)) or "未识别"
            if f.duplicate_of is not None:
                lines.append(f"{f.name}（{what}）：与“{f.duplicate_of}”内容相同，只导入一次")
                continue
            line = f"{f.name}（{what}）：新增{f.counts.new}，更新{f.counts.updated}，未变{f.counts.unchanged}"
            if f.batch_id:
                line += f"，批次 #{f.batch_id}"
            lines.append(line)
            if f.previous_batch and not (f.counts.new or f.counts.updated):
                lines.append(f"{f.name}：该文件已于批次 #{f.previous_batch} 导入，内容没有变化，未做任何更改")
        n_err, n_warn = len(self.errors), len(self.warnings)
        if self.rejected:
            lines.append("文件无法读取，未写入任何数据")
        elif n_err:
            lines.append(f"共{n_err}处错误、{n_warn}处提示：未写入任何数据，请修改后重新导入")
        elif self.dry_run:
            lines.append(f"试导入完成（未写入）：{n_warn}处提示")
        elif not self.changed:
            lines.append("数据没有变化，未做任何更改")
        else:
            lines.append(f"导入完成：{n_warn}处提示")
        return lines
