"""The 小作坊 page's data: the figures of services.metrics.workshops limited to what the viewer may read (a 监管所
account its own station), shaped into the tables the page shows — rates by station worst first, the 十个管理规范 as a
station × 规范 table, the lists with their filters' choices, and one workshop's card for the drill-down."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session

from services import metrics
from services import scope as scoping
from services.rules import fmt
from services.unit import unit_of_work

PAGE = "小作坊"
MSG_OTHER_STATION = "监管所账号只能查看本所（{station}）的小作坊"
DISTRICT = "全区"
# The rates a leader sorts the stations by (worst first): column → label.
RATES = {
    "archive_rate": "两个档案建档率",
    "norm_rate": "十个管理规范达标率",
    "cold_review_rate": "冷链第三方评价覆盖率",
    "high_risk_review_rate": "高风险第三方评价覆盖率",
}


@dataclass(frozen=True)
class WorkshopPage:
    station_id: int | None  # the 监管所 account's own station, else None (the district)
    rates: pd.DataFrame  # metrics.workshop_rates, limited to the station when scoped
    totals: pd.DataFrame  # one row: the district's, or the station's own for a 监管所 account
    norms: pd.DataFrame  # metrics.norm_rates, limited likewise
    workshops: pd.DataFrame  # metrics.workshop_list
    sweeps: pd.DataFrame
    awards: pd.DataFrame
    is_demo: bool


def _only(df: pd.DataFrame, sid: int | None) -> pd.DataFrame:
    if sid is None or "station_id" not in df:
        return df.reset_index(drop=True)
    return df[df["station_id"] == sid].reset_index(drop=True)


@unit_of_work
def workshop_page(*, session: Session | None = None, viewer, year: int, as_of: dt.date) -> WorkshopPage:
    """Everything the page shows for the year, as the viewer may read it (PermissionError otherwise)."""
    sid = scoping.scope(session, viewer, PAGE, message=MSG_OTHER_STATION)
    every = metrics.workshop_rates(session=session, year=year, as_of=as_of)  # read once: the totals sum it
    rates = _only(every, sid)
    totals = metrics.workshop_totals_frame(every) if sid is None else rates
    norms = metrics.norm_rates(session=session, year=year, as_of=as_of)
    norms = norms if sid is None else norms[norms["station_id"] == sid].reset_index(drop=True)
    ids = None if sid is None else [sid]
    workshops = metrics.workshop_list(session=session, as_of=as_of, station_ids=ids)
    sweeps = metrics.sweep_list(session=session, year=year, station_ids=ids)
    awards = metrics.award_list(session=session, year=year, station_ids=ids)
    demo = bool(rates["is_demo"].any()) if "is_demo" in rates and not rates.empty else False
    return WorkshopPage(sid, rates, totals.reset_index(drop=True), norms, workshops, sweeps, awards, demo)


def pct_text(x) -> str:
    return "—" if x is None or pd.isna(x) else fmt.pct(float(x))


def _gap(named, reported) -> str:
    """名单 vs 上报: "一致", or the difference said in words (never a bare sign)."""
    if pd.isna(reported):
        return "未上报"
    diff = int(named) - int(reported)
    if diff == 0:
        return "一致"
    return f"名单多{diff}家" if diff > 0 else f"名单少{-diff}家"


def rate_table(rates: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """One row per station, worst first by the chosen rate (a station without the list last), in Chinese."""
    order = rates.sort_values(by, na_position="last", kind="stable")
    return pd.DataFrame({
        "监管所": order["station"],
        "在册小作坊": order["registered"].astype("int64"),
        "冷链": order["cold_chain"].astype("int64"),
        "高风险": order["high_risk"].astype("int64"),
        **{label: [pct_text(v) for v in order[col]] for col, label in RATES.items()},
        "摸排发现": order["found"].astype("int64"),
        "已查处": order["handled"].astype("int64"),
        "示范（名单/上报）": _pairs(order, "demo"),
        "示范核对": [_gap(n, r) for n, r in zip(order["demo_named"], order["demo_reported"], strict=True)],
        "视频监管（名单/上报）": _pairs(order, "video"),
        "视频核对": [_gap(n, r) for n, r in zip(order["video_named"], order["video_reported"], strict=True)],
        "升级企业（名单/上报）": _pairs(order, "upgrades"),
    }).reset_index(drop=True)


def _pairs(df: pd.DataFrame, key: str) -> list[str]:
    """"4/4": the sites named / the count reported ("—" when not reported)."""
    return [f"{int(n)}/{'—' if pd.isna(r) else int(r)}"
            for n, r in zip(df[f"{key}_named"], df[f"{key}_reported"], strict=True)]


def norm_heat(norms: pd.DataFrame) -> pd.DataFrame:
    """Station × 规范: the 达标率 as a fraction (the page colours it), stations in the frame's order, 全区 last."""
    if norms.empty:
        return pd.DataFrame()
    wide = norms.pivot_table(index="station", columns="norm", values="rate", aggfunc="first", sort=False)
    labels = list(dict.fromkeys(norms["norm"]))
    wide = wide.reindex(columns=labels)
    stations = [s for s in dict.fromkeys(norms["station"]) if s != DISTRICT]
    if DISTRICT in wide.index:
        stations.append(DISTRICT)
    return wide.reindex(stations).rename_axis(index="监管所", columns=None).reset_index()


