"""上报监测: which stations sent their monthly report by the deadline (DOMAIN.md §5), which were late, which are
missing — from the same MonthlySubmission rows and deadlines that 月报按时上报率 (metrics.report_timeliness) counts.
Both monthly filings are covered, one kind at a time and named apart: the 月报 (风险隐患排查整治表, kind 风险隐患 — the
default, and what 月报按时上报率 counts from its rule's start month) and 进度填报 (任务进度). `not_reported` names the
stations behind 进度未报 and 月报未报.

A submission is the first import or 数据填报 save of a station's month (the importer and services.entry keep its first
report date; a date written in an imported file replaces it). Ages are measured against as_of (AS_OF)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session, col, select

from db import models as m
from db.queries import org as oq
from db.sql import MAX_ROWS
from services import scope as scoping
from services.metrics import DeadlineFn
from services.metrics.timeliness import deadline_of, first_required_month
from services.rules import deadlines as dl_rules
from services.rules import fmt, permissions
from services.rules.deadlines import report_deadline
from services.rules.viewer import SYSTEM, Viewer
from services.unit import unit_of_work

PAGE = "上报监测"
ON_TIME, LATE, MISSING, NOT_DUE, NOT_REQUIRED = "按时", "逾期", "未报", "未到期", "不要求"
STATUSES = (ON_TIME, LATE, MISSING, NOT_DUE, NOT_REQUIRED)
MSG_OTHER_STATION = "监管所账号只能查看本所（{station}）的上报情况"
KINDS = (dl_rules.HAZARD_KIND, dl_rules.PROGRESS_KIND)  # the 月报 first: m.SUBMISSION_KINDS in the page's order
assert set(KINDS) == set(m.SUBMISSION_KINDS)
KIND_LABELS = {dl_rules.HAZARD_KIND: dl_rules.MONTHLY_REPORT_LABEL, dl_rules.PROGRESS_KIND: "进度填报（任务进度）"}
PROGRESS_MISSING, MONTHLY_MISSING = "进度未报", "月报未报"

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
    kind: str = dl_rules.HAZARD_KIND,
) -> pd.DataFrame:
    """One row per station × month 1..month of the year for reports of `kind` (风险隐患 — the 月报 — or 任务进度;
    ValueError for another): deadline (+ note when the weekend-only fallback was used),
    the first report's date, status 按时 / 逾期 / 未报 / 未到期 / 不要求 and days late (逾期: report − deadline; 未报:
    as_of − deadline; 按时 0; 未到期 and 不要求 NA). 不要求: a 月报 month before the rule's start (first_required_month),
    whatever came — a report that came still shows its date. A 监管所 account gets its own station's rows only."""
    return _grid(session, viewer=viewer, year=year, months=list(range(1, int(month) + 1)), as_of=as_of,
                 station_id=station_id, deadline_fn=deadline_fn, kind=kind)


