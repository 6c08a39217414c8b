"""Bring a database to the current schema with Alembic (an existing database upgrades in place)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from db.authstore import move_from_main
from db.engine import get_engine, normalise_url

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "db" / "migrations"))
    cfg.attributes["url"] = normalise_url(url)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        # data_version has one row from the start, so every writer can simply increment it.
        if "data_version" in inspect(connection).get_table_names():
            connection.execute(
                text("INSERT INTO data_version (id, version) SELECT 1, 0 WHERE NOT EXISTS "
                     "(SELECT 1 FROM data_version WHERE id = 1)")
            )
    if revision == "head":  # SQLite keeps sessions, attempts, the audit log … in a file of their own
        move_from_main(url)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
