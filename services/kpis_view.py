"""指标 page tables: the reference KPIs of other districts and a KPI's trend up to the month shown. Streamlit-free;
inputs are services.metrics.kpi_reference and kpi_trend."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from services import narrative
from services.metrics.common import DISTRICT_LABEL
from services.rules import fmt
from services.rules import oversight as oversight_rules
from services.rules.style import DOT, STATUS_ORDER

PACING = {"ramp": "按时序递增", "level": "全年保持", "once": "到期一次完成"}
# What a KPI's expected line is called in its trend: only a ramp has a 时序进度.
PACE_LINE = {"ramp": "时序进度", "level": "目标", "once": "应达"}


def headline(row: dict, *, as_of: dt.date | None = None) -> str:
    """The line beside a gauge (plain text): "目标 ≥100.0%（全年保持）｜本年累计 94.1%｜低于目标5.9个百分点｜无基线"; a ramp adds
    its 时序进度 and window: "｜时序进度83.3%（2022年1月1日至12月31日，按全年计）"."""
    is_rate = row["unit"] == "%"
    sign = "≤" if row.get("direction") == "<=" else "≥"
    target, actual = fmt.with_unit(row["target"], row["unit"]), fmt.with_unit(row["actual"], row["unit"])
    parts = [f"目标 {sign}{target}（{PACING.get(row['pacing'], row['pacing'])}）", f"本年累计 {actual}"]
    if row["pacing"] == "ramp":
        window = narrative.kpi_window(row)
        expected = fmt.pct(row["expected_rate"]) if is_rate else (
            f"{fmt.num(row['expected'])}{row['unit']}（{fmt.pct(row['expected_rate'])}）")
        parts.append(f"应达 {expected}")
        parts.append(f"时序进度{fmt.pct(row.get('time_progress'))}（{narrative.window_text(window)}，"
                     f"{narrative.basis(window)}）")
    parts += [narrative.comparison(row, as_of=as_of), narrative.baseline_text(row), value_source(row)]
    return "｜".join(parts)


def value_source(row: dict) -> str:
    """Which value a gauge shows: "取自抽检台账（4,240批次）", "取自指标月报填报", "由系统根据各监管所的上报记录计算"."""
    basis = row.get("source_basis")
    return oversight_rules.source_text(row.get("value_source"), oversight_rules.KPI_FIGURES.get(row.get("name", "")),
                                       None if basis is None or pd.isna(basis) else float(basis))


def status_rows(gauges: pd.DataFrame) -> pd.DataFrame:
    """Every gauged KPI worst first: status (明显滞后, 略有滞后, 未报, 达到进度), then the furthest behind.
    Columns: 指标, 状态 (a chip: "● " and narrative.kpi_status_word, so a once KPI not yet due says 未到期 as its gauge
    does), 本年累计, 目标, 应达 (a once KPI: its due date), 进度差 (signed 百分点; — for a once KPI, which has no pace)."""
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    rows = gauges.assign(_rank=gauges["status"].map(lambda s: rank.get(s, len(rank)))).sort_values(
        ["_rank", "lag_pp"], kind="stable", na_position="last")
    signs = rows["direction"].map(lambda d: "≤" if d == "<=" else "≥")
    records = rows.to_dict("records")
    once = [(r.get("pacing") or "ramp") == "once" for r in records]
    return pd.DataFrame({
        "指标": rows["name"].tolist(),
        "状态": [f"{DOT} {narrative.kpi_status_word(r)}" for r in records],
        "本年累计": [fmt.with_unit(a, u) for a, u in zip(rows["actual"], rows["unit"], strict=True)],
        "目标": [f"{s}{fmt.with_unit(t, u)}" for s, t, u in zip(signs, rows["target"], rows["unit"], strict=True)],
        "应达": [narrative.due_words(r) if o else fmt.with_unit(r["expected"], r["unit"])
               for r, o in zip(records, once, strict=True)],
        "进度差": [fmt.MISSING if o else narrative.signed_pp(r["lag_pp"]) for r, o in zip(records, once, strict=True)],
        "取值": [value_source(r) for r in records],
    })


def reference_rows(reference: pd.DataFrame) -> pd.DataFrame:
    """Columns: 指标, 目标, 辖区, 年度, 说明, 来源 (reference rows: never paced, never 章丘's)."""
    return pd.DataFrame({
        "指标": reference["name"],
        "目标": [fmt.with_unit(t, u) for t, u in zip(reference["target"], reference["unit"], strict=True)],
        "辖区": reference["jurisdiction"], "年度": reference["year"].astype(str),
        "说明": reference["rule_text"].fillna(""),
        "来源": (reference["source_doc"].fillna("") + " " + reference["source_article"].fillna("")).str.strip(),
    })


def trend_to(trend: pd.DataFrame, month: int) -> pd.DataFrame:
    """The trend rows up to and including `month` (the period shown)."""
    return trend[trend["month"] <= month]


# --- 主体责任与抽检（由台账计算）: services.metrics.duty_staffing / duty_completion / sampling ------------------------


def _rate(x) -> str:
    return fmt.pct(None if x is None or pd.isna(x) else float(x))


def staffing_rows(staffing: pd.DataFrame) -> pd.DataFrame:
    """By sector then 全区: 企业, 安全员配备率, 应配总监, 总监配备率, 培训合格, 考核合格 (shares of the people named)."""
    return pd.DataFrame({
        "业态": staffing["sector"].tolist(),
        "企业（家）": staffing["enterprises"].map(fmt.num).tolist(),
        "已配安全员": staffing["officer_named"].map(fmt.num).tolist(),
        "安全员配备率": staffing["officer_rate"].map(_rate).tolist(),
        "应配总监（A、B级）": staffing["director_required"].map(fmt.num).tolist(),
        "已配总监": staffing["director_named"].map(fmt.num).tolist(),
        "总监配备率": staffing["director_rate"].map(_rate).tolist(),
        "培训比例": staffing["trained_rate"].map(_rate).tolist(),
        "考核比例": staffing["assessed_rate"].map(_rate).tolist(),
    })


def completion_rows(completion: pd.DataFrame) -> pd.DataFrame:
    """Stations worst first (the lowest of the three year-to-date rates), 全区 last: 日管控 / 周排查 / 月调度 for the
    month and the year to date, and the enterprises with no record for the month."""
    district = completion[completion["station"] == DISTRICT_LABEL]
    stations = completion[completion["station"] != DISTRICT_LABEL]
    worst = stations[["daily_rate_ytd", "weekly_rate_ytd", "monthly_rate_ytd"]].min(axis=1)
    rows = pd.concat([stations.assign(_w=worst).sort_values("_w", kind="stable", na_position="last"), district])
    return pd.DataFrame({
        "监管所": rows["station"].tolist(),
        "企业（家）": rows["enterprises"].map(fmt.num).tolist(),
        "日管控（本月）": rows["daily_rate"].map(_rate).tolist(),
        "周排查（本月）": rows["weekly_rate"].map(_rate).tolist(),
        "月调度（本月）": rows["monthly_rate"].map(_rate).tolist(),
        "日管控（本年）": rows["daily_rate_ytd"].map(_rate).tolist(),
        "周排查（本年）": rows["weekly_rate_ytd"].map(_rate).tolist(),
        "月调度（本年）": rows["monthly_rate_ytd"].map(_rate).tolist(),
        "本月无记录": [f"{fmt.num(n)}家（{_rate(r)}）" for n, r in zip(rows["no_record"], rows["no_record_rate"],
                                                                        strict=True)],
        "包保督导查验": rows["onsite"].map(fmt.num).tolist(),
    })


def sampling_rows(sampling: pd.DataFrame) -> pd.DataFrame:
    """Per station, 全区 last: 抽检批次, 检验中, 不合格, 核查处置 done and its rate, 按时完成率."""
    return pd.DataFrame({
        "监管所": sampling["station"].tolist(),
        "抽检批次": sampling["batches"].map(fmt.num).tolist(),
        "检验中": sampling["pending"].map(fmt.num).tolist(),
        "不合格": sampling["failed"].map(fmt.num).tolist(),
        "已核查处置": sampling["handled"].map(fmt.num).tolist(),
        "核查处置率": sampling["handled_rate"].map(_rate).tolist(),
        "应完成处置": sampling["due"].map(fmt.num).tolist(),
        "按时完成率": sampling["on_time_rate"].map(_rate).tolist(),
    })


def per_thousand_line(sampling: pd.DataFrame) -> str:
    """ "全区抽检4,240批次，常住人口110.1万（2023年末，章丘区统计公报），3.85批次/千人（规则5批次/千人，全年应达5,505批次）"."""
    d = sampling[sampling["station"] == DISTRICT_LABEL].iloc[0]
    if pd.isna(d["population"]):
        return f"全区抽检{fmt.num(d['batches'])}批次；未设常住人口，无法计算批次/千人（在“系统设置”中填写）"
    wan = f"{fmt.round_half_up(d['population'] / 10000, 2):g}"  # 110.1万, 110.15万: no trailing zero
    basis = d.get("population_basis") or ""
    line = (f"全区抽检{fmt.num(d['batches'])}批次，常住人口{wan}万{f'（{basis}）' if basis else ''}，"
            f"{fmt.num(d['per_thousand'], 2)}{oversight_rules.PER_THOUSAND_UNIT}")
    if not pd.isna(d["rule_per_thousand"]):
        line += (f"（规则{fmt.num(d['rule_per_thousand'])}{oversight_rules.PER_THOUSAND_UNIT}，"
                 f"全年应达{fmt.num(d['rule_batches'])}批次）")
    return line
