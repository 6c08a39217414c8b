"""Rollups (issue 21): the 包保 figures at a day per cell (station × township × sector × tier × risk level), stored in
`baobao_rollup`; the 日管控 / 周排查 / 月调度 records of a year per station and month, in `duty_rollup`; and the
enterprises' 总监 / 安全员 staffing per station, sector and whether a 总监 is required, in `staffing_rollup`; so a page
reads rows in proportion to stations and their groups, not to visits, assignments and enterprise records.

Freshness is exact, never a guess: a day's rows are read only when their `rollup_ref` row was built at the
database's current data_version under the current visit rules and high-risk levels. Every import, 数据填报, undo and
setting moves data_version in its own transaction, so from that commit on the old rows are stale and the next reader
recomputes that day from the records (the same SQL as before, grouped by cell) and stores it for everyone after,
other replicas included. `verify` recomputes every stored day and reports any difference (`python -m seed verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from db.models import BaobaoRollup, DataVersion, DutyRollup, RollupRef, StaffingRollup
from db.queries import baobao as bq
from db.queries import oversight as oq
from db.sql import flag as _flag
from db.sql import frame as _frame

log = logging.getLogger(__name__)

BAOBAO = "baobao"
DUTY = "duty"
STAFFING = "staffing"
TABLES = {BAOBAO: BaobaoRollup, DUTY: DutyRollup, STAFFING: StaffingRollup}
STORE_WAIT_MS = 200  # how long a reader storing a day waits for SQLite's write lock
CELL = ("station_id", "township_id", "sector", "tier", "risk_level")
COUNTS = (
    "n_business", "n_covered", "n_done", "n_high_risk", "n_high_risk_onsite", "n_prob_period", "n_prob_period_closed",
    "n_prob_ytd", "n_prob_ytd_closed", "n_prob_due", "n_prob_due_ontime", "n_prob_overdue", "n_prob_open",
)


def windows(ref: dt.date) -> dict[str, dt.date]:
    """The 包保 windows ending at ref: the quarter to date (coverage, completion, 现场), the month and the year to date
    (problems)."""
    return {"ref": ref, "start": dt.date(ref.year, 3 * ((ref.month - 1) // 3) + 1, 1),
            "month_start": ref.replace(day=1), "year_start": dt.date(ref.year, 1, 1)}


def rules_key(rules: pd.DataFrame, high: Sequence[str]) -> str:
    """A fingerprint of what the figures depend on besides the records: the visit rules and the high-risk levels."""
    cols = ["cadre_level", "tier", "risk_level", "min_visits", "onsite_required"]
    body = json.dumps([rules[cols].astype(str).values.tolist() if not rules.empty else [], list(high)],
                      ensure_ascii=False)
    return hashlib.sha1(body.encode("utf-8")).hexdigest()[:16]


def current_version(session: Session) -> int:
    return int(session.exec(select(DataVersion.version).where(DataVersion.id == 1)).scalar() or 0)  # type: ignore[call-overload]


def compute_cells(*, session: Session, ref: dt.date, rules: pd.DataFrame, high: Sequence[str]) -> pd.DataFrame:
    """The 包保 counts at ref per cell, straight from the records (db/queries/baobao.py, grouped by cell)."""
    w = windows(ref)
    ents = bq.baobao_business_counts(session=session, by="cell", start=w["start"], ref=ref, rules=rules, high=high)
    probs = bq.baobao_problem_counts(session=session, by="cell", month_start=w["month_start"],
                                     year_start=w["year_start"], ref=ref)
    for part in (ents, probs):
        part["township_id"] = part["township_id"].astype("Int64")
    df = ents.merge(probs, on=list(CELL), how="outer")
    for c in COUNTS:
        df[c] = df[c].fillna(0).astype("int64")
    df["is_demo"] = df["is_demo"].fillna(0).astype(bool)
    return _sorted(df[[*CELL, *COUNTS, "is_demo"]])


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(CELL), na_position="first", kind="stable").reset_index(drop=True)


def _fresh(session: Session, ref: dt.date, key: str, version: int, name: str = BAOBAO) -> bool:
    row = session.get(RollupRef, (name, ref))
    return row is not None and row.data_version == version and row.rules_key == key


def stored_cells(session: Session, ref: dt.date, station_id: int | None = None,
                 keys: Sequence[str] = CELL) -> pd.DataFrame:
    """The stored day's counts summed by `keys` (a part of CELL; the cells themselves by default) in SQL."""
    r = BaobaoRollup
    key_cols = [getattr(r, k) for k in keys]
    stmt = (select(*key_cols, *(func.sum(getattr(r, c)).label(c) for c in COUNTS),
                   func.max(_flag(r.is_demo)).label("is_demo"))
            .where(r.ref_date == ref).group_by(*key_cols).order_by(*key_cols))
    if station_id is not None:
        stmt = stmt.where(r.station_id == station_id)
    df = _frame(session, stmt)
    if "township_id" in keys:
        df["township_id"] = df["township_id"].astype("Int64")
    for c in COUNTS:
        df[c] = df[c].astype("int64")
    df["is_demo"] = df["is_demo"].astype(bool)
    return df


