"""Synthetic databases at county or city scale (issue 8): `python -m seed synth --scale county|city`.

The same recipe as the demo database (seed/demo/): the bureau's real spreadsheets imported as they are (stations,
task list, plans, indicators), then generated 示例 activity drawn from one random.Random(seed) by the demo's own
generator, sized by a Scale. City scale adds generated stations (示例, with townships and the real stations' targets
copied round-robin) up to 150. Before the demo's year (2022, months 1–10) come 14 earlier months, 2020-11 … 2021-12,
of task progress and KPI values against 示例 targets for 2020 and 2021 (2022's scaled down), so a city database holds
the 24 months 2020-11 … 2022-10 the issue asks for. Every generated row is is_demo=True; the database is flagged database_kind=demo, so
the app says 示例数据, and it carries the demo accounts and kiosk token. Rows go in by Core executemany on SQLite and
by COPY on PostgreSQL (db/copy.py), never as ORM objects one by one; the visits and their problems are drawn and
written in chunks (seed/synth_stream.py). Province scale (1,800 stations, 1.5 million businesses, about 10 million
visits) is built on PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from db import models as m
from db.copy import copy_rows
from db.engine import get_engine, get_setting, has_data, set_setting, write_session
from seed.demo import base, vocab
from seed.demo.accounts import demo_accounts
from seed.demo.builder import DemoBuilder
from seed.demo.context import Context
from seed.demo.helpers import lineage, with_year
from seed.demo.vocab import DEFAULT_SEED, DISTRICT, YEAR, Progress
from seed.synth_stream import StreamedVisits

SYNTH_KEY = "synth_scale"
# The months before the demo's year: (year, months, target as a share of 2022's).
HISTORY = ((2020, (11, 12), 0.75), (2021, tuple(range(1, 13)), 0.85))


@dataclass(frozen=True)
class Scale:
    name: str
    stations: int  # in all: the real ones first, generated 示例 stations up to this number
    businesses: int
    cadres: dict[str, int] = field(default_factory=dict)  # by level 市/县/乡/村 (乡 and 村 at least 2 a station)
    second_visit_chance: float = 0.08  # chance a quarter's visit to an entity is followed by one more, on site
    quarter_visits: int = 1  # visits to an entity in a quarter it is visited, before that chance
    postgresql_only: bool = False


SCALES = {
    # The demo database's size: the 18 real stations.
    "county": Scale("county", 18, vocab.N_BUSINESSES, dict(vocab.CADRE_COUNTS)),
    # A prefecture city: 150 stations, 150,000 businesses, 12,000 cadres, about 600,000 visits in the year.
    "city": Scale("city", 150, 150_000, {"市": 100, "县": 900, "乡": 4_500, "村": 6_500}, second_visit_chance=0.25),
    # A province: 1,800 stations, 1.5 million businesses, 144,000 cadres, about 10 million visits in the year
    # (two a visited quarter, 8% a third). PostgreSQL only.
    "province": Scale("province", 1_800, 1_500_000, {"市": 1_200, "县": 10_800, "乡": 54_000, "村": 78_000},
                      second_visit_chance=0.08, quarter_visits=2, postgresql_only=True),
    # For tests (hidden from --help): a few hundred rows, a second or two.
    "tiny": Scale("tiny", 20, 400, {"市": 2, "县": 4, "乡": 40, "村": 40}),
}


PG_ONLY = "省级规模（{name}）的合成数据只能建在 PostgreSQL 数据库上：请用 --db postgresql+psycopg://… 指定一个新的空数据库"


class SynthBuilder(StreamedVisits, DemoBuilder):
    """The demo's generator, sized by a Scale. Business names get a serial suffix when the word lists run out."""

    def __init__(self, session: Session, ctx: Context, rng: random.Random, say: Progress, scale: Scale,
                 copy: bool | None = None):
        super().__init__(session, ctx, rng, say)
        self.n_businesses = scale.businesses
        self.cadre_counts = dict(scale.cadres)
        self.second_visit_chance = scale.second_visit_chance
        self.quarter_visits = scale.quarter_visits
        self._name_serial = 0
        on_pg = session.get_bind().dialect.name == "postgresql"
        self._copy = on_pg if copy is None else copy and on_pg  # COPY on PostgreSQL unless told otherwise

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
        if self._copy:  # PostgreSQL: one COPY a call
            n = copy_rows(self.s.connection(), model.__table__, rows)
        else:
            for i in range(0, len(rows), 20_000):  # chunks: bounded statement size, and progress on big tables
                chunk = rows[i:i + 20_000]
                self.s.connection().execute(insert(model.__table__), chunk)
                n += len(chunk)
        self.counts[label] = self.counts.get(label, 0) + n
        if n >= 20_000:
            self.say(f"  {label}：{n}行，{time.perf_counter() - started:.1f} 秒")

    def history(self, rng: random.Random) -> None:
        """示例 targets, monthly 累计完成 and KPI readings for the months before 2022 (HISTORY).

        Its own random stream, so the 2022 rows stay exactly as the demo's generator draws them. Cumulative figures
        rise month by month to a year-end of 85–105% of the target; KPI readings scatter around their target
        (level) or ramp towards it through the year (ramp). KPIs computed from other tables get no readings.
        """
        conn = self.s.connection()
        targets = conn.execute(select(m.StationTarget.station_id, m.StationTarget.indicator_id,
                                      m.StationTarget.target).where(m.StationTarget.year == YEAR)
                               .order_by(m.StationTarget.station_id, m.StationTarget.indicator_id)).all()
        kpis = list(self.s.exec(select(m.Kpi).where(m.Kpi.year == YEAR, m.Kpi.is_demo.is_(True))
                                .order_by(m.Kpi.id)).all())
        for year, months, share in HISTORY:
            target_rows, progress_rows = [], []
            for station_id, indicator_id, target in targets:
                goal = max(1.0, float(round(target * share)))
                final = round(goal * rng.uniform(0.85, 1.05))
                shares = sorted(rng.random() for _ in months)
                shares[-1] = 1.0 if months[-1] == 12 else shares[-1]
                start = (months[0] - 1) / 12  # 2020 starts in November: most of the year is done before
                target_rows.append(lineage(year=year, station_id=station_id, indicator_id=indicator_id,
                                                target=goal))
                for mo, f in zip(months, shares, strict=True):
                    progress_rows.append(lineage(
                        year=year, month=mo, station_id=station_id, indicator_id=indicator_id,
                        cumulative=float(round(final * (start + (1 - start) * f)))))
            self.insert(m.StationTarget, target_rows, f"{year}年任务目标（示例）")
            self.insert(m.StationProgress, progress_rows, f"{year}年任务进度（示例）")
            kpi_rows = []
            for k in kpis:
                kpi_rows.append(lineage(
                    name=k.name, unit=k.unit, target=k.target, direction=k.direction, pacing=k.pacing,
                    baseline=k.baseline, due_date=with_year(k.due_date, k.due_date.year - (YEAR - year))
                    if k.due_date else None, jurisdiction=k.jurisdiction, year=year, gauged=k.gauged,
                    rule_text=k.rule_text, source_doc=k.source_doc, source_article=k.source_article,
                    computed_from=k.computed_from))
            self.insert(m.Kpi, kpi_rows, f"{year}年指标（示例）")
            ids = self.ids(select(m.Kpi.name, m.Kpi.id).where(m.Kpi.year == year, m.Kpi.is_demo.is_(True)))
            readings = []
            for k in kpis:
                if k.computed_from:
                    continue
                base = k.baseline if k.baseline is not None else (0.0 if k.pacing == "ramp" else k.target)
                end = k.target * rng.uniform(0.9, 1.08)
                for mo in months:
                    value = base + (end - base) * mo / 12 if k.pacing == "ramp" else end * rng.uniform(0.97, 1.02)
                    if k.unit == "%":
                        value = min(1.0, max(0.0, value))
                    readings.append(lineage(kpi_id=ids[k.name], year=year, month=mo,
                                                 value=round(value, 4 if k.unit == "%" else 0)))
            self.insert(m.KpiReading, readings, f"{year}年指标月报（示例）")


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
        rows.append(lineage(
            district_id=district.id if district else None, name=f"示例{i:03d}所", aliases=[], sort_order=top + i,
            lat=round(lat0 + radius * math.sin(math.radians(angle)), 6),
            lon=round(lon0 + radius * math.cos(math.radians(angle)), 6),
            coord_precision="近似", coord_note="示例位置"))
    conn.execute(insert(m.Station.__table__), rows)
    new = list(session.exec(select(m.Station).where(m.Station.is_demo.is_(True)).order_by(m.Station.sort_order)).all())
    conn.execute(insert(m.Township.__table__), [
        lineage(station_id=st.id, name=f"示例{st.sort_order - top:03d}{suffix}", code=None)
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
                rows.append(lineage(year=YEAR, station_id=st.id, indicator_id=t.indicator_id, target=t.target))
    if rows:
        conn.execute(insert(m.StationTarget.__table__), rows)
    return len(new)


def build_synth(engine: Engine, scale: Scale | str, *, seed: int = DEFAULT_SEED,
                progress: Progress | None = None, copy: bool | None = None) -> list[str]:
    """Build a synthetic database on an empty (migrated) database. Returns summary lines. copy=False loads by
    executemany on PostgreSQL too (tests compare the two)."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    say = progress or (lambda _s: None)
    started = time.perf_counter()
    if scale.postgresql_only and engine.dialect.name != "postgresql":
        raise RuntimeError(PG_ONLY.format(name=scale.name))
    if has_data(engine):
        raise RuntimeError("数据库已有数据：合成数据只写入空数据库（请换一个 --db）")
    say("导入种子文件（真实的监管所、任务清单、工作要点与指标）…")
    lines = base.import_seed_files(engine, say=say)
    with write_session(engine) as session:
        lines += base.configure(session)
        added = add_stations(session, scale.stations)
        if added:
            lines.append(f"示例监管所：{added}个（每所2个镇街，目标按真实监管所轮流复制）")
        ctx = Context.load(session)
        builder = SynthBuilder(session, ctx, random.Random(seed), say, scale, copy)
        builder.run()
        say("生成2020年11月至2021年12月的任务进度与指标月报（示例）…")
        builder.history(random.Random(seed + 1))
        set_setting(session, vocab.DEMO_KEY, str(seed), "示例数据已生成（值为随机种子）；再次生成前须新建数据库")
        set_setting(session, SYNTH_KEY, scale.name, "合成数据的规模（python -m seed synth）")
    if engine.dialect.name == "postgresql":  # planner statistics now, not when autovacuum gets round to it:
        with engine.begin() as conn:  # without them the 包保 aggregate ran for minutes at city scale
            conn.execute(text("ANALYZE"))
    lines += [f"{label}：{n}行" for label, n in builder.counts.items()]
    lines += demo_accounts(engine)
    lines.append(f"合成数据（{scale.name}）已生成（随机种子 {seed}），用时 {time.perf_counter() - started:.1f} 秒")
    return lines


def synth_scale(engine: Engine) -> str | None:
    with Session(engine) as session:
        return get_setting(session, SYNTH_KEY)


VISIT_METHODS = ("现场", "电话询问", "集中督导", "线上", "视频会议")


def visit_register(path: Path, url: str, n: int, *, seed: int = 8) -> None:
    """A 督导记录 register of n new visits (record numbers BJ2022000001 …) by the database's cadres to its 在营
    businesses: a title row, the header row, then the visits. An .xlsx is written with xlsxwriter in constant memory
    (make bench); a .csv (UTF-8) with the csv module, for 400,000 rows 1.3 s instead of 21.7 s (the logins-during-import
    test, whose point is the import's writes, not its reading)."""
    from seed.importer.kinds import KINDS

    with get_engine(url).connect() as c:
        cadres = c.execute(text("SELECT code, name, unit FROM cadre ORDER BY id")).all()
        businesses = c.execute(text("SELECT b.code, b.name, s.name FROM business b JOIN station s "
                                    "ON s.id = b.station_id WHERE b.status = '在营' ORDER BY b.id")).all()
    rng = random.Random(seed)
    start = dt.date(2022, 1, 4)

    def visits():
        for i in range(n):
            cadre, biz = rng.choice(cadres), rng.choice(businesses)
            day = start + dt.timedelta(rng.randrange(290))
            yield [f"BJ2022{i + 1:06d}", day.isoformat(), cadre[0], cadre[1], cadre[2], biz[0], biz[1], biz[2],
                   rng.choice(VISIT_METHODS), 0, ""]

    title = ["2022年包保督导记录（基准测试）"]
    labels = [col.label for col in KINDS["督导记录"].columns]
    if path.suffix.lower() == ".csv":
        import csv

        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(title)
            writer.writerow(labels)
            writer.writerows(visits())
        return
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("督导记录")
    ws.write_row(0, 0, title)
    ws.write_row(1, 0, labels)
    for i, row in enumerate(visits()):
        ws.write_row(i + 2, 0, row)
    wb.close()
