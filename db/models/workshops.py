"""食品小作坊 (seeds/004 二(二)–(六)): the workshop detail of a 包保主体, the 无证黑窝点 sweeps and the 评选 entries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from db.models.base import Lineage

# The 十个管理规范 of 004 二(四), in the document's order: (column, label).
NORMS: tuple[tuple[str, str], ...] = (
    ("norm_license", "亮证经营"),
    ("norm_pledge", "安全承诺"),
    ("norm_self_check", "自查制度落实"),
    ("norm_health", "健康查体"),
    ("norm_purchase", "进货查验记录"),
    ("norm_receipts", "单据留存"),
    ("norm_additives", "食品添加剂公示"),
    ("norm_operation", "操作规范"),
    ("norm_cleanliness", "场所清洁"),
    ("norm_labelling", "包装标示规范"),
)
NORM_MET, NORM_UNMET = "达标", "不达标"
ARCHIVE_BUILT, ARCHIVE_NOT_BUILT = "已建", "未建"
REVIEW_RESULTS = ("合格", "基本合格", "不合格")  # 第三方检查评价
SWEEP_KINDS = ("黑作坊", "黑工厂", "其他")  # 无证黑窝点摸排
SWEEP_OUTCOMES = ("查处", "取缔", "移交", "无问题")
SWEEP_HANDLED = ("查处", "取缔", "移交")  # a place found (not 无问题) is handled by one of these
AWARDS = ("出彩小作坊", "老字号", "其他")  # 二(六): with 区妇联 / 商务中心
AWARD_STAGES = ("推荐", "入围", "获评")


class Workshop(Lineage, table=True):
    """The 小作坊 detail of a business of sector 小作坊 (one-to-one): production, 冷链, 高风险, video supervision,
    示范, upgrade, the 两个档案, the 十个管理规范 (True 达标 / False 不达标 / None 未评), 第三方评价 and 退出."""

    __tablename__ = "workshop"
    id: int | None = Field(default=None, primary_key=True)
    business_id: int = Field(foreign_key="business.id", unique=True)
    category: str | None = None  # 品类
    producing: bool = True  # 在产
    cold_chain: bool = False
    cold_rooms: int | None = None  # 冷库 count (冷链 workshops)
    high_risk: bool = False
    video: bool = False  # under 远程视频监管
    video_online: bool | None = None
    demo_site: bool = False  # chosen for 示范创建
    upgraded_date: dt.date | None = None  # upgraded to a 食品生产企业
    new_licence: str | None = None
    archive_supervision: bool = False  # 监管档案
    archive_supervision_date: dt.date | None = None
    archive_risk: bool = False  # 风险防控档案
    archive_risk_date: dt.date | None = None
    norm_license: bool | None = None
    norm_pledge: bool | None = None
    norm_self_check: bool | None = None
    norm_health: bool | None = None
    norm_purchase: bool | None = None
    norm_receipts: bool | None = None
    norm_additives: bool | None = None
    norm_operation: bool | None = None
    norm_cleanliness: bool | None = None
    norm_labelling: bool | None = None
    review_date: dt.date | None = None  # 第三方检查评价
    review_result: str | None = None
    review_problems: int | None = None
    exit_date: dt.date | None = None  # 不符合退出机制
    exit_reason: str | None = None


class WorkshopSweep(Lineage, table=True):
    """无证黑窝点常态化摸排: one place looked at on one day, and what came of it."""

    __tablename__ = "workshop_sweep"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)  # date|station|place (normalised)
    sweep_date: dt.date = Field(index=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    township_id: int | None = Field(default=None, foreign_key="township.id")
    place: str
    kind: str = SWEEP_KINDS[0]
    outcome: str = SWEEP_OUTCOMES[-1]
    case_no: str | None = None


class WorkshopAward(Lineage, table=True):
    """出彩小作坊 / 老字号 评选: a workshop's entry and how far it got in a year."""

    __tablename__ = "workshop_award"
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    award: str
    business_id: int = Field(foreign_key="business.id", index=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    stage: str = AWARD_STAGES[0]
    __table_args__ = (UniqueConstraint("year", "award", "business_id", name="uq_workshop_award"),)