def store(session: Session, *, ref: dt.date, cells: pd.DataFrame, version: int, key: str, name: str = BAOBAO) -> None:
    """Replace the day's rows of rollup `name` (in the caller's transaction) and drop its stale days. The rollup_ref
    row goes first: two writers storing the same day at once collide on its key, and the second rolls back whole."""
    table = TABLES[name]
    session.execute(delete(RollupRef).where(RollupRef.name == name, RollupRef.ref_date == ref))
    session.add(RollupRef(name=name, ref_date=ref, data_version=version, rules_key=key, n_rows=len(cells),
                          built_at=dt.datetime.now(dt.UTC).replace(microsecond=0)))
    session.flush()
    stale = select(RollupRef.ref_date).where(RollupRef.name == name, RollupRef.data_version != version)
    session.execute(delete(table).where((table.ref_date == ref) | table.ref_date.in_(stale)))  # type: ignore[attr-defined]
    session.execute(delete(RollupRef).where(RollupRef.name == name, RollupRef.data_version != version))
    rows = cells.astype(object).where(cells.notna(), None).to_dict("records")
    if rows:
        session.execute(insert(table), [{**r, "ref_date": ref} for r in rows])


def baobao_counts(*, session: Session, ref: dt.date, rules: pd.DataFrame, high: Sequence[str],
                  keys: Sequence[str] = CELL, station_id: int | None = None) -> pd.DataFrame:
    """The 包保 counts at ref summed by `keys` (a part of CELL): from the stored day when fresh; else computed per
    cell from the records and stored (in a transaction of its own, after this read) for the next reader. A failed
    store (another writer, a locked SQLite file) costs nothing but the next reader's time: the figures returned are
    the computed ones."""
    key = rules_key(rules, high)
    version = current_version(session)  # read before the records: a write in between leaves the stored day stale
    if _fresh(session, ref, key, version):
        return stored_cells(session, ref, station_id, keys)
    cells = compute_cells(session=session, ref=ref, rules=rules, high=high)
    if not _has_written(session):  # what a session sees of its own uncommitted writes is not for others
        _store_apart(session.get_bind(), ref=ref, cells=cells, version=version, key=key, name=BAOBAO)
    if station_id is not None:
        cells = cells[cells["station_id"] == station_id]
    counts = list(COUNTS)
    df = cells.groupby(list(keys), dropna=False).agg({**{c: "sum" for c in counts}, "is_demo": "any"})
    return df.reset_index()


