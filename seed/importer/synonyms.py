"""The header spellings district offices use, per concept: one table for every kind that has the concept.

A kind's column takes its synonyms from here (kinds.py); a header text must never name two fields of one kind
(tests/seed/test_synonyms.py checks every kind), so a concept's spellings never overlap another concept's that
shares a kind with it.
"""

from __future__ import annotations

# 监管所: the station a row belongs to.
STATION = ("监管所", "市场监管所", "所属监管所", "市场监督管理所", "监管所名称", "所")
# Only in the per-station sheets (task list, progress, 风险隐患): their first column is often headed 单位.
STATION_AS_UNIT = ("单位", "单位名称")

# 镇街: a township (乡镇/街道). On a sheet without a township field the column names the station (the station
# matcher reads township names), so those kinds take these spellings for their station column.
TOWNSHIP = ("镇街", "镇（街道）", "所属街道", "所在镇街", "乡镇（街道）", "乡镇街道", "所属镇街", "镇（街）", "街道（镇）")

# The cadre (包保干部) a row names.
CADRE_CODE = ("干部编号", "包保干部编号", "包保人编号")
CADRE_NAME = ("干部姓名", "包保干部", "包保责任人", "包保人", "包保干部姓名", "包保责任人姓名", "姓名")
CADRE_UNIT = ("干部单位", "包保干部单位", "所在单位", "干部所在单位", "包保干部所在单位", "包保人单位")

# The business (包保主体) a row names.
BUSINESS_CODE = ("主体编码", "统一社会信用代码", "许可证编号", "信用代码", "社会信用代码", "包保主体编码")
BUSINESS_NAME = ("主体名称", "包保主体", "企业名称", "经营者名称", "单位名称", "包保主体名称")

# Periods and dates.
YEAR = ("年度", "年份", "年")
MONTH = ("月份", "月", "统计月份", "报告月份")
REPORT_DATE = ("上报日期", "报送日期", "填报日期")
START_DATE = ("开始日期", "起始日期")
END_DATE = ("结束日期", "终止日期")


def rest(names: tuple[str, ...], *drop: str) -> tuple[str, ...]:
    """A concept's spellings without the label a column already writes (and any other spellings dropped)."""
    return tuple(n for n in names if n not in drop)


CONCEPTS: dict[str, tuple[str, ...]] = {
    "station": STATION, "township": TOWNSHIP, "cadre_code": CADRE_CODE, "cadre_name": CADRE_NAME,
    "cadre_unit": CADRE_UNIT, "business_code": BUSINESS_CODE, "business_name": BUSINESS_NAME, "year": YEAR,
    "month": MONTH, "report_date": REPORT_DATE,
}
