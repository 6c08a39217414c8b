"""Synthetic databases at county or city scale (issue 8): `python -m seed synth --scale county|city`.

The same recipe as the demo database (seed/demo.py): the bureau's real spreadsheets imported as they are (stations,
task list, plans, indicators), then generated 示例 activity drawn from one random.Random(seed) by the demo's own
generator, sized by a Scale. City scale adds generated stations (示例, with townships and the real stations' targets
copied round-robin) up to 150. Every generated row is is_demo=True; the database is flagged database_kind=demo, so
the app says 示例数据, and it carries the demo accounts and kiosk token. Rows go in by Core executemany, never as ORM
objects one by one.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db import models as m
from db.engine import get_setting, has_data, set_setting, write_session
from seed import demo
from seed.demo import DEFAULT_SEED, DISTRICT, YEAR, Context, DemoBuilder, Progress

SYNTH_KEY = "synth_scale"


@dataclass(frozen=True)
class Scale:
    name: str
    stations: int  # in all: the real ones first, generated 示例 stations up to this number
    businesses: int
    cadres: dict[str, int] = field(default_factory=dict)  # by level 市/县/乡/村 (乡 and 村 at least 2 a station)
    second_visit_chance: float = 0.08  # chance a quarter's visit to an entity is followed by a second, on site


SCALES = {
    # The demo database's size: the 18 real stations.
    "county": Scale("county", 18, demo.N_BUSINESSES, dict(demo.CADRE_COUNTS)),
    # A prefecture city: 150 stations, 150,000 businesses, 12,000 cadres, about 600,000 visits in the year.
    "city": Scale("city", 150, 150_000, {"市": 100, "县": 900, "乡": 4_500, "村": 6_500}, second_visit_chance=0.25),
    # For tests (hidden from --help): a few hundred rows, a second or two.
    "tiny": Scale("tiny", 20, 400, {"市": 2, "县": 4, "乡": 40, "村": 40}),
}


class SynthBuilder(DemoBuilder):
    """The demo's generator, sized by a Scale. Business names get a serial suffix when the word lists run out."""

    def __init__(self, session: Session, ctx: Context, rng: random.Random, say: Progress, scale: Scale):
        super().__init__(session, ctx, rng, say)
        self.n_businesses = scale.businesses
        self.cadre_counts = dict(scale.cadres)
        self.second_visit_chance = scale.second_visit_chance
        self._name_serial = 0

    def _business_name(self, rng: random.Random, sector: str, subtype: str | None, short: str,
                       used: set[str]) -> tuple[str, str]:
        name, prefix = super()._business_name(rng, sector, subtype, short, set())  # one draw of the demo's lists
        if name in used:
            self._name_serial += 1
            name = f"{name}（{self._name_serial}）"
        used.add(name)
        return name, prefix

    def insert(self, model, rows: list[dict[str, Any]], label: str) -> None:
        started = time.perf_counter()
        n = 0
        for i in range(0, len(rows), 20_000):  # chunks: bounded statement size, and progress on big tables
            chunk = rows[i:i + 20_000]
            self.s.connection().execute(insert(model.__table__), chunk)
            n += len(chunk)
        self.counts[label] = self.counts.get(label, 0) + n
        if n >= 20_000:
            self.say(f"  {label}：{n}行，{time.perf_counter() - started:.1f} 秒")


def add_stations(session: Session, total: int) -> int:
    """Generated 示例 stations (two townships each, the real stations' targets copied in turn) up to `total`."""
    stations = list(session.exec(select(m.Station).order_by(m.Station.sort_order, m.Station.id)).all())
    extra = total - len(stations)
    if extra <= 0 or not stations:
        return 0
    district = session.exec(select(m.District).where(m.District.name == DISTRICT)).first()
    lats = [s.lat for s in stations if s.lat is not None] or [36.7]
    lons = [s.lon for s in stations if s.lon is not None] or [117.5]
    lat0, lon0 = sum(lats) / len(lats), sum(lons) / len(lons)
    top = max(s.sort_order for s in stations)
    conn = session.connection()
    rows = []
    for i in range(1, extra + 1):
        ring, k = divmod(i - 1, 12)  # spread around the district's centre, ring by ring (示例 positions)
        angle, radius = k * 30.0, 0.25 + 0.12 * ring
        rows.append(demo.lineage(
            district_id=district.id if district else None, name=f"示例{i:03d}所", aliases=[], sort_order=top + i,
            lat=round(lat0 + radius * math.sin(math.radians(angle)), 6),
            lon=round(lon0 + radius * math.cos(math.radians(angle)), 6),
            coord_precision="近似", coord_note="示例位置"))
    conn.execute(insert(m.Station.__table__), rows)
    new = list(session.exec(select(m.Station).where(m.Station.is_demo.is_(True)).order_by(m.Station.sort_order)).all())
    conn.execute(insert(m.Township.__table__), [
        demo.lineage(station_id=st.id, name=f"示例{st.sort_order - top:03d}{suffix}", code=None)
        for st in new for suffix in ("街道", "镇")])
    targets: dict[int, list[m.StationTarget]] = {}
    for t in session.exec(select(m.StationTarget).where(m.StationTarget.year == YEAR)
                          .order_by(m.StationTarget.station_id, m.StationTarget.indicator_id)).all():
        targets.setdefault(t.station_id, []).append(t)
    real = [st.id for st in stations if st.id in targets]
    rows = []
    for j, st in enumerate(new):
        if real:
            for t in targets[real[j % len(real)]]:
                rows.append(demo.lineage(year=YEAR, station_id=st.id, indicator_id=t.indicator_id, target=t.target))
    if rows:
        conn.execute(insert(m.StationTarget.__table__), rows)
    return len(new)


def build_synth(engine: Engine, scale: Scale | str, *, seed: int = DEFAULT_SEED,
                progress: Progress | None = None) -> list[str]:
    """Build a synthetic database on an empty (migrated) database. Returns summary lines."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    say = progress or (lambda _s: None)
    started = time.perf_counter()
    if has_data(engine):
        raise RuntimeError("数据库已有数据：合成数据只写入空数据库（请换一个 --db）")
    say("导入种子文件（真实的监管所、任务清单、工作要点与指标）…")
    lines = demo.import_seed_files(engine, say=say)
    with write_session(engine) as session:
        lines += demo._configure(session)
        added = add_stations(session, scale.stations)
        if added:
            lines.append(f"示例监管所：{added}个（每所2个镇街，目标按真实监管所轮流复制）")
        ctx = Context.load(session)
        builder = SynthBuilder(session, ctx, random.Random(seed), say, scale)
        builder.run()
        set_setting(session, demo.DEMO_KEY, str(seed), "示例数据已生成（值为随机种子）；再次生成前须新建数据库")
        set_setting(session, SYNTH_KEY, scale.name, "合成数据的规模（python -m seed synth）")
    if engine.dialect.name == "postgresql":  # planner statistics now, not when autovacuum gets round to it:
        with engine.begin() as conn:  # without them the 包保 aggregate ran for minutes at city scale
            conn.execute(text("ANALYZE"))
    lines += [f"{label}：{n}行" for label, n in builder.counts.items()]
    lines += demo.demo_accounts(engine)
    lines.append(f"合成数据（{scale.name}）已生成（随机种子 {seed}），用时 {time.perf_counter() - started:.1f} 秒")
    return lines


def synth_scale(engine: Engine) -> str | None:
    with Session(engine) as session:
        return get_setting(session, SYNTH_KEY)
