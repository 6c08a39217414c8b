"""The demo database: the bureau's real spreadsheets imported as they are, plus generated 示例 activity for 2022-01…10.

Everything generated here is flagged is_demo=True and invented from word lists and a fixed random seed: names,
codes, dates and figures never stand for a real business, person or report. Only the imported files are real.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import hashlib
import itertools
import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chinese_calendar
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from db import models as m
from db.engine import get_setting, set_setting, write_session
from seed.importer import import_paths

try:  # the other helper's module; the same rule is computed below when it is absent
    from services.rules.deadlines import report_deadline as _report_deadline
except ImportError:  # pragma: no cover - db/deadlines.py ships with the project
    _report_deadline = None

SEED_DIR = Path(__file__).resolve().parent / "data"
SEED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
DEFAULT_SEED = 20221031
DEMO_KEY = "demo_generated"
DEMO_USER = "演示数据"
DISTRICT = "章丘区"
YEAR = 2022
AS_OF = dt.date(2022, 10, 31)
MONTHS = tuple(range(1, AS_OF.month + 1))
YEAR_START = dt.date(YEAR, 1, 1)

# The office's example sentence: "截至10月底，全区完成示范创建98家，完成率77.8%，低于时序进度5.5个百分点".
DEMO_CREATION = "示范创建"
DEMO_CREATION_TOTAL = 98
VIDEO = "视频监管试点"
ITEM_INDICATORS = (DEMO_CREATION, VIDEO)

Progress = Callable[[str], None]

# --- word lists (generic; any likeness to a real name is chance) -------------------------------

SURNAMES = tuple("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = tuple("华军伟芳敏静丽强磊洋勇艳杰娟涛明超秀霞平刚桂英红玉兰辉鹏建国峰亮")
BRANDS = (
    "鑫源", "福满", "永盛", "德顺", "聚福", "华联", "兴隆", "宏达", "金穗", "泉润", "百福", "佳禾", "盛华", "利民",
    "惠民", "丰泽", "瑞丰", "恒泰", "和顺", "福源", "顺发", "嘉禾", "明泉", "乐家", "万家", "康源", "益民", "旺福",
    "金丰", "天成", "众信", "大成", "裕丰", "家和", "祥瑞", "同福", "安泰", "富民", "诚信", "乐康",
)
WORKSHOP_GOODS = (
    "煎饼", "豆腐", "香油", "馒头", "酱菜", "熏肉", "粉皮", "糕点", "挂面", "烧饼", "驴肉", "酱肉", "芝麻糖", "豆腐皮",
    "粉条", "麻花", "米醋", "酱油", "白酒", "大葱酱",
)
SMALL_EATERY = ("小吃部", "面馆", "快餐", "包子铺", "烧烤店", "水饺馆", "米线店", "早餐店")
RESTAURANT = ("饭店", "酒店", "餐饮店", "快餐店", "酒楼", "家常菜馆")
STALL_GOODS = ("早餐", "水果", "熟食", "蔬菜", "烧饼", "凉皮")
FACTORY_GOODS = ("食品", "面业", "调味品", "肉制品", "饮品", "粮油")
SCHOOLS = ("第一小学", "第二小学", "中心小学", "实验小学", "初级中学", "中心幼儿园", "第一幼儿园", "第二幼儿园",
           "希望小学", "第三小学", "双语幼儿园", "实验中学")
OFFICES = ("办事处机关", "派出所", "税务所", "供电所", "财政所", "卫生院职工", "便民服务中心", "中心学校机关",
           "自来水公司", "农商银行支行")
ROADS = ("建设路", "和平路", "文化路", "工业一路", "工业二路", "人民路", "幸福街", "富民路", "兴业路", "朝阳街",
         "育才路", "新华路", "商贸街", "滨河路", "花园路", "振兴街", "东环路", "西环路", "南环路", "北环路")
VILLAGES = ("东关村", "西关村", "南关村", "北关村", "王家庄村", "李家庄村", "张家村", "刘家村", "前进社区", "东山社区",
            "花园社区", "石河村", "枣林村", "上庄村", "下庄村", "河东村", "河西村", "新华社区", "中心社区", "杨家村",
            "孙家村", "马家村", "东营村", "西营村", "南营村", "北营村", "大庄村", "小庄村", "后庄村", "前庄村",
            "柳林村", "槐树村", "杏林社区", "清泉社区", "龙泉社区", "明珠社区", "新村社区", "东坡村", "西坡村",
            "南坡村")
CITY_UNITS = ("济南市市场监督管理局", "济南市教育局", "济南市卫生健康委员会", "济南市商务局", "济南市农业农村局")
COUNTY_UNITS = ("章丘区市场监督管理局", "章丘区教育和体育局", "章丘区卫生健康局", "章丘区民政局", "章丘区商务局",
                "章丘区农业农村局", "章丘区综合行政执法局", "章丘区人民政府办公室", "章丘区财政局", "章丘区公安分局")
TITLES = {
    "市": ("副局长", "四级调研员", "处长", "副处长"),
    "县": ("局长", "副局长", "科长", "副科长", "一级主任科员"),
    "乡": ("党工委副书记", "办事处副主任", "食安办主任", "社会事务办主任", "综合执法办主任"),
    "村": ("党支部书记", "村委会主任", "食品安全协管员", "网格员"),
}
PROBLEMS = (
    "进货查验记录不全", "从业人员健康证过期", "餐饮具消毒不规范", "未落实日管控记录", "食品安全员未到岗",
    "未落实周排查记录", "原料贮存离地离墙不符合要求", "超范围经营", "添加剂未专柜专人管理", "冷藏设施温度记录缺失",
    "加工场所卫生不达标", "过期食品未及时下架", "留样不规范", "虫害防治设施缺失", "索证索票资料不全",
)
HAZARDS = (
    "冷藏冷冻设施温度不达标", "过期食品未及时下架", "进货查验记录不全", "从业人员未持有效健康证明", "餐饮具清洗消毒不到位",
    "食品添加剂未专柜专人管理", "原料贮存未离地离墙", "防鼠防蝇设施缺失", "未落实食品安全日管控", "预包装食品标签不规范",
    "临期食品未分区存放", "加工操作区生熟混放", "留样不规范", "食品安全管理人员未到岗", "索证索票资料不全",
)
DELAY_REASONS = (
    "配套资金未到位", "需与区教育局联合开展，时间顺延", "受疫情防控影响，现场活动暂缓", "上级部署调整，待新方案印发",
    "第三方机构招标未完成", "涉及多部门协调，进度滞后",
)
PROGRESS_NOTES = (
    "已制定实施方案", "已召开专题部署会", "正在组织开展专项检查", "已完成阶段性任务", "持续推进中",
    "已印发工作通知", "已开展培训一次", "正在汇总各所进展",
)

# Sector mix of the register (shares), subtypes within a sector, and 包保分级 (A = largest) by sector or subtype.
SECTOR_MIX = (("销售", 0.28), ("餐饮", 0.14), ("小餐饮", 0.20), ("单位食堂", 0.08), ("小作坊", 0.09),
              ("生产", 0.05), ("摊贩", 0.14), ("集中交易市场", 0.02))
SUBTYPES = {
    "单位食堂": (("学校食堂", 0.45), ("机关食堂", 0.33), ("养老机构食堂", 0.13), ("医院食堂", 0.09)),
    "销售": (("超市", 0.2), ("便利店", 0.3), ("食杂店", 0.5)),
    "餐饮": (("大型餐馆", 0.1), ("中型餐馆", 0.35), ("小型餐馆", 0.55)),
    "集中交易市场": (("农贸市场", 0.7), ("批发市场", 0.3)),
}
TIER_WEIGHTS = {
    "生产": (0.10, 0.30, 0.35, 0.25),
    "集中交易市场": (0.15, 0.45, 0.30, 0.10),
    "学校食堂": (0.05, 0.35, 0.45, 0.15),
    "单位食堂": (0.0, 0.15, 0.45, 0.40),
    "超市": (0.03, 0.20, 0.40, 0.37),
    "销售": (0.0, 0.03, 0.22, 0.75),
    "餐饮": (0.01, 0.10, 0.35, 0.54),
    "小作坊": (0.0, 0.03, 0.30, 0.67),
    "小餐饮": (0.0, 0.0, 0.15, 0.85),
    "摊贩": (0.0, 0.0, 0.05, 0.95),
}
RISK_WEIGHTS = (0.32, 0.43, 0.18, 0.07)  # 风险等级 A–D, drawn independently of 包保分级: C/D ≈ 25%
LEVEL_OF_TIER = {"A": "市", "B": "县", "C": "乡", "D": "村"}
SECOND_LEVEL = {"A": "县", "B": "乡", "C": "村", "D": "乡"}
CADRE_COUNTS = {"市": 10, "县": 60, "乡": 150, "村": 180}
N_BUSINESSES = 3000
HIGH_RISK = ("C", "D")
HIGH_RISK_METHODS = (("现场", 0.86), ("电话询问", 0.05), ("视频会议", 0.04), ("集中督导", 0.03), ("线上", 0.02))
LOW_RISK_METHODS = (("现场", 0.40), ("集中督导", 0.18), ("电话询问", 0.17), ("线上", 0.12), ("集中汇报", 0.07),
                    ("视频会议", 0.06))
PROBLEM_CHANCE = {"现场": 0.27, "集中督导": 0.12}  # other methods see little: 0.04
QUARTERS = ((dt.date(2022, 1, 1), dt.date(2022, 3, 31)), (dt.date(2022, 4, 1), dt.date(2022, 6, 30)),
            (dt.date(2022, 7, 1), dt.date(2022, 9, 30)), (dt.date(2022, 10, 1), dt.date(2022, 12, 31)))
# Completions per month: slow around the Spring Festival, busiest from spring to early autumn.
MONTH_WEIGHTS = {1: 0.5, 2: 0.5, 3: 1.0, 4: 1.2, 5: 1.3, 6: 1.4, 7: 1.1, 8: 1.1, 9: 1.3, 10: 1.0}

# Gauged demo KPIs: which of the other districts' rules to turn into 章丘区 gauges, and how.
PER_CAPITA = {"监督抽检量": ("监督抽检批次", "批次")}  # per-1000-residents rule -> a count for 章丘区
COMPUTED = {"月报按时上报率": "submissions"}  # computed from MonthlySubmission: never given readings
# Intended status at 2022-10 for the known rules (others are drawn): a mix of green, amber and red.
KPI_STATUS = {
    "监督抽检批次": "amber", "不合格食品核查处置率": "amber", "核查处置按时完成率": "green",
    "预包装食品追溯二维码赋码率": "amber", "学校、养老机构食堂“互联网+明厨亮灶”建成率": "green",
    "医院食堂“互联网+明厨亮灶”建成率": "green", "学校食堂和校外供餐单位“互联网+明厨亮灶”覆盖率": "amber",
    "学校、养老院、中型以上餐饮“清洁厨房”达标率": "amber", "农村食品经营店规范化建设覆盖率": "red",
    "在产小作坊食品全面检验覆盖率": "green", "新增区级实训中心": "green", "“你点我检”集中宣传活动": "red",
}

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 code set (no I O S V Z)
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


# --- small helpers ------------------------------------------------------------------------------


def seed_files(folder: Path = SEED_DIR) -> list[Path]:
    """The bureau's spreadsheets in seed/data, in a stable order (lock files and hidden files left out)."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in SEED_SUFFIXES and not p.name.startswith(("~$", ".")))