def _has_written(session: Session) -> bool:
    """Whether the session's transaction has written anything not yet committed (SQLite: a write transaction is
    open; PostgreSQL: the transaction has a transaction id). Unknown backends count as written."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        return bool(conn.connection.dbapi_connection.in_transaction)
    if conn.dialect.name == "postgresql":
        return conn.exec_driver_sql("SELECT pg_current_xact_id_if_assigned()").scalar() is not None
    return True


def _store_apart(engine: Engine, *, ref: dt.date, cells: pd.DataFrame, version: int, key: str, name: str) -> None:
    """store() in a transaction of its own, when the data_version is still the one the cells were computed at. On
    SQLite it waits at most a moment for the write lock: during an import the reader goes on without storing."""
    if isinstance(engine.pool, StaticPool):  # an in-memory database: one connection, the reader's own
        return
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={STORE_WAIT_MS}")
                conn.commit()
            try:
                with Session(bind=conn) as writer:
                    if current_version(writer) == version:
                        store(writer, ref=ref, cells=cells, version=version, key=key, name=name)
                        writer.commit()
            finally:
                if sqlite:
                    conn.rollback()
                    conn.exec_driver_sql("PRAGMA busy_timeout=15000")  # the engine's own (db/engine.py)
                    conn.commit()
    except (IntegrityError, OperationalError) as exc:  # a concurrent store of the same day, or the file is busy
        log.info("rollup %s at %s not stored: %s", name, ref, exc.__class__.__name__)


# --- the oversight registers: 日管控 / 周排查 / 月调度 per year, 总监 / 安全员 staffing as it stands ---------------
DUTY_COUNTS = ("records", "daily_checked", "daily_kept", "weekly_checked", "weekly_kept", "monthly_checked",
               "monthly_kept", "onsite")
STAFFING_COUNTS = ("enterprises", "director_named", "director_trained", "director_assessed", "officer_named",
                   "officer_trained", "officer_assessed")
UNDATED = dt.date(2000, 1, 1)  # the staffing rollup's day: staffing has no date, it is the enterprises as they stand


@dataclass(frozen=True)
class RegisterRollup:
    """A rollup of a register query grouped by `keys`, one stored day per ref_date, under rules (JSON in rules_key:
    a refresh and verify read them back from it)."""

    table: type[SQLModel]
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    compute: Callable[[Session, dt.date, dict], pd.DataFrame]
    where: Callable[[dt.date, dict], str]  # how verify names a row: its day and keys


REGISTERS: dict[str, RegisterRollup] = {
    DUTY: RegisterRollup(
        DutyRollup, ("station_id", "month"), DUTY_COUNTS,
        lambda s, ref, rules: oq.duty_checks(session=s, year=ref.year, months=list(range(1, 13)),
                                             sectors=rules["sectors"]),
        lambda ref, d: f"主体责任汇总 {ref.year}年{d['month']}月 监管所{d['station_id']}"),
    STAFFING: RegisterRollup(
        StaffingRollup, ("station_id", "sector", "required"), STAFFING_COUNTS,
        lambda s, ref, rules: oq.duty_staffing(session=s, sectors=rules["sectors"],
                                               director_tiers=rules["director_tiers"]),
        lambda ref, d: f"人员配备汇总 监管所{d['station_id']} {d['sector']} {'应配总监' if d['required'] else '不需总监'}"),
}


def register_key(rules: dict) -> str:
    return json.dumps(rules, ensure_ascii=False, sort_keys=True)


def duty_key(sectors: Sequence[str]) -> str:
    """The duty rollup's rules_key: the sectors counted."""
    return register_key({"sectors": sorted(sectors)})


def _typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    spec = REGISTERS[name]
    df = df[[*spec.keys, *spec.counts, "is_demo"]].copy()
    for c in (*spec.keys, *spec.counts):
        if c != "sector":
            df[c] = df[c].astype("int64")
    df["is_demo"] = df["is_demo"].astype(bool)
    return df.sort_values(list(spec.keys), kind="stable").reset_index(drop=True)


def compute_register(name: str, *, session: Session, ref: dt.date, rules: dict) -> pd.DataFrame:
    """The register rollup's rows at ref, straight from the records (the query in REGISTERS, ungrouped further)."""
    return _typed(name, REGISTERS[name].compute(session, ref, rules))


def stored_register(name: str, session: Session, ref: dt.date) -> pd.DataFrame:
    spec = REGISTERS[name]
    cols = [getattr(spec.table, c) for c in (*spec.keys, *spec.counts, "is_demo")]
    return _typed(name, _frame(session, select(*cols).where(spec.table.ref_date == ref)))  # type: ignore[attr-defined]


def register_counts(name: str, *, session: Session, ref: dt.date, rules: dict) -> pd.DataFrame:
    """The rollup's rows at ref: stored when fresh; else computed from the records and stored apart for the next
    reader, as baobao_counts does."""
    key, version = register_key(rules), current_version(session)
    if _fresh(session, ref, key, version, name):
        return stored_register(name, session, ref)
    df = compute_register(name, session=session, ref=ref, rules=rules)
    if not _has_written(session):
        _store_apart(session.get_bind(), ref=ref, cells=df, version=version, key=key, name=name)
    return df


