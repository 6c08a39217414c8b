"""Where a figure came from: the import batch, file, sheet and row of the row behind it — or the 数据填报 save, by
whom and when — for the figures of 任务清单 (a station's target and 累计完成 per indicator) and 指标 (a KPI's
year-to-date value).

Whoever may read the figure may read its lineage: the functions check the page's read permission (services.rules.permissions) and
nothing more, as the figures themselves are open to every role that reads the page. A month without a report
carries the latest earlier report forward (as the dashboard counts it), so its lineage is that earlier row's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from db import engine as dbe
from db import models as m
from services.entry import ENTRY_PREFIX
from services.metrics.oversight import register_figures
from services.rules import fmt
from services.rules import oversight as oversight_rules
from services.rules.localtime import local_time_label
from services.rules.permissions import require
from services.rules.viewer import Viewer
from services.unit import unit_of_work

TASKS_PAGE, KPI_PAGE = "任务清单", "指标"
COLUMNS = ["indicator", "figure", "value", "month", "batch_id", "file_name", "sheet", "row", "user", "at", "status",
           "is_demo", "source"]
KPI_COLUMNS = ["figure", "value", "month", "batch_id", "file_name", "sheet", "row", "user", "at", "status",
               "is_demo", "source"]


def describe(*, batch_id: int | None, file_name: str | None, sheet: str | None, row: int | None,
             user: str | None, at: Any, status: str | None, is_demo: bool) -> str:
    """One readable line: 批次 #12：任务进度.xlsx，工作表“任务进度”第8行；office 于2022年11月3日 10:20 导入."""
    if batch_id is None or file_name is None:
        return "示例数据（系统生成，无导入批次）" if is_demo else "未记录来源（早于导入记录的数据）"
    who = user or "命令行"
    when = local_time_label(at)
    undone = "（该批次已撤销）" if status == "已撤销" else ""
    if file_name.startswith(ENTRY_PREFIX):
        return f"数据填报：{who} 于 {when} 保存（批次 #{batch_id}）{undone}"
    where = f"工作表“{sheet}”" if sheet else ""
    if row is not None:
        where += f"第{row}行"
    return f"批次 #{batch_id}：{file_name}{'，' + where if where else ''}；{who} 于 {when} 导入{undone}"


def _batches(session: Session, ids: set[int]) -> dict[int, m.ImportBatch]:
    if not ids:
        return {}
    b = m.ImportBatch
    rows = session.exec(select(b.id, b.file_name, b.user, b.created_at, b.status).where(b.id.in_(sorted(ids)))).all()
    return {int(r[0]): r for r in rows}


def _lineage_fields(obj: Any, batches: Mapping[int, Any]) -> dict[str, Any]:
    batch = batches.get(obj.batch_id) if obj.batch_id is not None else None
    fields = {
        "batch_id": obj.batch_id, "file_name": batch[1] if batch else None, "sheet": obj.src_sheet,
        "row": obj.src_row, "user": batch[2] if batch else None, "at": batch[3] if batch else None,
        "status": batch[4] if batch else None, "is_demo": bool(obj.is_demo),
    }
    return {**fields, "source": describe(**fields)}


