"""Engines: SQLite with WAL, synchronous=FULL, busy_timeout and BEGIN IMMEDIATE (without it concurrent
read-modify-write transactions silently lose updates); PostgreSQL through psycopg 3. Schema migrations (Alembic)
are applied on start.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, readonly: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`. On SQLite, `readonly=True` gives one for reading only: plain deferred transactions,
    so readers (standings, sign-ins, history) never queue behind the write lock that writers take up front."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            _wal(cursor)
            for pragma in ("synchronous=FULL", "foreign_keys=ON"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # writers take the write lock up front (no lost updates); readers read a WAL snapshot
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=20, max_overflow=30, pool_pre_ping=True, **kwargs)


def _wal(cursor: Any) -> None:
    """Put the database in WAL mode. On a new file several processes starting at once (`--workers N`) race to
    switch it, and SQLite answers "database is locked" to the losers without waiting on the busy timeout: retry."""
    for _ in range(100):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA journal_mode=WAL")


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


MIGRATION_LOCK = 0x636F6E74  # PostgreSQL advisory lock key ("cont"): one migrating process at a time


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration. Several processes may start at once on one database (`contest
    serve --workers N`, several hosts): on PostgreSQL they take turns through an advisory lock held until the
    transaction ends, and each one after the first finds the schema current; on SQLite the transaction takes the
    write lock up front (BEGIN IMMEDIATE), which does the same."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
