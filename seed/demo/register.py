"""The demo's 包保 register: businesses, cadres, assignments, 督导记录 and their 问题 (DemoBuilder)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from sqlmodel import Session, select

from db import models as m
from seed.demo.context import Context
from seed.demo.helpers import Workdays, largest_remainder, lineage, pick, township_short, uscc
from seed.demo.vocab import (
    AS_OF,
    BRANDS,
    CITY_UNITS,
    COUNTY_UNITS,
    DEMO_CREATION,
    FACTORY_GOODS,
    GIVEN,
    HIGH_RISK,
    HIGH_RISK_METHODS,
    ITEM_INDICATORS,
    LEVEL_OF_TIER,
    LOW_RISK_METHODS,
    OFFICES,
    PROBLEM_CHANCE,
    PROBLEMS,
    QUARTERS,
    RESTAURANT,
    RISK_WEIGHTS,
    ROADS,
    SCHOOLS,
    SECOND_LEVEL,
    SECTOR_MIX,
    SMALL_EATERY,
    STALL_GOODS,
    SUBTYPES,
    SURNAMES,
    TIER_WEIGHTS,
    TITLES,
    VILLAGES,
    WORKSHOP_GOODS,
    YEAR,
    YEAR_START,
)


class RegisterMixin:
    """The register and its visits; a part of DemoBuilder, drawing from its random.Random in the same order as before."""

    s: Session
    ctx: Context
    rng: random.Random
    workdays: Workdays
    businesses: list[dict[str, Any]]
    workshops: dict[int, list[dict[str, Any]]]
    n_businesses: int
    cadre_counts: dict[str, int]
    second_visit_chance: float

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
            problems_by_key[key] = [{**p, "business_id": bid, "found_date": day} for p in found]
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
        """The problems a visit found; their source follows problem_source (no draw: the random stream, and so
        every other demo figure, stays as it was)."""
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
            found.append({"description": text, "deadline": deadline, "status": status, "closed_date": closed,
                          "source": problem_source(day, method, text)})
        return found


def problem_source(day: dt.date, method: str, text: str) -> str:
    """About one on-site problem in seven came up in the 风险隐患排查 done on the same visit (source 风险隐患); the
    rest are 包保督导's own. Deterministic in the visit's day and the problem's text."""
    if method == "现场" and (day.toordinal() + len(text)) % 7 == 0:
        return m.PROBLEM_SOURCES[1]
    return m.PROBLEM_SOURCE_DEFAULT
