"""Fill-in workbooks for every importer kind: title, locked header, unlocked input rows, dropdowns, and a hidden _meta.

The first sheet is the only visible one (the importer reads every visible sheet): row 1 the title, row 2 the header
(the kind's Col.label texts; 任务清单/任务进度 add one column per indicator), rows 3… the input area, unlocked, with
the sheet protected (no password) so the title and header stay as they are. Dropdown lists live on the hidden
``_lists`` sheet; ``_meta`` (hidden) names the kind, the template version and the year and month when given, so the
importer recognises the file without looking at titles. Help and an example value are shown as a comment on each
header cell and as the input prompt of the column; the example is never written as data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import false
from sqlmodel import Session, select

from db import models as m
from seed.export.cells import column_width
from seed.importer.kinds import INDICATORS, KINDS, Kind

TEMPLATE_VERSION = "1"
FONT = "宋体"
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3
INPUT_ROWS = 500
LISTS, META = "_lists", "_meta"
COUNT = "count"  # an indicator column of 任务清单 / 任务进度
DATE_MIN, DATE_MAX = 36526, 73415  # Excel serials of 2000-01-01 and 2100-12-31

TYPE_HINTS = {
    "int": "整数，不小于0",
    COUNT: "整数，不小于0",
    "month": "月份，1–12",
    "year": "四位年份，如 2022",
    "date": "日期，如 2022-03-31",
    "code": "编码按文本填写（本列已设为文本格式，前导0和18位代码不会丢失）",
    "float": "数字",
    "number": "数字；比率可写百分数，如 95%",
    "bool": "填“是”或“否”",
}

# Example rows for the kinds whose registry entry has none (shown in comments and prompts only).
EXAMPLES: dict[str, tuple[object, ...]] = {
    "配档表": ("2022年2月底前", "制定下发年度监管提升工作意见，召开动员部署会议", "1、组织座谈交流会；2、制定下发文件", "", "未开始"),
    "工作要点": (1, "一、强化责任落实", "落实属地管理责任", "落实食品安全属地管理责任（各镇街负责，区市场监管局配合）。",
               "2022-06-30", "2022年食品安全工作要点", "区食品安全委员会办公室", "章丘区", 2022),
    "指标": ("监督抽检批次", "批次", 4800, "≥", "ramp", "", "2022-12-31", "章丘区", 2022, "是", "全年完成监督抽检4800批次",
           "2022年食品安全工作要点", "一、3"),
    "风险隐患": ("明水所", 2022, 10, 120, 9, 7, 1, "2022-10-20"),
}
WIDE_HELP = {
    "任务清单": "本年度目标数（整数）；不承担该项任务的留空",
    "任务进度": "截至本月底的累计完成数（整数）；空白表示未报，不是0",
}
WIDE_EXAMPLE = {"任务清单": (20, 3, 5, 2), "任务进度": (12, 1, 3, 1)}
# The form's own name where it differs from the kind's (seeds/001: "风险隐患排查整治表").
TITLES = {"风险隐患": "风险隐患排查整治表"}
TEMPLATE_NOTES = {
    "工作要点": "每行都要填写文件名称、发文单位、辖区、计划年度（同一文件的各行相同）",
}


@dataclass
class Column:
    label: str
    type: str
    help: str
    field_name: str | None = None
    choices: list[str] = field(default_factory=list)
    example: object = None
    required: bool = False


def template_title(kind: str, year: int | None = None, month: int | None = None) -> str:
    if year and month:
        period = f"{year}年{month}月"
    elif year:
        period = f"{year}年度"
    elif month:
        period = f"{month}月"
    else:
        period = ""
    return f"{period}{TITLES.get(kind, kind)}（填报模板）"


def template_filename(kind: str, year: int | None = None, month: int | None = None) -> str:
    return template_title(kind, year, month) + ".xlsx"


def _stations(session: Session | None) -> list[str]:
    if session is None:
        return []
    return list(session.exec(select(m.Station.name).order_by(m.Station.sort_order, m.Station.id)).all())


def _indicators(session: Session | None) -> list[tuple[str, str]]:
    """(code, header text) of the indicators, from the database when it has any, else the four built-in ones."""
    if session is not None:
        rows = session.exec(select(m.TaskIndicator).order_by(m.TaskIndicator.sort_order, m.TaskIndicator.id)).all()
        if rows:
            return [(i.code, i.name) for i in rows]
    return [(i.code, i.name) for i in INDICATORS]


def _plan_titles(session: Session | None) -> list[str]:
    if session is None:
        return []
    rows = session.exec(select(m.PlanDocument.title).where(m.PlanDocument.is_demo == false())
                        .order_by(m.PlanDocument.year.desc(), m.PlanDocument.id)).all()
    return list(dict.fromkeys(rows))


def columns_for(kind: Kind, *, session: Session | None = None) -> list[Column]:
    """The template's columns, in order, with their dropdown values and example."""
    stations = _stations(session)
    indicators = _indicators(session)
    example = kind.template_example[0] if kind.template_example else EXAMPLES.get(kind.name, ())
    out: list[Column] = []
    for i, col in enumerate(kind.columns):
        choices: list[str] = []
        if col.type == "station":
            choices = stations
        elif col.type == "enum":
            choices = list(col.choices)
        elif col.type == "bool":
            choices = ["是", "否"]
        elif col.field == "indicator":
            choices = [code for code, _name in indicators]
        elif kind.name == "工作要点进展" and col.field == "plan_title":
            choices = _plan_titles(session)
        ex = example[i] if i < len(example) else None
        if col.type == "station" and stations:
            ex = stations[0]
        out.append(Column(col.label, col.type, col.help, col.field, choices, ex, col.required))
    if kind.layout == "wide":
        examples = WIDE_EXAMPLE.get(kind.name, ())
        for j, (code, name) in enumerate(indicators):
            help_text = f"指标“{code}”：{WIDE_HELP.get(kind.name, '整数')}"
            out.append(Column(name, COUNT, help_text, None, [], examples[j] if j < len(examples) else None))
    return out


