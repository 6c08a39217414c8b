"""Row-level lists checked against who asks: the entry points the pages use for lists that name businesses,
visits, problems and sites. The rule (issue: roles and accounts): every role that may read a view page reads
every figure, but a 监管所 account gets such lists only for its own station. Asking for another station is
refused with a PermissionError, not answered with an empty list, so a crafted URL or query parameter is told no.

`viewer` is who asks (services.rules.viewer.Viewer); SYSTEM (command line, exports) sees everything. Aggregates by station (services.metrics.baobao,
problem_aging, task_progress …) name no business and stay unchecked here; the functions underneath
(services.metrics.not_visited, services.lists.task_items …) are unchanged for the command line and exports.

Cadres: a 监管所 account lists the cadres tied to its station — cadres of the station, and cadres of any level
(县、市 cadres have no station) who cover one of its businesses — and a cadre's detail shows only the station's
own businesses (attrs["n_hidden"] counts the others, a number and no names). A cadre with no tie to the station
at all is refused.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from db import models as m
from db.sql import LIST_LIMIT
from services import lists, metrics
from services.rules.permissions import station_scope
from services.rules.viewer import Viewer
from services.scope import scope, station_name
from services.unit import unit_of_work

BAOBAO_PAGE, TASKS_PAGE = "包保督导", "任务清单"
MSG_OTHER_CADRE = "监管所账号只能查看本所（{station}）包保干部及其包保的本所主体"


# --- 包保督导 ------------------------------------------------------------------------------------


@unit_of_work
def not_visited(*, session: Session | None = None, viewer: Viewer, year: int, month: int, as_of: dt.date,
                station_id: int | None = None, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """Businesses not visited this quarter to date (services.metrics.not_visited), for this user."""
    sid = scope(session, viewer, BAOBAO_PAGE, station_id)
    return metrics.not_visited(session=session, year=year, month=month, as_of=as_of, station_id=sid, limit=limit)


@unit_of_work
def overdue_problems(*, session: Session | None = None, viewer: Viewer, year: int, month: int, as_of: dt.date,
                     station_id: int | None = None, limit: int = LIST_LIMIT) -> pd.DataFrame:
    """Problems past their deadline and still open (services.metrics.overdue_problems), for this user."""
    sid = scope(session, viewer, BAOBAO_PAGE, station_id)
    return metrics.overdue_problems(session=session, year=year, month=month, as_of=as_of, station_id=sid,
                                    limit=limit)


@unit_of_work
def others_problems(*, session: Session | None = None, viewer: Viewer, year: int, month: int, as_of: dt.date,
                    station_id: int | None = None, cadre_id: int | None = None, source: str | None = None,
                    limit: int = LIST_LIMIT) -> pd.DataFrame:
    """Problems found by others (执法, 抽检, 风险隐患, another cadre's visit) at packaged businesses
    (services.metrics.others_problems), for this user: a 监管所 account its own station's; for one cadre, a cadre
    not tied to its station is refused."""
    sid = scope(session, viewer, BAOBAO_PAGE, station_id)
    if cadre_id is not None:
        _check_cadre(session, viewer, cadre_id, station_scope(viewer))
    return metrics.others_problems(session=session, year=year, month=month, as_of=as_of, station_id=sid,
                                   cadre_id=cadre_id, source=source, limit=limit)


def _tied_to_station(station_id: int):
    """A cadre is tied to a station when it belongs to it or covers (or covered) one of its businesses."""
    a, b, c = m.Assignment, m.Business, m.Cadre
    covers = exists(select(a.id).join(b, b.id == a.business_id)
                    .where(a.cadre_id == c.id, b.station_id == station_id))
    return or_(c.station_id == station_id, covers)


@unit_of_work
def cadres(*, session: Session | None = None, viewer: Viewer, station_id: int | None = None, limit: int = 5000) -> pd.DataFrame:
    """包保干部 (cadre_id, name, level, unit, title): every cadre, or those tied to the station in effect."""
    sid = scope(session, viewer, BAOBAO_PAGE, station_id)
    if sid is None:
        return lists.cadres(session=session, limit=limit)
    c = m.Cadre
    stmt = (select(c.id, c.name, c.level, c.unit, c.title).where(_tied_to_station(sid))
            .order_by(c.level, c.name).limit(limit))
    return pd.DataFrame(session.exec(stmt).all(), columns=["cadre_id", "name", "level", "unit", "title"])


@unit_of_work
def cadre_detail(*, session: Session | None = None, viewer: Viewer, cadre_id: int, year: int, month: int, as_of: dt.date,
                 limit: int = lists.LIMIT) -> pd.DataFrame:
    """A cadre's businesses with this quarter's visits (services.lists.cadre_detail) and the problems found there by
    others this year (n_others, n_others_open: not 已整改; services.metrics.others_problems). A 监管所 account: only
    its own station's businesses, attrs["n_hidden"] the number left out; a cadre not tied to its station is refused."""
    own = scope(session, viewer, BAOBAO_PAGE)
    _check_cadre(session, viewer, cadre_id, own)
    df = lists.cadre_detail(session=session, cadre_id=cadre_id, year=year, month=month, as_of=as_of, limit=limit)
    others = metrics.others_problems(session=session, year=year, month=month, as_of=as_of, cadre_id=cadre_id,
                                     station_id=own)
    counts = others.groupby("business_id").agg(n_others=("shown", "size"),
                                               n_others_open=("shown", lambda s: int((s != "已整改").sum())))
    df = df.merge(counts, left_on="business_id", right_index=True, how="left")
    df[["n_others", "n_others_open"]] = df[["n_others", "n_others_open"]].fillna(0).astype("int64")
    if own is None:
        df.attrs["n_hidden"] = 0
        return df
    ids = [int(i) for i in df["business_id"]]
    mine = set(session.exec(select(m.Business.id).where(m.Business.station_id == own,
                                                         col(m.Business.id).in_(ids))).all()) if ids else set()
    keep = df["business_id"].isin(mine)
    out = df[keep].reset_index(drop=True)
    out.attrs["n_hidden"] = int((~keep).sum())
    return out


def _check_cadre(session: Session, viewer: Viewer, cadre_id: int, own: int | None) -> None:
    """A 监管所 account (own: its station) may look at a cadre tied to its station only."""
    if own is None:
        return
    tied = session.exec(select(m.Cadre.id).where(m.Cadre.id == cadre_id, _tied_to_station(own))).first()
    if tied is None:
        raise PermissionError(MSG_OTHER_CADRE.format(station=station_name(session, viewer, own)))


# --- 任务清单 ------------------------------------------------------------------------------------


@unit_of_work
def task_items(*, session: Session | None = None, viewer: Viewer, year: int, station_id: int | None = None,
               limit: int = lists.LIMIT) -> pd.DataFrame:
    """任务明细 (the sites behind the counts, services.lists.task_items), for this user."""
    sid = scope(session, viewer, TASKS_PAGE, station_id)
    return lists.task_items(session=session, year=year, station_id=sid, limit=limit)
