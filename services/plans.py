"""工作要点: the jurisdiction's own plan tasks with their carried-forward status, counted by plan and by lead unit (SQL
counts, pandas combines); the plan's phases; the other districts' plans, kept apart as reference only.

Every count, list and summary here covers own plans only (is_reference False): a reference plan — another district's,
under its own jurisdiction and year — is read through reference_plans / reference_tasks and nowhere else, so 总览,
督办, the kiosk and the briefing, which call these functions, never count it.

Status shown (DOMAIN.md §2): 已完成; else 逾期未完成 once the deadline has passed (已延期 included); else the recorded
status (未开始 when never recorded). A 长期 or 未定 task has no date and is never overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from db.models import (
    PLAN_STATUSES,
    UNIT_ROLES,
    MemberUnit,
    PlanDocument,
    PlanPhase,
    PlanTask,
    PlanTaskStatus,
    ScheduleStatus,
    TaskUnit,
)
from db.sql import count_if as _count_if
from db.sql import frame as _frame
from db.sql import truncate as _truncate
from services.rules.pacing import ref_date
from services.rules.plan_status import (  # noqa: F401  (the status and deadline words, re-exported for the views)
    DEADLINE_WORDS,
    KIND_DATE,
    KIND_OPEN,
    KIND_UNDATED,
    KIND_YEAR,
    OVERDUE,
    SHOWN_STATUSES,
    deadline_label,
    reference_label,
    short_jurisdiction,
    shown_status,
)
from services.unit import unit_of_work

NOT_STARTED, IN_PROGRESS, DONE, DELAYED = PLAN_STATUSES
# Count columns, one per status, in the UI's order.
STATUS_COLUMNS = {NOT_STARTED: "n_not_started", IN_PROGRESS: "n_in_progress", DONE: "n_done", DELAYED: "n_delayed"}
COUNT_COLUMNS = ["n_tasks", *STATUS_COLUMNS.values(), "n_overdue", "n_due_30d"]
LEAD, RESPONSIBLE, SEVERALLY, COOPERATE, OVERSEE, IMPLEMENT = UNIT_ROLES
# The grouping rule: under the 牵头 (or 统筹) units, else each 负责 / 分别负责 / 落实 unit, else the issuing bureau.
LEAD_ROLES = (LEAD, OVERSEE)
RESPONSIBLE_ROLES = (RESPONSIBLE, SEVERALLY, IMPLEMENT)
ISSUER_ROLE = "发文单位"  # the role shown when a task names no lead or responsible unit and falls to the issuer
KIND_MEMBER, KIND_ISSUER = "成员单位", "发文单位"
OWN_ORIGIN = "本区文件"  # origin shown for the bureau's own plans, which carry no origin_note
DUE_DAYS = 30
JOIN = "、"

# A district issues a handful of plans with tens of points each (the demo: 7 plans, 105 tasks); the caps only
# guard a bad import or filter so the kiosk never waits on a runaway list.
MAX_TASKS = 5_000
MAX_GROUPS = 2_000

TASK_COLUMNS = [
    "plan_id", "plan", "issuer", "jurisdiction", "origin_note", "origin", "is_demo", "task_id", "section", "number",
    "label", "title", "text", "deadline", "deadline_kind", "deadline_basis", "deadline_label", "status", "shown_status",
    "status_month", "delay_reason", "notes", "overdue", "days_to_deadline", "overdue_days", "lead_units", "co_units",
    "units", "role",
]


@dataclass(frozen=True)
class Phase:
    """A phase of an own plan (004 三(一)…(三)): the window its work runs in."""

    plan_id: int
    plan: str
    doc_number: str | None
    number: int
    label: str  # 三(二)
    name: str  # 专项整治及监管提升阶段
    time_text: str  # 2022年3月至11月底
    start: dt.date
    end: dt.date
    text: str | None
    is_demo: bool


def _origin(df: pd.DataFrame) -> pd.Series:
    return df["origin_note"].where(df["origin_note"].notna() & (df["origin_note"] != ""), OWN_ORIGIN)


# --- building blocks ---------------------------------------------------------------------------


def _counted(year: int) -> sa.Select:
    """Ids of the tasks counted in `year`: the own plans of that year (reference plans never)."""
    T, D = PlanTask, PlanDocument
    return (
        select(T.id)
        .join(D, D.id == T.plan_id)
        .where(D.year == year, D.is_reference.is_(False))
    )


def _latest_status(S, key, year: int, month: int) -> sa.Select:
    """Per `key` (a task or a 配档表 row): its status row of the latest month ≤ month in the year (carried forward)."""
    latest = (
        select(key, func.max(S.month).label("last_month"))
        .where(S.year == year, S.month <= month)
        .group_by(key)
        .subquery(f"latest_{S.__tablename__}")
    )
    return (
        select(key, S.status, S.month.label("status_month"), S.delay_reason, S.notes, S.is_demo)
        .join(latest, and_(key == latest.c[key.key], S.month == latest.c.last_month))
        .where(S.year == year)
    )


def _status(year: int, month: int) -> sa.Subquery:
    """Per task: its status row for the latest month ≤ month in the year (carried forward)."""
    return _latest_status(PlanTaskStatus, PlanTaskStatus.task_id, year, month).subquery("task_status")


def _groups(year: int) -> sa.Subquery:
    """(task_id, unit, kind, ord) under the grouping rule, one row per task and unit: the 牵头 units, else each
    负责 / 分别负责 unit, else the issuing bureau. `ord` keeps the order the plan names them in."""
    T, D, TU, U = PlanTask, PlanDocument, TaskUnit, MemberUnit
    other = aliased(TaskUnit)
    counted = _counted(year)

    def has(roles, task_id) -> sa.ColumnElement:
        return exists(select(other.id).where(other.task_id == task_id, other.role.in_(roles)))

    def named(roles, *conds) -> sa.Select:
        # ord: one sortable key, the clause first and then the order the units were written in within it.
        return (
            select(TU.task_id, U.name.label("unit"), literal(KIND_MEMBER).label("kind"),
                   func.min(TU.clause_no * 100_000 + TU.id).label("ord"))
            .join(U, U.id == TU.unit_id)
            .where(TU.role.in_(roles), TU.task_id.in_(counted), *conds)
            .group_by(TU.task_id, U.name)
        )

    leads = named(LEAD_ROLES)
    responsible = named(RESPONSIBLE_ROLES, ~has(LEAD_ROLES, TU.task_id))
    issuer = (
        select(T.id.label("task_id"), D.issuer.label("unit"), literal(KIND_ISSUER).label("kind"),
               literal(0).label("ord"))
        .join(D, D.id == T.plan_id)
        .where(T.id.in_(counted), ~has((*LEAD_ROLES, *RESPONSIBLE_ROLES), T.id))
    )
    return sa.union_all(leads, responsible, issuer).subquery("task_group")


def _unit_tasks(year: int, unit: str) -> sa.Select:
    """Ids of the tasks a unit is part of: named in any role, or grouped under it as the issuing bureau."""
    TU, U = TaskUnit, MemberUnit
    g = _groups(year)
    named = select(TU.task_id).join(U, U.id == TU.unit_id).where(U.name == unit, TU.task_id.in_(_counted(year)))
    grouped = select(g.c.task_id).where(g.c.unit == unit)
    return sa.union(named, grouped)


def _flags(year: int, month: int, as_of: dt.date):
    """The status, overdue and due-soon expressions over PlanTask joined to _status()."""
    ref = ref_date(year, month, as_of)
    st = _status(year, month)
    status = func.coalesce(st.c.status, NOT_STARTED)
    deadline = PlanTask.deadline
    overdue = and_(deadline.is_not(None), deadline < ref, status != DONE)
    due = and_(deadline.is_not(None), deadline >= ref, deadline <= ref + dt.timedelta(days=DUE_DAYS), status != DONE)
    return st, status, overdue, due


def _counts(status, overdue, due) -> list[sa.ColumnElement]:
    return [
        func.count(PlanTask.id.distinct()).label("n_tasks"),
        *[_count_if(status == s).label(col) for s, col in STATUS_COLUMNS.items()],
        _count_if(overdue).label("n_overdue"),
        _count_if(due).label("n_due_30d"),
    ]


def _with_rate(df: pd.DataFrame) -> pd.DataFrame:
    for col in COUNT_COLUMNS:
        df[col] = df[col].astype("int64")
    df["done_rate"] = df["n_done"] / df["n_tasks"].where(df["n_tasks"] != 0)
    return df


# --- summaries ---------------------------------------------------------------------------------


@unit_of_work
def totals(*, session: Session | None = None, year: int, month: int, as_of: dt.date,
           unit: str | None = None) -> pd.DataFrame:
    """One row: n_plans, n_tasks and the counts per status, n_overdue, n_due_30d — each task counted once — and
    next_deadline, the nearest deadline from the reference day on among tasks not 已完成, and ref, that day (the
    month's end, or as_of when it comes first)."""
    T, D = PlanTask, PlanDocument
    st, status, overdue, due = _flags(year, month, as_of)
    ahead = and_(T.deadline >= ref_date(year, month, as_of), status != DONE)
    stmt = (
        select(func.count(D.id.distinct()).label("n_plans"), *_counts(status, overdue, due),
               func.min(case((ahead, T.deadline))).label("next_deadline"))
        .select_from(T)
        .join(D, D.id == T.plan_id)
        .outerjoin(st, st.c.task_id == T.id)
        .where(T.id.in_(_counted(year)))
    )
    if unit:
        stmt = stmt.where(T.id.in_(_unit_tasks(year, unit)))
    df = _frame(session, stmt)
    df["n_plans"] = df["n_plans"].astype("int64")
    df["ref"] = ref_date(year, month, as_of)
    return _with_rate(df)


@unit_of_work
def plan_summary(*, session: Session | None = None, year: int, month: int, as_of: dt.date,
                 unit: str | None = None) -> pd.DataFrame:
    """Per counted plan of the year: n_tasks, the counts per status, n_overdue, n_due_30d, done_rate and origin."""
    T, D = PlanTask, PlanDocument
    st, status, overdue, due = _flags(year, month, as_of)
    stmt = (
        select(D.id.label("plan_id"), D.title.label("plan"), D.issuer, D.jurisdiction, D.origin_note,
               D.source_plan_id, D.is_demo, *_counts(status, overdue, due))
        .select_from(D)
        .join(T, T.plan_id == D.id)
        .outerjoin(st, st.c.task_id == T.id)
        .where(D.year == year, D.is_reference.is_(False))
        .group_by(D.id, D.title, D.issuer, D.jurisdiction, D.origin_note, D.source_plan_id, D.is_demo)
        .order_by(D.id)
        .limit(MAX_GROUPS)
    )
    if unit:
        stmt = stmt.where(T.id.in_(_unit_tasks(year, unit)))
    df = _frame(session, stmt)
    df["is_demo"] = df["is_demo"].astype(bool)
    df["origin"] = _origin(df)
    return _with_rate(df)


@unit_of_work
def unit_summary(*, session: Session | None = None, year: int, month: int, as_of: dt.date,
                 unit: str | None = None) -> pd.DataFrame:
    """Per lead unit (the grouping rule; a task counts under each of its units): kind (成员单位 / 发文单位), n_plans,
    n_tasks, the counts per status, n_overdue, n_due_30d and done_rate. Most tasks first."""
    T = PlanTask
    g = _groups(year)
    st, status, overdue, due = _flags(year, month, as_of)
    stmt = (
        select(g.c.unit, func.max(g.c.kind).label("kind"), func.count(T.plan_id.distinct()).label("n_plans"),
               *_counts(status, overdue, due))
        .select_from(g)
        .join(T, T.id == g.c.task_id)
        .outerjoin(st, st.c.task_id == T.id)
        .group_by(g.c.unit)
        .order_by(func.count(T.id.distinct()).desc(), g.c.unit)
        .limit(MAX_GROUPS)
    )
    if unit:
        stmt = stmt.where(T.id.in_(_unit_tasks(year, unit)))
    df = _frame(session, stmt)
    df["n_plans"] = df["n_plans"].astype("int64")
    return _with_rate(df)


@unit_of_work
def units(*, session: Session | None = None, year: int) -> pd.DataFrame:
    """unit, kind, n_tasks: every unit a counted task of the year names, and each issuing bureau that tasks fall
    to — the choices of the member-unit filter, most tasks first."""
    TU, U = TaskUnit, MemberUnit
    g = _groups(year)
    named = (
        select(TU.task_id, U.name.label("unit"), literal(KIND_MEMBER).label("kind"))
        .join(U, U.id == TU.unit_id)
        .where(TU.task_id.in_(_counted(year)))
    )
    issuers = select(g.c.task_id, g.c.unit, g.c.kind).where(g.c.kind == KIND_ISSUER)
    every = sa.union_all(named, issuers).subquery("unit_task")
    stmt = (
        select(every.c.unit, func.max(every.c.kind).label("kind"),
               func.count(every.c.task_id.distinct()).label("n_tasks"))
        .group_by(every.c.unit)
        .order_by(func.count(every.c.task_id.distinct()).desc(), every.c.unit)
        .limit(MAX_GROUPS)
    )
    return _frame(session, stmt)


# --- phases and the 配档表's recorded status ------------------------------------------------------


@unit_of_work
def phases(*, session: Session | None = None, year: int) -> list[Phase]:
    """The phases of the year's own plans (004 三(一)…(三)) with their windows, by plan and order. The 任务清单 is
    paced by the window of the phase its work runs in (004 三(二): 2022-03-01 … 2022-11-30)."""
    P, D = PlanPhase, PlanDocument
    rows = session.exec(
        select(P.plan_id, D.title, D.doc_number, P.number, P.label, P.name, P.time_text, P.start_date, P.end_date,
               P.text, or_(P.is_demo, D.is_demo))
        .join(D, D.id == P.plan_id)
        .where(D.year == year, D.is_reference.is_(False))
        .order_by(D.id, P.number)
        .limit(MAX_GROUPS)
    ).all()
    return [Phase(int(r[0]), r[1], r[2], int(r[3]), r[4], r[5], r[6], r[7], r[8], r[9], bool(r[10])) for r in rows]


@unit_of_work
def own_plans(*, session: Session | None = None, year: int) -> pd.DataFrame:
    """The year's own plans: plan_id, plan, issuer, jurisdiction, doc_number, is_demo."""
    D = PlanDocument
    return _frame(session, (
        select(D.id.label("plan_id"), D.title.label("plan"), D.issuer, D.jurisdiction, D.doc_number, D.is_demo)
        .where(D.year == year, D.is_reference.is_(False))
        .order_by(D.id)
        .limit(MAX_GROUPS)
    ))


def schedule_statuses(session: Session, *, year: int, month: int) -> pd.DataFrame:
    """Per 配档表 row: its latest recorded status of the year through `month` (carried forward) — milestone_id,
    status, status_month, delay_reason, notes, is_demo."""
    return _frame(session, _latest_status(ScheduleStatus, ScheduleStatus.milestone_id, year, month))


# --- task lists --------------------------------------------------------------------------------


def _tasks(session: Session, *, year: int, month: int, as_of: dt.date, unit: str | None, where=(),
           order_by=(), limit: int = MAX_TASKS) -> pd.DataFrame:
    """One row per counted task (TASK_COLUMNS), filtered by `where`, cut at `limit` (attrs["truncated"])."""
    T, D = PlanTask, PlanDocument
    st, status, overdue, _due = _flags(year, month, as_of)
    ref = ref_date(year, month, as_of)
    stmt = (
        select(D.id.label("plan_id"), D.title.label("plan"), D.issuer, D.jurisdiction, D.origin_note,
               or_(D.is_demo, T.is_demo, func.coalesce(st.c.is_demo, False)).label("is_demo"),
               T.id.label("task_id"), T.section, T.number, T.label, T.title, T.text, T.deadline, T.deadline_kind,
               T.deadline_basis,
               status.label("status"), st.c.status_month, st.c.delay_reason, st.c.notes, overdue.label("overdue"))
        .select_from(T)
        .join(D, D.id == T.plan_id)
        .outerjoin(st, st.c.task_id == T.id)
        .where(T.id.in_(_counted(year)), *[w(status, overdue, ref) for w in where])
        .order_by(*order_by, D.id, T.number)
        .limit(limit + 1)
    )
    if unit:
        stmt = stmt.where(T.id.in_(_unit_tasks(year, unit)))
    df = _truncate(_frame(session, stmt), limit)
    df["is_demo"] = df["is_demo"].astype(bool)
    df["overdue"] = df["overdue"].fillna(False).astype(bool)
    df["deadline_label"] = [deadline_label(d, k, b) for d, k, b in
                            zip(df["deadline"], df["deadline_kind"], df["deadline_basis"], strict=True)]
    df["shown_status"] = [OVERDUE if o else s for s, o in zip(df["status"], df["overdue"], strict=True)]
    df["status_month"] = df["status_month"].astype("Int64")
    df["origin"] = _origin(df)
    days = pd.Series([(d - ref).days if d is not None and not pd.isna(d) else pd.NA for d in df["deadline"]],
                     index=df.index, dtype="Int64")
    df["days_to_deadline"] = days
    df["overdue_days"] = (-days).where(df["overdue"]).astype("Int64")
    df = _with_units(session, df, year=year, unit=unit)
    return df[TASK_COLUMNS]


# Worst first (issue 16): 逾期未完成, 已延期, 进行中, 未开始, 已完成.
WORST_FIRST = (OVERDUE, DELAYED, IN_PROGRESS, NOT_STARTED, DONE)


def worst_first(tasks: pd.DataFrame) -> pd.DataFrame:
    """Task rows (TASK_COLUMNS) in the order a table opens: by status shown (WORST_FIRST), the longest overdue
    first, then the nearest deadline (none last), then by plan and number. The frame's attrs are kept."""
    if tasks.empty:
        return tasks
    rank = {s: i for i, s in enumerate(WORST_FIRST)}
    keys = pd.DataFrame({
        "rank": tasks["shown_status"].map(rank).fillna(len(rank)),
        "late": tasks["overdue_days"].astype("Float64").fillna(-1),
        "due": pd.to_datetime(tasks["deadline"], errors="coerce"),
        "plan": tasks["plan_id"], "number": tasks["number"],
    }, index=tasks.index)
    order = keys.sort_values(["rank", "late", "due", "plan", "number"], ascending=[True, False, True, True, True],
                             na_position="last", kind="stable").index
    out = tasks.loc[order]
    out.attrs = dict(tasks.attrs)
    return out


def units_with_roles(named: pd.DataFrame) -> dict[int, str]:
    """Per task, the units its clauses name with their roles, in clause order, each once: "区卫健委（牵头）、…".
    `named`: task_id, unit, role rows in that order."""
    return named.assign(u=named["unit"] + "（" + named["role"] + "）").groupby("task_id")["u"].agg(
        lambda us: JOIN.join(dict.fromkeys(us))).to_dict()


def _with_units(session: Session, df: pd.DataFrame, *, year: int, unit: str | None) -> pd.DataFrame:
    """lead_units (the grouping rule), co_units (配合) and, in a unit's view, that unit's role in each task."""
    ids = [int(i) for i in df["task_id"]]
    g = _groups(year)
    groups = _frame(session, select(g.c.task_id, g.c.unit, g.c.kind, g.c.ord).where(g.c.task_id.in_(ids))
                    .order_by(g.c.task_id, g.c.ord, g.c.unit))
    TU, U = TaskUnit, MemberUnit
    named = _frame(session, (
        select(TU.task_id, U.name.label("unit"), TU.role, TU.clause_no, TU.id)
        .join(U, U.id == TU.unit_id)
        .where(TU.task_id.in_(ids))
        .order_by(TU.task_id, TU.clause_no, TU.id)
    ))
    lead = groups.groupby("task_id")["unit"].agg(lambda us: JOIN.join(dict.fromkeys(us))).to_dict()
    df["lead_units"] = [lead.get(t, "") for t in df["task_id"]]
    every = units_with_roles(named)
    df["units"] = [every.get(t, "") for t in df["task_id"]]
    co = named[named["role"] == COOPERATE].groupby("task_id")["unit"].agg(
        lambda us: JOIN.join(dict.fromkeys(us))).to_dict()
    df["co_units"] = [co.get(t, "") for t in df["task_id"]]
    if unit:
        mine = named[named["unit"] == unit]
        roles = mine.groupby("task_id")["role"].agg(set).to_dict()
        for task_id in groups.loc[(groups["unit"] == unit) & (groups["kind"] == KIND_ISSUER), "task_id"]:
            roles.setdefault(task_id, set()).add(ISSUER_ROLE)
        order = [*UNIT_ROLES, ISSUER_ROLE]
        df["role"] = [JOIN.join(r for r in order if r in roles.get(t, ())) for t in df["task_id"]]
    else:
        df["role"] = ""
    return df


@unit_of_work
def plan_tasks(*, session: Session | None = None, year: int, month: int, as_of: dt.date,
               unit: str | None = None, limit: int = MAX_TASKS) -> pd.DataFrame:
    """One row per counted task of the year, by plan and number: status carried forward to `month`, overdue
    (deadline before the month's end or as_of, not 已完成), lead units by the grouping rule; `unit` keeps the
    tasks that unit is part of and fills its role."""
    return _tasks(session, year=year, month=month, as_of=as_of, unit=unit, limit=limit)


@unit_of_work
def overdue(*, session: Session | None = None, year: int, month: int, as_of: dt.date,
            unit: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Overdue tasks (deadline passed, not 已完成), longest overdue first."""
    return _tasks(session, year=year, month=month, as_of=as_of, unit=unit, limit=limit,
                  where=[lambda status, od, ref: od], order_by=[PlanTask.deadline])


@unit_of_work
def upcoming(*, session: Session | None = None, year: int, month: int, as_of: dt.date, days: int = 60,
             unit: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Tasks not 已完成 whose deadline falls within `days` from the reference day (inclusive), soonest first."""
    def within(status, od, ref):
        return and_(PlanTask.deadline >= ref, PlanTask.deadline <= ref + dt.timedelta(days=days), status != DONE)

    return _tasks(session, year=year, month=month, as_of=as_of, unit=unit, limit=limit, where=[within],
                  order_by=[PlanTask.deadline])


@unit_of_work
def delays(*, session: Session | None = None, year: int, month: int, as_of: dt.date,
           unit: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Tasks whose carried-forward status is 已延期, with the reason given, by plan and number."""
    return _tasks(session, year=year, month=month, as_of=as_of, unit=unit, limit=limit,
                  where=[lambda status, od, ref: status == DELAYED])
