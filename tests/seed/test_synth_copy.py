"""python -m seed synth on PostgreSQL loads by COPY (issue 21): the same rows as the executemany path, the deferred
indexes back, the id sequences past the loaded rows; the province scale refuses SQLite."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from cli.seed import main
from db.engine import dispose_engines, get_engine
from db.migrate import upgrade
from seed.synth import SCALES, build_synth
from tests import dbs

SUMS = {
    "business": "count(*), sum(station_id), sum(length(name)), sum(length(code)), count(township_id), "
                "sum(CASE WHEN status = '在营' THEN 1 ELSE 0 END)",
    "cadre": "count(*), sum(length(name)), count(station_id)",
    "assignment": "count(*), sum(cadre_id), sum(business_id), count(end_date)",
    "visit": "count(*), sum(id), sum(business_id), sum(cadre_id), sum(problems_found), count(note), "
             "count(DISTINCT visit_date)",
    "problem": "count(*), sum(visit_id), sum(seq), count(closed_date), count(DISTINCT status), "
               "sum(CASE WHEN source = '包保督导' THEN 1 ELSE 0 END)",
    "station_progress": "count(*), sum(cumulative)",
    "kpi_reading": "count(*), sum(value)",
}


def figures(url: str) -> dict:
    with get_engine(url).connect() as c:
        out = {table: tuple(map(str, c.execute(text(f"SELECT {sql} FROM {table}")).one()))
               for table, sql in SUMS.items()}
        rows = c.execute(text(
            "SELECT v.record_no, v.visit_date, v.method, v.problems_found, b.code, c.code FROM visit v "
            "JOIN business b ON b.id = v.business_id JOIN cadre c ON c.id = v.cadre_id ORDER BY v.record_no")).all()
        out["digest"] = hashlib.sha256(repr([tuple(map(str, r)) for r in rows]).encode()).hexdigest()
        out["indexes"] = tuple(c.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('visit', 'problem') ORDER BY indexname")).scalars())
    return out


@pytest.fixture(scope="module")
def pg_builds():
    from tests.conftest import require_pg

    require_pg()
    urls = {}
    for copy in (True, False):
        url = dbs.new_pg_url()
        upgrade(url)
        build_synth(get_engine(url), "tiny", copy=copy)
        urls[copy] = url
    dispose_engines()
    yield urls
    dispose_engines()


def test_copy_gives_the_same_rows_as_executemany(pg_builds):
    by_copy, by_executemany = figures(pg_builds[True]), figures(pg_builds[False])
    assert by_copy == by_executemany
    assert int(by_copy["visit"][0]) > int(by_copy["business"][0]) > SCALES["tiny"].businesses - 1
    assert int(by_copy["problem"][0]) > 0
    # the secondary indexes dropped for the load are back
    assert {"ix_visit_business_date", "ix_problem_visit_id", "ix_problem_deadline"} <= set(by_copy["indexes"])


def test_ids_continue_after_the_copied_rows(pg_builds):
    with get_engine(pg_builds[True]).begin() as c:
        top = c.execute(text("SELECT max(id) FROM visit")).scalar()
        new = c.execute(text(
            "INSERT INTO visit (key, visit_date, cadre_id, business_id, method, problems_found, is_demo) "
            "SELECT 'extra', DATE '2022-10-31', cadre_id, business_id, '现场', 0, false FROM visit LIMIT 1 "
            "RETURNING id")).scalar()
        assert new == top + 1
        c.rollback()


def test_the_province_scale_wants_postgresql(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert main(["synth", "--scale", "province", "--db", url]) == 2
    err = capsys.readouterr().err
    assert "PostgreSQL" in err and "省级" in err and "Traceback" not in err
    assert not (tmp_path / "p.db").exists()  # refused before anything was made
    upgrade(url)
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        build_synth(get_engine(url), "province")
    dispose_engines()


def test_the_province_scale_is_a_province():
    p = SCALES["province"]
    assert (p.stations, p.businesses, p.postgresql_only) == (1_800, 1_500_000, True)
    assert sum(p.cadres.values()) == 12 * sum(SCALES["city"].cadres.values())
    assert not any(s.postgresql_only for name, s in SCALES.items() if name != "province")
