"""The demo's 企业主体责任 and 抽检 registers (DemoBuilder; 002 流通 1–2, 002 抽检, 003 10, 000 8): the 食品安全总监 /
食品安全员 every enterprise names, its 日管控 / 周排查 / 月调度 each month (from its own records, or checked on a 包保
visit on site that month), the 抽检 batches with the 核查处置 of the 不合格 ones (a Problem, source 抽检), and a few
problems 执法 found at packaged businesses.

Drawn after everything else, from a stream of its own seeded from the builder's state (as workshops.py does), so every
row drawn before stays exactly as it was. The 抽检 register agrees with the demo's KPI readings at 2022-10: as many
batches as "监督抽检批次" reads, sampled month by month as its readings rise; as many 不合格 as "不合格食品核查处置率"
counts, as many closed as it reports, and as many closed by the deadline as "核查处置按时完成率" reports (the open ones
were reported in October and are not yet due). The two stations with the least diligence are the weak ones here too.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from sqlmodel import Session, select

from db import models as m
from seed.demo.context import Context
from seed.demo.helpers import Workdays, largest_remainder, lineage, pick
from seed.demo.vocab import (
    AS_OF,
    ENFORCEMENT_PROBLEMS,
    FAILED_ITEM_OTHER,
    FAILED_ITEMS,
    GIVEN,
    MONTHS,
    SAMPLE_GOODS,
    SAMPLE_KIND_WEIGHTS,
    SAMPLE_OUTCOME_WEIGHTS,
    SURNAMES,
    WORKSHOP_CATEGORY,
    WORKSHOP_SAMPLE_CATEGORY,
    YEAR,
    YEAR_START,
)
from services.rules import oversight as rules
from services.rules.pacing import month_end

BATCHES, HANDLED, ON_TIME = rules.KPI_FIGURES  # the three KPI names, in the mapping's order
# How often a business of each sector is sampled, relative to the others.
SAMPLE_WEIGHT = {"生产": 3.0, "集中交易市场": 4.0, "销售": 1.2, "餐饮": 1.0, "单位食堂": 1.2, "小作坊": 1.5,
                 "小餐饮": 0.5, "摊贩": 0.3}
_GOODS_LONGEST_FIRST = sorted(WORKSHOP_CATEGORY, key=len, reverse=True)


class OversightMixin:
    """主体责任 and 抽检; a part of DemoBuilder."""

    s: Session
    ctx: Context
    rng: random.Random
    workdays: Workdays
    notes: list[str]
    businesses: list[dict[str, Any]]

    def oversight(self) -> None:
        rng = random.Random("oversight" + repr(self.rng.getstate()[1]))
        stations = self.ctx.stations
        weak = {st.id for st in sorted(stations, key=lambda s: (s.diligence, s.sort_order))[:2]}
        enterprises = [b for b in self.businesses if rules.is_enterprise(b["sector"])]
        self._duty(rng, enterprises, weak)
        self._duty_checks(rng, [b for b in enterprises if b["status"] == "在营"], weak)
        self._samples(rng)
        self._enforcement(rng)
        names = {st.id: st.name for st in stations}
        self.notes.append("主体责任较弱的监管所：" + "、".join(names[s] for s in sorted(weak)))

    # -- 食品安全总监 / 食品安全员

    @staticmethod
    def _person(rng: random.Random) -> str:
        return f"{rng.choice(SURNAMES)}某{rng.choice(GIVEN)}"

    def _duty(self, rng: random.Random, enterprises: list[dict[str, Any]], weak: set[int]) -> None:
        rows = []
        for b in enterprises:
            is_weak = b["station_id"] in weak
            required = rules.director_required(b["sector"], b["tier"])
            director = None
            if rng.random() < ((0.62 if is_weak else 0.9) if required else 0.2):
                director = self._person(rng)
            officer = None
            if rng.random() < (0.78 if is_weak else 0.95):
                officer = self._person(rng)
                if b["tier"] == "A" and rng.random() < 0.6:
                    officer += "、" + self._person(rng)
            row = lineage(business_id=b["id"], director_name=director, director_trained=None,
                          director_assessed=None, officer_name=officer, officer_trained=None, officer_assessed=None)
            for role, name in (("director", director), ("officer", officer)):
                if name is not None:
                    row[f"{role}_trained"] = rng.random() < (0.8 if is_weak else 0.93)
                    row[f"{role}_assessed"] = row[f"{role}_trained"] and rng.random() < 0.9
            rows.append(row)
        self.insert(m.BusinessDuty, rows, "主体责任人员")

    # -- 日管控 / 周排查 / 月调度

    def _duty_checks(self, rng: random.Random, enterprises: list[dict[str, Any]], weak: set[int]) -> None:
        V = m.Visit
        onsite: dict[tuple[int, int], int] = {}
        for vid, bid, day in self.s.connection().execute(
                select(V.id, V.business_id, V.visit_date).where(V.is_demo.is_(True), V.method == "现场")
                .order_by(V.visit_date, V.id)).all():
            if day.year == YEAR:
                onsite.setdefault((bid, day.month), vid)  # the month's first visit on site checked the records
        rows = []
        for b in enterprises:
            is_weak = b["station_id"] in weak
            care = rng.uniform(0.6, 0.8) if is_weak else rng.uniform(0.85, 0.99)
            missing = 0.12 if is_weak else 0.03
            for mo in MONTHS:
                visit = onsite.get((b["id"], mo))
                if visit is None and rng.random() < missing:
                    continue  # no record for the month
                row = lineage(business_id=b["id"], year=YEAR, month=mo, daily=rng.random() < care,
                              weekly=rng.random() < care - 0.03, monthly=rng.random() < care + 0.02,
                              source=m.DUTY_SOURCES[0], visit_id=None)
                if visit is not None:
                    row["source"], row["visit_id"] = m.DUTY_SOURCES[1], visit
                rows.append(row)
        self.insert(m.DutyCheck, rows, "日管控周排查月调度")

    # -- 抽检

    def _readings(self) -> dict[str, list[tuple[float, float | None, float | None]]]:
        """The demo KPI readings of the three figures, months 1..10: (value, numerator, denominator)."""
        K, R = m.Kpi, m.KpiReading
        out: dict[str, list[tuple[float, float | None, float | None]]] = defaultdict(list)
        for name, value, num, den in self.s.connection().execute(
                select(K.name, R.value, R.numerator, R.denominator).join(R, R.kpi_id == K.id)
                .where(K.is_demo.is_(True), K.year == YEAR, K.name.in_(list(rules.KPI_FIGURES)), R.year == YEAR)
                .order_by(K.name, R.month)).all():
            out[name].append((value, num, den))
        return out

    def _samples(self, rng: random.Random) -> None:
        readings = self._readings()
        live = [b for b in self.businesses if b["status"] == "在营"]
        if len(readings.get(BATCHES, ())) == len(MONTHS):
            cum = [round(v) for v, _, _ in readings[BATCHES]]
        else:  # no readings (a database without the KPI): about 1.4 batches a business
            total = round(1.4 * len(live))
            cum = [round(total * mo / len(MONTHS)) for mo in MONTHS]
        per_month = [b - a for a, b in zip([0, *cum], cum, strict=False)]
        if len(readings.get(HANDLED, ())) == len(MONTHS) and len(readings.get(ON_TIME, ())) == len(MONTHS):
            dens = [round(d or 0) for _, _, d in readings[HANDLED]]
            closed = round(readings[HANDLED][-1][1] or 0)
            due, on_time = round(readings[ON_TIME][-1][2] or 0), round(readings[ON_TIME][-1][1] or 0)
        else:
            dens = [max(1, round(c * 0.016)) for c in cum]
            closed, due, on_time = dens[-1] - 2, dens[-1] - 2, dens[-1] - 3
        failed_total = dens[-1]
        closed = min(closed, failed_total)
        overdue = max(0, min(due - closed, failed_total - closed))  # open and past the deadline
        not_due = failed_total - closed - overdue  # open, reported in October: not yet due
        late = max(0, closed - on_time)
        report_months = [mo for mo, n in zip(MONTHS, [b - a for a, b in zip([0, *dens], dens, strict=False)],
                                             strict=True) for _ in range(max(n, 0))]
        report_months = (report_months + [AS_OF.month] * failed_total)[:failed_total]
        report_months[len(report_months) - not_due:] = [AS_OF.month] * not_due
        failed = self._failed_batches(rng, report_months, not_due, overdue, late)
        # The other batches, month by month, so each month's total is the reading's rise.
        sampled = defaultdict(int)
        for f in failed:
            sampled[f["sample_date"].month] += 1
        need = [max(0, n - sampled[mo]) for mo, n in zip(MONTHS, per_month, strict=True)]
        short = sum(per_month) - len(failed) - sum(need)
        need = largest_remainder(sum(need) + short, [max(n, 1) for n in need]) if short else need
        weights = [SAMPLE_WEIGHT.get(b["sector"], 1.0) for b in live]
        batches = []
        for mo, n in zip(MONTHS, need, strict=True):
            for _ in range(n):
                b = rng.choices(live, weights=weights)[0]
                category, name = self._goods(rng, b)
                day = self.workdays.pick(rng, dt.date(YEAR, mo, 1), min(month_end(YEAR, mo), AS_OF))
                report = day + dt.timedelta(rng.randint(7, 20))
                batches.append({"b": b, "category": category, "sample_name": name, "sample_date": day,
                                "result": "合格" if report <= AS_OF else "检验中",
                                "report_date": report if report <= AS_OF else None, "failed_item": None})
        for f in failed:
            b = rng.choices(live, weights=weights)[0]
            f["category"], f["sample_name"] = self._goods(rng, b)
            f["b"] = b
            f["failed_item"] = rng.choice(FAILED_ITEMS.get(f["category"], FAILED_ITEM_OTHER))
        batches += failed
        batches.sort(key=lambda x: (x["sample_date"], x["b"]["id"]))
        sort_order = {st.id: st.sort_order for st in self.ctx.stations}
        rows = []
        for serial, x in enumerate(batches, start=1):
            code = f"DBJ{YEAR % 100}370114{sort_order[x['b']['station_id']]:02d}{serial:05d}"
            x["key"] = code
            rows.append(lineage(key=code, code=code, sample_date=x["sample_date"], station_id=x["b"]["station_id"],
                                business_name=x["b"]["name"], business_id=x["b"]["id"], category=x["category"],
                                sample_name=x["sample_name"], kind=pick(rng, SAMPLE_KIND_WEIGHTS),
                                result=x["result"], report_date=x["report_date"], failed_item=x["failed_item"]))
        self.insert(m.Sample, rows, "抽检")
        S = m.Sample
        ids = self.ids(select(S.key, S.id).where(S.is_demo.is_(True)))
        problems = [lineage(visit_id=None, seq=1, business_id=f["b"]["id"], found_date=f["report_date"],
                            description=f"抽检不合格：{f['sample_name']}（{f['failed_item']}）",
                            deadline=rules.handling_deadline(f["report_date"]), status=f["status"],
                            closed_date=f["closed"], source=m.PROBLEM_SOURCES[3], sample_id=ids[f["key"]],
                            outcome=pick(rng, SAMPLE_OUTCOME_WEIGHTS) if f["closed"] else None)
                    for f in sorted(failed, key=lambda f: f["key"])]
        self.insert(m.Problem, problems, "问题（抽检）")
        self.notes.append(f"抽检台账：{len(rows)}批次，不合格{len(failed)}批次（核查处置已完成{closed}批次），"
                          f"与示例指标10月读数一致")

    def _failed_batches(self, rng: random.Random, report_months: list[int], not_due: int, overdue: int,
                        late: int) -> list[dict[str, Any]]:
        """One dict per 不合格 batch: its report date (in its month), sample date (7–20 days before), and the
        核查处置: the last `not_due` reported in October after the 1st and still open; `overdue` early ones open
        past the deadline; `late` early ones closed after it; the rest closed in time."""
        n = len(report_months)
        early = [i for i, mo in enumerate(report_months[: n - not_due]) if mo <= AS_OF.month - 2]
        picked = rng.sample(early, min(len(early), overdue + late))
        open_late, closed_late = set(picked[:overdue]), set(picked[overdue:])
        out = []
        for i, mo in enumerate(report_months):
            is_open_new = i >= n - not_due
            first = dt.date(YEAR, mo, 2 if is_open_new else 1)
            last = month_end(YEAR, mo) if mo < AS_OF.month else (AS_OF if is_open_new else AS_OF - dt.timedelta(7))
            report = self.workdays.pick(rng, first, last)
            sample = max(YEAR_START, report - dt.timedelta(rng.randint(7, 20)))
            deadline = rules.handling_deadline(report)
            if is_open_new or i in open_late:
                closed = None
            elif i in closed_late:
                closed = min(AS_OF, deadline + dt.timedelta(rng.randint(1, 20)))
            else:
                closed = min(deadline, report + dt.timedelta(rng.randint(3, 28)), AS_OF)
            status = rng.choice(("整改中", "待整改")) if closed is None else (
                "已销号" if (AS_OF - closed).days > 10 and rng.random() < 0.85 else "已整改")
            out.append({"sample_date": sample, "report_date": report, "result": m.SAMPLE_FAILED, "closed": closed,
                        "status": status})
        return out

    @staticmethod
    def _goods(rng: random.Random, b: dict[str, Any]) -> tuple[str, str]:
        """食品大类 and 样品名称 for a batch sampled at business b (a 小作坊: its own goods)."""
        if b["sector"] == "小作坊":
            goods = next((g for g in _GOODS_LONGEST_FIRST if f"{g}坊" in b["name"]), None)
            if goods is not None:
                return WORKSHOP_SAMPLE_CATEGORY.get(WORKSHOP_CATEGORY[goods], "其他食品"), goods
        options = SAMPLE_GOODS.get(b["sector"], SAMPLE_GOODS["销售"])
        category, name, _ = rng.choices(options, weights=[w for _, _, w in options])[0]
        return category, name

    # -- 执法

    def _enforcement(self, rng: random.Random) -> None:
        """Eight problems 执法 found at packaged businesses (no visit): two still open past their deadline on
        AS_OF, two found in October and not yet due, the rest closed."""
        live = [b for b in self.businesses if b["status"] == "在营" and b["sector"] in rules.ENTERPRISE_SECTORS]
        rows = []
        for k, b in enumerate(rng.sample(live, 8)):
            days = rng.choice((15, 30))
            if k < 2:  # open, overdue
                found = self.workdays.pick(rng, dt.date(YEAR, 6, 1), dt.date(YEAR, 8, 31))
            elif k < 4:  # open, not yet due
                found = self.workdays.pick(rng, dt.date(YEAR, 10, 17), dt.date(YEAR, 10, 28))
            else:
                found = self.workdays.pick(rng, dt.date(YEAR, 3, 1), dt.date(YEAR, 9, 15))
            deadline = found + dt.timedelta(days)
            closed = None if k < 4 else min(AS_OF, found + dt.timedelta(rng.randint(3, days)))
            status = ("整改中" if k % 2 else "待整改") if closed is None else "已整改"
            rows.append(lineage(visit_id=None, seq=1, business_id=b["id"], found_date=found,
                                description=rng.choice(ENFORCEMENT_PROBLEMS), deadline=deadline, status=status,
                                closed_date=closed, source=m.PROBLEM_SOURCES[2], sample_id=None,
                                outcome="责令整改" if closed else None))
        self.insert(m.Problem, rows, "问题（执法）")
