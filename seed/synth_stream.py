"""The synthetic databases' 督导记录 and 问题 in chunks (seed/synth.py), so a province's 10 million visits never sit
in memory as dicts.

The same draws, in the same order, as the demo's RegisterMixin._visits: the visit drafts (date, business, cadre,
order, method) are drawn and sorted first, as small tuples, then turned into rows and their problems a chunk at a
time and written at once, the visits before their problems. Visit ids are given explicitly (the next free id on),
so no key→id lookup of millions of keys is needed; on PostgreSQL the sequence is moved past them afterwards, and the
plain secondary indexes of the register's tables are dropped for the whole register's load and created again after
it (db/copy.py; unique ones stay).
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from db import models as m
from db.copy import deferred_indexes, set_sequence
from seed.demo.helpers import lineage, pick
from seed.demo.vocab import AS_OF, HIGH_RISK, HIGH_RISK_METHODS, LOW_RISK_METHODS, QUARTERS, YEAR

CHUNK = 100_000
REGISTER_TABLES = ("business", "cadre", "assignment", "visit", "problem")


class StreamedVisits:
    """A part of SynthBuilder: overrides RegisterMixin._visits."""

    quarter_visits: int = 1  # visits a quarter before the chance of one more (the province draws 2)

    def register(self) -> None:
        """The register with the plain secondary indexes of its five tables dropped, created again at the end (on
        PostgreSQL): the lookups in between read whole tables anyway."""
        with deferred_indexes(self.s.connection(), REGISTER_TABLES):  # type: ignore[attr-defined]
            super().register()  # type: ignore[misc]
        self.say("  包保主体、包保干部、包保关系、督导记录与问题的索引已建立")  # type: ignore[attr-defined]

    def _visits(self, assignments: list[dict[str, Any]], cadres: dict[int, dict[str, Any]]) -> None:
        rng: random.Random = self.rng  # type: ignore[attr-defined]
        businesses = {b["id"]: (b["station_id"], b["risk_level"] in HIGH_RISK, b["status"])
                      for b in self.businesses}  # type: ignore[attr-defined]
        diligence = {st.id: st.diligence for st in self.ctx.stations}  # type: ignore[attr-defined]
        level_factor = {"市": 0.92, "县": 0.95, "乡": 1.0, "村": 1.0}
        levels = {cid: c["level"] for cid, c in cadres.items()}
        base = self.quarter_visits
        drafts = []  # (date, business_id, cadre_id, order, method)
        for a in assignments:
            bid, cid = a["business_id"], a["cadre_id"]
            station_id, high, status = businesses[bid]
            p_full = diligence[station_id] * level_factor[levels[cid]]
            start, stop = a["start_date"], a["end_date"]
            for q, (qs, qe) in enumerate(QUARTERS):
                if status != "在营" and q > 0:
                    break  # closed after the first quarter: nobody visits any more
                lo, hi = max(qs, start), min(qe, stop or qe, AS_OF)
                if hi < lo:
                    continue
                p = p_full * (0.5 if qe > AS_OF else 1.0)  # October is a third of Q4
                if rng.random() >= p:
                    continue
                n = base + 1 if rng.random() < self.second_visit_chance else base  # type: ignore[attr-defined]
                for k in range(n):
                    method = pick(rng, HIGH_RISK_METHODS if high else LOW_RISK_METHODS) if k == 0 else "现场"
                    drafts.append((self.workdays.pick(rng, lo, hi), bid, cid, k, method))  # type: ignore[attr-defined]
        drafts.sort()
        conn = self.s.connection()  # type: ignore[attr-defined]
        next_id = (conn.execute(select(func.max(m.Visit.id))).scalar() or 0) + 1
        with deferred_indexes(conn, ["visit", "problem"]):
            for i in range(0, len(drafts), CHUNK):
                visits, problems = [], []
                for j, (day, bid, cid, _k, method) in enumerate(drafts[i:i + CHUNK], start=i + 1):
                    key = f"DD{YEAR}{j:06d}"
                    vid = next_id + j - 1
                    found = self._problems(rng, day, method, diligence[businesses[bid][0]])  # type: ignore[attr-defined]
                    visits.append(lineage(id=vid, key=key, record_no=key, visit_date=day, cadre_id=cid,
                                          business_id=bid, method=method, problems_found=len(found),
                                          note=f"发现问题{len(found)}项，已责令限期整改" if found else None))
                    problems += [lineage(visit_id=vid, seq=seq, **p, business_id=bid, found_date=day)
                                 for seq, p in enumerate(found, start=1)]
                self.insert(m.Visit, visits, "督导记录")  # type: ignore[attr-defined]
                self.insert(m.Problem, problems, "问题")  # type: ignore[attr-defined]
            drafts.clear()
            if conn.dialect.name == "postgresql":
                set_sequence(conn, "visit")