def _prompt(col: Column, kind: Kind) -> str:
    parts = [p for p in (col.help, TYPE_HINTS.get(col.type, "")) if p]
    if col.required:
        parts.insert(0, "必填")
    if col.choices and col.type != "station":
        parts.append("可选：" + "、".join(col.choices))
    elif col.type == "station":
        parts.append("从下拉列表选择监管所")
    if col.example not in (None, ""):
        parts.append(f"示例：{col.example}")
    text = "；".join(parts) or f"填写{col.label}（可留空）"
    return text if len(text) <= 250 else text[:249] + "…"


def _validation(col: Column, letter: str, rows: str, list_ref: str | None, kind: Kind) -> DataValidation:
    prompt = _prompt(col, kind)
    common = {"allow_blank": True, "showInputMessage": True, "promptTitle": col.label[:32], "prompt": prompt,
              "showErrorMessage": True, "errorTitle": col.label[:32]}
    if list_ref is not None:
        dv = DataValidation(type="list", formula1=list_ref, errorStyle="warning",
                            error="不在下拉列表中：请从列表选择（确需填写其他写法可点“是”继续）", **common)
    elif col.type in ("int", COUNT):
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", error="应为不小于0的整数",
                            **common)
    elif col.type == "month":
        dv = DataValidation(type="whole", operator="between", formula1="1", formula2="12", error="月份应为1–12",
                            **common)
    elif col.type == "year":
        dv = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100",
                            error="年度应为四位年份", **common)
    elif col.type == "date":
        dv = DataValidation(type="date", operator="between", formula1=str(DATE_MIN), formula2=str(DATE_MAX),
                            error="应为日期，如 2022-03-31", **common)
    elif col.type == "float":
        lo, hi = {"lat": ("-90", "90"), "lon": ("-180", "180")}.get(col.field_name or "", ("0", "100000000"))
        dv = DataValidation(type="decimal", operator="between", formula1=lo, formula2=hi, error="应为数字", **common)
    else:  # any value: the validation only carries the input prompt
        dv = DataValidation(**common)
    dv.add(f"{letter}{FIRST_ROW}:{letter}{rows}")
    return dv