def _grid(session: Session, *, viewer: Viewer, year: int, months: list[int], as_of: dt.date, station_id: int | None,
          deadline_fn: DeadlineFn, kind: str) -> pd.DataFrame:
    """submission_grid's rows for these months (each station × month stands alone: a month's row never reads
    another month's)."""
    if kind not in KINDS:
        raise ValueError(f"未知的月报类型“{kind}”，可选：{'、'.join(KINDS)}")
    sid = scope(session=session, viewer=viewer, station_id=station_id)
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
    first = first_required_month(session, year, kind)  # the 月报 rule's start month; 任务进度 from January
    rows = []
    for st in stations.itertuples(index=False):
        for mo in months:
            deadline, note = deadlines[mo]
            report_date, demo = subs.get((int(st.station_id), mo), (None, False))
            status, days = _status(deadline, report_date, as_of)
            required = dl_rules.is_required(mo, first)
            if not required:
                # Before the rule's start month no 月报 is required: nothing is on time, late or missing (a report
                # that came still shows its date).
                status, days = NOT_REQUIRED, None
            rows.append({
                "station_id": int(st.station_id), "station": st.station, "sort_order": st.sort_order, "year": year,
                "month": mo, "deadline": deadline, "deadline_note": note, "due": deadline <= as_of and required,
                "report_date": report_date if status in (ON_TIME, LATE, NOT_REQUIRED) else None, "status": status,
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
    kind: str = dl_rules.HAZARD_KIND,
) -> pd.DataFrame:
    """The month's row per station (see submission_grid), in the bureau's order of stations."""
    # the month's rows only: the months before it are not read (at city scale the year's grid is 1,500 rows)
    df = _grid(session, viewer=viewer, year=year, months=[int(month)] if int(month) >= 1 else [], as_of=as_of,
               station_id=station_id, deadline_fn=deadline_fn, kind=kind)
    return df[df["month"] == int(month)].reset_index(drop=True)


def status_counts(df: pd.DataFrame) -> dict[str, int]:
    """按时 / 逾期 / 未报 / 未到期 / 不要求 → number of rows, every status present (0 when none)."""
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


@dataclass(frozen=True)
class NotReported:
    """Who has not reported for a month, two things named apart (DOMAIN.md §1 and §5):
    进度未报 — no 任务进度 filing for the month by as_of; 月报未报 — the month's deadline has passed and no 月报 (风险隐患
    排查整治表; 工作信息 once a kind exists) has arrived by as_of. monthly_late names those whose 月报 came after the
    deadline (逾期上报, not 未报). Before the rule's start month (monthly_required False) or the deadline
    (monthly_due False) nobody is 月报未报."""

    year: int
    month: int
    as_of: dt.date
    deadline: dt.date
    progress_missing: tuple[str, ...]
    monthly_missing: tuple[str, ...]
    monthly_late: tuple[str, ...]
    monthly_required: bool
    monthly_due: bool
    start_label: str
    station: str | None = None  # a 监管所 account's own station, the only one it learns about; else None

    @property
    def progress_line(self) -> str:
        """"进度未报（10月任务进度）：枣园所" / "…：无"."""
        return f"{PROGRESS_MISSING}（{self.month}月任务进度）：{'、'.join(self.progress_missing) or '无'}"

    @property
    def monthly_line(self) -> str:
        """"月报未报（10月风险隐患排查整治表，截止2022年10月24日）：枣园所"; says why nobody can be 未报 yet."""
        head = f"{MONTHLY_MISSING}（{self.month}月风险隐患排查整治表，截止{fmt.date_label(self.deadline)}）："
        if not self.monthly_required:
            return f"{head}{self.month}月不要求上报，{self.start_label}"
        if not self.monthly_due:
            return f"{head}未到截止日"
        late = f"；逾期上报：{'、'.join(self.monthly_late)}" if self.monthly_late else ""
        return f"{head}{'、'.join(self.monthly_missing) or '无'}{late}"


@unit_of_work
def not_reported(
    *,
    session: Session | None = None,
    viewer: Viewer = SYSTEM,
    year: int,
    month: int,
    as_of: dt.date,
    station_id: int | None = None,
    deadline_fn: DeadlineFn = report_deadline,
) -> NotReported:
    """The stations behind 进度未报 and 月报未报 for the month, in the bureau's order (see NotReported). The
    viewer's scope applies: a 监管所 account learns about its own station only."""
    progress = submission_status(session=session, viewer=viewer, year=year, month=month, as_of=as_of,
                                 station_id=station_id, deadline_fn=deadline_fn, kind=dl_rules.PROGRESS_KIND)
    monthly = [submission_status(session=session, viewer=viewer, year=year, month=month, as_of=as_of,
                                 station_id=station_id, deadline_fn=deadline_fn, kind=k)
               for k in dl_rules.MONTHLY_REPORT_KINDS]
    deadline = deadline_of(deadline_fn, year, month)[0]
    first = first_required_month(session, year, dl_rules.HAZARD_KIND)
    required = dl_rules.is_required(month, first)
    due = required and deadline <= as_of

    def names(frames: list[pd.DataFrame], status: str) -> tuple[str, ...]:
        hit = {st for f in frames for st in f.loc[f["status"] == status, "station"]}
        order = frames[0]["station"].tolist() if frames else []
        return tuple(st for st in order if st in hit)

    # 本所 is a 监管所 account's own station (the office naming one station sees that station's name, not 本所)
    one = permissions.station_scope(viewer) is not None and not progress.empty
    return NotReported(
        year=year, month=month, as_of=as_of, deadline=deadline,
        station=str(progress["station"].iloc[0]) if one else None,
        progress_missing=tuple(progress.loc[progress["report_date"].isna(), "station"]),
        monthly_missing=names(monthly, MISSING) if due else (),
        monthly_late=tuple(st for st in names(monthly, LATE) if st not in names(monthly, MISSING)) if due else (),
        monthly_required=required, monthly_due=due, start_label=dl_rules.start_label(year, first),
    )
