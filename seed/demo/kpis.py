"""The demo's 章丘区 gauges: KPI copies of the other districts' rules and their monthly readings (DemoBuilder)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections import defaultdict
from typing import Any

from sqlmodel import Session, select

from db import models as m
from seed.demo.context import Context
from seed.demo.helpers import doc_kind, largest_remainder, lineage, with_year
from seed.demo.vocab import (
    AS_OF,
    COMPUTED,
    DISTRICT,
    KPI_STATUS,
    MONTH_WEIGHTS,
    MONTHS,
    PER_CAPITA,
    YEAR,
    YEAR_START,
)


class KpiMixin:
    """KPIs and readings; a part of DemoBuilder, drawing from its random.Random in the same order as before."""

    s: Session
    ctx: Context
    rng: random.Random
    notes: list[str]
    businesses: list[dict[str, Any]]

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
