"""The demo generator: every 示例 row drawn from one random.Random(seed), in a fixed order."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import math
import random
from collections import defaultdict
from typing import Any

from sqlmodel import Session, SQLModel

from db import models as m
from seed.demo.context import Context, bulk_insert
from seed.demo.helpers import Workdays, lineage, report_deadline
from seed.demo.kpis import KpiMixin
from seed.demo.oversight import OversightMixin
from seed.demo.plans import PlansMixin
from seed.demo.register import RegisterMixin
from seed.demo.vocab import (
    AS_OF,
    CADRE_COUNTS,
    DEMO_CREATION,
    DEMO_CREATION_TOTAL,
    HAZARDS,
    ITEM_INDICATORS,
    MONTH_WEIGHTS,
    MONTHS,
    N_BUSINESSES,
    VIDEO,
    YEAR,
    YEAR_START,
    Progress,
)
from seed.demo.workshops import WorkshopMixin
from services.rules.pacing import month_end


class DemoBuilder(RegisterMixin, KpiMixin, PlansMixin, WorkshopMixin, OversightMixin):
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
        self.item_rows: list[dict[str, Any]] = []  # 任务明细 as drawn, each with its indicator's code
        self.item_mismatch: dict[str, int] = {}  # indicator code -> the station whose sites differ by one
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
        self.say("生成章丘区工作要点与配档表的示例进展…")
        self.plans()
        self.say("生成章丘区示例指标与指标月报…")
        self.kpis()
        # Last, so the rows drawn before stay exactly as they were before hazards existed.
        self.say("生成风险隐患排查整治表与隐患清单…")
        self.hazards()
        # After everything else, from a stream of its own: every row drawn before stays as it was.
        self.say("生成食品小作坊档案、摸排与评选…")
        self.workshop_register()
        # After the workshops, from a stream of its own: 主体责任 and 抽检 agree with the KPI readings drawn above.
        self.say("生成企业主体责任、日管控周排查月调度与抽检台账…")
        self.oversight()

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
                                  completed_date=None, video_online=None, business_id=shop["id"])
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
        self.item_mismatch = dict(mismatch)
        codes = {v: k for k, v in ctx.indicators.items()}
        self.item_rows = [{**r, "code": codes[r["indicator_id"]]} for r in rows]
        for code, sid in mismatch.items():
            self.notes.append(f"任务明细与上报数故意相差1处：{names[sid]}（{code}）")
        self.insert(m.TaskItem, rows, "任务明细")

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
