"""食品抽检 (002 抽检, 003 10, 000 8): one batch sampled at a business, its result and, for 不合格, the failed item.
The 核查处置 of a 不合格 batch is its Problem (source 抽检, problem.sample_id): deadline, date done and outcome live
there, so a 包保干部 sees it with the problems found by others and its 整改 counts once."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field

from db.models.base import Lineage

SAMPLE_KINDS = ("监督抽检", "专项抽检", "评价性抽检", "风险监测", "你点我检")
SAMPLE_RESULTS = ("合格", "不合格", "检验中")
SAMPLE_FAILED = "不合格"
SAMPLE_OUTCOMES = ("立案查处", "责令整改", "下架召回", "移送", "核查无问题")  # 核查处置 of a 不合格 batch


class Sample(Lineage, table=True):
    """抽检台账: one batch."""

    __tablename__ = "sample"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # 抽样单编号, else date|business|sample (normalised)
    code: str | None = None  # 抽样单编号 as written
    sample_date: dt.date = Field(index=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    business_name: str
    business_id: int | None = Field(default=None, foreign_key="business.id", index=True)  # when it matches
    category: str  # 食品大类
    sample_name: str  # 样品名称
    kind: str = SAMPLE_KINDS[0]  # 任务类别
    result: str = SAMPLE_RESULTS[0]
    report_date: dt.date | None = None  # 检验报告日期 (a 不合格 batch's problem is found on it)
    failed_item: str | None = None  # 不合格项目