def gap_lines(rates: pd.DataFrame) -> list[str]:
    """The stations whose named sites differ from the count they reported, one sentence each (who must act)."""
    return [line for r in rates.itertuples(index=False) for line in station_gaps(r)]


def station_gaps(r) -> list[str]:
    """One station's row of metrics.workshop_rates: a sentence for each count it reported that its named sites do
    not match."""
    lines = []
    for named, reported, what in ((r.demo_named, r.demo_reported, "示范创建"),
                                  (r.video_named, r.video_reported, "视频监管试点"),
                                  (r.upgrades_named, r.upgrades_reported, "新升级为食品生产企业")):
        if not pd.isna(reported) and int(named) != int(reported):
            lines.append(f"{r.station}{what}上报{int(reported)}家，小作坊名录中列明{int(named)}家，"
                         f"{_gap(named, reported)}，请核对名单或上报数")
    return lines


FILTERS = {"冷链": "cold_chain", "高风险": "high_risk", "远程视频监管": "video", "示范": "demo_site"}


def filter_workshops(shops: pd.DataFrame, *, kinds: list[str], text: str = "") -> pd.DataFrame:
    """The workshops that are every one of the chosen kinds and whose name or 登记证号 contains the text."""
    out = shops
    for kind in kinds:
        if kind in FILTERS:
            out = out[out[FILTERS[kind]].fillna(False).astype(bool)]
        elif kind == "已升级":
            out = out[out["upgraded_date"].notna()]
        elif kind == "已退出":
            out = out[out["exit_date"].notna()]
    text = (text or "").strip()
    if text:
        out = out[out["name"].str.contains(text, regex=False, na=False)
                  | out["code"].fillna("").str.contains(text, regex=False)]
    return out.reset_index(drop=True)


def workshop_table(shops: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"小作坊名称": shops["name"], "登记证号": shops["code"], "监管所": shops["station"],
                         "镇街": shops["township"], "品类": shops["category"], "类别": shops["flags"],
                         "两个档案": shops["archives"], "管理规范达标": shops["norms"], "第三方评价": shops["review"],
                         "升级": shops["upgrade"], "退出": shops["exit"]}).reset_index(drop=True)


def _day(d) -> str:
    return "—" if d is None or pd.isna(d) else fmt.date_label(d)


def _yes(x) -> str:
    return "—" if x is None or pd.isna(x) else ("是" if bool(x) else "否")


CODE_LABELS = ("登记证号", "新许可证号")  # shown as code: letters and digits, not words


def workshop_card(row: pd.Series) -> list[tuple[str, str]]:
    """One workshop's card for the drill-down: (label, text) pairs; CODE_LABELS' values are codes."""
    return [
        ("小作坊", str(row["name"])),
        ("登记证号", str(row["code"] or "—")),
        ("监管所 / 镇街", f"{row['station']} / {row['township'] or '—'}"),
        ("品类", str(row["category"] or "—")),
        ("在产", _yes(row["producing"])),
        ("冷链", f"{_yes(row['cold_chain'])}" + (f"，冷库{int(row['cold_rooms'])}个" if not pd.isna(row["cold_rooms"]) else "")),
        ("高风险", _yes(row["high_risk"])),
        ("远程视频监管", _yes(row["video"]) + ("" if not row["video"] else f"，视频在线：{_yes(row['video_online'])}")),
        ("示范创建", _yes(row["demo_site"])),
        ("监管档案", f"{'已建' if row['archive_supervision'] else '未建'}（{_day(row['archive_supervision_date'])}）"),
        ("风险防控档案", f"{'已建' if row['archive_risk'] else '未建'}（{_day(row['archive_risk_date'])}）"),
        ("十个管理规范", f"达标{row['norms']}项"),
        ("第三方评价", str(row["review"] or "—")),
        ("升级为食品生产企业", _day(row["upgraded_date"])),
        ("新许可证号", str(row["new_licence"] or "—")),
        ("退出", str(row["exit"] or "—")),
    ]


def sweep_table(sweeps: pd.DataFrame) -> pd.DataFrame:
    """The 摸排 as the page lists them; a blank 镇街 or 案件编号 stays blank (a table draws a null as "None")."""
    return pd.DataFrame({"摸排日期": [_day(d) for d in sweeps["sweep_date"]], "监管所": sweeps["station"],
                         "镇街": sweeps["township"].fillna(""), "地点": sweeps["place"], "类型": sweeps["kind"],
                         "处理结果": sweeps["outcome"], "案件编号": sweeps["case_no"].fillna("")}).reset_index(drop=True)


def award_table(awards: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"评选": awards["award"], "阶段": awards["stage"], "小作坊": awards["name"],
                         "登记证号": awards["code"], "监管所": awards["station"], "品类": awards["category"]}
                        ).reset_index(drop=True)
