"""企业主体责任 and 抽检 figures (002 流通 1–2, 002 抽检, 003 10, 000 8; definitions in docs/主体责任与抽检指标.md):
per station and for the district ("全区", rates recomputed from the sums), the 总监 / 安全员 配备率 (by sector too)
with the trained and assessed shares, the 日管控 / 周排查 / 月调度 completion for a month and the year to date, and
the 抽检 register's batches (批次/千人 against the rule), 不合格核查处置率 and 按时完成率. register_figures gives the
three gauged KPIs their values from the register (services/metrics/kpis.py switches to them). Rates are NaN (shown
"—") when nothing is counted."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlmodel import Session

from db import engine as dbe
from db import rollups
from db.queries import org as oq
from db.queries import oversight as q
from services.metrics.common import DISTRICT_LABEL, ratio
from services.rules import oversight as rules
from services.rules.pacing import month_end, ref_date
from services.unit import unit_of_work

STAFF_COUNTS = ["enterprises", "officer_named", "director_required", "director_named", "named", "trained",
                "assessed"]
STAFFING_COLUMNS = ["station_id", "station", "sector", *STAFF_COUNTS, "officer_rate", "director_rate",
                    "trained_rate", "assessed_rate", "is_demo"]
RECORDS = ("daily", "weekly", "monthly")
CHECK_COUNTS = ["enterprises", "records", "onsite", *[f"{r}_{k}" for r in RECORDS for k in ("checked", "kept")],
                *[f"{r}_{k}_ytd" for r in RECORDS for k in ("checked", "kept")]]
CHECK_COLUMNS = ["station_id", "station", *CHECK_COUNTS, "no_record", "no_record_rate",
                 *[f"{r}_rate" for r in RECORDS], *[f"{r}_rate_ytd" for r in RECORDS], "is_demo"]
SAMPLE_COUNTS = ["batches", "pending", "failed", "handled", "due", "on_time"]
SAMPLE_COLUMNS = ["station_id", "station", *SAMPLE_COUNTS, "handled_rate", "on_time_rate", "population",
                  "population_basis", "per_thousand", "rule_per_thousand", "rule_batches", "is_demo"]
FIGURE_COLUMNS = ["month", "figure", "actual", "numerator", "denominator", "basis", "is_demo"]


# --- population --------------------------------------------------------------------------------------------


@unit_of_work
def population(*, session: Session | None = None) -> int | None:
    """常住人口 in force: the setting, else the district's stored population (None when neither)."""
    text = dbe.get_setting(session, rules.POPULATION_KEY)
    if text:
        try:
            return rules.parse_population(text)
        except ValueError:
            pass  # a setting that no longer parses: the stored figure
    return q.stored_population(session=session)


@unit_of_work
def population_basis(*, session: Session | None = None) -> str:
    """Where the 常住人口 in force comes from, as a caption says it: "系统设置", "2023年末，章丘区统计公报", "" unknown."""
    text = dbe.get_setting(session, rules.POPULATION_KEY)
    if text:
        try:
            rules.parse_population(text)
            return "系统设置"
        except ValueError:
            pass
    row = q.stored_population_record(session=session)
    if row is None:
        return ""
    _pop, year, source = row
    source = re.sub(r"（[^）]*）|\([^)]*\)", "", source or "").strip()  # the record's own notes stay in the register
    if source and (not year or f"{year}年" in source):  # the source names its year itself
        return source
    return "，".join(p for p in (f"{year}年末" if year else "", source) if p)


# --- staffing ----------------------------------------------------------------------------------------------


def _with_district(df: pd.DataFrame, counts: Sequence[str], key: str) -> pd.DataFrame:
    """The frame and its 全区 row (sums of the counts); station_id None on it."""
    total = {c: df[c].sum() for c in counts}
    total.update({key: DISTRICT_LABEL, "is_demo": bool(df["is_demo"].any()) if len(df) else False})
    out = pd.concat([df, pd.DataFrame([total])], ignore_index=True)
    if "station_id" in out:
        out["station_id"] = pd.Series([None if pd.isna(v) else int(v) for v in out["station_id"]], dtype=object,
                                      index=out.index)
    return out


