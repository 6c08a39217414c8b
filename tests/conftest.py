"""Shared fixtures: empty databases at the current schema, on SQLite and (when reachable) PostgreSQL.

Under TEST_DB=pg (the second pass of `make test`) the databases that are SQLite files by default are made on
PostgreSQL instead (tests/dbs.py); `sqlite_url` stays SQLite on purpose.
"""

from __future__ import annotations

import os

# The background refresh of the rollups after a write (db/rollups.py) would write into test databases while a test
# goes on and hold connections a teardown drops: off for the tests (browser servers inherit it), on where a test
# turns it on (tests/services/test_rollups.py).
os.environ["ROLLUP_REFRESH"] = "0"

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from db.engine import dispose_engines, get_engine  # noqa: E402
from tests import dbs  # noqa: E402

PG_ADMIN_URL = dbs.PG_ADMIN_URL
IN_CI = os.environ.get("CI", "").lower() == "true"


def pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        eng = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure means: no server to test against
        return f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


_PG_REASON = pg_reachable()


def pytest_report_header(config):
    return f"test databases: {'PostgreSQL' if dbs.BACKEND == 'pg' else 'SQLite'} (TEST_DB={dbs.BACKEND})"


def pytest_sessionstart(session):
    if dbs.BACKEND == "pg" and _PG_REASON:
        pytest.exit(f"TEST_DB=pg needs PostgreSQL: {_PG_REASON}", returncode=1)


def pytest_sessionfinish(session, exitstatus):
    dbs.drop_created()


# Fixtures that pin a backend: a test using them ran on PostgreSQL (or on SQLite on purpose) in the SQLite pass.
_PINNED = {"db_url", "pg_url", "sqlite_url", "empty_url"}


def pytest_collection_modifyitems(config, items):
    """The TEST_DB=pg pass runs what the SQLite pass ran on SQLite only: it leaves out tests that pin a backend
    (parametrized over both, or PostgreSQL/SQLite by design) and those marked sqlite_file, reading_only or
    covered_on_pg."""
    if dbs.BACKEND != "pg":
        return
    keep, drop = [], []
    for item in items:
        pinned = (_PINNED & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("sqlite_file")
                  or item.get_closest_marker("reading_only") or item.get_closest_marker("covered_on_pg"))
        (drop if pinned else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true the run skips nothing: a skip (a missing browser, font, LibreOffice, nginx, PostgreSQL or a
    condition in a test) is reported as a failure with its reason, so a green CI means every test ran."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true skips nothing, but this test was skipped: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped at collection (pytest.skip(allow_module_level=True), importorskip)."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"CI=true skips nothing, but {collector.nodeid} was skipped: {report.longrepr}"


def require_pg() -> None:
    if _PG_REASON:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {_PG_REASON}")
        pytest.skip(_PG_REASON)


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    require_pg()
    yield dbs.new_pg_url()
    dispose_engines()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["pg"] if dbs.BACKEND == "pg" else ["sqlite", "pg"])
def db_url(request, tmp_path, tmp_path_factory):
    """An empty database at the current schema (via Alembic), once on SQLite and once on PostgreSQL (on
    PostgreSQL only in the TEST_DB=pg pass, which would otherwise repeat the SQLite case): a copy of one migrated
    once per test process."""
    from db.migrate import upgrade

    if request.param == "pg":
        require_pg()
    yield dbs.copy_of("migrated", upgrade, tmp_path_factory, tmp_path, "test.db", request.param)
    dispose_engines()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> str:
    """The demo database as `python -m seed demo` builds it, once per test process: copy it (dbs.copy_url), never
    change it."""
    return dbs.template_url("demo", dbs.build_demo_database, tmp_path_factory)


@pytest.fixture(scope="session")
def demo_url(demo_template, tmp_path_factory) -> str:
    """A demo database the tests of this process share (page tests log in to it)."""
    return dbs.copy_url(demo_template, tmp_path_factory.mktemp("demo"), "demo.db")


@pytest.fixture
def migrated_url(tmp_path, tmp_path_factory) -> str:
    """An empty database at the current schema via Alembic, on the run's backend: a copy of one migrated once."""
    from db.migrate import upgrade

    return dbs.copy_of("migrated", upgrade, tmp_path_factory, tmp_path, "migrated.db")


def _schema_and_stations(url: str) -> None:
    from tests.seed.fixtures import with_stations

    dbs.build_schema(url)
    with_stations(get_engine(url))


@pytest.fixture
def engine(tmp_path, tmp_path_factory):
    """An empty database at the current schema (create_all): a SQLite file, or PostgreSQL under TEST_DB=pg."""
    yield get_engine(dbs.copy_of("schema", dbs.build_schema, tmp_path_factory, tmp_path, "unit.db"))
    dispose_engines()


@pytest.fixture
def stations_engine(tmp_path, tmp_path_factory):
    """The `engine` database after the bureau's seed/data/监管所.xlsx (district, townships, stations) is imported."""
    yield get_engine(dbs.copy_of("stations", _schema_and_stations, tmp_path_factory, tmp_path, "unit.db"))
    dispose_engines()