@unit_of_work
def station_figures(*, session: Session | None = None, viewer: Viewer, year: int, month: int, station_id: int) -> pd.DataFrame:
    """Each indicator's 目标 and 累计完成 of a station for the period, with where each came from (COLUMNS).

    累计完成 is the latest report up to the month; month names the report used ("" when none)."""
    require(viewer, TASKS_PAGE)
    t, p, i = m.StationTarget, m.StationProgress, m.TaskIndicator
    targets = session.exec(
        select(t, i.code).join(i, i.id == t.indicator_id)
        .where(t.year == year, t.station_id == station_id).order_by(i.sort_order, i.id)
    ).all()
    progress = session.exec(
        select(p).where(p.year == year, p.station_id == station_id, p.month <= month)
        .order_by(p.indicator_id, p.month.desc())
    ).all()
    latest: dict[int, m.StationProgress] = {}
    for row in progress:
        latest.setdefault(row.indicator_id, row)
    ids = {o.batch_id for o, _ in targets if o.batch_id is not None}
    ids |= {o.batch_id for o in latest.values() if o.batch_id is not None}
    batches = _batches(session, ids)
    rows = []
    for target, code in targets:
        rows.append({"indicator": code, "figure": "目标", "value": target.target, "month": "",
                     **_lineage_fields(target, batches)})
        done = latest.get(target.indicator_id)
        if done is None:
            rows.append({"indicator": code, "figure": "累计完成", "value": None, "month": "", "batch_id": None,
                         "file_name": None, "sheet": None, "row": None, "user": None, "at": None, "status": None,
                         "is_demo": False, "source": "尚未上报"})
        else:
            rows.append({"indicator": code, "figure": "累计完成", "value": done.cumulative,
                         "month": fmt.month_label(done.year, done.month), **_lineage_fields(done, batches)})
    return pd.DataFrame(rows, columns=COLUMNS)


@unit_of_work
def kpi_figure(*, session: Session | None = None, viewer: Viewer, kpi_id: int, year: int, month: int) -> pd.DataFrame:
    """A KPI's target and its year-to-date value for the period (the latest reading up to the month), with where
    each came from (KPI_COLUMNS). A KPI the system computes (e.g. 月报按时上报率 from the submissions) says so."""
    require(viewer, KPI_PAGE)
    kpi = session.get(m.Kpi, kpi_id)
    if kpi is None or kpi.year != year:
        return pd.DataFrame(columns=KPI_COLUMNS)
    r = m.KpiReading
    reading = session.exec(
        select(r).where(r.kpi_id == kpi_id, r.year == year, r.month <= month).order_by(r.month.desc()).limit(1)
    ).first()
    ids = {x.batch_id for x in (kpi, reading) if x is not None and x.batch_id is not None}
    batches = _batches(session, ids)
    target = {"figure": "目标", "value": kpi.target, "month": "", **_lineage_fields(kpi, batches)}
    if kpi.source_doc:
        target["source"] += f"；依据：{kpi.source_doc}{kpi.source_article or ''}"
    figure = oversight_rules.KPI_FIGURES.get(kpi.name)
    register = (register_figures(session=session, year=year, months=[month], as_of=dbe.as_of(session.get_bind()))
                if figure else pd.DataFrame())
    if not register.empty:
        got = register.set_index("figure").loc[figure]
        value = {"figure": "本年累计", "value": got["actual"], "month": fmt.month_label(year, month), "batch_id": None,
                 "file_name": None, "sheet": None, "row": None, "user": None, "at": None, "status": None,
                 "is_demo": bool(got["is_demo"]),
                 "source": oversight_rules.source_text(oversight_rules.SOURCE_REGISTER, figure, got["basis"])
                 + "，由系统计算；指标月报填报的数值不用于仪表"}
    elif kpi.computed_from:
        value = {"figure": "本年累计", "value": None, "month": fmt.month_label(year, month), "batch_id": None,
                 "file_name": None, "sheet": None, "row": None, "user": None, "at": None, "status": None,
                 "is_demo": False, "source": "由系统根据各监管所的上报记录计算（见“上报监测”），不经导入"}
    elif reading is None:
        value = {"figure": "本年累计", "value": None, "month": "", "batch_id": None, "file_name": None,
                 "sheet": None, "row": None, "user": None, "at": None, "status": None, "is_demo": False,
                 "source": "尚未上报"}
    else:
        value = {"figure": "本年累计", "value": reading.value, "month": fmt.month_label(reading.year, reading.month),
                 **_lineage_fields(reading, batches)}
    return pd.DataFrame([target, value], columns=KPI_COLUMNS)