@unit_of_work
def duty_staffing(*, session: Session | None = None, by: str = "station") -> pd.DataFrame:
    """总监配备率 (among the enterprises that must name one: tier A/B), 安全员配备率 (among all enterprises), and the
    shares of the named people trained and assessed; one row per station (by="station") or sector (by="sector"),
    then 全区. Enterprises in operation of rules.ENTERPRISE_SECTORS."""
    raw = rollups.staffing_counts(session=session, sectors=rules.ENTERPRISE_SECTORS, director_tiers=rules.DIRECTOR_TIERS)
    raw = raw.assign(
        director_required=raw["enterprises"].where(raw["required"] == 1, 0),
        director_named_req=raw["director_named"].where(raw["required"] == 1, 0),
        named=raw["director_named"] + raw["officer_named"],
        trained=raw["director_trained"] + raw["officer_trained"],
        assessed=raw["director_assessed"] + raw["officer_assessed"],
    )
    sums = ["enterprises", "officer_named", "director_required", "director_named_req", "named", "trained",
            "assessed"]
    if by == "sector":
        df = raw.groupby("sector", sort=False)[sums].sum().reindex(list(rules.ENTERPRISE_SECTORS), fill_value=0)
        df = df.join(raw.groupby("sector")["is_demo"].max()).reset_index()
        df["is_demo"] = df["is_demo"].fillna(0).astype(bool)
        key = "sector"
    else:
        st = oq.stations(session=session)[["station_id", "station", "is_demo"]].rename(columns={"is_demo": "st_demo"})
        grouped = raw.groupby("station_id")[[*sums, "is_demo"]].sum().reset_index()
        df = st.merge(grouped, on="station_id", how="left").fillna({c: 0 for c in [*sums, "is_demo"]})
        df["is_demo"] = df["is_demo"].astype(bool) | df["st_demo"].astype(bool)
        df = df.drop(columns="st_demo")
        key = "station"
    df = _with_district(df, sums, key)
    df["director_named"] = df.pop("director_named_req")
    for c in STAFF_COUNTS:
        df[c] = df[c].astype("int64")
    df["officer_rate"] = ratio(df["officer_named"], df["enterprises"])
    df["director_rate"] = ratio(df["director_named"], df["director_required"])
    df["trained_rate"] = ratio(df["trained"], df["named"])
    df["assessed_rate"] = ratio(df["assessed"], df["named"])
    return df.reindex(columns=STAFFING_COLUMNS)


# --- 日管控 / 周排查 / 月调度 ---------------------------------------------------------------------------------


@unit_of_work
def duty_completion(*, session: Session | None = None, year: int, month: int) -> pd.DataFrame:
    """Per station, then 全区: 日管控 / 周排查 / 月调度 kept ÷ checked for `month` and for the year to date (months
    1…month), the enterprises with no record for the month (no_record, its share of the enterprises in operation)
    and the records a 包保 visit on site checked (onsite)."""
    st = oq.stations(session=session)[["station_id", "station", "is_demo"]]
    staff = rollups.staffing_counts(session=session, sectors=rules.ENTERPRISE_SECTORS,
                                    director_tiers=rules.DIRECTOR_TIERS)
    ent = staff.groupby("station_id")["enterprises"].sum()
    # the year's records per station and month from the duty rollup when fresh (db/rollups.py), else the records
    raw = rollups.duty_counts(session=session, year=year, months=list(range(1, month + 1)),
                              sectors=rules.ENTERPRISE_SECTORS)
    counts = [f"{r}_{k}" for r in RECORDS for k in ("checked", "kept")]
    this = raw[raw["month"] == month].set_index("station_id")
    ytd = raw.groupby("station_id")[counts].sum().add_suffix("_ytd")
    df = st.set_index("station_id")
    df["enterprises"] = ent.reindex(df.index).fillna(0)
    for c in ["records", "onsite", *counts]:
        df[c] = this[c].reindex(df.index).fillna(0) if c in this else 0
    df = df.join(ytd).fillna({f"{c}_ytd": 0 for c in counts})
    demo = raw.groupby("station_id")["is_demo"].max().reindex(df.index).fillna(0).astype(bool)
    df["is_demo"] = df["is_demo"].astype(bool) | demo
    df = _with_district(df.reset_index(), CHECK_COUNTS, "station")
    for c in CHECK_COUNTS:
        df[c] = df[c].astype("int64")
    df["no_record"] = (df["enterprises"] - df["records"]).clip(lower=0)
    df["no_record_rate"] = ratio(df["no_record"], df["enterprises"])
    for r in RECORDS:
        df[f"{r}_rate"] = ratio(df[f"{r}_kept"], df[f"{r}_checked"])
        df[f"{r}_rate_ytd"] = ratio(df[f"{r}_kept_ytd"], df[f"{r}_checked_ytd"])
    return df.reindex(columns=CHECK_COLUMNS)


# --- 抽检 -------------------------------------------------------------------------------------------------


def _handling(failed: pd.DataFrame, ref: dt.date) -> pd.DataFrame:
    """failed (reported by ref) with handled, due and on_time as 0/1 on day `ref`: handled = its problem closed by
    ref; due = the deadline (else report + 30 days) has passed by ref, or handled; on_time = handled by the
    deadline."""
    f = failed[failed["report_date"] <= ref].copy()
    deadline = [d if pd.notna(d) else rules.handling_deadline(r)
                for d, r in zip(f["deadline"], f["report_date"], strict=True)]
    closed = [c if pd.notna(c) and c <= ref else None for c in f["closed_date"]]
    f["handled"] = [int(c is not None) for c in closed]
    f["due"] = [int(c is not None or d <= ref) for c, d in zip(closed, deadline, strict=True)]
    f["on_time"] = [int(c is not None and c <= d) for c, d in zip(closed, deadline, strict=True)]
    return f


