"""Exports of every importer kind in the importer's own layout (xlsx, csv, json), so an export re-imports as a no-op.

Layout and year, per format:
- xlsx: a title row that names the year ("2022年度任务清单（导出）"), the header row (the kinds' Col.label texts, for
  任务清单/任务进度 one column per indicator under its TaskIndicator.name), then the rows; a hidden ``_meta`` sheet
  names the kind (and the year when the export is for one year), so the importer needs no guessing. 工作要点 writes one
  sheet per plan: title row = the plan's title, second row "发文单位：…；辖区：…；年度：…", as seed/data/工作要点.xlsx.
  No total row is written (the importer would check it against the rows).
- csv: UTF-8 with BOM, the header row first, no title row. Kinds with a 年度 column (任务明细, 指标, 指标月报, 工作要点进展;
  工作要点 carries 计划年度) need nothing else. 任务清单, 任务进度 and 配档表 have no year column (a 年度 column there
  would be read as a new indicator), so their year travels outside the file: import with ``year=`` (CLI ``--year``), or
  keep the file name from :func:`export_filename` ("2022年度任务清单（导出）.csv"), which the importer reads the year
  from. Text cells that a spreadsheet would run as a formula (= + - @ tab CR first, also full-width ＝＋－＠) get a
  leading apostrophe, which the importer strips again (seed.importer.values.unescape_text). Numbers stay numbers.
- json: 任务清单 and 配档表 as records with canonical names, indicator codes and ISO dates; other kinds the frame's
  records (dates ISO, blanks None).

A kind that belongs to one year (任务清单, 任务进度, 配档表) exports the latest year present when no year is given.
Demo rows (is_demo) are left out unless ``include_demo=True`` (CLI ``--include-demo``): an export is a document that
leaves the system. With it, every row carries a last column 示例 (是/否) and the xlsx _meta says include_demo = 1.
Readings of computed KPIs (Kpi.computed_from) are left out of 指标月报: the importer refuses to import them.
"""

from seed.export import (
    oversight_rows,  # noqa: F401 - registers the 主体责任 and 抽检 kinds' builders
    workshop_rows,  # noqa: F401 - registers the 小作坊 kinds' builders
)
from seed.export.cells import (
    EXPORT_VERSION,
    column_width,
    csv_escape,
    export_filename,
    export_title,
    needs_escape,
    percent_text,
    text_width,
    whole,
)
from seed.export.render import export_bytes, export_frame, export_json
from seed.export.rows import Built, build

__all__ = ["EXPORT_VERSION", "Built", "build", "column_width", "csv_escape", "export_bytes", "export_filename",
           "export_frame", "export_json", "export_title", "needs_escape", "percent_text", "text_width", "whole"]