def report_deadline(year: int, month: int) -> dt.date:
    """Month's report deadline: the 23rd, moved to the next working day (调休 included)."""
    if _report_deadline is not None:
        return _report_deadline(year, month)[0]
    d = dt.date(year, month, 23)  # pragma: no cover - same rule as db/deadlines.py
    while not chinese_calendar.is_workday(d):  # pragma: no cover
        d += dt.timedelta(days=1)
    return d  # pragma: no cover


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def with_year(d: dt.date | None, year: int) -> dt.date | None:
    """The same day in another year (29 Feb becomes 28 Feb)."""
    if d is None:
        return None
    day = min(d.day, calendar.monthrange(year, d.month)[1])
    return dt.date(year, d.month, day)


def uscc(rng: random.Random, prefix: str) -> str:
    """An 18-character code shaped like a 统一社会信用代码 with a valid check character (invented, 示例)."""
    body = prefix + "370114" + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def doc_kind(source_doc: str | None) -> str:
    """What kind of document a rule came from, for the 示例 gauge's note (most are 工作要点)."""
    text = source_doc or ""
    for word, kind in (("工作要点", "工作要点"), ("计划", "工作计划"), ("通知", "通知")):
        if word in text:
            return kind
    return "公开文件"


def township_short(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def largest_remainder(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split total into integers proportional to weights (each at least `minimum`), summing exactly to total."""
    free = total - minimum * len(weights)
    wsum = sum(weights)
    raw = [free * w / wsum for w in weights]
    out = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[: free - sum(out)]:
        out[i] += 1
    return [x + minimum for x in out]


def lineage(**values: Any) -> dict[str, Any]:
    """A generated row: demo, and from no import batch."""
    return {**values, "is_demo": True, "batch_id": None, "src_sheet": None, "src_row": None}


class Workdays:
    """Working days of 2022 (official calendar, 调休 included), for dates people act on."""

    def __init__(self, start: dt.date = YEAR_START, end: dt.date = dt.date(YEAR, 12, 31)):
        days = (start + dt.timedelta(n) for n in range((end - start).days + 1))
        self.days = [d for d in days if chinese_calendar.is_workday(d)]

    def pick(self, rng: random.Random, start: dt.date, end: dt.date) -> dt.date | None:
        """A random working day in [start, end]; any day when the window has none; None when it is empty."""
        if end < start:
            return None
        lo, hi = bisect.bisect_left(self.days, start), bisect.bisect_right(self.days, end)
        if hi > lo:
            return self.days[rng.randrange(lo, hi)]
        return start + dt.timedelta(rng.randrange((end - start).days + 1))


@dataclass
class StationInfo:
    id: int
    name: str
    sort_order: int
    lat: float | None
    lon: float | None
    townships: list[tuple[int, str]]
    pace: float = 1.0  # share of the year's targets done by 31 Oct ÷ time progress, before noise
    diligence: float = 0.9  # chance a cadre of this station visits an entity in a full quarter
    n_businesses: int = 0


@dataclass
class Context:
    district: m.District | None
    stations: list[StationInfo]
    indicators: dict[str, int]  # code -> id
    targets: dict[tuple[int, str], int]  # (station_id, code) -> target
    plans: list[m.PlanDocument]
    plan_tasks: dict[int, list[m.PlanTask]]
    task_units: dict[int, list[m.TaskUnit]]
    kpi_rules: list[m.Kpi]

    @classmethod
    def load(cls, session: Session) -> Context:
        district = session.exec(select(m.District).where(m.District.name == DISTRICT)).first()
        townships: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for t in session.exec(select(m.Township).order_by(m.Township.id)).all():
            townships[t.station_id].append((t.id, t.name))
        stations = [
            StationInfo(s.id, s.name, s.sort_order, s.lat, s.lon, townships.get(s.id, []))
            for s in session.exec(select(m.Station).order_by(m.Station.sort_order, m.Station.id)).all()
        ]
        indicators = {i.code: i.id for i in session.exec(select(m.TaskIndicator).order_by(m.TaskIndicator.id)).all()}
        codes = {v: k for k, v in indicators.items()}
        targets = {
            (t.station_id, codes[t.indicator_id]): round(t.target)
            for t in session.exec(select(m.StationTarget).where(m.StationTarget.year == YEAR)).all()
        }
        plans = list(session.exec(
            select(m.PlanDocument).where(m.PlanDocument.is_reference.is_(True), m.PlanDocument.is_demo.is_(False))
            .order_by(m.PlanDocument.id)).all())
        plan_ids = [p.id for p in plans]
        plan_tasks: dict[int, list[m.PlanTask]] = defaultdict(list)
        for t in session.exec(select(m.PlanTask).where(m.PlanTask.plan_id.in_(plan_ids))
                              .order_by(m.PlanTask.plan_id, m.PlanTask.number)).all():
            plan_tasks[t.plan_id].append(t)
        task_ids = [t.id for ts in plan_tasks.values() for t in ts]
        task_units: dict[int, list[m.TaskUnit]] = defaultdict(list)
        for u in session.exec(select(m.TaskUnit).where(m.TaskUnit.task_id.in_(task_ids))
                              .order_by(m.TaskUnit.task_id, m.TaskUnit.clause_no, m.TaskUnit.id)).all():
            task_units[u.task_id].append(u)
        kpi_rules = list(session.exec(
            select(m.Kpi).where(m.Kpi.is_demo.is_(False), m.Kpi.jurisdiction != DISTRICT).order_by(m.Kpi.id)).all())
        return cls(district, stations, indicators, targets, plans, plan_tasks, task_units, kpi_rules)


def bulk_insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    """One executemany per table (Core insert), never a query per row."""
    if rows:
        session.connection().execute(insert(model.__table__), rows)
    return len(rows)


# --- the generator ------------------------------------------------------------------------------


class DemoBuilder:
    """Draws every demo row from one random.Random(seed), in a fixed order, so a seed always gives the same data."""

    def __init__(self, session: Session, ctx: Context, rng: random.Random, say: Progress):
        self.s, self.ctx, self.rng, self.say = session, ctx, rng, say
        self.workdays = Workdays()
        self.counts: dict[str, int] = {}
        self.notes: list[str] = []
        # filled as we go
        self.progress_final: dict[tuple[int, str], int] = {}
        self.progress_months: dict[tuple[int, str], list[int]] = {}  # completion month of each unit done
        self.unreported: list[tuple[int, int]] = []  # (station_id, month)
        self.report_dates: dict[tuple[int, int], dt.date] = {}
        self.businesses: list[dict[str, Any]] = []
        self.workshops: dict[int, list[dict[str, Any]]] = defaultdict(list)
        # Sizes (seed/synth.py scales them; the demo keeps these defaults, so its rows stay as they were).
        self.n_businesses = N_BUSINESSES
        self.cadre_counts = dict(CADRE_COUNTS)
        self.second_visit_chance = 0.08

    # -- orchestration

    def run(self) -> None:
        self.set_paces()
        self.say("生成包保主体、包保干部与包保关系…")
        self.register()
        self.say("生成任务进度、月报记录与任务明细…")
        self.task_progress()
        self.submissions()
        self.task_items()
        self.say("复制工作要点为2022年示例并生成月度进展…")
        self.plans()
        self.say("生成章丘区示例指标与指标月报…")
        self.kpis()
        # Last, so the rows drawn before stay exactly as they were before hazards existed.
        self.say("生成风险隐患排查整治表与隐患清单…")
        self.hazards()

    def insert(self, model: type[SQLModel], rows: list[dict[str, Any]], label: str) -> None:
        self.counts[label] = self.counts.get(label, 0) + bulk_insert(self.s, model, rows)

    def ids(self, stmt) -> dict[Any, int]:
        return {tuple(r[:-1]) if len(r) > 2 else r[0]: r[-1] for r in self.s.connection().execute(stmt).all()}

    # -- stations

    def set_paces(self) -> None:
        rng = self.rng
        n = len(self.ctx.stations)
        # Spread from well behind to ahead of the 83.3% time progress (1.0 = on schedule).
        paces = [0.65 + 0.55 * i / max(n - 1, 1) for i in range(n)]
        rng.shuffle(paces)
        diligence = [0.68 + 0.29 * i / max(n - 1, 1) for i in range(n)]
        rng.shuffle(diligence)
        for st, p, d in zip(self.ctx.stations, paces, diligence, strict=True):
            st.pace, st.diligence = p, d

    # -- 任务进度

    def task_progress(self) -> None:
        rng, ctx = self.rng, self.ctx
        tp = ((AS_OF - YEAR_START).days + 1) / (366 if calendar.isleap(YEAR) else 365)
        stations = ctx.stations
        # 3–5 station-months not reported (no rows at all), one of them in October.
        missing_stations = rng.sample(stations, min(4, len(stations)))
        missing_months = [rng.randint(2, 4), rng.randint(5, 7), rng.randint(8, 9), AS_OF.month]
        self.unreported = sorted((st.id, mo) for st, mo in zip(missing_stations, missing_months, strict=False))
        skipped = set(self.unreported)
        for code in ctx.indicators:
            finals = {}
            for st in stations:
                target = ctx.targets.get((st.id, code), 0)
                raw = target * min(st.pace * tp * rng.uniform(0.9, 1.1), 1.0)
                finals[st.id] = min(target, math.floor(raw + rng.random()))
            if code == DEMO_CREATION and any((st.id, code) in ctx.targets for st in stations):
                self._adjust_total(finals, code, DEMO_CREATION_TOTAL)
            for st in stations:
                months = [mo for mo in MONTHS if (st.id, mo) not in skipped]
                weights = [MONTH_WEIGHTS.get(mo, 1.0) for mo in months]
                done = sorted(rng.choices(months, weights=weights, k=finals[st.id]))
                self.progress_final[(st.id, code)] = finals[st.id]
                self.progress_months[(st.id, code)] = done
        rows = []
        for st in stations:
            for code, ind_id in ctx.indicators.items():
                if (st.id, code) not in ctx.targets:
                    continue
                done = self.progress_months[(st.id, code)]
                for mo in MONTHS:
                    if (st.id, mo) in skipped:
                        continue
                    rows.append(lineage(year=YEAR, month=mo, station_id=st.id, indicator_id=ind_id,
                                        cumulative=float(bisect.bisect_right(done, mo))))
        self.insert(m.StationProgress, rows, "任务进度")

    def _adjust_total(self, finals: dict[int, int], code: str, total: int) -> None:
        """Move single units between stations until the district total is exactly `total` (within targets)."""
        rng, targets = self.rng, self.ctx.targets
        cap = sum(targets.get((sid, code), 0) for sid in finals)
        total = min(total, cap)
        while sum(finals.values()) != total:
            up = sum(finals.values()) < total
            cands = [sid for sid in finals
                     if (finals[sid] < targets.get((sid, code), 0) if up else finals[sid] > 0)]
            sid = rng.choices(cands, weights=[targets.get((c, code), 0) or 1 for c in cands])[0]
            finals[sid] += 1 if up else -1

    # -- 月报记录

    def submissions(self) -> None:
        rng = self.rng
        skipped = set(self.unreported)
        rows = []
        for st in self.ctx.stations:
            late_chance = 0.02 + 0.12 * max(0.0, 1.0 - st.pace)  # the slow stations are the late ones
            for mo in MONTHS:
                if (st.id, mo) in skipped:
                    continue
                deadline = report_deadline(YEAR, mo)
                if rng.random() < late_chance:
                    day = self.workdays.pick(rng, deadline + dt.timedelta(1), deadline + dt.timedelta(6))
                else:
                    day = self.workdays.pick(rng, dt.date(YEAR, mo, 15), deadline)
                day = min(day, AS_OF)
                self.report_dates[(st.id, mo)] = day
                rows.append(lineage(station_id=st.id, year=YEAR, month=mo, kind="任务进度", report_date=day))
        self.insert(m.MonthlySubmission, rows, "月报记录")

    # -- 任务明细

    def task_items(self) -> None:
        rng, ctx = self.rng, self.ctx
        # One or two stations whose sites deliberately disagree with the reported figure by one (与明细不符).
        mismatch: dict[str, int] = {}
        last_missing = {sid for sid, mo in self.unreported if mo == AS_OF.month}
        for code in ITEM_INDICATORS:
            cands = [st.id for st in ctx.stations if self.progress_final.get((st.id, code), 0) >= 1
                     and st.id not in last_missing and st.id not in mismatch.values()]
            if cands:
                mismatch[code] = rng.choice(cands)
        rows = []
        for code in ITEM_INDICATORS:
            ind_id = ctx.indicators.get(code)
            if ind_id is None:
                continue
            for st in ctx.stations:
                target = ctx.targets.get((st.id, code), 0)
                if target <= 0:
                    continue
                done_months = self.progress_months[(st.id, code)]
                open_shops = [w for w in self.workshops[st.id] if w["status"] == "在营"]
                shops = rng.sample(open_shops if len(open_shops) >= target else self.workshops[st.id], target)
                for i, shop in enumerate(shops):
                    short = shop["name"].removeprefix("章丘区")
                    name = short if code == DEMO_CREATION else f"{short}视频监管点"
                    row = lineage(year=YEAR, station_id=st.id, indicator_id=ind_id, name=name,
                                  business_name=shop["name"], planned_month=None, status="计划",
                                  completed_date=None, video_online=None)
                    flip = mismatch.get(code) == st.id and i == len(done_months) - 1
                    if i < len(done_months) and not flip:
                        mo = done_months[i]
                        last = min(self.report_dates.get((st.id, mo), month_end(YEAR, mo)), AS_OF)
                        row["completed_date"] = self.workdays.pick(rng, dt.date(YEAR, mo, 1), last)
                        row["status"] = "已验收" if mo <= 8 and rng.random() < 0.7 else "已完成"
                        row["planned_month"] = min(12, max(1, mo + rng.randint(-2, 1)))
                        if code == VIDEO:
                            row["video_online"] = rng.random() < 0.88
                    else:
                        row["planned_month"] = rng.randint(8, 12)
                        row["status"] = "推进中" if flip or rng.random() < 0.6 else "计划"
                    rows.append(row)
        names = {st.id: st.name for st in ctx.stations}
        for code, sid in mismatch.items():
            self.notes.append(f"任务明细与上报数故意相差1处：{names[sid]}（{code}）")
        self.insert(m.TaskItem, rows, "任务明细")

    # -- 工作要点 (示例 copies of the 2024 plans, moved to 2022) and their monthly status

    def plans(self) -> None:
        rng, ctx = self.rng, self.ctx
        docs = []
        for p in ctx.plans:
            docs.append(lineage(title=p.title, issuer=p.issuer, jurisdiction=p.jurisdiction, year=YEAR,
                                origin_note=f"内容取自{p.jurisdiction}{p.year}年公开文件，年份为示例",
                                is_reference=False, source_plan_id=p.id))
        self.insert(m.PlanDocument, docs, "工作要点文件（示例副本）")
        PD = m.PlanDocument
        new_plan = self.ids(select(PD.source_plan_id, PD.id).where(PD.is_demo.is_(True), PD.year == YEAR,
                                                                   PD.source_plan_id.is_not(None)))
        tasks = []
        for p in ctx.plans:
            for t in ctx.plan_tasks.get(p.id, []):
                tasks.append(lineage(plan_id=new_plan[p.id], section=t.section, number=t.number, title=t.title,
                                     text=t.text, deadline=with_year(t.deadline, t.deadline.year + YEAR - p.year)
                                     if t.deadline else None, deadline_is_default=t.deadline_is_default))
        self.insert(m.PlanTask, tasks, "工作要点（示例副本）")
        PT = m.PlanTask
        new_task = self.ids(select(PT.plan_id, PT.number, PT.id).where(PT.plan_id.in_(list(new_plan.values()))))
        units, statuses = [], []
        for p in ctx.plans:
            for t in ctx.plan_tasks.get(p.id, []):
                tid = new_task[(new_plan[p.id], t.number)]
                for u in ctx.task_units.get(t.id, []):
                    units.append(lineage(task_id=tid, unit_id=u.unit_id, role=u.role, clause=u.clause,
                                         clause_no=u.clause_no))
                statuses.extend(self._task_statuses(rng, tid))
        self.insert(m.TaskUnit, units, "责任单位（示例副本）")
        self.insert(m.PlanTaskStatus, statuses, "工作要点进展")

    def _task_statuses(self, rng: random.Random, task_id: int) -> list[dict[str, Any]]:
        """未开始 → 进行中 → 已完成, some 已延期 with a reason; most tasks still run in October (year-end deadlines)."""
        u = rng.random()
        start = rng.randint(1, 3) if u < 0.7 else (rng.randint(4, 6) if u < 0.95 else 99)
        delayed_from = rng.randint(max(start + 1, 5), 10) if start <= 9 and rng.random() < 0.12 else None
        done = None
        if delayed_from is None and start <= 8 and rng.random() < 0.38:
            done = rng.randint(start + 2, 10)
        reason = rng.choice(DELAY_REASONS) if delayed_from else None
        note = rng.choice(PROGRESS_NOTES)
        out = []
        for mo in MONTHS:
            if mo < start:
                status, text, why = "未开始", None, None
            elif delayed_from and mo >= delayed_from:
                status, text, why = "已延期", None, reason
            elif done and mo >= done:
                status, text, why = "已完成", "已按计划完成", None
            else:
                status, text, why = "进行中", note, None
                if rng.random() < 0.25:
                    note = rng.choice(PROGRESS_NOTES)
            out.append(lineage(task_id=task_id, year=YEAR, month=mo, status=status, delay_reason=why, notes=text))
        return out

    # -- KPIs

    def kpis(self) -> None:
        ctx, rng = self.ctx, self.rng
        copies: dict[str, dict[str, Any]] = {}
        sources: dict[str, list[m.Kpi]] = defaultdict(list)
        derived = {name for name, _ in PER_CAPITA.values()}
        for rule in ctx.kpi_rules:
            if rule.name in derived:
                continue  # the other districts' own counts (2470, 5520 批次) stay reference rows
            name, unit, target = rule.name, rule.unit, rule.target
            rule_text = f"规则取自{rule.jurisdiction}{rule.year}年{doc_kind(rule.source_doc)}（示例）"
            if rule.name in PER_CAPITA:
                pop = ctx.district.population if ctx.district else None
                if not pop:
                    self.notes.append(f"{DISTRICT}缺少常住人口，未生成“{PER_CAPITA[rule.name][0]}”示例指标")
                    continue
                name, unit = PER_CAPITA[rule.name]
                target = float(round(rule.target * pop / 1000))
                year = f"{ctx.district.population_year}年末，" if ctx.district.population_year else ""
                rule_text = f"{rule.target:g}{rule.unit} × {pop / 10000:g}万常住人口（{year}{DISTRICT}统计公报）"
            sources[name].append(rule)
            if name in copies:
                continue
            copies[name] = {
                "name": name, "unit": unit, "target": target, "direction": rule.direction, "pacing": rule.pacing,
                "baseline": rule.baseline,
                "due_date": with_year(rule.due_date, rule.due_date.year + YEAR - rule.year) if rule.due_date else None,
                "jurisdiction": DISTRICT, "year": YEAR, "gauged": True, "rule_text": rule_text,
                "source_doc": rule.source_doc, "source_article": rule.source_article,
                "computed_from": COMPUTED.get(name),
            }
        for name, rules in sources.items():
            if len(rules) > 1:  # one gauge for one rule, citing every district that states it
                c = copies[name]
                c["source_doc"] = "；".join(dict.fromkeys(r.source_doc for r in rules if r.source_doc)) or None
                c["source_article"] = "；".join(dict.fromkeys(
                    f"{r.jurisdiction}{r.source_article}" for r in rules if r.source_article)) or None
                c["rule_text"] = (f"规则取自{'、'.join(dict.fromkeys(r.jurisdiction for r in rules))}"
                                  f"{rules[0].year}年{doc_kind(rules[0].source_doc)}（示例）")
        self.insert(m.Kpi, [lineage(**c) for c in copies.values()], "指标（章丘区示例）")
        K = m.Kpi
        kpi_ids = self.ids(select(K.name, K.id).where(K.is_demo.is_(True), K.jurisdiction == DISTRICT, K.year == YEAR))
        readings = []
        series_cache: dict[str, list[float]] = {}
        for name, c in copies.items():
            if c["computed_from"]:
                continue
            goal = KPI_STATUS.get(name) or rng.choice(("green", "green", "amber", "red"))
            for mo, (value, num, den) in zip(MONTHS, self._kpi_series(c, goal, series_cache), strict=True):
                readings.append(lineage(kpi_id=kpi_ids[name], year=YEAR, month=mo, value=value,
                                        numerator=num, denominator=den))
        self.insert(m.KpiReading, readings, "指标月报")

    def _expected_oct(self, c: dict[str, Any]) -> float:
        if c["pacing"] == "level":
            return c["target"]
        due = c["due_date"] or dt.date(YEAR, 12, 31)
        if c["pacing"] == "once":
            return c["target"] if AS_OF >= due else 0.0
        base = c["baseline"] or 0.0
        span = (due - YEAR_START).days + 1
        return min(c["target"], base + (c["target"] - base) * ((AS_OF - YEAR_START).days + 1) / span)

    def _final_value(self, c: dict[str, Any], goal: str) -> float:
        """The October value that lands the gauge on the intended colour (≥ KPIs; ≤ KPIs mirrored)."""
        rng, e = self.rng, self._expected_oct(c)
        lo, hi = {"green": (1.0, 1.06), "amber": (0.92, 0.975), "red": (0.62, 0.84)}[goal]
        if c["direction"] == "<=":
            lo, hi = {"green": (0.94, 1.0), "amber": (1.02, 1.09), "red": (1.15, 1.4)}[goal]
        return e * rng.uniform(lo, hi)

    def _register_count(self, name: str) -> int | None:
        """Denominators that the demo register can give: canteens, workshops, village shops."""
        def n(**kw) -> int:
            return sum(1 for b in self.businesses if b["status"] == "在营" and all(b[k] in v for k, v in kw.items()))
        if "学校" in name and "养老" in name and "清洁厨房" in name:
            return n(subtype=("学校食堂", "养老机构食堂", "大型餐馆", "中型餐馆"))
        if "学校" in name and "养老" in name:
            return n(subtype=("学校食堂", "养老机构食堂"))
        if "医院" in name:
            return n(subtype=("医院食堂",))
        if "学校食堂" in name:
            return n(subtype=("学校食堂",))
        if "小作坊" in name:
            return n(sector=("小作坊",))
        if "农村" in name:
            return n(subtype=("食杂店", "便利店"))
        return None

    def _kpi_series(self, c: dict[str, Any], goal: str, cache: dict[str, list[float]]):
        """(value, numerator, denominator) for months 1..10, year to date."""
        rng = self.rng
        final = self._final_value(c, goal)
        n = len(MONTHS)
        if c["unit"] != "%":
            whole = math.ceil(final - 1e-9) if goal == "green" else math.floor(final + 1e-9)
            if goal != "green" and whole >= self._expected_oct(c):
                whole = max(0, math.ceil(self._expected_oct(c)) - 1)
            whole = max(0, min(whole, int(c["target"]))) if c["pacing"] != "level" else max(0, whole)
            if whole > 50:  # large counts: monthly shares with noise, exact total
                weights = [MONTH_WEIGHTS.get(mo, 1.0) * rng.uniform(0.85, 1.15) for mo in MONTHS]
                incs = largest_remainder(whole, weights)
            else:
                incs = [0] * n
                for mo in rng.choices(range(n), weights=[MONTH_WEIGHTS.get(mo, 1.0) for mo in MONTHS], k=whole):
                    incs[mo] += 1
            cum = list(itertools.accumulate(incs))
            cache[c["name"]] = [float(x) for x in cum]
            return [(float(x), None, None) for x in cum]
        # Rates: a denominator from the register, from the sampling counts, or a plausible fixed size.
        name = c["name"]
        final = min(final, 1.0)
        batches = next((v for k, v in cache.items() if "抽检" in k), None)
        if "不合格" in name and batches:
            dens = [max(1, round(b * 0.016)) for b in batches]
        elif "按时" in name and "不合格处置" in cache:
            dens = [max(1, round(x)) for x in cache["不合格处置"]]
        else:
            size = self._register_count(name) or rng.randint(300, 1200)
            dens = [max(size, 1)] * n
        if c["pacing"] == "level":
            values = [min(1.0, max(0.0, final + rng.uniform(-0.03, 0.02))) for _ in MONTHS[:-1]] + [final]
        else:
            start = final * rng.uniform(0.25, 0.5)
            values = [start + (final - start) * i / (n - 1) for i in range(n)]
        out, prev_num = [], 0
        for i, (v, den) in enumerate(zip(values, dens, strict=True)):
            last = i == n - 1
            num = self._numerator(v, den, c, goal) if last else round(v * den)
            if c["pacing"] != "level" and dens[0] == den:
                num = max(num, prev_num)  # a fixed population: a ramp never goes back
            num = min(num, den)
            prev_num = num
            out.append((num / den, float(num), float(den)))
        if "不合格" in name:
            cache["不合格处置"] = [x[1] for x in out]
        return out

    def _numerator(self, v: float, den: int, c: dict[str, Any], goal: str) -> int:
        """The last month's numerator: rounded so the unrounded rate still lands on the intended colour."""
        e = self._expected_oct(c)
        if goal == "green":
            return min(den, math.ceil(max(v, e) * den - 1e-9))
        if goal == "amber":
            lo, hi = math.ceil(0.9 * e * den - 1e-9), math.ceil(e * den - 1e-9) - 1
            return max(lo, min(hi, round(v * den))) if lo <= hi else round(v * den)
        return min(round(v * den), math.ceil(0.9 * e * den - 1e-9) - 1)

    # -- 风险隐患排查整治表 and 隐患清单

    def hazards(self) -> None:
        """Each station's monthly counts and the hazard list behind them, consistent with each other: 发现隐患数 is
        the month's listed hazards, 整改隐患数 those of them rectified by the report date. A few station-months are
        not reported (no report, no list rows) and a few reports come late, so 上报监测 has something to show."""
        rng, ctx = self.rng, self.ctx
        stations = ctx.stations
        missing_stations = rng.sample(stations, min(3, len(stations)))
        missing = {(st.id, mo) for st, mo in zip(missing_stations, [rng.randint(3, 6), rng.randint(7, 9), AS_OF.month],
                                                 strict=False)}
        open_shops = defaultdict(list)
        for b in self.businesses:
            if b["status"] == "在营":
                open_shops[b["station_id"]].append(b)
        reports, items, subs = [], [], []
        for st in stations:
            shops = open_shops[st.id]
            late_chance = 0.02 + 0.10 * max(0.0, 1.0 - st.diligence)
            open_chance = 0.03 + 0.3 * (0.97 - st.diligence)  # careless stations leave more hazards open
            for mo in MONTHS:
                if (st.id, mo) in missing:
                    continue
                deadline = report_deadline(YEAR, mo)
                if (st.id, mo) in self.report_dates and rng.random() < 0.8:
                    day = self.report_dates[(st.id, mo)]  # sent together with the month's 任务进度
                elif rng.random() < late_chance:
                    day = self.workdays.pick(rng, deadline + dt.timedelta(1), deadline + dt.timedelta(6))
                else:
                    day = self.workdays.pick(rng, dt.date(YEAR, mo, 15), deadline)
                day = min(day, AS_OF)
                checked = max(1, round(len(shops) * rng.uniform(0.10, 0.22)))
                n_found = min(len(shops), sum(rng.random() < 0.09 for _ in range(checked)))
                found_list = []
                for k, shop in enumerate(rng.sample(shops, n_found), start=1):
                    found = self.workdays.pick(rng, dt.date(YEAR, mo, 1), day)
                    limit = found + dt.timedelta(rng.choice((7, 15, 30)))
                    u = rng.random()
                    if u < 0.5:
                        fixed: dt.date | None = found  # 立行立改: rectified on the spot
                    elif u < 1 - open_chance:
                        days = rng.randint(1, 6) if rng.random() < 0.7 else rng.randint(7, (limit - found).days + 5)
                        fixed = found + dt.timedelta(days)
                    else:
                        fixed = None
                    if fixed is not None and fixed > AS_OF:
                        fixed = None  # not yet rectified on the demo's "today"
                    status = m.HAZARD_RECTIFIED if fixed else ("逾期" if limit < AS_OF else "未整改")
                    code = f"YH{YEAR}{st.sort_order:02d}{mo:02d}{k:03d}"
                    found_list.append(fixed)
                    items.append(lineage(key=code, code=code, year=YEAR, month=mo, station_id=st.id,
                                         business_name=shop["name"], business_id=shop["id"],
                                         description=rng.choice(HAZARDS), found_date=found, deadline=limit,
                                         status=status, rectified_date=fixed))
                rectified = sum(1 for f in found_list if f is not None and f <= day)
                cases = sum(rng.random() < 0.12 for _ in range(n_found))
                reports.append(lineage(year=YEAR, month=mo, station_id=st.id, entities_checked=checked,
                                       hazards_found=n_found, hazards_rectified=rectified, cases_opened=cases,
                                       report_date=day))
                subs.append(lineage(station_id=st.id, year=YEAR, month=mo, kind="风险隐患", report_date=day))
        self.insert(m.HazardReport, reports, "风险隐患排查整治表")
        self.insert(m.Hazard, items, "隐患清单")
        self.insert(m.MonthlySubmission, subs, "月报记录（风险隐患）")
        names = {st.id: st.name for st in stations}
        self.notes.append("风险隐患排查整治表未报：" + "、".join(f"{names[sid]}{mo}月" for sid, mo in sorted(missing)))

    # -- 包保 register

    def register(self) -> None:
        self._businesses()
        self._cadres_and_assignments()

    def _businesses(self) -> None:
        rng, ctx = self.rng, self.ctx
        weights = [(60 + 12 * ctx.targets.get((st.id, DEMO_CREATION), 5)) * rng.uniform(0.9, 1.1)
                   for st in ctx.stations]
        sizes = largest_remainder(self.n_businesses, weights, minimum=20)
        used_names: set[str] = set()
        used_codes: set[str] = set()
        for st, size in zip(ctx.stations, sizes, strict=True):
            need_shops = max(ctx.targets.get((st.id, code), 0) for code in ITEM_INDICATORS) + 2
            sectors = [pick(rng, SECTOR_MIX) for _ in range(size)]
            sectors += ["小作坊"] * max(0, need_shops - sectors.count("小作坊"))
            for sector in sectors:
                tid, township = rng.choice(st.townships) if st.townships else (None, st.name.removesuffix("所"))
                subtype = pick(rng, SUBTYPES[sector]) if sector in SUBTYPES else None
                name, prefix = self._business_name(rng, sector, subtype, township_short(township), used_names)
                code = uscc(rng, prefix)
                while code in used_codes:
                    code = uscc(rng, prefix)
                used_codes.add(code)
                tiers = TIER_WEIGHTS.get(subtype or "", TIER_WEIGHTS.get(sector, (0.0, 0.05, 0.3, 0.65)))
                row = lineage(
                    key=code, code=code, name=name, sector=sector, subtype=subtype,
                    tier=rng.choices(m.GRADES, weights=tiers)[0],
                    risk_level=rng.choices(m.GRADES, weights=RISK_WEIGHTS)[0],
                    station_id=st.id, township_id=tid,
                    address=f"{township}{rng.choice(ROADS)}{rng.randint(1, 299)}号",
                    lat=round(st.lat + rng.uniform(-0.03, 0.03), 6) if st.lat is not None else None,
                    lon=round(st.lon + rng.uniform(-0.03, 0.03), 6) if st.lon is not None else None,
                    status="停业" if rng.random() < 0.03 else "在营",
                )
                self.businesses.append(row)
                if sector == "小作坊":
                    self.workshops[st.id].append(row)
            st.n_businesses = len(sectors)
        self.insert(m.Business, self.businesses, "包保主体")
        B = m.Business
        ids = self.ids(select(B.key, B.id).where(B.is_demo.is_(True)))
        for b in self.businesses:
            b["id"] = ids[b["key"]]

    def _business_name(self, rng: random.Random, sector: str, subtype: str | None, short: str,
                       used: set[str]) -> tuple[str, str]:
        """A generic name ("章丘区明水鑫源超市") and the 统一社会信用代码 prefix of its kind of entity."""
        for attempt in range(40):
            brand, surname = rng.choice(BRANDS), rng.choice(SURNAMES)
            prefix = "92"  # 个体工商户
            if sector == "生产":
                name, prefix = f"章丘区{short}{brand}{rng.choice(FACTORY_GOODS)}有限公司", "91"
            elif sector == "销售":
                name = f"章丘区{short}{brand}{subtype}"
                prefix = "91" if subtype == "超市" else "92"
            elif sector == "餐饮":
                name = f"章丘区{short}{brand}{rng.choice(RESTAURANT)}"
                prefix = "91" if subtype == "大型餐馆" else "92"
            elif sector == "小餐饮":
                name = f"章丘区{short}{surname}记{rng.choice(SMALL_EATERY)}"
            elif sector == "小作坊":
                name = f"章丘区{short}{surname}记{rng.choice(WORKSHOP_GOODS)}坊"
            elif sector == "摊贩":
                name = f"章丘区{short}{surname}某{rng.choice(GIVEN)}{rng.choice(STALL_GOODS)}摊"
            elif sector == "集中交易市场":
                name, prefix = f"章丘区{short}{brand}{subtype}", "91"
            elif subtype == "学校食堂":
                name, prefix = f"章丘区{short}{rng.choice(SCHOOLS)}食堂", "12"
            elif subtype == "养老机构食堂":
                name, prefix = f"章丘区{short}{rng.choice(('敬老院', '养老院', '颐养中心', brand + '养老院'))}食堂", "12"
            elif subtype == "医院食堂":
                name, prefix = f"章丘区{short}{rng.choice(('卫生院', '中医医院', brand + '医院', '社区卫生服务中心'))}食堂", "12"
            else:
                name, prefix = f"章丘区{short}{rng.choice(OFFICES)}食堂", "11"
            if attempt > 30:
                name = f"{name}（{attempt - 29}）"
            if name not in used:
                used.add(name)
                return name, prefix
        raise AssertionError("no free business name")  # pragma: no cover - 40 draws from hundreds of names

    def _cadres_and_assignments(self) -> None:
        rng, ctx = self.rng, self.ctx
        cadres: list[dict[str, Any]] = []
        pools: dict[tuple[str, int | None], list[dict[str, Any]]] = defaultdict(list)

        def add(level: str, unit: str, station_id: int | None) -> None:
            code = f"GB{len(cadres) + 1:04d}"
            row = lineage(key=code, code=code, name=f"{rng.choice(SURNAMES)}某{rng.choice(GIVEN)}", level=level,
                          unit=unit, title=rng.choice(TITLES[level]), station_id=station_id)
            cadres.append(row)
            pools[(level, station_id)].append(row)

        for _ in range(self.cadre_counts["市"]):
            add("市", rng.choice(CITY_UNITS), None)
        for i in range(self.cadre_counts["县"]):
            add("县", COUNTY_UNITS[i % len(COUNTY_UNITS)] if i < len(COUNTY_UNITS) else rng.choice(COUNTY_UNITS), None)
        sizes = [st.n_businesses for st in ctx.stations]
        for level in ("乡", "村"):
            for st, k in zip(ctx.stations, largest_remainder(self.cadre_counts[level], sizes, minimum=2), strict=True):
                villages = rng.sample(VILLAGES, len(VILLAGES))
                for j in range(k):
                    _, township = rng.choice(st.townships) if st.townships else (None, st.name)
                    if level == "乡":
                        unit = f"章丘区{township}{'办事处' if township.endswith('街道') else '人民政府'}"
                    else:
                        unit = f"{township}{villages[j % len(villages)]}"
                    add(level, unit, st.id)
        self.insert(m.Cadre, cadres, "包保干部")
        C = m.Cadre
        ids = self.ids(select(C.key, C.id).where(C.is_demo.is_(True)))
        for c in cadres:
            c["id"] = ids[c["key"]]

        def pool(level: str, station_id: int) -> list[dict[str, Any]]:
            return pools[(level, None if level in ("市", "县") else station_id)]

        assignments: list[dict[str, Any]] = []
        late = (dt.date(2022, 2, 1), dt.date(2022, 8, 31))
        for b in self.businesses:
            start = YEAR_START if rng.random() >= 0.03 else late[0] + dt.timedelta(rng.randint(0, (late[1] - late[0]).days))
            level = LEVEL_OF_TIER[b["tier"]]
            first = rng.choice(pool(level, b["station_id"]))
            end = None
            if rng.random() < 0.012:  # ended before October: half handed to another cadre, half left uncovered
                end = min(start + dt.timedelta(rng.randint(30, 200)), dt.date(2022, 9, 30))
            assignments.append(lineage(cadre_id=first["id"], business_id=b["id"], start_date=start, end_date=end))
            if end is not None and rng.random() < 0.5:
                others = [c for c in pool(level, b["station_id"]) if c is not first]
                if others:
                    assignments.append(lineage(cadre_id=rng.choice(others)["id"], business_id=b["id"],
                                               start_date=end + dt.timedelta(1), end_date=None))
            if rng.random() < 0.15:
                second = rng.choice(pool(SECOND_LEVEL[b["tier"]], b["station_id"]))
                assignments.append(lineage(cadre_id=second["id"], business_id=b["id"], start_date=start,
                                           end_date=None))
        self.insert(m.Assignment, assignments, "包保关系")
        self._visits(assignments, {c["id"]: c for c in cadres})

    # -- 督导记录 and 问题

    def _visits(self, assignments: list[dict[str, Any]], cadres: dict[int, dict[str, Any]]) -> None:
        rng = self.rng
        by_id = {b["id"]: b for b in self.businesses}
        diligence = {st.id: st.diligence for st in self.ctx.stations}
        level_factor = {"市": 0.92, "县": 0.95, "乡": 1.0, "村": 1.0}
        drafts = []  # (date, business_id, cadre_id, order, method)
        for a in assignments:
            b, cadre = by_id[a["business_id"]], cadres[a["cadre_id"]]
            high = b["risk_level"] in HIGH_RISK
            p_full = diligence[b["station_id"]] * level_factor[cadre["level"]]
            for q, (qs, qe) in enumerate(QUARTERS):
                if b["status"] != "在营" and q > 0:
                    break  # closed after the first quarter: nobody visits any more
                lo, hi = max(qs, a["start_date"]), min(qe, a["end_date"] or qe, AS_OF)
                if hi < lo:
                    continue
                # October is a third of Q4: about half of the quarter's visits are done by the 31st.
                p = p_full * (0.5 if qe > AS_OF else 1.0)
                if rng.random() >= p:
                    continue
                n = 2 if rng.random() < self.second_visit_chance else 1
                for k in range(n):
                    method = pick(rng, HIGH_RISK_METHODS if high else LOW_RISK_METHODS) if k == 0 else "现场"
                    drafts.append((self.workdays.pick(rng, lo, hi), b["id"], cadre["id"], k, method))
        drafts.sort()
        visits, problems_by_key = [], {}
        for i, (day, bid, cid, _k, method) in enumerate(drafts, start=1):
            key = f"DD{YEAR}{i:06d}"
            found = self._problems(rng, day, method, diligence[by_id[bid]["station_id"]])
            problems_by_key[key] = found
            note = f"发现问题{len(found)}项，已责令限期整改" if found else None
            visits.append(lineage(key=key, record_no=key, visit_date=day, cadre_id=cid, business_id=bid,
                                  method=method, problems_found=len(found), note=note))
        self.insert(m.Visit, visits, "督导记录")
        V = m.Visit
        ids = self.ids(select(V.key, V.id).where(V.is_demo.is_(True)))
        problems = [lineage(visit_id=ids[key], seq=seq, **p)
                    for key, found in problems_by_key.items() for seq, p in enumerate(found, start=1)]
        self.insert(m.Problem, problems, "问题")

    def _problems(self, rng: random.Random, day: dt.date, method: str, diligence: float) -> list[dict[str, Any]]:
        if rng.random() >= PROBLEM_CHANCE.get(method, 0.04):
            return []
        found = []
        open_chance = 0.10 + 0.5 * (0.97 - diligence)  # careless stations also leave more problems open
        for text in rng.sample(PROBLEMS, 1 if rng.random() < 0.7 else 2):
            days = rng.choice((15, 30))
            deadline = day + dt.timedelta(days)
            u = rng.random()
            if u < open_chance:
                closed = None
            elif u < open_chance + 0.16:
                closed = deadline + dt.timedelta(rng.randint(1, 30))  # closed, but late
            else:
                closed = day + dt.timedelta(rng.randint(2, days))
            if closed is not None and closed > AS_OF:
                closed = None  # not yet closed on the demo's "today"
            if closed is None:
                status = "整改中" if rng.random() < 0.6 else "待整改"
            else:
                status = "已销号" if (AS_OF - closed).days > 10 and rng.random() < 0.85 else "已整改"
            found.append({"description": text, "deadline": deadline, "status": status, "closed_date": closed})
        return found


# --- the entry point ----------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_seed_files(engine: Engine, *, files: list[Path] | None = None, say: Progress | None = None) -> list[str]:
    """Import the bureau's spreadsheets (real data, lineage to each file). Files already imported with the same
    content are skipped: the importer would parse them only to change nothing."""
    say = say or (lambda _s: None)
    files = seed_files() if files is None else files
    with Session(engine) as session:
        done = set(session.exec(select(m.ImportBatch.sha256).where(m.ImportBatch.status == "已导入")).all())
    todo = [p for p in files if _sha256(p) not in done]
    if not todo:
        return [f"种子文件{len(files)}个均已导入，内容未变，跳过导入"]
    say(f"导入种子文件{len(todo)}个：" + "、".join(p.name for p in todo))
    report = import_paths(todo, engine=engine, user=DEMO_USER)
    if report.exit_code != 0:
        lines = report.summary_lines() + [f.line() for f in report.errors]
        raise RuntimeError("种子文件导入失败：\n" + "\n".join(lines))
    return report.summary_lines()


def _configure(session: Session) -> list[str]:
    """The demo database's clock and settings, and the default visit rules (configuration, not demo data)."""
    set_setting(session, "as_of", AS_OF.isoformat(), "演示库的“今天”")
    set_setting(session, "database_kind", "demo", "real = 正式库，demo = 演示库")
    set_setting(session, "high_risk_levels", ",".join(HIGH_RISK), "哪些风险等级算高风险（须现场督导）")
    if session.exec(select(m.VisitRule.id).limit(1)).first() is not None:
        return []
    session.add(m.VisitRule(cadre_level="*", tier="*", risk_level="*", period="quarter", min_visits=1,
                            onsite_required=False, note="各层级每季度至少督导1次"))
    for level in HIGH_RISK:
        session.add(m.VisitRule(cadre_level="*", tier="*", risk_level=level, period="quarter", min_visits=1,
                                onsite_required=True, note="高风险主体须现场督导"))
    session.flush()
    return [f"督导规则：{1 + len(HIGH_RISK)}条（默认配置）"]


# The demo database's accounts (README): username, role, station, display name. Password DEMO_PASSWORD for all.
DEMO_ACCOUNTS = (
    ("leader", "领导", None, "演示·领导"),
    ("office", "食安办", None, "演示·食安办"),
    ("mingshui", "监管所", "明水所", "演示·明水所"),
    ("admin", "管理员", None, "演示·管理员"),
)
DEMO_PASSWORD = "demo1234"  # public, and only ever in the demo database
DEMO_KIOSK_TOKEN, DEMO_KIOSK_LABEL = "demo-kiosk", "演示大屏"


def demo_accounts(engine: Engine) -> list[str]:
    """Create the demo accounts and kiosk token that are absent (demo database only). A plain commit, not a
    write_session: accounts are not data, so caches stay valid. Returns a summary line when something was made."""
    from services import auth

    actor = auth.Actor(username=None, role=None, client=DEMO_USER)
    made: list[str] = []
    with Session(engine) as session:
        if get_setting(session, "database_kind") != "demo":
            return []
        existing = set(session.exec(select(m.AppUser.username)).all())
        shared_hash = None  # the password is public: one bcrypt run for all four keeps the build quick
        for username, role, station_name, display in DEMO_ACCOUNTS:
            if username in existing:
                continue
            station_id = None
            if station_name is not None:
                station_id = session.exec(select(m.Station.id).where(m.Station.name == station_name)).first()
                if station_id is None:
                    continue  # no such station in this database: no station account either
            shared_hash = shared_hash or auth.hash_password(DEMO_PASSWORD)
            session.add(m.AppUser(username=username, display_name=display, role=role, station_id=station_id,
                                  password_hash=shared_hash))
            auth.audit(session=session, username=None, role=None, client=actor.client, action="用户管理",
                       target=username, detail={"操作": "新增演示账号", "角色": role})
            made.append(f"{username}（{role}{'·' + station_name if station_name else ''}）")
        session.commit()
        kiosk_hash = hashlib.sha256(DEMO_KIOSK_TOKEN.encode()).hexdigest()
        if session.exec(select(m.KioskToken.id).where(m.KioskToken.token_hash == kiosk_hash)).first() is None:
            auth.create_kiosk_token(session=session, label=DEMO_KIOSK_LABEL, token=DEMO_KIOSK_TOKEN, actor=actor)
            made.append(f"大屏令牌“{DEMO_KIOSK_LABEL}”")
    return [f"演示账号：{'、'.join(made)}（密码与令牌见 README）"] if made else []


def build_demo(engine: Engine, *, seed: int = DEFAULT_SEED, progress: Progress | None = None) -> list[str]:
    """Import seed/data, then generate the 示例 activity once; a second run changes nothing. Returns summary lines."""
    say = progress or (lambda _s: None)
    say("导入种子文件…")
    lines = import_seed_files(engine, say=say)
    with Session(engine) as session:
        done = get_setting(session, DEMO_KEY)
    if done:
        return [*lines, *demo_accounts(engine), f"示例数据已存在（随机种子 {done}），未重复生成"]
    with write_session(engine) as session:
        lines += _configure(session)
        ctx = Context.load(session)
        if not ctx.stations:
            raise RuntimeError("数据库中没有监管所，无法生成示例数据")
        builder = DemoBuilder(session, ctx, random.Random(seed), say)
        builder.run()
        set_setting(session, DEMO_KEY, str(seed), "示例数据已生成（值为随机种子）；再次生成前须新建数据库")
    lines += [f"{label}：{n}行" for label, n in builder.counts.items()]
    lines += builder.notes
    lines += demo_accounts(engine)
    lines.append(f"示例数据已生成（随机种子 {seed}）")
    say("完成")
    return lines
