"""Build the seed .xlsx workbooks in seed/data/ from data transcribed verbatim from the source documents.

The transcriptions are the JSON files in seed/data/sources/ (one per workbook); this module only lays them out."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

OUT_DIR = Path(__file__).resolve().parent / "data"
SOURCES_DIR = OUT_DIR / "sources"

# Fixed document date so that repeated builds are byte-identical.
CREATED = datetime(2022, 3, 3)
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}


def _load(name: str) -> dict:
    return json.loads((SOURCES_DIR / name).read_text(encoding="utf-8"))


# seeds/004 附件1: 2022 task list per station (示范创建, 提升, 视频监管试点, 产业协会活动次数)
_task_list = _load("task_list.json")
TASK_LIST_TITLE: str = _task_list["title"]
TASK_LIST_HEADERS: list[str] = _task_list["headers"]
TASK_LIST: list[tuple] = [tuple(row) for row in _task_list["rows"]]
# The document's own 总计 row; the build checks the station rows against it.
TASK_LIST_TOTALS: tuple = tuple(_task_list["totals"])
# The window the list is worked in, as a 注 line under the table (the 任务清单 handler reads it).
TASK_LIST_WINDOW_NOTE: str = _task_list.get("window_note", "")

# seeds/004 附件2: 2022 schedule (时间, 工作重点, 推进措施, 备注)
_schedule = _load("schedule.json")
SCHEDULE_TITLE: str = _schedule["title"]
SCHEDULE_HEADERS: list[str] = _schedule["headers"]
SCHEDULE: list[tuple] = [tuple(row[h] for h in SCHEDULE_HEADERS) for row in _schedule["rows"]]

# Stations (order of seeds/004 附件1) with townships and approximate seats (DOMAIN.md, Places)
_stations = _load("stations.json")
STATIONS_TITLE: str = _stations["title"]
STATIONS_HEADERS: list[str] = _stations["headers"]
COORD_PRECISION: str = _stations["coord_precision"]
COORD_NOTE: str = _stations["coord_note"]
STATIONS: list[tuple] = [(s["station"], s["township"], s["lat"], s["lon"]) for s in _stations["stations"]]
DISTRICT_HEADERS: list[str] = _stations["district_headers"]
DISTRICT: tuple = tuple(_stations["district"].values())

# Work plans: seeds/000 (宝山), seeds/002 (昌乐, five plans), seeds/003 (南开).
# Each point is (number, full text without its leading number). In 南开 task 7 the unnumbered
# paragraph about night markets that follows it in the source is appended after "\n".
_plans = _load("plans.json")
PLAN_HEADERS: list[str] = _plans["headers"]
PLAN_YEAR: int = _plans["year"]
PLANS: list[dict] = [
    {"sheet": p["sheet"], "title": p["title"], "issuer": p["issuer"], "area": p["area"],
     "sections": [(s["section"], [(pt["n"], pt["text"]) for pt in s["points"]]) for s in p["sections"]]}
    for p in _plans["plans"]
]
EXPECTED_POINTS: dict[str, int] = {p["sheet"]: p["points"] for p in _plans["plans"]}

# seeds/004 itself: 章丘区's own 2022 work plan — its six 重点任务 二(一)…(六), the units of 四(一) and its phases 三.
OWN_PLAN: dict = _load("work_plan_2022.json")
OWN_PLAN_FILE = f"{OWN_PLAN['title']}.xlsx"
OWN_PLAN_HEADERS = ["序号", "条目", "章节", "任务", "内容", "完成时限", "实施阶段", "责任单位"]
PHASE_HEADERS = ["序号", "条目", "阶段", "时间", "开始日期", "结束日期", "工作举措"]

# KPIs with targets found in the seeds (DOMAIN.md §4). Reference rows only (是否仪表 = 否).
_kpis = _load("kpis.json")
KPI_TITLE: str = _kpis["title"]
KPI_HEADERS: list[str] = _kpis["headers"]
# (name, unit, target, pacing, jurisdiction, rule note, source, article)
KPIS: list[tuple] = [(k["name"], k["unit"], k["target"], k["pacing"], k["area"], k["rule"], k["source"], k["article"])
                     for k in _kpis["kpis"]]
KPI_DIRECTION: str = _kpis["direction"]
KPI_DUE: str = _kpis["due"]
KPI_GAUGED: str = _kpis["gauged"]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
_HEADLINE_END = re.compile(r"[。；]")


def headline(text: str) -> str:
    """Task headline: text before the first 。/； if at most 40 chars, else the first 30 chars + '…'."""
    m = _HEADLINE_END.search(text)
    head = text[: m.start()] if m else text
    if len(head) <= 40:
        return head
    return text[:30] + "…"


def plan_rows(plan: dict) -> list[tuple[int, str, str, str, str]]:
    """Rows (序号, 章节, 任务, 内容, 完成时限) of one plan."""
    rows = []
    for section, points in plan["sections"]:
        for number, text in points:
            rows.append((number, section, headline(text), text, ""))
    return rows


def _new_workbook(path: Path) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    wb.set_properties({"created": CREATED, "author": "seed.build_data"})
    return wb


def _formats(wb: xlsxwriter.Workbook) -> dict:
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"}),
        "note": wb.add_format({**base, "align": "left", "text_wrap": True}),
        "header": wb.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "border": 1, "bg_color": "#D9E1F2"}
        ),
        "text": wb.add_format({**base, "border": 1, "text_wrap": True}),
        "center": wb.add_format({**base, "border": 1, "align": "center", "text_wrap": True}),
        "int": wb.add_format({**base, "border": 1, "align": "center", "num_format": "0"}),
        "coord": wb.add_format({**base, "border": 1, "align": "center", "num_format": "0.000"}),
        "num1": wb.add_format({**base, "border": 1, "align": "center", "num_format": "0.0"}),
        "total_label": wb.add_format({**base, "bold": True, "border": 1, "align": "center"}),
        "total": wb.add_format({**base, "bold": True, "border": 1, "align": "center", "num_format": "0"}),
    }


# ---------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------
def build_task_list(out_dir: Path) -> Path:
    totals = tuple(sum(r[i] for r in TASK_LIST) for i in range(1, 5))
    assert totals == TASK_LIST_TOTALS, totals
    path = out_dir / "2022年度各监管所食品小作坊提升任务清单.xlsx"
    wb = _new_workbook(path)
    f = _formats(wb)
    ws = wb.add_worksheet("Sheet1")
    ws.merge_range(0, 0, 0, 4, TASK_LIST_TITLE, f["title"])
    ws.set_row(0, 30)
    ws.set_row(1, 48)
    for c, h in enumerate(TASK_LIST_HEADERS):
        ws.write_string(1, c, h, f["header"])
    for r, (station, *values) in enumerate(TASK_LIST, start=2):
        ws.write_string(r, 0, station, f["center"])
        for c, v in enumerate(values, start=1):
            ws.write_number(r, c, v, f["int"])
    last = 2 + len(TASK_LIST)  # 0-based row of 总计
    ws.write_string(last, 0, "总计", f["total_label"])
    for c, total in enumerate(TASK_LIST_TOTALS, start=1):
        col = xl_col_to_name(c)
        ws.write_formula(last, c, f"=SUM({col}3:{col}{last})", f["total"], total)
    if TASK_LIST_WINDOW_NOTE:
        ws.merge_range(last + 1, 0, last + 1, 4, TASK_LIST_WINDOW_NOTE, f["text"])
        ws.set_row(last + 1, 36)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 22)
    ws.set_column(3, 3, 14)
    ws.set_column(4, 4, 24)
    ws.freeze_panes(2, 1)
    ws.set_landscape()
    wb.close()
    return path


def build_schedule(out_dir: Path) -> Path:
    path = out_dir / "2022年度食品小作坊监管提升工作推进配档表.xlsx"
    wb = _new_workbook(path)
    f = _formats(wb)
    ws = wb.add_worksheet("Sheet1")
    ws.merge_range(0, 0, 0, 3, SCHEDULE_TITLE, f["title"])
    ws.set_row(0, 30)
    for c, h in enumerate(SCHEDULE_HEADERS):
        ws.write_string(1, c, h, f["header"])
    for r, row in enumerate(SCHEDULE, start=2):
        ws.write_string(r, 0, row[0], f["center"])
        ws.write_string(r, 1, row[1], f["text"])
        ws.write_string(r, 2, row[2], f["text"])
        ws.write_blank(r, 3, None, f["text"])
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 3, 10)
    ws.freeze_panes(2, 0)
    ws.set_landscape()
    wb.close()
    return path


def build_stations(out_dir: Path) -> Path:
    path = out_dir / "监管所.xlsx"
    wb = _new_workbook(path)
    f = _formats(wb)
    ws = wb.add_worksheet("监管所")
    ws.merge_range(0, 0, 0, len(STATIONS_HEADERS) - 1, STATIONS_TITLE, f["title"])
    ws.set_row(0, 30)
    for c, h in enumerate(STATIONS_HEADERS):
        ws.write_string(1, c, h, f["header"])
    for i, (station, township, lat, lon) in enumerate(STATIONS, start=1):
        r = i + 1
        ws.write_number(r, 0, i, f["int"])
        ws.write_string(r, 1, station, f["center"])
        ws.write_string(r, 2, township, f["center"])
        ws.write_number(r, 3, lat, f["coord"])
        ws.write_number(r, 4, lon, f["coord"])
        ws.write_string(r, 5, COORD_PRECISION, f["center"])
        ws.write_string(r, 6, COORD_NOTE, f["text"])
    for c, width in enumerate([6, 12, 14, 10, 10, 10, 48]):
        ws.set_column(c, c, width)
    ws.freeze_panes(2, 0)

    ws = wb.add_worksheet("区县")
    for c, h in enumerate(DISTRICT_HEADERS):
        ws.write_string(0, c, h, f["header"])
    ws.write_string(1, 0, DISTRICT[0], f["center"])
    ws.write_string(1, 1, DISTRICT[1], f["center"])  # the code stays text
    ws.write_number(1, 2, DISTRICT[2], f["num1"])
    ws.write_number(1, 3, DISTRICT[3], f["int"])
    ws.write_string(1, 4, DISTRICT[4], f["text"])
    for c, width in enumerate([10, 14, 16, 10, 60]):
        ws.set_column(c, c, width)
    wb.close()
    return path


def build_plans(out_dir: Path) -> Path:
    path = out_dir / "工作要点.xlsx"
    wb = _new_workbook(path)
    f = _formats(wb)
    for plan in PLANS:
        rows = plan_rows(plan)
        assert len(rows) == EXPECTED_POINTS[plan["sheet"]], (plan["sheet"], len(rows))
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1)), plan["sheet"]
        ws = wb.add_worksheet(plan["sheet"])
        ws.merge_range(0, 0, 0, 4, plan["title"], f["title"])
        ws.set_row(0, 30)
        meta = f"发文单位：{plan['issuer']}；辖区：{plan['area']}；年度：{PLAN_YEAR}"
        ws.merge_range(1, 0, 1, 4, meta, f["note"])
        for c, h in enumerate(PLAN_HEADERS):
            ws.write_string(2, c, h, f["header"])
        for r, (number, section, task, text, due) in enumerate(rows, start=3):
            ws.write_number(r, 0, number, f["int"])
            ws.write_string(r, 1, section, f["text"])
            ws.write_string(r, 2, task, f["text"])
            ws.write_string(r, 3, text, f["text"])
            if due:
                ws.write_string(r, 4, due, f["center"])
            else:
                ws.write_blank(r, 4, None, f["center"])
        for c, width in enumerate([6, 20, 24, 80, 12]):
            ws.set_column(c, c, width)
        ws.freeze_panes(3, 0)
        ws.set_landscape()
    wb.close()
    return path


def _plan_head(ws, f, plan: dict, width: int) -> None:
    ws.merge_range(0, 0, 0, width - 1, plan["title"], f["title"])
    ws.set_row(0, 30)
    meta = (f"发文单位：{plan['issuer']}；辖区：{plan['jurisdiction']}；年度：{plan['year']}；"
            f"文号：{plan['doc_number']}")
    ws.merge_range(1, 0, 1, width - 1, meta, f["note"])


def build_own_plan(out_dir: Path) -> Path:
    """seeds/004 as 章丘区's 2022 work plan: sheet 重点任务 (二(一)…(六), units of 四(一), phase 三(二)) and sheet
    工作阶段 (三(一)…(三) with their windows)."""
    plan = OWN_PLAN
    assert [t["n"] for t in plan["tasks"]] == list(range(1, 7)), "004 has six 重点任务"
    assert [p["n"] for p in plan["phases"]] == [1, 2, 3], "004 has three phases"
    path = out_dir / OWN_PLAN_FILE
    wb = _new_workbook(path)
    f = _formats(wb)
    ws = wb.add_worksheet(plan["task_sheet"])
    _plan_head(ws, f, plan, len(OWN_PLAN_HEADERS))
    for c, h in enumerate(OWN_PLAN_HEADERS):
        ws.write_string(2, c, h, f["header"])
    for r, t in enumerate(plan["tasks"], start=3):
        values = [t["n"], t["label"], plan["section"], headline(t["text"]), t["text"], "", plan["phase"],
                  plan["units"]]
        for c, v in enumerate(values):
            if isinstance(v, int):
                ws.write_number(r, c, v, f["int"])
            elif v:
                ws.write_string(r, c, v, f["text"] if c in (3, 4, 7) else f["center"])
            else:
                ws.write_blank(r, c, None, f["center"])
    for c, width in enumerate([6, 8, 12, 24, 80, 12, 10, 30]):
        ws.set_column(c, c, width)
    ws.freeze_panes(3, 0)
    ws.set_landscape()

    ws = wb.add_worksheet(plan["phase_sheet"])
    _plan_head(ws, f, plan, len(PHASE_HEADERS))
    for c, h in enumerate(PHASE_HEADERS):
        ws.write_string(2, c, h, f["header"])
    for r, p in enumerate(plan["phases"], start=3):
        ws.write_number(r, 0, p["n"], f["int"])
        for c, v in enumerate([p["label"], p["name"], p["time"], p["start"], p["end"]], start=1):
            ws.write_string(r, c, v, f["center"])
        ws.write_string(r, 6, p["text"], f["text"])
    for c, width in enumerate([6, 8, 24, 18, 12, 12, 80]):
        ws.set_column(c, c, width)
    ws.freeze_panes(3, 0)
    wb.close()
    return path


def build_kpis(out_dir: Path) -> Path:
    path = out_dir / "指标.xlsx"
    wb = _new_workbook(path)
    f = _formats(wb)
    ws = wb.add_worksheet("指标")
    ws.merge_range(0, 0, 0, len(KPI_HEADERS) - 1, KPI_TITLE, f["title"])
    ws.set_row(0, 30)
    for c, h in enumerate(KPI_HEADERS):
        ws.write_string(1, c, h, f["header"])
    for r, (name, unit, target, pacing, area, rule, source, article) in enumerate(KPIS, start=2):
        assert pacing in ("ramp", "level", "once"), pacing
        due = "" if pacing == "level" else KPI_DUE
        values = [
            name,
            unit,
            target,
            KPI_DIRECTION,
            pacing,
            "",
            due,
            area,
            PLAN_YEAR,
            KPI_GAUGED,
            rule,
            source,
            article,
        ]
        for c, v in enumerate(values):
            if v == "":
                ws.write_blank(r, c, None, f["center"])
            elif c in (0, 10, 11):
                ws.write_string(r, c, v, f["text"])
            elif isinstance(v, str):
                ws.write_string(r, c, v, f["center"])
            else:
                ws.write_number(r, c, v, f["int"])
    for c, width in enumerate([30, 10, 9, 6, 9, 6, 12, 8, 7, 8, 36, 36, 12]):
        ws.set_column(c, c, width)
    ws.freeze_panes(2, 1)
    ws.set_landscape()
    wb.close()
    return path


def main(out_dir: Path | None = None) -> list[Path]:
    out_dir = Path(out_dir) if out_dir else OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        build_task_list(out_dir),
        build_schedule(out_dir),
        build_stations(out_dir),
        build_plans(out_dir),
        build_own_plan(out_dir),
        build_kpis(out_dir),
    ]
    for p in paths:
        print(p)
    return paths


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