@unit_of_work
def sampling(*, session: Session | None = None, year: int, month: int, as_of: dt.date,
             population_in_force: int | None = None) -> pd.DataFrame:
    """Per station, then 全区, from 1 January to the month's end (or as_of): batches sampled (监督抽检、专项抽检、
    你点我检), pending (检验中), 不合格 reported, handled (核查处置 done) and its rate, due and on_time (按时完成率 =
    on_time ÷ due). 全区 adds 批次/千人 with the population in force and the rule it is held to."""
    start, ref = dt.date(year, 1, 1), ref_date(year, month, as_of)
    st = oq.stations(session=session)[["station_id", "station", "is_demo"]]
    b = q.batch_counts(session=session, start=start, end=ref, kinds=rules.COUNTED_KINDS).set_index("station_id")
    f = _handling(q.failed_batches(session=session, start=start, end=ref), ref)
    fs = f.groupby("station_id").agg(failed=("sample_id", "size"), handled=("handled", "sum"), due=("due", "sum"),
                                     on_time=("on_time", "sum"), f_demo=("is_demo", "max"))
    df = st.set_index("station_id")
    for c in ("batches", "pending"):
        df[c] = b[c].reindex(df.index).fillna(0) if not b.empty else 0
    for c in ("failed", "handled", "due", "on_time"):
        df[c] = fs[c].reindex(df.index).fillna(0) if not fs.empty else 0
    demo = pd.Series(False, index=df.index)
    if not b.empty:
        demo |= b["is_demo"].reindex(df.index).fillna(0).astype(bool)
    if not fs.empty:
        demo |= fs["f_demo"].reindex(df.index).fillna(0).astype(bool)
    df["is_demo"] = df["is_demo"].astype(bool) | demo
    df = _with_district(df.reset_index(), SAMPLE_COUNTS, "station")
    for c in SAMPLE_COUNTS:
        df[c] = df[c].astype("int64")
    df["handled_rate"] = ratio(df["handled"], df["failed"])
    df["on_time_rate"] = ratio(df["on_time"], df["due"])
    pop = population_in_force if population_in_force is not None else population(session=session)
    rule = q.per_thousand_rule(session=session, unit=rules.PER_THOUSAND_UNIT)
    district = df["station"] == DISTRICT_LABEL
    df["population"] = np.where(district, pop or np.nan, np.nan)
    df["population_basis"] = np.where(district, "" if population_in_force is not None or not pop
                                      else population_basis(session=session), "")
    df["per_thousand"] = np.where(district, rules.per_thousand(df["batches"].iloc[-1], pop), np.nan)
    df["rule_per_thousand"] = np.where(district, rule[0] if rule else np.nan, np.nan)
    df["rule_batches"] = np.where(district & bool(rule and pop), round(rule[0] * pop / 1000) if rule and pop else 0,
                                  np.nan)
    return df.reindex(columns=SAMPLE_COLUMNS)


@unit_of_work
def register_figures(*, session: Session | None = None, year: int, months: Sequence[int],
                     as_of: dt.date) -> pd.DataFrame:
    """The district's three register figures by month, year to date (rules.KPI_FIGURES): batches, handled_rate
    (handled ÷ 不合格), on_time_rate (on_time ÷ due); basis = what the figure counts (batches, 不合格, due). Empty
    when the register has no batch in the year up to as_of."""
    start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), as_of)
    if not months or q.has_batches(session=session, start=start, end=end) == 0:
        return pd.DataFrame(columns=FIGURE_COLUMNS)
    days = q.batch_days(session=session, start=start, end=end, kinds=rules.COUNTED_KINDS)
    failed = q.failed_batches(session=session, start=start, end=end)
    any_demo = bool(days["is_demo"].any()) or bool(failed["is_demo"].any())
    rows = []
    for mo in months:
        ref = min(month_end(year, mo), as_of)
        n = int(days.loc[pd.to_datetime(days["sample_date"]).dt.date <= ref, "batches"].sum()) if len(days) else 0
        f = _handling(failed, ref)
        handled, due, on_time = int(f["handled"].sum()), int(f["due"].sum()), int(f["on_time"].sum())
        rows += [
            {"month": mo, "figure": "batches", "actual": float(n), "numerator": None, "denominator": None,
             "basis": n},
            {"month": mo, "figure": "handled_rate", "actual": handled / len(f) if len(f) else np.nan,
             "numerator": float(handled), "denominator": float(len(f)), "basis": len(f)},
            {"month": mo, "figure": "on_time_rate", "actual": on_time / due if due else np.nan,
             "numerator": float(on_time), "denominator": float(due), "basis": due},
        ]
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS).assign(is_demo=any_demo)
