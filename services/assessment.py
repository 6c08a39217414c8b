"""年终督导考核 (seeds/004 三(三), 四(三)): a score per station from the 任务清单, the 小作坊 registers and the
timeliness of its reports, with the weights of the setting (services/rules/assessment.py), and who is 表彰 or 批评
with the reasons. Read by the 考核 page, `python -m seed export 考核` and the 通报 draft (reports/assessment.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlmodel import Session

from db import engine as dbe
from services import accounts, metrics, submissions, workshops_view
from services.rules import assessment as rules
from services.rules import deadlines as dl_rules
from services.rules import fmt
from services.rules.permissions import ACT, require
from services.rules.viewer import SYSTEM, Viewer
from services.unit import unit_of_work

SETTINGS_PAGE = "系统设置"
COLUMNS = ["rank", "station_id", "station", *[f"{k}_rate" for k in rules.PARTS], *[f"{k}_points" for k in rules.PARTS],
           "total", "verdict", "reasons", "to_check", "is_demo"]
REASON_LOW = 0.6  # a part below 60 % of its weight is named as a reason for 批评
REASON_HIGH = 0.9  # a part at or above 90 % is named as a reason for 表彰


@unit_of_work
def weights(*, session: Session | None = None) -> rules.Weights:
    """The weights in force: the setting, else the default. A setting that no longer parses falls back to the
    default (it was checked when saved; the 考核 page says which is used)."""
    try:
        return rules.parse_weights(dbe.get_setting(session, rules.SETTING_KEY))
    except ValueError:
        return rules.DEFAULT


@unit_of_work
def save_weights(*, session: Session | None = None, viewer: Viewer, text: str) -> rules.Weights:
    """Check and store the weights (committed, audited as 系统设置). PermissionError for a role that may not act on
    系统设置, ValueError in Chinese for a setting that does not parse; nothing is written on refusal."""
    require(viewer, SETTINGS_PAGE, ACT)
    new = rules.parse_weights(text)
    old = weights(session=session)
    dbe.set_setting(session, rules.SETTING_KEY, rules.weights_text(new), rules.SETTING_HELP)
    accounts.audit(session=session, viewer=viewer, action=SETTINGS_PAGE, target="考核权重",
                   detail={"原": rules.weights_text(old), "新": rules.weights_text(new)})
    dbe.bump_data_version(session)  # the scores cached by data_version are recomputed with the new weights
    session.commit()
    return new


@unit_of_work
def clock(*, session: Session | None = None) -> dt.date:
    """The as-of date of the database the session reads (AS_OF first): the 通报 is dated by it."""
    return dbe.as_of(session.get_bind())


def assessment_month(year: int, as_of: dt.date) -> int:
    """The month the assessment reads up to: December for a past year, else the as-of month."""
    return 12 if as_of.year > year else max(1, as_of.month)


def _task_rates(session: Session, year: int, month: int, as_of: dt.date) -> pd.Series:
    """Per station: the mean over its 任务项 with a target of min(累计完成 ÷ 目标, 1); an unreported one counts 0."""
    df = metrics.task_progress(session=session, year=year, month=month, as_of=as_of)
    df = df[df["target"].astype("float64") > 0]
    if df.empty:
        return pd.Series(dtype="float64")
    done = (df["actual"].astype("Float64").fillna(0).astype("float64") / df["target"].astype("float64")).clip(0, 1)
    return done.groupby(df["station_id"]).mean()


def _timely_rates(session: Session, year: int, month: int, as_of: dt.date) -> pd.Series:
    """Per station: reports in by the deadline ÷ reports due, over the 月报 and the 进度填报 of months 1..month."""
    frames = [submissions.submission_grid(session=session, viewer=SYSTEM, year=year, month=month, as_of=as_of,
                                          kind=kind) for kind in (dl_rules.HAZARD_KIND, dl_rules.PROGRESS_KIND)]
    grid = pd.concat(frames, ignore_index=True)
    due = grid[grid["due"].astype(bool)]
    if due.empty:
        return pd.Series(dtype="float64")
    on_time = (due["status"] == submissions.ON_TIME).groupby(due["station_id"]).sum()
    return on_time / due.groupby("station_id").size()


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def check_note(row) -> str:
    """What to check before a station is named on the 表彰 or 批评 list, when a count behind its score is not
    confirmed: "（需先核对：垛庄所示范创建上报2家，小作坊名录中列明1家，…）"; "" when nothing is."""
    return f"（需先核对：{row.to_check}）" if getattr(row, "to_check", "") else ""


def _reasons(row: dict, verdict: str) -> str:
    """The parts that earned a 表彰 (≥ 90 %) or cost a 批评 (< 60 %), with their rates, worst or best first."""
    parts = [(k, row[f"{k}_rate"]) for k in rules.PARTS if row[f"{k}_rate"] is not None]
    if verdict == rules.PRAISE:
        chosen = sorted((p for p in parts if p[1] >= REASON_HIGH), key=lambda p: -p[1])
    elif verdict == rules.CRITICISE:
        chosen = sorted((p for p in parts if p[1] < REASON_LOW), key=lambda p: p[1])
    else:
        return ""
    return "，".join(f"{rules.PARTS[k][1]}{fmt.pct(r)}" for k, r in chosen)


@unit_of_work
def assessment(*, session: Session | None = None, year: int, as_of: dt.date,
               weights_in_force: rules.Weights | None = None) -> pd.DataFrame:
    """One row per station, best first (rank 1 = best; equal totals share a rank): each part's rate (0–1, None when
    it does not apply) and points, the total of 100, the verdict (表彰 / 批评 / "") and its reasons."""
    w = weights_in_force or weights(session=session)
    month = assessment_month(year, as_of)
    shops = metrics.workshop_rates(session=session, year=year, as_of=as_of)
    tasks = _task_rates(session, year, month, as_of)
    timely = _timely_rates(session, year, month, as_of)
    rows = []
    for s in shops.itertuples(index=False):
        sid = int(s.station_id)
        # a count the 小作坊 page asks the station to check (上报 ≠ 名录列明): said beside a 表彰 or 批评
        to_check = "；".join(workshops_view.station_gaps(s))
        rates = {
            "tasks": float(tasks[sid]) if sid in tasks.index else None,
            "archives": _ratio(s.archives_both, s.registered),
            "norms": _ratio(s.norms_met_cells, s.norms_assessed_cells),
            "reviews": _ratio(s.cold_reviewed + s.high_risk_reviewed, s.cold_chain + s.high_risk),
            "sweeps": rules.sweep_rate(int(s.swept), int(s.found), int(s.handled)),
            "timeliness": float(timely[sid]) if sid in timely.index else None,
        }
        scores = {k: rules.points(r, getattr(w, k)) for k, r in rates.items()}
        rows.append({"station_id": sid, "station": s.station,
                     **{f"{k}_rate": r for k, r in rates.items()}, **{f"{k}_points": p for k, p in scores.items()},
                     "total": rules.total(scores, w), "to_check": to_check, "is_demo": bool(s.is_demo)})
    df = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("rank", "verdict", "reasons")])
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    df["verdict"] = rules.verdicts([None if pd.isna(t) else float(t) for t in df["total"]], w)
    df["reasons"] = [_reasons(r, v) for r, v in zip(df.to_dict("records"), df["verdict"], strict=True)]
    df = df.sort_values("total", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    df["rank"] = df["total"].round(1).rank(method="min", ascending=False).astype("Int64")
    return df[COLUMNS]


def table(df: pd.DataFrame, w: rules.Weights, *, numbers: bool = False) -> pd.DataFrame:
    """The assessment as the office reads it (page, export, 通报 annex): 排名, 监管所, each part's points with its weight
    in the header, 总分, 等次, 理由; a part that does not apply reads 不适用. `numbers`: the points and 总分 as numbers
    (one decimal) rather than text, for a workbook the office sorts and adds up."""
    def said(v: float) -> str | float:
        return round(float(v), 1) if numbers else fmt.num(v, 1)

    out = pd.DataFrame({"排名": df["rank"], "监管所": df["station"]})
    for k, (label, _rate) in rules.PARTS.items():
        out[f"{label}（{fmt.num(getattr(w, k), 0)}分）"] = [
            "不适用" if pd.isna(p) else said(p) for p in df[f"{k}_points"]]
    out["总分"] = ["—" if pd.isna(t) else said(t) for t in df["total"]]
    out["等次"] = ["通报表彰" if v == rules.PRAISE else "通报批评" if v == rules.CRITICISE else "" for v in df["verdict"]]
    out["理由"] = df["reasons"]
    return out


def rule_lines(w: rules.Weights) -> list[str]:
    """How the score is made, in sentences for the page and the 通报 draft."""
    parts = "、".join(f"{label}{fmt.num(getattr(w, k), 0)}分" for k, (label, _r) in rules.PARTS.items())
    return [
        f"满分100分：{parts}；不适用的项目不计分，总分按适用项目折算为百分制",
        f"总分不低于{fmt.num(w.praise_line, 0)}分的前{w.praise_max}名通报表彰，低于{fmt.num(w.criticise_line, 0)}分的通报批评",
    ]