def _write_lists(wb: Workbook, columns: list[Column]) -> dict[str, str]:
    """One column of the hidden _lists sheet per distinct list; returns label -> "_lists!$A$2:$A$N"."""
    ws = wb.create_sheet(LISTS)
    refs: dict[str, str] = {}
    seen: dict[tuple[str, ...], str] = {}
    n = 0
    for col in sorted(columns, key=lambda c: c.type != "station"):  # stations always in column A
        if not col.choices:
            continue
        key = tuple(col.choices)
        if key not in seen:
            n += 1
            letter = get_column_letter(n)
            ws.cell(1, n, "监管所" if col.type == "station" else col.label)
            for r, value in enumerate(col.choices, start=2):
                ws.cell(r, n, value).data_type = "s"
            # OOXML keeps formula text without Excel's leading "=" (ECMA-376 §18.3.1.40; openpyxl writes it verbatim)
            seen[key] = f"{LISTS}!${letter}$2:${letter}${len(col.choices) + 1}"
        refs[col.label] = seen[key]
    if n == 0:
        ws.cell(1, 1, "（本表没有下拉列表）")
    ws.sheet_state = "hidden"
    return refs


def _write_meta(wb: Workbook, kind: str, year: int | None, month: int | None) -> None:
    ws = wb.create_sheet(META)
    pairs = [("kind", kind), ("version", TEMPLATE_VERSION), ("source", "template")]
    if year is not None:
        pairs.append(("year", str(year)))
    if month is not None:
        pairs.append(("month", str(month)))
    for r, (key, value) in enumerate(pairs, start=1):
        ws.cell(r, 1, key)
        ws.cell(r, 2, value)
    ws.sheet_state = "hidden"


def _header_comment(col: Column, kind: Kind) -> Comment:
    comment = Comment(_prompt(col, kind), "填报模板")
    comment.width, comment.height = 260, 140
    return comment


def _setup_print(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def template_bytes(kind: str, *, session: Session | None = None, year: int | None = None,
                   month: int | None = None) -> bytes:
    """An .xlsx to fill in for one kind; with a session, stations and indicators come from the database."""
    if kind not in KINDS:
        raise ValueError(f"未知的类型“{kind}”，可选：{'、'.join(KINDS)}")
    if month is not None and not 1 <= month <= 12:
        raise ValueError("月份应为1–12")
    k = KINDS[kind]
    columns = columns_for(k, session=session)
    wb = Workbook()
    ws = wb.active
    ws.title = kind
    ncols = len(columns)
    per_station = k.layout == "wide" or k.per_station
    stations = _stations(session) if per_station else []
    last_row = FIRST_ROW + max(INPUT_ROWS, len(stations) + 50) - 1

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    title_font = Font(name=FONT, size=14, bold=True)
    header_font = Font(name=FONT, size=11, bold=True)
    cell_font = Font(name=FONT, size=11)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    unlocked = Protection(locked=False)

    title = template_title(kind, year, month)
    if kind in TEMPLATE_NOTES:
        title += "：" + TEMPLATE_NOTES[kind]
    ws.cell(TITLE_ROW, 1, title).font = title_font
    ws.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center")
    if ncols > 1:
        ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=ncols)
    ws.row_dimensions[TITLE_ROW].height = 30
    ws.row_dimensions[HEADER_ROW].height = 32

    refs = _write_lists(wb, columns)
    for c, col in enumerate(columns, start=1):
        letter = get_column_letter(c)
        head = ws.cell(HEADER_ROW, c, col.label)
        head.font = header_font
        head.fill = required_fill if col.required else header_fill
        head.border = border
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.comment = _header_comment(col, k)
        width = column_width([col.label, col.example, *col.choices[:50]], hi=40)
        ws.column_dimensions[letter].width = width
        number_format = "@" if col.type in ("code", "text", "station", "enum") else (
            "yyyy-mm-dd" if col.type == "date" else "General")
        for r in range(FIRST_ROW, last_row + 1):
            cell = ws.cell(r, c)
            cell.protection = unlocked
            cell.font = cell_font
            cell.border = border
            cell.number_format = number_format
        ws.add_data_validation(_validation(col, letter, str(last_row), refs.get(col.label), k))
    if stations:  # 任务清单 / 任务进度 / 风险隐患: one prefilled row per station
        for r, name in enumerate(stations, start=FIRST_ROW):
            ws.cell(r, 1, name)

    ws.freeze_panes = f"B{FIRST_ROW}" if per_station else f"A{FIRST_ROW}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # False = allowed: users may widen columns and rows
    ws.protection.formatRows = False
    ws.protection.formatCells = False
    _setup_print(ws)
    _write_meta(wb, kind, year, month)
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["FIRST_ROW", "HEADER_ROW", "INPUT_ROWS", "TEMPLATE_VERSION", "columns_for", "template_bytes",
           "template_filename", "template_title"]
