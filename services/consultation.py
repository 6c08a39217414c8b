"""季度风险会商 (昌乐 002: 每季度组织召开风险会商会议; 南开 003: 及时组织食品安全形势会商): the quarter's own figures for
the pack (reports/consultation.py, `python -m reports 风险会商`, the 会议材料 page). The window is the quarter's first
day .. min(its last day, as_of); every figure is the quarter's, computed here from the registers:

  抽检          batches sampled in the window by 食品大类 and by station (不合格率 = 不合格 ÷ batches with a result);
                the 不合格 list with its 核查处置 (the 抽检 problem naming the batch)
  问题          problems of every source found in the window, by source and by sector, closed / open at ref
  逾期未整改    problems (every source) and 隐患清单 hazards due before ref and open at ref, with who must act
  现场督导      high-risk businesses (the one setting) without a 现场 visit in the window
  主体责任      enterprises without 食品安全总监 (A/B) or 食品安全员, or whose months' records were not all kept
  会商议题      services/rules/consultation.topics over the figures above
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlmodel import Session

from db import engine as dbe
from db.models import PROBLEM_SOURCES, SECTORS
from db.queries import baobao as bq
from db.queries import consultation as cq
from db.queries import org as oq
from db.sql import LIST_LIMIT, truncate
from services import catalog, meeting
from services.rules import consultation as rules
from services.rules import levels
from services.rules.permissions import READ, require
from services.rules.viewer import Viewer
from services.unit import unit_of_work

PAGE = "会议材料"  # who may read the pack (services/rules/permissions.py)


@dataclass(frozen=True)
class Consultation:
    """The quarter's figures, frames in the bureau's order (stations by sort_order, sources and sectors by their
    vocabularies)."""

    window: rules.QuarterWindow
    as_of: dt.date
    district: str
    high_risk_label: str
    samples_by_category: pd.DataFrame  # category, n_batches, n_failed, n_pending, failed_rate
    samples_by_station: pd.DataFrame  # station_id, station, n_batches, n_failed, n_pending, failed_rate
    failed: pd.DataFrame  # the 不合格 list, with disposal (rules.disposal_status)
    problems_by_source: pd.DataFrame  # source, n_found, n_closed, n_open
    problems_by_sector: pd.DataFrame  # sector, n_found, n_closed, n_open
    overdue: pd.DataFrame  # kind (问题/隐患), source, station, business, description, found_date, deadline, days, who
    overdue_by_station: pd.DataFrame  # station_id, station, n_problems, n_hazards, n_total
    high_risk_by_station: pd.DataFrame  # station_id, station, n_high_risk, n_unvisited
    unvisited: pd.DataFrame  # station, business, sector, tier, risk_level, cadres, n_other_visits
    duty_by_station: pd.DataFrame  # station_id, station, n_enterprises, n_director_required, n_no_director, …
    topics: list[str] = field(default_factory=list)
    is_demo: bool = False
    organisation: str = ""
    office: str = ""


def _rate(failed: pd.Series, batches: pd.Series, pending: pd.Series) -> pd.Series:
    done = (batches - pending).astype("float64")
    return (failed.astype("float64") / done).where(done > 0)


def _with_stations(stations: pd.DataFrame, df: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
    """df (by station_id) with the station's name, in the bureau's order, stations without a row left out."""
    if df.empty:
        return pd.DataFrame(columns=["station_id", "station", *counts])
    out = stations.merge(df, on="station_id", how="inner")
    out[counts] = out[counts].fillna(0).astype("int64")
    return out.sort_values(["sort_order", "station_id"])[["station_id", "station", *counts]].reset_index(drop=True)


def _ordered(df: pd.DataFrame, key: str, order: tuple[str, ...]) -> pd.DataFrame:
    rank = {v: i for i, v in enumerate(order)}
    return (df.assign(_o=df[key].map(lambda v: rank.get(v, len(rank))))
            .sort_values(["_o", key]).drop(columns="_o").reset_index(drop=True))


def _samples(session: Session, w: rules.QuarterWindow, stations: pd.DataFrame):
    counts = ["n_batches", "n_failed", "n_pending"]
    cat = cq.sample_counts(session=session, start=w.start, ref=w.ref, by="category").drop(columns="any_demo")
    cat[counts] = cat[counts].astype("int64")
    cat = cat.sort_values(["n_failed", "n_batches", "category"], ascending=[False, False, True]).reset_index(drop=True)
    cat["failed_rate"] = _rate(cat["n_failed"], cat["n_batches"], cat["n_pending"])
    by_station = _with_stations(stations, cq.sample_counts(session=session, start=w.start, ref=w.ref, by="station"),
                                counts)
    by_station["failed_rate"] = _rate(by_station["n_failed"], by_station["n_batches"], by_station["n_pending"])
    failed = truncate(cq.failed_samples(session=session, start=w.start, ref=w.ref), LIST_LIMIT)
    failed["disposal"] = [
        rules.disposal_status(filed=not pd.isna(pid), closed=bool(c), deadline=None if pd.isna(d) else d, ref=w.ref)
        for pid, c, d in zip(failed["problem_id"], failed["closed"], failed["deadline"], strict=True)]
    return cat, by_station, failed


def _problems(session: Session, w: rules.QuarterWindow) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = cq.problem_counts(session=session, start=w.start, ref=w.ref)
    out = []
    for key, order in (("source", PROBLEM_SOURCES), ("sector", SECTORS)):
        df = raw.groupby(key, as_index=False)[["n_found", "n_closed"]].sum() if not raw.empty else pd.DataFrame(
            columns=[key, "n_found", "n_closed"])
        if key == "source":  # every source, found or not: the meeting sees which stream is quiet
            df = pd.concat([df, pd.DataFrame({key: [s for s in order if s not in set(df[key])]})], ignore_index=True)
        df[["n_found", "n_closed"]] = df[["n_found", "n_closed"]].fillna(0).astype("int64")
        df["n_open"] = df["n_found"] - df["n_closed"]
        out.append(_ordered(df, key, order))
    return out[0], out[1]


def _text(v) -> str | None:
    return None if v is None or pd.isna(v) else str(v)


def _overdue(session: Session, w: rules.QuarterWindow, stations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    columns = ["kind", "source", "station_id", "station", "business", "description", "found_date", "deadline",
               "days_overdue", "who", "sort_order"]
    probs = truncate(cq.overdue_problems(session=session, ref=w.ref), LIST_LIMIT)
    probs["kind"] = "问题"
    probs["who"] = [rules.who_acts(_text(v), _text(p), s) for v, p, s in
                    zip(probs["visit_cadre"], probs["packaging_cadres"], probs["station"], strict=True)]
    hazards = truncate(cq.overdue_hazards(session=session, ref=w.ref), LIST_LIMIT)
    hazards["kind"], hazards["source"] = "隐患", "隐患清单"
    hazards["who"] = [rules.who_acts(None, _text(p), s) for p, s in
                      zip(hazards["packaging_cadres"], hazards["station"], strict=True)]
    both = pd.concat([probs.reindex(columns=columns), hazards.reindex(columns=columns)], ignore_index=True)
    both["days_overdue"] = [(w.ref - d).days for d in both["deadline"]]
    both = both.sort_values(["sort_order", "station_id", "deadline"], kind="stable").reset_index(drop=True)
    counts = pd.DataFrame({"station_id": both["station_id"], "n_problems": (both["kind"] == "问题").astype(int),
                           "n_hazards": (both["kind"] == "隐患").astype(int)})
    counts = counts.groupby("station_id", as_index=False).sum()
    counts["n_total"] = counts["n_problems"] + counts["n_hazards"]
    return both.drop(columns=["station_id", "sort_order"]), _with_stations(
        stations, counts, ["n_problems", "n_hazards", "n_total"])


def _duty(session: Session, w: rules.QuarterWindow, stations: pd.DataFrame) -> pd.DataFrame:
    counts = ["n_enterprises", "n_director_required", "n_no_director", "n_no_officer", "n_records_gap"]
    raw = cq.duty_gaps(session=session, year=w.year, months=w.months, sectors=rules.ENTERPRISE_SECTORS,
                       director_tiers=rules.DIRECTOR_TIERS)
    return _with_stations(stations, raw, counts)


def _pairs(df: pd.DataFrame, name: str, count: str) -> list[tuple[str, int]]:
    return [(str(k), int(n)) for k, n in zip(df[name], df[count], strict=True)]


@unit_of_work
def consultation(*, session: Session | None = None, viewer: Viewer, year: int, quarter: int,
                 as_of: dt.date | None = None) -> Consultation:
    """The quarter's figures as of `as_of` (default: the database's clock). PermissionError for a viewer who may not
    read 会议材料; ValueError in Chinese for a quarter outside 1–4, one not begun, or a year without records."""
    require(viewer, PAGE, READ)
    as_of = as_of or dbe.as_of(session.get_bind())
    w = rules.quarter_window(year, quarter, as_of)
    if not cq.has_year_data(session=session, year=year):
        raise ValueError(f"数据库中没有{year}年的抽检、问题、督导、隐患或主体责任记录")
    stations = oq.stations(session=session).drop(columns="is_demo")
    cat, sample_stations, failed = _samples(session, w, stations)
    by_source, by_sector = _problems(session, w)
    overdue, overdue_stations = _overdue(session, w, stations)
    high = bq.high_risk_levels(session=session)
    high_stations = _with_stations(
        stations, cq.high_risk_counts(session=session, start=w.start, ref=w.ref, high=high),
        ["n_high_risk", "n_unvisited"])
    unvisited = truncate(cq.high_risk_unvisited(session=session, start=w.start, ref=w.ref, high=high), LIST_LIMIT)
    duty = _duty(session, w, stations)
    label = levels.grades_label(high)
    facts = rules.TopicFacts(
        failed_by_category=_pairs(cat, "category", "n_failed"),
        n_disposal_late=int(failed["disposal"].isin([rules.DISPOSAL_OVERDUE, rules.DISPOSAL_NONE]).sum()),
        overdue_by_station=_pairs(overdue_stations, "station", "n_total"),
        open_by_source=_pairs(by_source, "source", "n_open"),
        unvisited_by_station=_pairs(high_stations, "station", "n_unvisited"),
        high_risk_label=label,
        n_no_director=int(duty["n_no_director"].sum()),
        n_no_officer=int(duty["n_no_officer"].sum()),
        n_records_gap=int(duty["n_records_gap"].sum()),
    )
    district = catalog.district_name(session=session)
    return Consultation(
        window=w, as_of=as_of, district=district, high_risk_label=label, samples_by_category=cat,
        samples_by_station=sample_stations, failed=failed, problems_by_source=by_source,
        problems_by_sector=by_sector, overdue=overdue, overdue_by_station=overdue_stations,
        high_risk_by_station=high_stations, unvisited=unvisited, duty_by_station=duty, topics=rules.topics(facts),
        is_demo=dbe.is_demo_database(session), **meeting.organisation(session, district))
