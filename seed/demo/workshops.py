"""The demo's 食品小作坊 register (DemoBuilder): the detail of every demo 小作坊 business (品类, 在产, 冷链, 高风险,
远程视频, 示范, 升级, 两个档案, 十个管理规范, 第三方评价, 退出), the 无证黑窝点摸排 and the 2022 评选 (seeds/004 二(二)–(六)).

Drawn last, from a stream of its own seeded from the builder's state (as plans.py does), so every row drawn before
stays exactly as it was. The figures agree with the 任务清单:
- 示范创建: the workshops of the station's 示范创建 任务明细 are demo_site; those whose item is done are the named sites,
  as many as the station reported — except in the one station whose sites builder.task_items flips on purpose
  (vocab.DEMO_GAP_STATION for the default seed), which names one fewer than it reported.
- 视频监管试点: the workshops of done camera-pilot items are under video, online as their item says.
- 新升级为食品生产企业: each station upgrades exactly as many workshops as it reported, in the months it reported them.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlmodel import Session

from db import models as m
from seed.demo.context import Context, StationInfo
from seed.demo.helpers import Workdays, lineage, township_short
from seed.demo.vocab import (
    AS_OF,
    COLD_CHANCE,
    COLD_CHANCE_OTHER,
    DEMO_CREATION,
    EXIT_REASONS,
    GIVEN,
    HIGH_RISK_CHANCE,
    HIGH_RISK_CHANCE_OTHER,
    MONTHS,
    OLD_BRAND_CATEGORIES,
    REVIEW_LATE,
    REVIEW_WINDOW,
    SURNAMES,
    SWEEP_PLACES,
    UPGRADE,
    VIDEO,
    VILLAGES,
    WORKSHOP_CATEGORY,
    WORKSHOP_GOODS,
    YEAR,
)

SC_CATEGORY = {"面制品": "01", "糕点": "24", "豆制品": "26", "肉制品": "04", "酱腌菜": "16", "白酒": "15",
               "调味品": "03", "食用油": "02", "粉条粉皮": "23", "糖果制品": "13"}
_GOODS_LONGEST_FIRST = sorted(WORKSHOP_GOODS, key=len, reverse=True)


def category_of(name: str) -> str:
    """品类 from the goods word of a demo workshop's name ("章丘区明水王记豆腐皮坊" → 豆制品)."""
    for goods in _GOODS_LONGEST_FIRST:
        if f"{goods}坊" in name:
            return WORKSHOP_CATEGORY[goods]
    return "其他"


def _done(item: dict[str, Any]) -> bool:
    return item["status"] in m.ITEM_DONE and item["completed_date"] is not None and item["completed_date"] <= AS_OF


def _sc_licence(rng: random.Random, category: str, serial: int) -> str:
    """A number shaped like a 食品生产许可证编号 (SC + 14 digits; invented, 示例)."""
    digits = f"1{SC_CATEGORY.get(category, '99')}370114{serial:04d}"
    return f"SC{digits}{sum(int(c) for c in digits) % 10}"


