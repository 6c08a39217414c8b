"""食品小作坊 figures (seeds/004 二(二)–(六); definitions in docs/小作坊指标.md): per station and for the district,
the register (在册, 在产, 冷链, 高风险), 第三方检查评价率, 两个档案建档率, 十个管理规范达标率, 远程视频在线, 无证黑窝点
摸排, and the sites the register names beside the 累计完成 each station reported (示范创建, 视频监管试点,
新升级为食品生产企业): named − reported is the gap a page flags. Rates are NaN (shown "—") when nothing is counted,
never 0."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlmodel import Session

from db.models import NORMS
from db.queries import org as oq
from db.queries import workshops as wq
from services.metrics.common import DISTRICT_LABEL, ratio
from services.unit import unit_of_work

DEMO_CREATION, UPGRADE, VIDEO = "示范创建", "新升级为食品生产企业", "视频监管试点"
SITE_CODES = (DEMO_CREATION, VIDEO)
REPORTED = {"upgrades": UPGRADE, "demo": DEMO_CREATION, "video": VIDEO}

WORKSHOP_COUNTS = [
    "registered", "producing", "cold_chain", "high_risk", "cold_reviewed", "high_risk_reviewed",
    "archive_supervision", "archive_risk", "archives_both", "norms_assessed_cells", "norms_met_cells", "video",
    "video_online", "swept", "found", "handled", "upgrades_named", "demo_named", "video_named",
]
WORKSHOP_COLUMNS = [
    "station_id", "station", "registered", "producing", "cold_chain", "high_risk", "cold_reviewed",
    "high_risk_reviewed", "cold_review_rate", "high_risk_review_rate", "archive_supervision", "archive_risk",
    "archives_both", "archive_rate", "norms_assessed_cells", "norms_met_cells", "norm_rate", "video", "video_online",
    "swept", "found", "handled", "upgrades_named", "upgrades_reported", "demo_named", "demo_reported",
    "video_named", "video_reported", "demo_gap", "video_gap", "upgrade_gap", "is_demo",
]
NORM_COLUMNS = ["station_id", "station", "norm", "assessed", "met", "rate"]


def add_workshop_rates(df: pd.DataFrame) -> pd.DataFrame:
    """The rates and gaps from the counts (again after any roll-up, so a total is the ratio of sums):
    cold_review_rate = cold_reviewed ÷ cold_chain, high_risk_review_rate = high_risk_reviewed ÷ high_risk,
    archive_rate = archives_both ÷ registered, norm_rate = norms_met_cells ÷ norms_assessed_cells;
    <x>_gap = <x>_named − <x>_reported (NA when nothing was reported)."""
    df["cold_review_rate"] = ratio(df["cold_reviewed"], df["cold_chain"])
    df["high_risk_review_rate"] = ratio(df["high_risk_reviewed"], df["high_risk"])
    df["archive_rate"] = ratio(df["archives_both"], df["registered"])
    df["norm_rate"] = ratio(df["norms_met_cells"], df["norms_assessed_cells"])
    for gap, key in (("demo_gap", "demo"), ("video_gap", "video"), ("upgrade_gap", "upgrades")):
        df[gap] = df[f"{key}_named"].astype("Int64") - df[f"{key}_reported"]
    return df


def _reported_month(year: int, as_of: dt.date) -> int:
    """The last month whose filing counts on as_of: 0 before the year, 12 after it."""
    if as_of.year < year:
        return 0
    return as_of.month if as_of.year == year else 12


@unit_of_work
def workshop_rates(*, session: Session | None = None, year: int, as_of: dt.date) -> pd.DataFrame:
    """One row per station (every station, in the bureau's order) with the counts, rates and named-vs-reported
    gaps of WORKSHOP_COLUMNS for `year` as it stood on as_of. *_reported is the station's latest 任务进度
    累计完成 of the year filed for a month ≤ as_of's (NA when none was filed)."""
    counts = wq.workshop_counts(session=session, year=year, as_of=as_of)
    sweeps = wq.sweep_counts(session=session, year=year, as_of=as_of)
    named = wq.named_sites(session=session, year=year, as_of=as_of, codes=SITE_CODES)
    reported = wq.reported_progress(session=session, year=year, month=_reported_month(year, as_of),
                                    codes=tuple(REPORTED.values()))
    df = oq.stations(session=session).drop(columns="is_demo")
    df = df.merge(counts.rename(columns={"any_demo": "w_demo"}), on="station_id", how="left")
    df = df.merge(sweeps.rename(columns={"any_demo": "s_demo"}), on="station_id", how="left")
    demo_flags = [df["w_demo"], df["s_demo"]]
    for key, code in (("demo", DEMO_CREATION), ("video", VIDEO)):
        part = named[named["code"] == code][["station_id", "named", "items_demo"]]
        df = df.merge(part.rename(columns={"named": f"{key}_named", "items_demo": f"{key}_items_demo"}),
                      on="station_id", how="left")
        demo_flags.append(df[f"{key}_items_demo"])
    for key, code in REPORTED.items():
        part = reported[reported["code"] == code][["station_id", "reported", "progress_demo"]]
        df = df.merge(part.rename(columns={"reported": f"{key}_reported", "progress_demo": f"{key}_rep_demo"}),
                      on="station_id", how="left")
        df[f"{key}_reported"] = df[f"{key}_reported"].round().astype("Int64")
        demo_flags.append(df[f"{key}_rep_demo"])
    for c in WORKSHOP_COUNTS:
        df[c] = df[c].fillna(0).astype("int64")
    df["is_demo"] = np.logical_or.reduce([f.fillna(0).astype(bool).to_numpy() for f in demo_flags])
    df = add_workshop_rates(df)
    df = df.sort_values(["sort_order", "station_id"], kind="stable")
    return df[WORKSHOP_COLUMNS].reset_index(drop=True)


def workshop_totals_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The district row of a workshop_rates frame: counts summed, reported summed over the stations that filed
    (NA when none did), rates and gaps from the sums."""
    row = {"station_id": None, "station": DISTRICT_LABEL, **{c: int(df[c].sum()) for c in WORKSHOP_COUNTS}}
    for key in REPORTED:
        col = df[f"{key}_reported"]
        row[f"{key}_reported"] = int(col.sum()) if col.notna().any() else pd.NA
    row["is_demo"] = bool(df["is_demo"].any())
    out = pd.DataFrame([row])
    for key in REPORTED:
        out[f"{key}_reported"] = out[f"{key}_reported"].astype("Int64")
    out = add_workshop_rates(out)
    return out[WORKSHOP_COLUMNS]


@unit_of_work
def workshop_totals(*, session: Session | None = None, year: int, as_of: dt.date) -> pd.DataFrame:
    """One district row (station "全区") with the columns of workshop_rates: sums, rates recomputed from them."""
    return workshop_totals_frame(workshop_rates(session=session, year=year, as_of=as_of))


@unit_of_work
def norm_rates(*, session: Session | None = None, year: int, as_of: dt.date) -> pd.DataFrame:
    """十个管理规范达标率 by norm: station_id, station, norm (label, in NORMS order), assessed (workshops 在册 on
    as_of with the norm assessed), met (达标), rate = met ÷ assessed — every station, then the district rows
    (station "全区", station_id None). `year` names the year the figures belong to (the norms are the latest
    assessment recorded on each workshop)."""
    del year  # the register keeps one (the latest) assessment per workshop and norm
    cells = wq.norm_cells(session=session, as_of=as_of)
    st = oq.stations(session=session).drop(columns="is_demo")
    wide = st.merge(cells, on="station_id", how="left")
    parts = []
    for order, (col, label) in enumerate(NORMS):
        parts.append(pd.DataFrame({
            "station_id": wide["station_id"].astype("object"), "station": wide["station"],
            "sort_order": wide["sort_order"], "order": order, "norm": label,
            "assessed": wide[f"{col}_assessed"].fillna(0).astype("int64"),
            "met": wide[f"{col}_met"].fillna(0).astype("int64"),
        }))
    long = pd.concat(parts, ignore_index=True).sort_values(["sort_order", "station_id", "order"], kind="stable")
    district = long.groupby("order", sort=True)[["assessed", "met"]].sum().reset_index()
    district["norm"] = [NORMS[i][1] for i in district["order"]]
    district["station_id"], district["station"] = None, DISTRICT_LABEL
    out = pd.concat([long, district], ignore_index=True)
    out["assessed"] = out["assessed"].astype("int64")
    out["met"] = out["met"].astype("int64")
    out["rate"] = ratio(out["met"], out["assessed"])
    return out[NORM_COLUMNS].reset_index(drop=True)


def _flags(r) -> str:
    words = [w for w, on in (("在产", r.producing and r.registered), ("冷链", r.cold_chain), ("高风险", r.high_risk),
                             ("视频监管", r.video), ("示范", r.demo_site)) if on]
    return "、".join(words)


def _archives(r) -> str:
    if r.archive_supervision and r.archive_risk:
        return "两个档案已建"
    if r.archive_supervision:
        return "仅监管档案"
    if r.archive_risk:
        return "仅风险防控档案"
    return "未建档"


@unit_of_work
def workshop_list(*, session: Session | None = None, as_of: dt.date,
                  station_ids: list[int] | None = None) -> pd.DataFrame:
    """One row per workshop (of the given stations, or all), for lists and drill-down: business_id, name, code
    (登记证号), station_id, station, township, category, registered (在册 on as_of), producing, cold_chain,
    cold_rooms, high_risk, video, video_online, demo_site, archive_supervision(_date), archive_risk(_date),
    norms_assessed, norms_met, review_date, review_result, review_problems, upgraded_date, new_licence, exit_date,
    exit_reason, is_demo — and the words a list shows: flags ("在产、冷链、高风险、视频监管、示范"), archives
    ("两个档案已建" / "仅监管档案" / "仅风险防控档案" / "未建档"), norms ("8/10", "未评"), review ("合格（问题2项）",
    "未评价"), upgrade ("SC…（2022-05-12）"), exit ("2022-06-01 经营者申请注销"). attrs["truncated"] says when cut."""
    df = wq.workshop_rows(session=session, station_ids=station_ids)
    truncated = df.attrs.get("truncated", False)
    norm_cols = [c for c, _ in NORMS]
    df["norms_assessed"] = df[norm_cols].notna().sum(axis=1).astype("int64")
    df["norms_met"] = df[norm_cols].eq(True).sum(axis=1).astype("int64")
    exit_dates = pd.to_datetime(df["exit_date"]).dt.date
    df["registered"] = [d is None or pd.isna(d) or d > as_of for d in exit_dates]
    for c in ("producing", "cold_chain", "high_risk", "video", "demo_site", "archive_supervision", "archive_risk",
              "is_demo"):
        df[c] = df[c].fillna(False).astype(bool)
    df["flags"] = [_flags(r) for r in df.itertuples()]
    df["archives"] = [_archives(r) for r in df.itertuples()]
    df["norms"] = [f"{m}/{a}" if a else "未评" for m, a in zip(df["norms_met"], df["norms_assessed"], strict=True)]
    df["review"] = [(f"{res}（问题{p:.0f}项）" if pd.notna(p) else res) if isinstance(res, str) else "未评价"
                    for res, p in zip(df["review_result"], df["review_problems"], strict=True)]
    df["upgrade"] = [f"{lic or '已升级'}（{d}）" if d is not None and not pd.isna(d) else ""
                     for lic, d in zip(df["new_licence"], df["upgraded_date"], strict=True)]
    df["exit"] = [f"{d} {why or ''}".strip() if d is not None and not pd.isna(d) else ""
                  for d, why in zip(df["exit_date"], df["exit_reason"], strict=True)]
    cols = ["business_id", "name", "code", "station_id", "station", "township", "category", "registered",
            "producing", "cold_chain", "cold_rooms", "high_risk", "video", "video_online", "demo_site",
            "archive_supervision", "archive_supervision_date", "archive_risk", "archive_risk_date",
            "norms_assessed", "norms_met", "review_date", "review_result", "review_problems", "upgraded_date",
            "new_licence", "exit_date", "exit_reason", "flags", "archives", "norms", "review", "upgrade", "exit",
            "is_demo"]
    out = df[cols].reset_index(drop=True)
    out.attrs["truncated"] = truncated
    return out


@unit_of_work
def sweep_list(*, session: Session | None = None, year: int, station_ids: list[int] | None = None) -> pd.DataFrame:
    """无证黑窝点摸排 of `year`, newest first: sweep_id, sweep_date, station_id, station, township, place, kind,
    outcome, case_no, found (outcome ≠ 无问题), is_demo."""
    df = wq.sweep_rows(session=session, year=year, station_ids=station_ids)
    df["found"] = df["outcome"] != wq.NO_PROBLEM
    df["is_demo"] = df["is_demo"].astype(bool)
    return df


@unit_of_work
def award_list(*, session: Session | None = None, year: int, station_ids: list[int] | None = None) -> pd.DataFrame:
    """评选 entries of `year` (出彩小作坊, 老字号 …): award_id, year, award, stage (推荐 / 入围 / 获评), business_id,
    name, code, station_id, station, township, category, is_demo."""
    df = wq.award_rows(session=session, year=year, station_ids=station_ids)
    df["is_demo"] = df["is_demo"].astype(bool)
    return df
