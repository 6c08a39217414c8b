"""参考文件: the other districts' work plans (seeds/000–003), kept under their own jurisdiction and year and always
shown labelled ("参考：南开区2024年工作要点"). Never counted: services/plans.py reads own plans only."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlmodel import Session

from db.models import MemberUnit, PlanDocument, PlanTask, TaskUnit
from db.sql import frame as _frame
from services.plans import MAX_GROUPS, MAX_TASKS, _origin, units_with_roles
from services.rules.plan_status import deadline_label, reference_label
from services.unit import unit_of_work


@unit_of_work
def reference_plans(*, session: Session | None = None) -> pd.DataFrame:
    """The other districts' plans, kept for reference only (never counted): label ("参考：南开区2024年工作要点"),
    plan, issuer, jurisdiction, year, origin and task count, the latest year first."""
    T, D = PlanTask, PlanDocument
    stmt = (
        select(D.id.label("plan_id"), D.title.label("plan"), D.issuer, D.jurisdiction, D.year, D.origin_note,
               func.count(T.id).label("n_tasks"))
        .select_from(D)
        .outerjoin(T, T.plan_id == D.id)
        .where(D.is_reference.is_(True))
        .group_by(D.id, D.title, D.issuer, D.jurisdiction, D.year, D.origin_note)
        .order_by(D.year.desc(), D.id)
        .limit(MAX_GROUPS)
    )
    df = _frame(session, stmt)
    df["n_tasks"] = df["n_tasks"].astype("int64")
    df["origin"] = _origin(df)
    df["label"] = [reference_label(j, y) for j, y in zip(df["jurisdiction"], df["year"], strict=True)]
    return df


REFERENCE_TASK_COLUMNS = ["plan_id", "label", "section", "number", "title", "text", "deadline_label", "units"]


@unit_of_work
def reference_tasks(*, session: Session | None = None, plan_id: int, limit: int = MAX_TASKS) -> pd.DataFrame:
    """The points of one reference plan, as written (no status: they are another district's work): label, section,
    number, title, text, deadline_label and the units its clauses name with their roles ("区卫健委（牵头）…")."""
    T, D, TU, U = PlanTask, PlanDocument, TaskUnit, MemberUnit
    df = _frame(session, (
        select(D.id.label("plan_id"), D.jurisdiction, D.year, T.id.label("task_id"), T.section, T.number, T.title,
               T.text, T.deadline, T.deadline_kind, T.deadline_basis)
        .join(D, D.id == T.plan_id)
        .where(D.id == plan_id, D.is_reference.is_(True))
        .order_by(T.number)
        .limit(limit)
    ))
    named = _frame(session, (
        select(TU.task_id, U.name.label("unit"), TU.role)
        .join(U, U.id == TU.unit_id).join(T, T.id == TU.task_id)
        .where(T.plan_id == plan_id)
        .order_by(TU.task_id, TU.clause_no, TU.id)
    ))
    units = units_with_roles(named)
    df["label"] = [reference_label(j, y) for j, y in zip(df["jurisdiction"], df["year"], strict=True)]
    df["deadline_label"] = [deadline_label(d, k, b) for d, k, b in
                            zip(df["deadline"], df["deadline_kind"], df["deadline_basis"], strict=True)]
    df["units"] = [units.get(t, "") for t in df["task_id"]]
    return df[REFERENCE_TASK_COLUMNS]