class WorkshopMixin:
    """Workshops, sweeps and awards; a part of DemoBuilder."""

    s: Session
    ctx: Context
    rng: random.Random
    workdays: Workdays
    notes: list[str]
    workshops: dict[int, list[dict[str, Any]]]
    item_rows: list[dict[str, Any]]
    item_mismatch: dict[str, int]
    progress_months: dict[tuple[int, str], list[int]]

    def workshop_register(self) -> None:
        # Our own stream, seeded from the builder's state without drawing from it.
        rng = random.Random("workshops" + repr(self.rng.getstate()[1]))
        stations = self.ctx.stations
        # The two stations with the weakest 十个管理规范: the least diligent ones.
        weak = {st.id for st in sorted(stations, key=lambda s: (s.diligence, s.sort_order))[:2]}
        items: dict[tuple[int, str], dict[str, Any]] = {}
        for it in self.item_rows:
            if it.get("business_id") is not None:
                items[(it["business_id"], it["code"])] = it
        rows: list[dict[str, Any]] = []
        for st in stations:
            rows += self._station_workshops(rng, st, items, st.id in weak)
        self.insert(m.Workshop, rows, "食品小作坊")
        self._sweeps(rng)
        self._awards(rng, rows)
        names = {st.id: st.name for st in stations}
        for code, sid in sorted(self.item_mismatch.items()):
            self.notes.append(f"食品小作坊：{names[sid]}点名的{code}点位比上报累计完成少1处（故意）")
        self.notes.append("十个管理规范较弱的监管所：" + "、".join(names[s] for s in sorted(weak)))

    def _station_workshops(self, rng: random.Random, st: StationInfo, items: dict[tuple[int, str], dict[str, Any]],
                           weak: bool) -> list[dict[str, Any]]:
        shops = self.workshops.get(st.id, [])
        named = {b["id"] for b in shops if (b["id"], DEMO_CREATION) in items or (b["id"], VIDEO) in items}
        # 新升级为食品生产企业: as many as reported, in the months reported; a 示范 or camera-pilot site only when the
        # station has too few other workshops.
        months = list(self.progress_months.get((st.id, UPGRADE), []))
        pool = [b for b in shops if b["id"] not in named and b["status"] == "在营"]
        pool = pool if len(pool) >= len(months) else [b for b in shops if b["status"] == "在营"]
        upgraded = dict(zip((b["id"] for b in rng.sample(pool, min(len(months), len(pool)))), months, strict=False))
        # 退出: one in about forty, the closed ones first; never a named site or an upgraded one.
        closed = [b for b in shops if b["status"] != "在营" and b["id"] not in named and b["id"] not in upgraded]
        others = [b for b in shops if b["status"] == "在营" and b["id"] not in named and b["id"] not in upgraded]
        n_exit = min(len(closed) + len(others), sum(rng.random() < 0.025 for _ in shops))
        exits = {b["id"] for b in (closed + rng.sample(others, len(others)))[:n_exit]}
        norm_p = 0.72 if weak else rng.uniform(0.88, 0.96)
        archive_p = 0.55 + 0.45 * st.diligence
        out = []
        for b in shops:
            cat = category_of(b["name"])
            cold = rng.random() < COLD_CHANCE.get(cat, COLD_CHANCE_OTHER)
            high = rng.random() < HIGH_RISK_CHANCE.get(cat, HIGH_RISK_CHANCE_OTHER)
            row = lineage(business_id=b["id"], category=cat,
                          producing=b["status"] == "在营" and rng.random() < 0.94,
                          cold_chain=cold, cold_rooms=rng.choice((1, 1, 1, 2, 2, 3)) if cold else None,
                          high_risk=high, video=False, video_online=None,
                          demo_site=(b["id"], DEMO_CREATION) in items, upgraded_date=None, new_licence=None,
                          review_date=None, review_result=None, review_problems=None,
                          exit_date=None, exit_reason=None)
            video = items.get((b["id"], VIDEO))
            if video is not None and _done(video):
                row["video"], row["video_online"] = True, bool(video["video_online"])
            for kind in ("supervision", "risk"):
                built = rng.random() < (archive_p if kind == "supervision" else archive_p - 0.08)
                row[f"archive_{kind}"] = built
                row[f"archive_{kind}_date"] = (self.workdays.pick(rng, dt.date(2021, 3, 1), AS_OF) if built
                                               else None)
            assessed = rng.random() < 0.93
            for col, _label in m.NORMS:
                row[col] = (rng.random() < norm_p) if assessed else None
            if (cold or high) and rng.random() < 0.85:
                window = REVIEW_WINDOW if rng.random() < 0.85 else REVIEW_LATE
                row["review_date"] = self.workdays.pick(rng, *window)
                row["review_result"] = rng.choices(m.REVIEW_RESULTS, weights=(0.55, 0.35, 0.10))[0]
                row["review_problems"] = {"合格": rng.randint(0, 1), "基本合格": rng.randint(1, 4)}.get(
                    row["review_result"], rng.randint(4, 9))
            if b["id"] in upgraded:
                mo = upgraded[b["id"]]
                row["upgraded_date"] = self.workdays.pick(rng, dt.date(YEAR, mo, 1),
                                                          min(dt.date(YEAR, mo, 28), AS_OF))
                row["new_licence"] = _sc_licence(rng, cat, st.sort_order * 100 + len(out) + 1)
            if b["id"] in exits:
                row["exit_date"] = self.workdays.pick(rng, dt.date(YEAR, 2, 1), AS_OF)
                row["exit_reason"] = rng.choice(EXIT_REASONS)
                row["producing"] = False
            out.append(row)
        return out

    def _sweeps(self, rng: random.Random) -> None:
        """无证黑窝点常态化摸排: 25–40 places a station over January–October, most 无问题, the rest 查处 / 取缔 / 移交
        with a case number."""
        rows, keys, case_no = [], set(), 0
        for st in self.ctx.stations:
            for _ in range(rng.randint(25, 40)):
                tid, township = rng.choice(st.townships) if st.townships else (None, st.name.removesuffix("所"))
                mo = rng.choice(MONTHS)
                day = self.workdays.pick(rng, dt.date(YEAR, mo, 1), min(dt.date(YEAR, mo, 28), AS_OF))
                place = (f"{township_short(township)}{rng.choice(VILLAGES)}{rng.choice(SURNAMES)}某"
                         f"{rng.choice(GIVEN)}{rng.choice(WORKSHOP_GOODS)}{rng.choice(SWEEP_PLACES)}")
                key = f"{day.isoformat()}|{st.id}|{place}"
                if key in keys:
                    continue
                keys.add(key)
                outcome = rng.choices(m.SWEEP_OUTCOMES, weights=(0.09, 0.05, 0.03, 0.83))[0]
                kind = rng.choices(m.SWEEP_KINDS, weights=(0.75, 0.08, 0.17))[0]
                number = None
                if outcome != "无问题":
                    case_no += 1
                    number = f"章市监{'移' if outcome == '移交' else '罚'}〔{YEAR}〕{case_no:03d}号"
                rows.append(lineage(key=key, sweep_date=day, station_id=st.id, township_id=tid, place=place,
                                    kind=kind, outcome=outcome, case_no=number))
        rows.sort(key=lambda r: (r["sweep_date"], r["station_id"], r["place"]))
        self.insert(m.WorkshopSweep, rows, "无证黑窝点摸排")

    def _awards(self, rng: random.Random, workshops: list[dict[str, Any]]) -> None:
        """2022 评选 (004 二(六)): 出彩小作坊 with 区妇联 — one or two recommended a station, 示范 sites first; 老字号
        with 商务中心 — a dozen workshops of the traditional 品类. About half reach 入围, a few 获评."""
        station_of = {b["id"]: sid for sid, shops in self.workshops.items() for b in shops}
        live = [w for w in workshops if w["exit_date"] is None]
        rows = []
        for st in self.ctx.stations:
            mine = [w for w in live if station_of[w["business_id"]] == st.id]
            mine.sort(key=lambda w: (not w["demo_site"], w["business_id"]))
            for w in mine[:rng.randint(1, 2)]:
                rows.append(self._award_row(rng, w, "出彩小作坊", st.id, (0.5, 0.15)))
        old = [w for w in live if w["category"] in OLD_BRAND_CATEGORIES and w["producing"]]
        for w in rng.sample(old, min(12, len(old))):
            rows.append(self._award_row(rng, w, "老字号", station_of[w["business_id"]], (0.5, 0.2)))
        self.insert(m.WorkshopAward, rows, "评选")

    @staticmethod
    def _award_row(rng: random.Random, w: dict[str, Any], award: str, station_id: int,
                   chances: tuple[float, float]) -> dict[str, Any]:
        stage = m.AWARD_STAGES[0]
        if rng.random() < chances[0]:
            stage = m.AWARD_STAGES[1]
            if rng.random() < chances[1] / chances[0]:
                stage = m.AWARD_STAGES[2]
        return lineage(year=YEAR, award=award, business_id=w["business_id"], station_id=station_id, stage=stage)