def duty_counts(*, session: Session, year: int, months: Sequence[int], sectors: Sequence[str]) -> pd.DataFrame:
    """db/queries/oversight.duty_checks's rows for these months of the year (station_id, month, records, the six
    kept / checked counts, onsite, is_demo); the rollup holds the whole year (its day: 1 January)."""
    df = register_counts(DUTY, session=session, ref=dt.date(year, 1, 1), rules={"sectors": sorted(sectors)})
    return df[df["month"].isin(list(months))].reset_index(drop=True)


def staffing_counts(*, session: Session, sectors: Sequence[str], director_tiers: Sequence[str]) -> pd.DataFrame:
    """db/queries/oversight.duty_staffing's rows (station_id, sector, required, enterprises, the six named / trained /
    assessed counts, is_demo), from the staffing rollup when fresh."""
    return register_counts(STAFFING, session=session, ref=UNDATED,
                           rules={"sectors": sorted(sectors), "director_tiers": sorted(director_tiers)})


def _verify_registers(session: Session, version: int) -> list[str]:
    lines: list[str] = []
    refs = session.exec(select(RollupRef).where(  # type: ignore[call-overload]
        RollupRef.name.in_(list(REGISTERS)), RollupRef.data_version == version)
        .order_by(RollupRef.name, RollupRef.ref_date)).scalars().all()
    for ref in refs:
        spec = REGISTERS[ref.name]
        stored = stored_register(ref.name, session, ref.ref_date)
        fresh = compute_register(ref.name, session=session, ref=ref.ref_date, rules=json.loads(ref.rules_key))
        both = stored.merge(fresh, on=list(spec.keys), how="outer", suffixes=("_stored", "_records"), indicator="found")
        for d in (row._asdict() for row in both.itertuples(index=False)):
            diffs = [c for c in spec.counts if d.get(f"{c}_stored") != d.get(f"{c}_records")]
            if diffs or d["found"] != "both":
                what = "、".join(f"{c} 汇总{d.get(f'{c}_stored')} ≠ 明细{d.get(f'{c}_records')}" for c in diffs)
                lines.append(f"{spec.where(ref.ref_date, d)}：{what or '行缺失或多余'}")
    return lines


def verify(session: Session) -> list[str]:
    """Every stored fresh day recomputed from the records and compared cell by cell: a line per difference (empty
    when all agree). Stale days are not compared: they are never read."""
    rules, high = bq.visit_rules(session=session), bq.high_risk_levels(session=session)
    key, version = rules_key(rules, high), current_version(session)
    refs = session.exec(select(RollupRef.ref_date).where(  # type: ignore[call-overload]
        RollupRef.name == BAOBAO, RollupRef.data_version == version, RollupRef.rules_key == key
    ).order_by(RollupRef.ref_date)).scalars().all()
    lines: list[str] = []
    for ref in refs:
        stored = _sorted(stored_cells(session, ref))
        fresh = compute_cells(session=session, ref=ref, rules=rules, high=high)
        both = stored.merge(fresh, on=list(CELL), how="outer", suffixes=("_stored", "_records"), indicator="found")
        for row in both.itertuples(index=False):
            d = row._asdict()
            diffs = [c for c in COUNTS if d.get(f"{c}_stored") != d.get(f"{c}_records")]
            if diffs or d["found"] != "both":
                cell = "/".join(str(d[c]) for c in CELL)
                what = "、".join(f"{c} 汇总{d.get(f'{c}_stored')} ≠ 明细{d.get(f'{c}_records')}" for c in diffs)
                lines.append(f"包保汇总 {ref:%Y-%m-%d} {cell}：{what or '行缺失或多余'}")
    return lines + _verify_registers(session, version)


def _build_days(engine: Engine, name: str, refs: Sequence[dt.date], prepare) -> int:
    """Compute and store rollup `name` at these days (those already fresh are left as they are); rows stored.
    `prepare(session)` gives the rules' key and `compute(session, ref)` of the cells, read anew each day."""
    n = 0
    for ref in refs:
        with Session(engine) as session:
            key, compute = prepare(session)
            version = current_version(session)
            if _fresh(session, ref, key, version, name):
                continue
            cells = compute(session, ref)
            try:
                store(session, ref=ref, cells=cells, version=version, key=key, name=name)
                session.commit()
            except (IntegrityError, OperationalError) as exc:  # a reader stored the day first, or the file is busy
                session.rollback()
                log.info("rollup %s at %s not stored: %s", name, ref, exc.__class__.__name__)
                continue
            n += len(cells)
    return n


