"""上报监测: which stations sent their monthly report by the deadline (DOMAIN.md §5), which were late, which are
missing — from the same MonthlySubmission rows and deadlines that 月报按时上报率 (metrics.report_timeliness) counts.
Both monthly reports are covered, one kind at a time: 任务进度 (the default) and 风险隐患 (风险隐患排查整治表).

A submission is the first import or 数据填报 save of a station's month (the importer and services.entry keep its first
report date; a date written in an imported file replaces it). Ages are measured against as_of (AS_OF)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlmodel import Session, col, select

from db import models as m
from db.queries import org as oq
from db.queries import tasks as tq
from db.sql import MAX_ROWS
from services import scope as scoping
from services.metrics import DeadlineFn
from services.metrics.timeliness import deadline_of
from services.rules.deadlines import report_deadline
from services.rules.viewer import Viewer
from services.unit import unit_of_work

PAGE = "上报监测"
ON_TIME, LATE, MISSING, NOT_DUE = "按时", "逾期", "未报", "未到期"
STATUSES = (ON_TIME, LATE, MISSING, NOT_DUE)
MSG_OTHER_STATION = "监管所账号只能查看本所（{station}）的上报情况"
KINDS = m.SUBMISSION_KINDS  # 任务进度, 风险隐患
KIND_LABELS = {"任务进度": "任务进度", "风险隐患": "风险隐患排查整治表"}

COLUMNS = ["station_id", "station", "sort_order", "year", "month", "deadline", "deadline_note", "due", "report_date",
           "status", "days_late", "is_demo"]


@unit_of_work
def scope(*, session: Session | None = None, viewer: Viewer, station_id: int | None = None) -> int | None:
    """The station the rows are limited to, after the checks: the role may read 上报监测 (PermissionError for a
    kiosk or nobody), a 监管所 account sees its own station only. SYSTEM sees everything."""
    return scoping.scope(session, viewer, PAGE, station_id, message=MSG_OTHER_STATION)


def _status(deadline: dt.date, report_date: dt.date | None, as_of: dt.date) -> tuple[str, int | None]:
    """(status, days late). A report dated after as_of has not arrived yet as of as_of. On the deadline day itself
    a missing report is 未报 with 0 days, as report_timeliness already counts that month as due."""
    if report_date is not None and report_date <= as_of:
        if report_date <= deadline:
            return ON_TIME, 0
        return LATE, (report_date - deadline).days
    if deadline > as_of:
        return NOT_DUE, None
    return MISSING, (as_of - deadline).days


@unit_of_work
def submission_grid(
    *,
    session: Session | None = None,
    viewer: Viewer,
    year: int,
    month: int,
    as_of: dt.date,
    station_id: int | None = None,
    deadline_fn: DeadlineFn = report_deadline,
    kind: str = tq.PROGRESS_KIND,
) -> pd.DataFrame:
    """One row per station × month 1..month of the year for reports of `kind` (任务进度 or 风险隐患; ValueError
    for another): deadline (+ note when the weekend-only fallback was used),
    the first report's date, status 按时 / 逾期 / 未报 / 未到期 and days late (逾期: report − deadline; 未报: as_of −
    deadline; 按时 0; 未到期 NA). A 监管所 account gets its own station's rows only."""
    if kind not in KINDS:
        raise ValueError(f"未知的月报类型“{kind}”，可选：{'、'.join(KINDS)}")
    sid = scope(session=session, viewer=viewer, station_id=station_id)
    months = list(range(1, int(month) + 1))
    stations = oq.stations(session=session)
    if sid is not None:
        stations = stations[stations["station_id"] == sid]
    if stations.empty or not months:
        return pd.DataFrame(columns=COLUMNS)
    s = m.MonthlySubmission
    stmt = select(s.station_id, s.month, s.report_date, s.is_demo).where(
        s.year == year, s.kind == kind, col(s.month).in_(months))
    if sid is not None:
        stmt = stmt.where(s.station_id == sid)
    # Bounded: one row per station and month at most (the unique key), i.e. stations × 12.
    subs = {(int(st), int(mo)): (d, bool(demo)) for st, mo, d, demo in session.exec(stmt.limit(MAX_ROWS)).all()}
    deadlines = {mo: deadline_of(deadline_fn, year, mo) for mo in months}
    rows = []
    for st in stations.itertuples(index=False):
        for mo in months:
            deadline, note = deadlines[mo]
            report_date, demo = subs.get((int(st.station_id), mo), (None, False))
            status, days = _status(deadline, report_date, as_of)
            rows.append({
                "station_id": int(st.station_id), "station": st.station, "sort_order": st.sort_order, "year": year,
                "month": mo, "deadline": deadline, "deadline_note": note, "due": deadline <= as_of,
                "report_date": report_date if status in (ON_TIME, LATE) else None, "status": status,
                "days_late": days, "is_demo": bool(st.is_demo) or demo,
            })
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["days_late"] = df["days_late"].astype("Int64")
    for c in ("deadline", "report_date", "deadline_note"):
        df[c] = df[c].astype("object").where(df[c].notna(), None)
    return df


@unit_of_work
def submission_status(
    *,
    session: Session | None = None,
    viewer: Viewer,
    year: int,
    month: int,
    as_of: dt.date,
    station_id: int | None = None,
    deadline_fn: DeadlineFn = report_deadline,
    kind: str = tq.PROGRESS_KIND,
) -> pd.DataFrame:
    """The month's row per station (see submission_grid), in the bureau's order of stations."""
    df = submission_grid(session=session, viewer=viewer, year=year, month=month, as_of=as_of, station_id=station_id,
                         deadline_fn=deadline_fn, kind=kind)
    return df[df["month"] == int(month)].reset_index(drop=True)


def status_counts(df: pd.DataFrame) -> dict[str, int]:
    """按时 / 逾期 / 未报 / 未到期 → number of rows, every status present (0 when none)."""
    counts = df["status"].value_counts() if len(df) else pd.Series(dtype="int64")
    return {s: int(counts.get(s, 0)) for s in STATUSES}


def monthly_counts(grid: pd.DataFrame) -> pd.DataFrame:
    """month, deadline, deadline_note, due, and the number of stations per status (按时 … 未到期) — the page's
    year table, whose due months agree with report_timeliness (n_ontime = 按时, n_expected = 按时 + 逾期 + 未报)."""
    if grid.empty:
        return pd.DataFrame(columns=["month", "deadline", "deadline_note", "due", *STATUSES])
    counts = pd.crosstab(grid["month"], grid["status"]).reindex(columns=list(STATUSES), fill_value=0)
    head = grid.drop_duplicates("month").set_index("month")[["deadline", "deadline_note", "due"]]
    out = head.join(counts).reset_index()
    for s in STATUSES:
        out[s] = out[s].fillna(0).astype("int64")
    out.columns.name = None
    return out
