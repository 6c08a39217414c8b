"""企业主体责任 and 抽检 rules (docs/主体责任与抽检指标.md): which businesses are 企业, which must name a 食品安全总监,
which 抽检 task kinds count as 监督抽检批次, the 核查处置 deadline, the population setting, and which gauged KPI a
register figure replaces. Pure: no database, no Streamlit."""

from __future__ import annotations

import datetime as dt
import math
import re

# 企业: the sectors of the 包保 register that are enterprises (小作坊, 小餐饮 and 摊贩 are not).
ENTERPRISE_SECTORS = ("生产", "销售", "餐饮", "单位食堂", "集中交易市场")
# A 食品安全总监 is required of the larger enterprises: 包保分级 A or B (A = largest).
DIRECTOR_TIERS = ("A", "B")
# 监督抽检批次 counts the supervisory tasks: 监督抽检 itself, 专项抽检 and 你点我检 (评价性抽检 and 风险监测 are not).
COUNTED_KINDS = ("监督抽检", "专项抽检", "你点我检")
# 不合格食品核查处置: within 30 days of the 检验报告 (the problem's deadline when the register gives none).
HANDLING_DAYS = 30
PER_THOUSAND_UNIT = "批次/千人"

# The population setting (常住人口): default the district's stored population.
POPULATION_KEY = "population"
POPULATION_HELP = "常住人口（人），用于计算监督抽检批次/千人"
POPULATION_MAX = 100_000_000

# Gauged KPIs that the 抽检 register computes (name → figure of services.metrics.oversight.register_figures).
KPI_FIGURES = {
    "监督抽检批次": "batches",
    "不合格食品核查处置率": "handled_rate",
    "核查处置按时完成率": "on_time_rate",
}
# Where a gauge's value comes from (metrics.kpi_gauges value_source).
SOURCE_REGISTER = "抽检台账"
SOURCE_READINGS = "月报填报"
SOURCE_SUBMISSIONS = "上报记录"
# What a register figure counts, for "取自抽检台账（…）".
FIGURE_BASIS = {"batches": "{n}批次", "handled_rate": "不合格{n}批次", "on_time_rate": "应完成处置{n}批次"}


def is_enterprise(sector: str | None) -> bool:
    return sector in ENTERPRISE_SECTORS


def director_required(sector: str | None, tier: str | None) -> bool:
    """A 食品安全总监 is required of an enterprise of 包保分级 A or B."""
    return is_enterprise(sector) and tier in DIRECTOR_TIERS


def handling_deadline(report_date: dt.date) -> dt.date:
    """核查处置期限: 30 days after the 检验报告."""
    return report_date + dt.timedelta(days=HANDLING_DAYS)


def per_thousand(batches: float, population: float | None) -> float:
    """批次/千人 = batches ÷ (population ÷ 1000); NaN without a population."""
    if not population or population <= 0:
        return math.nan
    return batches / (population / 1000)


def parse_population(text: str | int | None) -> int:
    """The setting's text as a whole number of residents; ValueError in Chinese otherwise ("110.1万" is read too)."""
    raw = str(text if text is not None else "").strip().replace(",", "").replace("，", "").replace(" ", "")
    if not raw:
        raise ValueError("常住人口不能为空，请填写人数，如 1101000 或 110.1万")
    factor = 1
    if raw.endswith("万人") or raw.endswith("万"):
        raw, factor = raw.removesuffix("人").removesuffix("万"), 10_000
    raw = raw.removesuffix("人")
    if not re.fullmatch(r"\d+(\.\d+)?", raw):
        raise ValueError(f"常住人口“{text}”不是数字，请填写人数，如 1101000 或 110.1万")
    value = float(raw) * factor
    if value != int(value) or not 1 <= value <= POPULATION_MAX:
        raise ValueError(f"常住人口“{text}”应为1至{POPULATION_MAX:,}之间的整数人数")
    return int(value)


def source_text(value_source: str | None, figure: str | None = None, n: float | None = None) -> str:
    """What a gauge shows, said in full: "取自抽检台账（4,240批次）", "取自指标月报填报", "由系统根据上报记录计算"."""
    if value_source == SOURCE_REGISTER:
        basis = FIGURE_BASIS.get(figure or "", "{n}批次")
        count = f"{int(n):,}" if n is not None and not (isinstance(n, float) and math.isnan(n)) else "0"
        return f"取自{SOURCE_REGISTER}（{basis.format(n=count)}）"
    if value_source == SOURCE_SUBMISSIONS:
        return "由系统根据各监管所的上报记录计算"
    return f"取自指标{SOURCE_READINGS}"
