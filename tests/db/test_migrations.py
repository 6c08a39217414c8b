"""Alembic: a new database gets the current schema, and an existing one upgrades in place."""

from sqlalchemy import inspect
from sqlmodel import SQLModel

from db.engine import get_engine
from db.migrate import current_revision, upgrade


def test_upgrade_builds_every_table_and_is_idempotent(db_url):
    upgrade(db_url)  # a second time changes nothing
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert current_revision(db_url) is not None


def test_schema_matches_the_models(sqlite_url):
    """No model change without a migration: autogenerate finds nothing to do on a migrated database."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    upgrade(sqlite_url)
    with get_engine(sqlite_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
    assert diff == []