def build(engine: Engine, refs: Sequence[dt.date]) -> int:
    """Compute and store the 包保 rollup at these days (those already fresh are left as they are); rows stored."""
    def prepare(session: Session):
        rules, high = bq.visit_rules(session=session), bq.high_risk_levels(session=session)
        return rules_key(rules, high), lambda s, ref: compute_cells(session=s, ref=ref, rules=rules, high=high)

    return _build_days(engine, BAOBAO, refs, prepare)


def build_register(engine: Engine, name: str, refs: Sequence[dt.date], rules: dict) -> int:
    """Compute and store the register rollup at these days (those already fresh are left as they are); rows stored."""
    key = register_key(rules)
    return _build_days(engine, name, refs, lambda _session: (
        key, lambda s, ref: compute_register(name, session=s, ref=ref, rules=rules)))


def build_duty(engine: Engine, years: Sequence[int], sectors: Sequence[str]) -> int:
    """The duty rollup of these years; rows stored."""
    return build_register(engine, DUTY, [dt.date(y, 1, 1) for y in years], {"sectors": sorted(sectors)})


def build_staffing(engine: Engine, sectors: Sequence[str], director_tiers: Sequence[str]) -> int:
    """The staffing rollup as the enterprises stand; rows stored."""
    return build_register(engine, STAFFING, [UNDATED],
                          {"sectors": sorted(sectors), "director_tiers": sorted(director_tiers)})


MAX_REFRESH_DAYS = 13  # a year's month ends and today: the days a refresh after a write recomputes at most
_lock = threading.Lock()
_threads: dict[str, threading.Thread] = {}
_again: set[str] = set()


def refresh_stored(engine: Engine) -> int:
    """Recompute the days stored (those someone has viewed), latest first, up to MAX_REFRESH_DAYS, and the stored
    register rollups under their own rules; rows stored."""
    with Session(engine) as session:
        days = session.exec(select(RollupRef.ref_date).where(RollupRef.name == BAOBAO)  # type: ignore[call-overload]
                            .order_by(RollupRef.ref_date.desc()).limit(MAX_REFRESH_DAYS)).scalars().all()
        registers = [(r.name, r.ref_date, json.loads(r.rules_key)) for r in session.exec(
            select(RollupRef).where(RollupRef.name.in_(list(REGISTERS)))  # type: ignore[call-overload]
            .order_by(RollupRef.ref_date.desc()).limit(MAX_REFRESH_DAYS)).scalars().all()]
    return build(engine, days) + sum(build_register(engine, name, [ref], rules) for name, ref, rules in registers)


def refresh_in_background(engine: Engine) -> threading.Thread | None:
    """refresh_stored in a thread of its own, after a write has committed (db/engine.py's after_commit): the next
    viewer reads a stored day instead of waiting for it. One thread per database at a time; a write during a refresh
    makes it run once more."""
    if isinstance(engine.pool, StaticPool):
        return None
    key = engine.url.render_as_string(hide_password=True)
    with _lock:
        running = _threads.get(key)
        if running is not None and running.is_alive():
            _again.add(key)
            return running
        thread = threading.Thread(target=_refresh_loop, args=(engine, key), name="rollup-refresh", daemon=True)
        _threads[key] = thread
        thread.start()
        return thread


def _refresh_loop(engine: Engine, key: str) -> None:
    while True:
        try:
            refresh_stored(engine)
        except Exception:  # noqa: BLE001 — a refresh is an optimisation: the next reader computes the day itself
            log.exception("rollup refresh failed for %s", key)
        with _lock:
            if key not in _again:
                _threads.pop(key, None)
                return
            _again.discard(key)


def refreshing() -> bool:
    with _lock:
        return any(t.is_alive() for t in _threads.values())


def wait_for_refresh(timeout: float | None = None) -> None:
    """Wait for the background refreshes of this process (the command line before it exits, tests)."""
    with _lock:
        threads = list(_threads.values())
    for thread in threads:
        thread.join(timeout)


def stored_days(session: Session, name: str = BAOBAO) -> int:
    """How many days of rollup `name` are stored (a duty rollup's day is a year)."""
    return len(session.exec(select(RollupRef.ref_date).where(RollupRef.name == name)).scalars().all())  # type: ignore[call-overload]
